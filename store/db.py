"""The SQLite store: schema, migrations, connections and the queries the app needs.

Every other module reads and writes the database through the functions here, so the SQL
lives in one place. Times are stored as UTC ISO-8601 strings ("2022-01-27T14:05:00Z"),
which sort and compare correctly as text.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 15_000
# A search ranks at most this many of its newest matches: news readers want the recent
# ones, and ranking every match of a common word would keep the UI waiting.
RANKED_MATCHES = 3_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    site_url TEXT,
    added TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    last_fetch TEXT,
    last_ok TEXT,
    last_status TEXT,
    last_error TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    next_fetch_due TEXT,
    paused INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    author TEXT,
    published TEXT NOT NULL,
    date_estimated INTEGER NOT NULL DEFAULT 0,
    fetched TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    is_read INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, guid)
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published DESC, id DESC);
CREATE TABLE IF NOT EXISTS tags (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('party', 'track')),
    tag_id TEXT NOT NULL,
    field TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    person TEXT
);
CREATE INDEX IF NOT EXISTS tags_lookup ON tags (kind, tag_id, article_id);
CREATE INDEX IF NOT EXISTS tags_article ON tags (article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, summary, content='articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
-- New articles are indexed by index_articles, one statement per batch (schema 3): a
-- trigger per inserted row cost ingest three times as much.
CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
END;
CREATE TRIGGER IF NOT EXISTS articles_au AFTER UPDATE OF title, summary ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    INSERT INTO articles_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;
-- Articles and unread articles per party and track, kept by triggers so the dashboard's
-- sidebar costs one small read instead of a pass over every tag (schema 2).
CREATE TABLE IF NOT EXISTS tag_totals (
    kind TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, tag_id)
) WITHOUT ROWID;
-- And per day (UTC, the first ten characters of published): the sidebar's sparklines read
-- 30 days of this instead of joining a month of articles to their tags (schema 3).
CREATE TABLE IF NOT EXISTS tag_days (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, kind, tag_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS tags_ai AFTER INSERT ON tags
WHEN (SELECT count(*) FROM tags WHERE article_id = new.article_id AND kind = new.kind
      AND tag_id = new.tag_id) = 1
BEGIN
    INSERT INTO tag_totals (kind, tag_id, articles, unread)
        VALUES (new.kind, new.tag_id, 1, (SELECT 1 - is_read FROM articles WHERE id = new.article_id))
        ON CONFLICT (kind, tag_id) DO UPDATE SET articles = articles + 1, unread = unread + excluded.unread;
    INSERT INTO tag_days (day, kind, tag_id, articles)
        VALUES ((SELECT substr(published, 1, 10) FROM articles WHERE id = new.article_id), new.kind, new.tag_id, 1)
        ON CONFLICT (day, kind, tag_id) DO UPDATE SET articles = articles + 1;
END;
CREATE TRIGGER IF NOT EXISTS tags_ad AFTER DELETE ON tags
WHEN NOT EXISTS (SELECT 1 FROM tags WHERE article_id = old.article_id AND kind = old.kind
      AND tag_id = old.tag_id)
BEGIN
    UPDATE tag_totals SET articles = articles - 1,
        unread = unread - coalesce((SELECT 1 - is_read FROM articles WHERE id = old.article_id), 0)
        WHERE kind = old.kind AND tag_id = old.tag_id;
    UPDATE tag_days SET articles = articles - 1
        WHERE day = (SELECT substr(published, 1, 10) FROM articles WHERE id = old.article_id)
        AND kind = old.kind AND tag_id = old.tag_id;
END;
-- A feed that gives a date for an article first stored undated moves its day.
CREATE TRIGGER IF NOT EXISTS articles_redate AFTER UPDATE OF published ON articles
WHEN substr(old.published, 1, 10) != substr(new.published, 1, 10)
BEGIN
    UPDATE tag_days SET articles = articles - 1
        WHERE day = substr(old.published, 1, 10)
        AND (kind, tag_id) IN (SELECT kind, tag_id FROM tags WHERE article_id = new.id);
    INSERT INTO tag_days (day, kind, tag_id, articles)
        SELECT DISTINCT substr(new.published, 1, 10), kind, tag_id, 1 FROM tags WHERE article_id = new.id
        ON CONFLICT (day, kind, tag_id) DO UPDATE SET articles = articles + 1;
END;
-- An article's tags go first, while the article still says whether it was unread.
CREATE TRIGGER IF NOT EXISTS articles_bd BEFORE DELETE ON articles BEGIN
    DELETE FROM tags WHERE article_id = old.id;
END;
CREATE TRIGGER IF NOT EXISTS articles_read AFTER UPDATE OF is_read ON articles
WHEN old.is_read != new.is_read
BEGIN
    UPDATE tag_totals SET unread = unread + (CASE WHEN new.is_read THEN -1 ELSE 1 END)
        WHERE (kind, tag_id) IN (SELECT DISTINCT kind, tag_id FROM tags WHERE article_id = new.id);
END;
"""


