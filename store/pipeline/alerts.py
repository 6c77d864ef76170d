"""[[alert]] matching: the stories a fetch stored that an alert watches, each claimed once
in the database, and the alert's command run for it without a shell.

After each feed is stored, the articles stored since the last check (by any process)
are matched in one write transaction that also records each hit and moves the mark on:
two processes fetching into one database never both claim a story, a restart never
fires for a story again, and a crash between storing and matching is caught up on the
next check. Old news a new feed brings along (published more than MAX_AGE ago) does
not fire. A command's failure (missing program, exit status, timeout) is recorded on its
hit and reported; it never stops the fetch.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


from negotiation_watch.store import times
from negotiation_watch.store.briefs.chronology import story_key
from negotiation_watch.store.config import PLACEHOLDER, Alert
from negotiation_watch.store.db import connection, queries
from negotiation_watch.store.parse.clean import one_line

MAX_AGE = timedelta(days=3)
ERROR_CHARS = 300  # of a failing command's standard error, kept with its hit
Names = Callable[[str, str], str]


@dataclass
class AlertHit:
    """One alert fired for one story."""

    id: int
    alert: str
    story: str
    article_id: int | None
    title: str
    url: str | None
    matched: str
    outlet: str = ""
    published: str = ""
    tracks: list[str] = field(default_factory=list)  # names
    parties: list[str] = field(default_factory=list)
    status: str | None = None  # "ok", "exit status 3", "timed out after 10 s", ...; None: no command
    error: str | None = None

    def values(self) -> dict[str, str]:
        """What a command is told, by placeholder name (also NW_<NAME> in its environment)."""
        return {
            "title": self.title, "link": self.url or "", "tracks": ", ".join(self.tracks),
            "parties": ", ".join(self.parties), "outlet": self.outlet, "published": self.published,
            "alert": self.alert, "story": self.story,
        }


def unknown_ids(alerts: list[Alert], known: Callable[[str], dict[str, str]]) -> list[str]:
    """A line for each track or party an alert names that the taxonomy does not know
    (`known(kind)` gives the ids of a kind): such an alert would never fire."""
    problems = []
    for alert in alerts:
        for kind, wanted in (("track", alert.tracks), ("party", alert.parties)):
            ids = known(kind)
            if not ids:
                continue  # names not loaded: nothing to judge by
            for tag_id in wanted:
                if tag_id not in ids:
                    wanted_name = tag_id.casefold()
                    near = next((i for i, name in ids.items() if wanted_name in (i.casefold(), name.casefold())), None)
                    hint = f" (did you mean {near!r}?)" if near else ""
                    problems.append(f"alert {alert.name!r}: no {kind} has the id {tag_id!r}{hint}; "
                                    "it cannot match until the id is right")
    return problems


def claim_hits(
    db: sqlite3.Connection, alerts: list[Alert], *, names: Names, now: datetime | None = None
) -> list[tuple[Alert, AlertHit]]:
    """Match the articles stored since the last check against `alerts`, record the new
    hits and move the mark, in one transaction; returns the hits this call claimed."""
    if not alerts:
        return []  # the mark stays: alerts added later start from here, not from their first check
    cutoff = times.to_iso((now or times.utc_now()) - MAX_AGE)
    claimed = []
    with connection.write_transaction(db) as conn:
        seen = int(connection.get_meta(conn, connection.ALERTS_SEEN_KEY) or 0)
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        if newest <= seen:
            return []
        recent = {row[0] for row in conn.execute(
            "SELECT id FROM articles WHERE id > ? AND id <= ? AND published >= ?", (seen, newest, cutoff))}
        matched = times.to_iso(now or times.utc_now())
        for alert in alerts:
            for article_id in sorted(_matching(conn, alert, recent, seen, newest)):
                hit = _claim(conn, alert, article_id, matched, names)
                if hit is not None:
                    claimed.append((alert, hit))
        connection.put_meta(conn, connection.ALERTS_SEEN_KEY, str(newest))
    return claimed


def _matching(conn: sqlite3.Connection, alert: Alert, ids: set[int], seen: int, newest: int) -> set[int]:
    """The ids among `ids` (stored after `seen`) that have every condition of the alert."""
    for kind, wanted in (("track", alert.tracks), ("party", alert.parties)):
        if wanted and ids:
            marks = ",".join("?" * len(wanted))
            ids = ids & {row[0] for row in conn.execute(
                f"SELECT article_id FROM tags WHERE kind = ? AND tag_id IN ({marks}) "
                "AND article_id > ? AND article_id <= ?", (kind, *wanted, seen, newest))}
    if alert.search and ids:
        match = queries.fts_query(alert.search)
        if not match:  # nothing searchable in the words (config.py refuses such entries)
            return set()
        ids = ids & {row[0] for row in conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ? AND rowid <= ?",
            (match, seen, newest))}
    return ids


def _claim(conn: sqlite3.Connection, alert: Alert, article_id: int, matched: str, names: Names) -> AlertHit | None:
    """Record the hit unless this alert already fired for the story; the hit, or None."""
    outlet, title, url, published, story_id = conn.execute(
        "SELECT coalesce(f.title, f.url), a.title, a.url, a.published, a.story_id FROM articles a "
        "JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?", (article_id,)).fetchone()
    story = story_key(article_id, story_id)
    cursor = conn.execute(
        "INSERT OR IGNORE INTO alert_hits (alert, story, article_id, title, url, matched) VALUES (?, ?, ?, ?, ?, ?)",
        (alert.name, story, article_id, one_line(title), url, matched))
    if not cursor.rowcount:
        return None
    tags = conn.execute("SELECT DISTINCT kind, tag_id FROM tags WHERE article_id = ? ORDER BY tag_id",
                        (article_id,)).fetchall()
    return AlertHit(
        cursor.lastrowid, alert.name, story, article_id, one_line(title), url, matched, one_line(outlet or ""),
        published, [one_line(names(k, t)) for k, t in tags if k == "track"],
        [one_line(names(k, t)) for k, t in tags if k == "party"],
    )


async def run_command(alert: Alert, hit: AlertHit) -> tuple[str, str | None]:
    """Run the alert's command for a hit, without a shell, within its timeout:
    ("ok", None) or (what went wrong, its standard error's end)."""
    values = hit.values()
    argv = [_fill(arg, values) for arg in alert.command]
    env = {**os.environ, **{f"NW_{name.upper()}": value for name, value in values.items()}}
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True,  # never the terminal's Ctrl-C
        )
    except OSError as exc:
        return f"could not start {argv[0]}: {exc.strerror or exc}", None
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), alert.timeout)
    except asyncio.TimeoutError:
        _kill(process)
        await process.wait()
        return f"timed out after {alert.timeout} s", None
    except asyncio.CancelledError:  # the fetch was stopped: so is the command
        _kill(process)
        raise
    error = one_line(stderr.decode("utf-8", "replace"))[-ERROR_CHARS:] or None
    if process.returncode:
        return f"exit status {process.returncode}", error
    return "ok", None


def _kill(process: asyncio.subprocess.Process) -> None:
    try:
        process.kill()
    except ProcessLookupError:
        pass


def _fill(arg: str, values: dict[str, str]) -> str:
    """One argument with {title}, {link}... replaced; what is put in is never read again,
    so a title that contains "{link}" stays as it is."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), arg)


def record_result(db: sqlite3.Connection, hit: AlertHit) -> None:
    with connection.write_transaction(db) as conn:
        conn.execute("UPDATE alert_hits SET command_status = ?, command_error = ? WHERE id = ?",
                     (hit.status, hit.error, hit.id))


def latest_hit_id(db: sqlite3.Connection) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM alert_hits").fetchone()[0]


def hits_after(db: sqlite3.Connection, hit_id: int, limit: int = 50) -> list[AlertHit]:
    """Hits recorded after `hit_id`, oldest first: what the dashboard has not shown yet."""
    return [
        AlertHit(*row)
        for row in db.execute(
            "SELECT id, alert, story, article_id, title, url, matched FROM alert_hits WHERE id > ? "
            "ORDER BY id LIMIT ?", (hit_id, limit))
    ]
