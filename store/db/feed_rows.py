"""Feed rows: subscriptions, their health and their fetch schedule."""

from __future__ import annotations

import sqlite3
from datetime import datetime


from negotiation_watch.store.db.connection import dict_rows, write_transaction
from negotiation_watch.store.times import from_iso, to_iso, utc_now


def add_feed(
    db: sqlite3.Connection, url: str, title: str | None = None, folder: str | None = None
) -> tuple[int, bool]:
    """Add a feed by URL; returns (feed id, True if it was new). Fetched at once (due now).
    A feed already followed gains `folder` if it had none (an imported list's folders)."""
    now = to_iso(utc_now())
    with write_transaction(db) as conn:
        row = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row:
            if folder:
                conn.execute("UPDATE feeds SET folder = ? WHERE id = ? AND folder IS NULL", (folder, row[0]))
            return row[0], False
        cursor = conn.execute(
            "INSERT INTO feeds (url, title, added, next_fetch_due, folder) VALUES (?, ?, ?, ?, ?)",
            (url, title, now, now, folder),
        )
        return cursor.lastrowid, True


def find_feed(db: sqlite3.Connection, url_or_id: str | int) -> dict | None:
    """A feed by its id or its URL."""
    if isinstance(url_or_id, int) or str(url_or_id).isdigit():
        feed_id = int(url_or_id)  # past SQLite's 64-bit integers no feed has that id
        rows = dict_rows(db, "SELECT * FROM feeds WHERE id = ?", (feed_id,)) if feed_id < 2**63 else []
    else:
        rows = dict_rows(db, "SELECT * FROM feeds WHERE url = ?", (url_or_id,))
    return rows[0] if rows else None


def remove_feed(db: sqlite3.Connection, feed_id: int) -> None:
    """Remove a feed and, through the foreign keys, its articles and their tags. An article
    another feed carries too stays, as that feed's own (read mark and tags kept)."""
    with write_transaction(db) as conn:
        conn.execute(
            "UPDATE articles SET (feed_id, guid, content_hash) = (SELECT af.feed_id, af.guid, af.content_hash "
            "FROM article_feeds af WHERE af.article_id = articles.id ORDER BY af.feed_id LIMIT 1) "
            "WHERE feed_id = ? AND id IN (SELECT article_id FROM article_feeds)",
            (feed_id,),
        )
        conn.execute(  # the links just turned into ownership
            "DELETE FROM article_feeds WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = article_feeds.article_id "
            "AND a.feed_id = article_feeds.feed_id AND a.guid = article_feeds.guid)"
        )
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))


def set_feed_paused(db: sqlite3.Connection, feed_id: int, paused: bool) -> None:
    """Pause or resume a feed; resuming makes it due at once."""
    with write_transaction(db) as conn:
        conn.execute(
            "UPDATE feeds SET paused = ?, next_fetch_due = CASE WHEN ? THEN next_fetch_due ELSE ? END "
            "WHERE id = ?",
            (int(paused), int(paused), to_iso(utc_now()), feed_id),
        )


def set_feed_due_now(db: sqlite3.Connection, feed_id: int) -> None:
    """Make one feed due at once (refetch)."""
    with write_transaction(db) as conn:
        conn.execute("UPDATE feeds SET next_fetch_due = ? WHERE id = ?", (to_iso(utc_now()), feed_id))


# A feed's state in one word (paused, failing, new or ok): the one definition behind
# `feeds list`, the feeds screen and the status line's counts.
HEALTH = (
    "CASE WHEN paused THEN 'paused' WHEN consecutive_errors > 0 THEN 'failing' "
    "WHEN last_fetch IS NULL THEN 'new' ELSE 'ok' END"
)


def list_feeds(db: sqlite3.Connection) -> list[dict]:
    """Every feed with its `health` and `article_count`, in the order they were added."""
    return dict_rows(
        db,
        f"SELECT feeds.*, (SELECT count(*) FROM articles WHERE articles.feed_id = feeds.id) + "
        f"(SELECT count(*) FROM article_feeds WHERE article_feeds.feed_id = feeds.id) "
        f"AS article_count, {HEALTH} AS health FROM feeds ORDER BY feeds.id",
    )


def due_feeds(db: sqlite3.Connection, now: datetime | None = None, *, force: bool = False) -> list[dict]:
    """Feeds to fetch now: not paused and due (or all unpaused ones with force)."""
    if force:
        return dict_rows(db, "SELECT * FROM feeds WHERE paused = 0 ORDER BY id")
    return dict_rows(
        db,
        "SELECT * FROM feeds WHERE paused = 0 AND (next_fetch_due IS NULL OR next_fetch_due <= ?) "
        "ORDER BY next_fetch_due, id",
        (to_iso(now or utc_now()),),
    )


def next_due_time(db: sqlite3.Connection) -> datetime | None:
    """When the next unpaused feed falls due (None without feeds): `fetch --every` sleeps till then."""
    row = db.execute("SELECT min(coalesce(next_fetch_due, '')) FROM feeds WHERE paused = 0").fetchone()
    if row[0] is None:
        return None
    return from_iso(row[0]) or utc_now()


def update_feed(db: sqlite3.Connection, feed_id: int, **values) -> None:
    """Set feed columns (health, conditional-GET validators, new URL) in one write."""
    if not values:
        return
    with write_transaction(db) as conn:
        set_feed_columns(conn, feed_id, values)


def set_feed_columns(conn: sqlite3.Connection, feed_id: int, columns: dict) -> None:
    """update_feed's UPDATE inside a transaction the caller already holds (ingest's)."""
    unknown = set(columns) - FEED_COLUMNS
    if unknown:
        raise ValueError(f"unknown feed columns: {sorted(unknown)}")
    if columns:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(f"UPDATE feeds SET {assignments} WHERE id = ?", (*columns.values(), feed_id))


FEED_COLUMNS = {
    "url", "title", "site_url", "folder", "etag", "last_modified", "body_hash", "last_fetch", "last_ok",
    "last_status", "last_error", "consecutive_errors", "next_fetch_due", "paused",
}