class StoreError(Exception):
    """A database problem explained for the user: which file, what is wrong, what to do."""


# --------------------------------------------------------------------------- time


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 with a Z, to the second: the one time format stored (naive means UTC)."""
    if moment.tzinfo is not None and moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    # isoformat, not strftime: always four-digit years (sortable, readable by from_iso), faster
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- connecting


def connect(path: str | Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database at `path`, ready for concurrent use.

    Autocommit mode: writers open their own transaction with `write_transaction`, so two
    processes never deadlock on a read lock that wants to become a write lock.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file: give --db a file path.")
    if not path.exists():
        if not create:
            raise StoreError(f"{path} does not exist.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {path}: {exc.strerror or exc}.") from exc
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise explain_error(path, exc) from exc
    # No sqlite-utils plugins: finding them scans every installed package (~30 ms a
    # connection's first use), and nothing here calls the SQL functions they would add.
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        _refuse_foreign_or_newer(db)  # before WAL mode rewrites the header
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise explain_error(path, exc) from exc
    except StoreError:
        conn.close()
        raise
    return db


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL mode. The switch needs the file to itself and SQLite does
    not wait for that (no busy handler), so when several connections open a brand-new file
    at once, the losers retry until the winner's switch is done."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def explain_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """A database error as a StoreError that names the file and says what to do."""
    message = str(exc)
    if "not a database" in message or "malformed" in message:
        return StoreError(
            f"{path} is not a readable negotiation-watch database ({message}). "
            "It was left untouched; move it aside or choose another file with --db."
        )
    if "readonly" in message or "unable to open" in message:
        return StoreError(
            f"cannot write to {path} ({message}). Check the file and folder permissions, "
            "or choose another file with --db."
        )
    if "disk" in message and "full" in message:
        return StoreError(f"the disk holding {path} is full ({message}). Free some space and try again.")
    if "disk I/O error" in message:
        return StoreError(
            f"cannot write to {path} ({message}): the disk may be full or failing. "
            "Free some space or check the disk, then try again."
        )
    return StoreError(f"database error in {path}: {message}")


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One atomic write: BEGIN IMMEDIATE takes the write lock up front (waiting up to the
    busy timeout), and everything inside commits together or not at all.

    Use plain `conn.execute` inside: sqlite-utils' own write helpers commit on their own.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> None:
    """Create the schema or bring it up to SCHEMA_VERSION; refuse a newer database."""
    found = _refuse_foreign_or_newer(db)
    if found == SCHEMA_VERSION:
        return
    with write_transaction(db) as conn:
        if _schema_version(db) == SCHEMA_VERSION:  # another process migrated while we waited
            return
        if found in (1, 2):
            # Schema 3 indexes new articles in batches (index_articles), not row by row; its
            # tag triggers keep tag_days as well; and no query needed articles_feed_published
            # (UNIQUE (feed_id, guid) serves a feed's articles) while every insert paid for it.
            for trigger in ("articles_ai", "tags_ai", "tags_ad"):
                conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            conn.execute("DROP INDEX IF EXISTS articles_feed_published")
        for statement in _statements(SCHEMA):
            conn.execute(statement)
        if found in (1, 2):  # count per day what is stored
            conn.execute("DELETE FROM tag_days")
            conn.execute(
                "INSERT INTO tag_days (day, kind, tag_id, articles) SELECT substr(a.published, 1, 10), "
                "t.kind, t.tag_id, count(DISTINCT a.id) FROM tags t JOIN articles a ON a.id = t.article_id "
                "GROUP BY 1, 2, 3"
            )
        if found == 1:  # schema 1 had no tag_totals: count what is stored
            conn.execute(
                "INSERT INTO tag_totals (kind, tag_id, articles, unread) SELECT kind, tag_id, "
                "count(DISTINCT article_id), count(DISTINCT CASE WHEN article_id IN "
                "(SELECT id FROM articles WHERE is_read = 0) THEN article_id END) FROM tags "
                "GROUP BY kind, tag_id"
            )
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )


def _refuse_foreign_or_newer(db: sqlite_utils.Database) -> int:
    """The file's schema version; StoreError for another program's tables or a newer schema."""
    found = _schema_version(db)
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{db.conn.execute('PRAGMA database_list').fetchone()[2]} was written by a newer "
            f"negotiation-watch (schema {found}, this one knows {SCHEMA_VERSION}). "
            "Upgrade negotiation-watch; the file was left untouched."
        )
    return found


def _statements(script: str) -> list[str]:
    """Split the schema script into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.splitlines():
        current.append(line)
        if sqlite3.complete_statement("\n".join(current)):
            statements.append("\n".join(current).strip())
            current = []
    return [s for s in statements if s]


