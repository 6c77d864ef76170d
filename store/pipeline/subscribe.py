"""Subscribing: the one way the CLI and the dashboard add feeds and seed the defaults."""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from importlib import resources

from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store import times
from negotiation_watch.store.fetch.fetcher import FetchLimits, probe_many

DEFAULTS_SEEDED = "default_feeds_seeded"


@dataclass
class SubscribeResult:
    """What happened to one URL the user asked to add."""

    requested: str
    url: str | None = None
    feed_id: int | None = None
    title: str | None = None
    item_count: int | None = None
    created: bool = False
    error: str | None = None
    folder: str | None = None  # an OPML file's folder for it


async def check_feeds(texts: Iterable[str], limits: FetchLimits | None = None) -> AsyncIterator[SubscribeResult]:
    """Validate URLs and fetch each once (following HTML autodiscovery) without storing
    them; yields each result as it is known, so a caller stores and reports as they come.

    However long the list, the checks share one client and `fetch`'s limits, and only
    `concurrency` of them are under way at a time (fetcher.probe_many)."""
    async with aclosing(probe_many(texts, limits)) as probes:
        async for probe in probes:
            yield SubscribeResult(probe.requested, probe.url, None, probe.title, probe.item_count, False, probe.error)


def store_checked(db: sqlite3.Connection, result: SubscribeResult) -> SubscribeResult:
    """Add a feed that `check_feeds` approved; a URL already stored is reported, not doubled."""
    if result.error or not result.url:
        return result
    result.feed_id, result.created = feed_rows.add_feed(db, result.url, result.title, result.folder)
    return result


def default_feeds() -> list[dict]:
    """The curated starting list, kept as data in store/data/default_feeds.toml."""
    text = resources.files("negotiation_watch.store").joinpath("data/default_feeds.toml").read_text("utf-8")
    return tomllib.loads(text)["feed"]


def seed_defaults(db: sqlite3.Connection) -> int:
    """Add the default feeds once to a database that never had feeds; removed ones never
    come back. Returns how many. Whoever opens the default database first (the dashboard,
    any command) calls it, so a database made by one is seeded for all."""
    if connection.get_meta(db, DEFAULTS_SEEDED) or db.execute("SELECT 1 FROM feeds LIMIT 1").fetchone():
        return 0
    added = 0
    for feed in default_feeds():
        added += feed_rows.add_feed(db, feed["url"], feed["title"])[1]
    connection.set_meta(db, DEFAULTS_SEEDED, times.to_iso(times.utc_now()))
    return added
