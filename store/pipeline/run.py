"""One fetch run: due feeds -> fetcher -> parser (process pool) -> ingest, feed by feed.

Used headless by `negotiation-watch fetch` and by the dashboard (from a worker thread).
Fetching is async I/O; parsing and tagging are CPU work done in worker processes; each
feed is written in one transaction of its own, so a failing feed never stops the others
and a crash never leaves half a feed stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from negotiation_watch.store.config import Alert
from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.store.pipeline import alerts
from negotiation_watch.store.pipeline.alerts import AlertHit
from negotiation_watch.store.pipeline.workers import ingest_workers, stop_broken, tagging_pool, worker_context
from negotiation_watch.store import times
from negotiation_watch.store.parse.clean import one_line
from negotiation_watch.store.fetch.fetcher import (
    FETCHED,
    OK_STATUSES,
    FetchLimits,
    FetchOutcome,
    fetch_many,
)
from negotiation_watch.store.db.ingest import (
    IngestResult,
    ingest,
    retag_all,
    save_feed_columns,
    stored_hashes,
    taxonomy_state,
)

if TYPE_CHECKING:
    from negotiation_watch.store.pipeline.tagging import TaggedFeed

VALIDATORS = ("etag", "last_modified", "body_hash")
MAX_WAITING_BODIES = 4  # feeds between fetched and stored: enough to keep two parser workers busy
# SQLite errors that no later feed can escape: the run stops and says what to do.
_DISK_TROUBLE = ("database or disk is full", "disk I/O error")


@dataclass
class FetchSummary:
    feeds_ok: int = 0
    feeds_failed: int = 0
    new_articles: int = 0
    updated: int = 0
    seconds: float = 0.0
    taxonomy_problems: list[str] = field(default_factory=list)  # when this run loaded the taxonomy
    retag_note: str | None = None  # why stored articles were not re-tagged, for the user
    alert_problems: list[str] = field(default_factory=list)  # matching or recording went wrong


@dataclass
class FeedDone:
    """One feed finished (fetched and stored, or failed): what the UI shows for it."""

    feed_id: int
    url: str
    title: str | None
    status: str
    error: str | None
    new: int = 0
    updated: int = 0


async def run_fetch(
    db_path: str | Path,
    *,
    limits: FetchLimits | None = None,
    force: bool = False,
    on_feed_done: Callable[[FeedDone], None] | None = None,
    taxonomy=None,
    on_retag_progress: Callable[[int, int], None] | None = None,
    retag: bool = True,
    alerts: list[Alert] | None = None,
    on_alert: Callable[[AlertHit], None] | None = None,
) -> FetchSummary:
    """Fetch every due feed (every unpaused one with `force`) and store what is new.

    The taxonomy (default: the user's) is loaded only when something new is to be
    stored, so a run where every feed is unchanged stays cheap. New articles are tagged
    with it; with `retag`, articles an older taxonomy tagged are re-tagged meanwhile, in a
    thread (reported through `on_retag_progress`), and the run ends when that is done too.
    The dashboard passes retag=False and runs the re-tag as a job of its own
    (store/pipeline/retag.py). Articles whose taxonomy is not recorded at all are left
    as they are, with `summary.retag_note` saying so.

    Each feed's database work is one short transaction, run on the event loop's own
    thread: handing each to a writer thread cost more (GIL hand-overs with the fetching)
    than it saved. Only re-tagging, which can take minutes, runs in a thread, on its own
    connection.

    After each feed with new articles, `alerts` are matched (store/pipeline/alerts.py);
    their commands run beside the fetch, and `on_alert` hears of each hit once its
    command (if any) is done. The run ends when they have.
    """
    started = time.monotonic()
    limits = limits or FetchLimits()
    db = connection.connect(db_path)
    summary = FetchSummary()
    parser = _ParserPool()
    try:
        feeds = feed_rows.due_feeds(db, force=force)
        if any(feed.get("body_hash") is None for feed in feeds):  # never read before: will be parsed
            parser.start_server()
        by_id = {feed["id"]: feed for feed in feeds}
        tagging = _Tagging(Path(db_path), taxonomy, on_retag_progress, summary, retag)
        run = _Run(db, Path(db_path), tagging, parser, summary, on_feed_done, alerts or [], on_alert)
        jobs: list[asyncio.Future] = []
        try:
            async with contextlib.aclosing(fetch_many(feeds, limits)) as outcomes:
                async for outcome in outcomes:
                    jobs.append(asyncio.ensure_future(run.finish(outcome, by_id[outcome.feed_id])))
                    await _room_for_more(jobs)
            await asyncio.gather(*jobs)
            await asyncio.gather(*run.alert_jobs)
            await tagging.finish()
        finally:
            await _stop(jobs + run.alert_jobs)
            await tagging.close()
    finally:
        parser.shutdown()
        db.close()
    summary.seconds = time.monotonic() - started
    return summary


class _Tagging:
    """The run's taxonomy, loaded and checked once, when the first feed has something new;
    and the re-tag it calls for, if the run does that, in a thread beside the feeds."""

    def __init__(self, db_path: Path, taxonomy, on_retag_progress, summary: FetchSummary, retag: bool) -> None:
        self.db_path, self.taxonomy, self.on_retag_progress, self.summary = db_path, taxonomy, on_retag_progress, summary
        self.retag = retag
        self.preparing: asyncio.Future | None = None
        self.retagging: asyncio.Future | None = None
        self.stopping = threading.Event()

    async def ready(self):
        """The taxonomy to tag with. Feeds that ask meanwhile wait for the same loading;
        after a failure the next one tries again."""
        failed = self.preparing is not None and self.preparing.done() and (
            self.preparing.cancelled() or self.preparing.exception() is not None
        )
        if self.preparing is None or failed:
            self.preparing = asyncio.ensure_future(asyncio.to_thread(self._prepare))
        taxonomy, state = await asyncio.shield(self.preparing)
        if state == "changed" and self.retag and self.retagging is None:
            self.retagging = asyncio.ensure_future(asyncio.to_thread(self._retag))
        return taxonomy

    async def finish(self) -> None:
        """Wait for the re-tag, if one runs, to be done."""
        if self.retagging is not None:
            await asyncio.shield(self.retagging)

    async def close(self) -> None:
        """Stop a re-tag still running (after its batch) and wait for its thread: the run's
        work must not outlive the run."""
        self.stopping.set()
        for work in (self.preparing, self.retagging):
            if work is not None:
                await asyncio.wait([work])

    def _prepare(self):
        if self.taxonomy is None:
            from negotiation_watch.store.extract.taxonomy import default_taxonomy

            self.taxonomy = default_taxonomy()
            self.summary.taxonomy_problems = list(self.taxonomy.problems)
        db = connection.connect(self.db_path)
        try:
            state = taxonomy_state(db, self.taxonomy)
            if state == "changed" and not queries.stats(db).articles:
                retag_all(db, self.taxonomy)  # nothing stored yet: records the taxonomy at once
                state = "current"
        finally:
            db.close()
        if state == "unknown":
            self.summary.retag_note = UNKNOWN_TAXONOMY_NOTE
        return self.taxonomy, state

    def _retag(self) -> None:
        db = connection.connect(self.db_path)  # this thread's own: feeds are stored meanwhile
        try:
            retag_all(db, self.taxonomy, self.on_retag_progress, self.stopping)
        finally:
            db.close()


UNKNOWN_TAXONOMY_NOTE = (
    "the stored articles do not record which taxonomy tagged them, so they were left as they are; "
    "`negotiation-watch retag` re-tags them with the current one (new articles use it already)"
)


async def _stop(jobs: list[asyncio.Future]) -> None:
    """Cancel the feeds still being parsed or stored and wait until they have stopped:
    on Ctrl-C or an error, one woken by its parse result would otherwise go on to store
    into the database closed under it. A feed stopped this way keeps its old validators,
    so the next run fetches it again."""
    for job in jobs:
        job.cancel()
    await asyncio.gather(*jobs, return_exceptions=True)


async def _room_for_more(jobs: list[asyncio.Future]) -> None:
    """Take the next fetched feed only when few bodies wait for the parser: fetched
    bodies queued behind a busy parser are memory and nothing else."""
    waiting = [job for job in jobs if not job.done()]
    if len(waiting) >= MAX_WAITING_BODIES:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)


@dataclass
class _Run:
    """The state one run shares between its feeds."""

    db: sqlite3.Connection
    db_path: Path
    tagging: _Tagging
    parser: _ParserPool
    summary: FetchSummary
    on_feed_done: Callable[[FeedDone], None] | None
    alerts: list[Alert] = field(default_factory=list)
    on_alert: Callable[[AlertHit], None] | None = None
    alert_jobs: list[asyncio.Future] = field(default_factory=list)

    async def finish(self, outcome: FetchOutcome, feed: dict) -> None:
        """Parse and store one fetched feed, or just record how its fetch went."""
        result, error, status = IngestResult(), outcome.error, outcome.status
        title = feed.get("title")
        try:
            if outcome.status == FETCHED and outcome.body is not None:
                result, title = await self.store(outcome, feed)
            else:
                _save_feed_columns(self.db, feed["id"], outcome.feed_updates)
        except _FeedFailed as failure:
            error, status = str(failure), "error"
            self.record_failure(outcome, feed, error)
        except connection.StoreError:  # the database's disk failed: every other feed would too
            raise
        except Exception as exc:  # recording the fetch itself failed (database trouble)
            error, status = f"could not record this fetch: {_describe(exc)}", "error"
        self.count(status, result)
        if result.new and self.alerts:
            self.check_alerts()
        if self.on_feed_done:
            self.on_feed_done(FeedDone(feed["id"], feed["url"], title, status, error, result.new, result.updated))

    async def store(self, outcome: FetchOutcome, feed: dict) -> tuple[IngestResult, str | None]:
        """Parse in the pool, then ingest with the fetch's validators in the same transaction;
        returns what was stored and the feed's (possibly new) title."""
        self.parser.start_server()  # its imports overlap the taxonomy's loading
        try:
            taxonomy = await self.tagging.ready()
        except Exception as exc:
            raise _FeedFailed(f"could not prepare the taxonomy: {_describe(exc)}") from exc
        try:
            known = stored_hashes(self.db, feed["id"])
            tagged = await self.parser.parse(taxonomy, outcome.body, outcome.headers, outcome.final_url, known,
                                             feed["id"])
        except Exception as exc:
            raise _FeedFailed(f"could not parse the feed: {_describe(exc)}") from exc
        try:
            result = ingest(self.db, feed["id"], tagged.parsed, taxonomy, feed_updates=outcome.feed_updates,
                            tags=tagged.tags, features=tagged.features)
        except sqlite3.OperationalError as exc:
            if any(words in str(exc) for words in _DISK_TROUBLE):
                raise connection.explain_error(self.db_path, exc) from exc
            raise _FeedFailed(f"could not store this feed: {_describe(exc)}") from exc
        except Exception as exc:  # a database error on one feed must not stop the rest
            raise _FeedFailed(f"could not store this feed: {_describe(exc)}") from exc
        return result, tagged.parsed.title or feed.get("title")

    def check_alerts(self) -> None:
        """Claim the alerts' hits among what is newly stored and run their commands beside
        the fetch; trouble here goes into the summary, never stops the run."""
        names = _names(self.tagging.taxonomy)
        try:
            claimed = alerts.claim_hits(self.db, self.alerts, names=names)
        except sqlite3.Error as exc:
            self.summary.alert_problems.append(f"could not match alerts: {_describe(exc)}")
            return
        for alert, hit in claimed:
            self.alert_jobs.append(asyncio.ensure_future(self.fire(alert, hit)))

    async def fire(self, alert: Alert, hit: AlertHit) -> None:
        """Run the alert's command (if it has one), record how it went, tell on_alert."""
        if alert.command:
            hit.status, hit.error = await alerts.run_command(alert, hit)
            try:
                alerts.record_result(self.db, hit)
            except sqlite3.Error as exc:
                self.summary.alert_problems.append(f"could not record how an alert's command went: {_describe(exc)}")
        if self.on_alert:
            self.on_alert(hit)

    def record_failure(self, outcome: FetchOutcome, feed: dict, message: str) -> None:
        """Mark the feed failed; if even that cannot be written, the summary still says so."""
        try:
            _save_feed_columns(self.db, feed["id"], _failure_columns(outcome, feed, message))
        except Exception:  # noqa: BLE001 (the database is failing; the message already reaches the user)
            pass

    def count(self, status: str, result: IngestResult) -> None:
        if status in OK_STATUSES:
            self.summary.feeds_ok += 1
        else:
            self.summary.feeds_failed += 1
        self.summary.new_articles += result.new
        self.summary.updated += result.updated


class _FeedFailed(Exception):
    """This feed failed (the message is for the user); the run goes on."""


def _names(taxonomy):
    """Display names from the run's taxonomy, for what alert commands are told."""
    names = {("party", p.id): p.name for p in taxonomy.parties.values()} if taxonomy else {}
    names.update({("track", t.id): t.name for t in taxonomy.tracks.values()} if taxonomy else {})
    return lambda kind, tag_id: names.get((kind, tag_id), tag_id)


def _describe(exc: Exception) -> str:
    return one_line(str(exc)) or type(exc).__name__


def _failure_columns(outcome: FetchOutcome, feed: dict, message: str) -> dict:
    """Feed columns for a body that could not be parsed or stored: a failure, and no
    validators kept, so the next fetch downloads and tries the body again."""
    updates = {k: v for k, v in outcome.feed_updates.items() if k not in (*VALIDATORS, "last_ok")}
    updates.update(
        last_status="error", last_error=message, consecutive_errors=(feed.get("consecutive_errors") or 0) + 1
    )
    return updates


def _save_feed_columns(db: sqlite3.Connection, feed_id: int, updates: dict) -> None:
    with connection.write_transaction(db) as conn:
        save_feed_columns(conn, feed_id, updates)


class _ParserPool:
    """Worker processes that parse and tag (CPU-bound work, spread over the cores),
    started on first use so a run with nothing new never pays for them; replaced if a
    worker dies. The fork server they come from starts as soon as a feed is sure to need
    parsing (one never read before), so its imports overlap the downloads; a run of feeds
    read before starts it only when one of them changed."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    async def parse(
        self, taxonomy, body: bytes, headers: dict, url: str, known: dict[str, str], feed_id: int
    ) -> TaggedFeed:
        from negotiation_watch.store.pipeline.tagging import parse_and_tag_in_worker

        loop = asyncio.get_running_loop()
        pool = self._pool(taxonomy)
        now = times.utc_now()
        try:
            return await loop.run_in_executor(pool, parse_and_tag_in_worker, body, headers, url, known, now,
                                              feed_id)
        except BrokenExecutor:
            if self.pool is pool:  # the first feed to notice replaces it; the next feed gets a fresh one
                self.pool = None
                stop_broken(pool)
            raise RuntimeError("the parser process stopped unexpectedly (out of memory?)") from None

    def start_server(self) -> None:
        """Start the process workers are forked from, if this system has one and it is not
        running yet, so that it imports the parser (~0.3 s) before the first parse."""
        context = worker_context()
        if context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def _pool(self, taxonomy) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = tagging_pool(taxonomy, ingest_workers())
        return self.pool

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