def _schema_version(db: sqlite_utils.Database) -> int:
    """0 for an empty file; StoreError for a file with tables but no negotiation-watch schema."""
    tables = {row[0] for row in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    row = None
    if "meta" in tables:
        try:
            row = db.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # another program's table that happens to be called meta
            row = None
    if not row or not str(row[0]).isdigit():
        raise StoreError(
            f"{db.conn.execute('PRAGMA database_list').fetchone()[2]} holds other tables but no "
            "negotiation-watch schema; it was left untouched. Choose another file with --db."
        )
    return int(row[0])


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    with write_transaction(db) as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def data_version(db: sqlite_utils.Database) -> int:
    """Changes whenever another connection commits: the dashboard polls it to stay live."""
    return db.conn.execute("PRAGMA data_version").fetchone()[0]


# --------------------------------------------------------------------------- feeds


def add_feed(db: sqlite_utils.Database, url: str, title: str | None = None) -> tuple[int, bool]:
    """Add a feed by URL; returns (feed id, True if it was new). Fetched at once (due now)."""
    now = to_iso(utc_now())
    with write_transaction(db) as conn:
        row = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row:
            return row[0], False
        cursor = conn.execute(
            "INSERT INTO feeds (url, title, added, next_fetch_due) VALUES (?, ?, ?, ?)",
            (url, title, now, now),
        )
        return cursor.lastrowid, True


def find_feed(db: sqlite_utils.Database, url_or_id: str | int) -> dict | None:
    """A feed by its id or its URL."""
    if isinstance(url_or_id, int) or str(url_or_id).isdigit():
        feed_id = int(url_or_id)  # past SQLite's 64-bit integers no feed has that id
        rows = _rows(db, "SELECT * FROM feeds WHERE id = ?", (feed_id,)) if feed_id < 2**63 else []
    else:
        rows = _rows(db, "SELECT * FROM feeds WHERE url = ?", (url_or_id,))
    return rows[0] if rows else None


def remove_feed(db: sqlite_utils.Database, feed_id: int) -> None:
    """Remove a feed and, through the foreign keys, its articles and their tags."""
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))


def set_feed_paused(db: sqlite_utils.Database, feed_id: int, paused: bool) -> None:
    """Pause or resume a feed; resuming makes it due at once."""
    with write_transaction(db) as conn:
        conn.execute(
            "UPDATE feeds SET paused = ?, next_fetch_due = CASE WHEN ? THEN next_fetch_due ELSE ? END "
            "WHERE id = ?",
            (int(paused), int(paused), to_iso(utc_now()), feed_id),
        )


def set_feed_due_now(db: sqlite_utils.Database, feed_id: int) -> None:
    """Make one feed due at once (refetch)."""
    with write_transaction(db) as conn:
        conn.execute("UPDATE feeds SET next_fetch_due = ? WHERE id = ?", (to_iso(utc_now()), feed_id))


# A feed's state in one word (paused, failing, new or ok): the one definition behind
# `feeds list`, the feeds screen and the status line's counts.
_HEALTH = (
    "CASE WHEN paused THEN 'paused' WHEN consecutive_errors > 0 THEN 'failing' "
    "WHEN last_fetch IS NULL THEN 'new' ELSE 'ok' END"
)


def list_feeds(db: sqlite_utils.Database) -> list[dict]:
    """Every feed with its `health` and `article_count`, in the order they were added."""
    return _rows(
        db,
        f"SELECT feeds.*, (SELECT count(*) FROM articles WHERE articles.feed_id = feeds.id) "
        f"AS article_count, {_HEALTH} AS health FROM feeds ORDER BY feeds.id",
    )


def due_feeds(db: sqlite_utils.Database, now: datetime | None = None, *, force: bool = False) -> list[dict]:
    """Feeds to fetch now: not paused and due (or all unpaused ones with force)."""
    if force:
        return _rows(db, "SELECT * FROM feeds WHERE paused = 0 ORDER BY id")
    return _rows(
        db,
        "SELECT * FROM feeds WHERE paused = 0 AND (next_fetch_due IS NULL OR next_fetch_due <= ?) "
        "ORDER BY next_fetch_due, id",
        (to_iso(now or utc_now()),),
    )


def next_due_time(db: sqlite_utils.Database) -> datetime | None:
    """When the next unpaused feed falls due (None without feeds): `fetch --every` sleeps till then."""
    row = db.conn.execute("SELECT min(coalesce(next_fetch_due, '')) FROM feeds WHERE paused = 0").fetchone()
    if row[0] is None:
        return None
    return from_iso(row[0]) or utc_now()


def update_feed(db: sqlite_utils.Database, feed_id: int, **values) -> None:
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
    "url", "title", "site_url", "etag", "last_modified", "body_hash", "last_fetch", "last_ok",
    "last_status", "last_error", "consecutive_errors", "next_fetch_due", "paused",
}


# --------------------------------------------------------------------------- writing articles


def index_articles(conn: sqlite3.Connection, first_id: int, last_id: int) -> None:
    """Add articles first_id..last_id to the search index, inside the caller's transaction.

    Whoever inserts articles calls this (ingest does, once per feed); edits and deletions
    are indexed by triggers. One statement for the batch is what makes it cheap.
    """
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, summary) "
        "SELECT id, title, summary FROM articles WHERE id BETWEEN ? AND ?",
        (first_id, last_id),
    )


def next_article_id(conn: sqlite3.Connection) -> int:
    """The id SQLite would give the next article; stable while the caller holds the write lock."""
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]


# --------------------------------------------------------------------------- reads for the UI


@dataclass
class TagLabel:
    kind: str
    tag_id: str


@dataclass
class ArticleRow:
    """One line of a pane: enough to draw it without another query."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    url: str | None
    published: str
    is_read: bool
    tags: list[TagLabel] = field(default_factory=list)


@dataclass
class TagCount:
    kind: str
    tag_id: str
    articles: int
    unread: int


def latest_articles(
    db: sqlite_utils.Database,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 50,
    before: tuple[str, int] | None = None,
) -> list[ArticleRow]:
    """Newest first, optionally only those tagged kind/tag_id; `before` = (published, id)
    of the last row shown, for paging without OFFSET."""
    where, params = [], []
    if kind and tag_id:
        if _is_frequent(db, kind, tag_id):
            # walk the newest articles and keep the tagged ones: stops after `limit` hits
            where.append("EXISTS (SELECT 1 FROM tags t WHERE t.kind = ? AND t.tag_id = ? AND t.article_id = a.id)")
        else:
            # few articles: fetch them all through the tag index and sort that short list
            where.append("a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?)")
        params += [kind, tag_id]
    if before:
        where.append("(a.published, a.id) < (?, ?)")  # a row value lets SQLite seek in the index
        params += [before[0], before[1]]
    sql = (
        "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.url, a.published, a.is_read "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id "
        + ("WHERE " + " AND ".join(where) + " " if where else "")
        + "ORDER BY a.published DESC, a.id DESC LIMIT ?"
    )
    rows = [ArticleRow(*row[:6], bool(row[6])) for row in db.conn.execute(sql, (*params, limit))]
    _attach_tags(db, rows)
    return rows


FREQUENT_TAG_ROWS = 2500  # about sqrt(page x articles) for 100k articles: where the two plans cost the same


def _is_frequent(db: sqlite_utils.Database, kind: str, tag_id: str) -> bool:
    """Whether a tag has more than FREQUENT_TAG_ROWS evidence rows (counting stops there)."""
    row = db.conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM tags WHERE kind = ? AND tag_id = ? LIMIT ?)",
        (kind, tag_id, FREQUENT_TAG_ROWS + 1),
    ).fetchone()
    return row[0] > FREQUENT_TAG_ROWS


def search_articles(
    db: sqlite_utils.Database,
    query: str,
    kind: str | None = None,
    tag_id: str | None = None,
    *,
    limit: int = 100,
) -> list[ArticleRow]:
    """Full-text search over titles and summaries, best matches first, newest breaking ties;
    without a party or track filter, the best among the newest RANKED_MATCHES matches.

    The user's words are quoted, so FTS5 syntax in them is never an error.
    """
    match = fts_query(query)
    if not match:
        return []
    if kind and tag_id:
        found = db.conn.execute(
            f"SELECT {_RESULT_COLUMNS} FROM articles_fts "
            "JOIN articles a ON a.id = articles_fts.rowid JOIN feeds f ON f.id = a.feed_id "
            "WHERE articles_fts MATCH ? AND a.id IN (SELECT article_id FROM tags WHERE kind = ? AND tag_id = ?) "
            "ORDER BY articles_fts.rank, a.published DESC LIMIT ?",
            (match, kind, tag_id, limit),
        ).fetchall()
    else:
        found = _best_of_newest(db, match, limit)
    rows = [ArticleRow(*row[:6], bool(row[6])) for row in found]
    _attach_tags(db, rows)
    return rows


_RESULT_COLUMNS = "a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.url, a.published, a.is_read"


def _best_of_newest(db: sqlite_utils.Database, match: str, limit: int) -> list[tuple]:
    """The `limit` best-scored of the newest RANKED_MATCHES matches, best first, newest
    first among equals.

    One pass over the index: FTS5 walks its lists newest first cheaply, and the best are
    picked here; ranking inside FTS5 needed a second pass to find where the newest matches
    begin, which doubled the time.
    """
    scored = db.conn.execute(
        "SELECT rowid, bm25(articles_fts) FROM articles_fts WHERE articles_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?",
        (match, RANKED_MATCHES),
    ).fetchall()
    best = dict(sorted(scored, key=lambda hit: hit[1])[:limit])
    marks = ",".join("?" * len(best))
    rows = db.conn.execute(
        f"SELECT {_RESULT_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({marks})",
        tuple(best),
    )
    found = sorted(rows, key=lambda row: row[5], reverse=True)  # newest first among equals...
    found.sort(key=lambda row: best[row[0]])  # ...once sorted (stably) by score
    return found


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must appear, as a prefix."""
    words = [w.replace('"', "") for w in text.split()]
    return " ".join(f'"{w}"*' for w in words if w)


def _attach_tags(db: sqlite_utils.Database, rows: list[ArticleRow]) -> None:
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    marks = ",".join("?" * len(by_id))
    for article_id, kind, tag_id in db.conn.execute(
        f"SELECT DISTINCT article_id, kind, tag_id FROM tags WHERE article_id IN ({marks}) "
        "ORDER BY article_id, kind DESC, tag_id",
        tuple(by_id),
    ):
        by_id[article_id].tags.append(TagLabel(kind, tag_id))


def tag_counts(db: sqlite_utils.Database) -> list[TagCount]:
    """Articles and unread articles per party and per track, most articles first."""
    return [
        TagCount(*row)
        for row in db.conn.execute(
            "SELECT kind, tag_id, articles, unread FROM tag_totals WHERE articles > 0 "
            "ORDER BY articles DESC, kind, tag_id"
        )
    ]


def daily_counts(
    db: sqlite_utils.Database, kind: str, tag_id: str, *, days: int = 30, end: date | None = None
) -> list[int]:
    """Articles per day for one party or track over the `days` days ending with `end`
    (default today, UTC), oldest first: the sidebar's sparkline."""
    end = end or utc_now().date()
    start = end - timedelta(days=days - 1)
    counts = dict(
        db.conn.execute(
            "SELECT day, articles FROM tag_days WHERE day BETWEEN ? AND ? AND kind = ? AND tag_id = ?",
            (start.isoformat(), end.isoformat(), kind, tag_id),
        )
    )
    return [counts.get((start + timedelta(days=i)).isoformat(), 0) for i in range(days)]


def daily_counts_all(
    db: sqlite_utils.Database, *, days: int = 30, end: date | None = None
) -> dict[tuple[str, str], list[int]]:
    """daily_counts for every party and track at once: {(kind, tag_id): counts oldest
    first}; ones without articles in the window are absent."""
    end = end or utc_now().date()
    start = end - timedelta(days=days - 1)
    index = {(start + timedelta(days=i)).isoformat(): i for i in range(days)}
    result: dict[tuple[str, str], list[int]] = {}
    for day, kind, tag_id, count in db.conn.execute(
        "SELECT day, kind, tag_id, articles FROM tag_days WHERE day BETWEEN ? AND ? AND articles > 0",
        (start.isoformat(), end.isoformat()),
    ):
        result.setdefault((kind, tag_id), [0] * days)[index[day]] = count
    return result


@dataclass
class ArticleDetail:
    id: int
    feed_id: int
    feed_title: str
    title: str
    summary: str
    url: str | None
    author: str | None
    published: str
    date_estimated: bool
    fetched: str
    is_read: bool
    evidence: list[dict]  # {kind, tag_id, field, start, end, text, person}


def get_article(db: sqlite_utils.Database, article_id: int) -> ArticleDetail | None:
    """One article with every tag's evidence, for the article screen."""
    row = db.conn.execute(
        "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.title, a.summary, a.url, a.author, "
        "a.published, a.date_estimated, a.fetched, a.is_read "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
        (article_id,),
    ).fetchone()
    if not row:
        return None
    evidence = _rows(
        db,
        'SELECT kind, tag_id, field, start, "end", text, person FROM tags WHERE article_id = ? '
        "ORDER BY kind DESC, tag_id, field DESC, start",
        (article_id,),
    )
    return ArticleDetail(*row[:8], bool(row[8]), row[9], bool(row[10]), evidence)


def set_read(db: sqlite_utils.Database, article_id: int, read: bool = True) -> None:
    with write_transaction(db) as conn:
        conn.execute("UPDATE articles SET is_read = ? WHERE id = ?", (int(read), article_id))


@dataclass
class Stats:
    feeds: int
    feeds_ok: int
    feeds_failing: int
    feeds_paused: int
    articles: int
    unread: int
    last_fetch: str | None


def stats(db: sqlite_utils.Database) -> Stats:
    """Figures for the status line."""
    feeds, ok, failing, paused, last_fetch = db.conn.execute(
        "SELECT count(*), coalesce(sum(health = 'ok'), 0), coalesce(sum(health = 'failing'), 0), "
        f"coalesce(sum(health = 'paused'), 0), max(last_fetch) FROM (SELECT {_HEALTH} AS health, "
        "last_fetch FROM feeds)"
    ).fetchone()
    articles, unread = db.conn.execute(
        "SELECT count(*), coalesce(sum(1 - is_read), 0) FROM articles"
    ).fetchone()
    return Stats(feeds, ok, failing, paused, articles, unread, last_fetch)


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict]:
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
