"""Opening the SQLite file: its schema and migrations, write transactions and the meta table.

Times are stored as UTC ISO-8601 strings (store/times.py), which sort and compare as text.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

SCHEMA_VERSION = 12
BUSY_TIMEOUT_MS = 15_000

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
    paused INTEGER NOT NULL DEFAULT 0,
    folder TEXT
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
    story_id INTEGER,
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
-- Declared as sqlite-utils' enable_fts declares it (content=[articles]), which is how
-- Datasette and sqlite-utils find a table's search index (schema 4).
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    [title], [summary], content=[articles], content_rowid=[id],
    tokenize='unicode61 remove_diacritics 2'
);
-- The other feeds that carry an article (an aggregator and its source: same link or
-- guid): one article, listed under each feed, instead of a row per feed (schema 4).
CREATE TABLE IF NOT EXISTS article_feeds (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (feed_id, guid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_feeds_article ON article_feeds (article_id);
-- How ingest finds another feed's copy of a new article: by its link or its guid.
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_guid ON articles (guid);
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
-- All articles and the unread ones, one row kept by triggers: the status line read them
-- with a pass over the whole articles table, 0.2-1.3 s at a million (schema 5).
CREATE TABLE IF NOT EXISTS article_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    articles INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO article_totals (id) VALUES (1);
CREATE TRIGGER IF NOT EXISTS articles_count_ai AFTER INSERT ON articles BEGIN
    UPDATE article_totals SET articles = articles + 1, unread = unread + (new.is_read = 0) WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS articles_count_ad AFTER DELETE ON articles BEGIN
    UPDATE article_totals SET articles = articles - 1, unread = unread - (old.is_read = 0) WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS articles_count_read AFTER UPDATE OF is_read ON articles
WHEN (old.is_read = 0) != (new.is_read = 0)
BEGIN
    UPDATE article_totals SET unread = unread + (new.is_read = 0) - (old.is_read = 0) WHERE id = 1;
END;
-- Who did what to whom, one row per sentence and pair: `source` did `action` to `target`
-- (`mutual` = 1: a symmetric action, the pair unordered), as read in `text`, the sentence at
-- [start, end) of the article's `field`, signalled by the words at [signal_start, signal_end)
-- (schema 6).
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    mutual INTEGER NOT NULL DEFAULT 0,
    track TEXT,
    field TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    signal_start INTEGER NOT NULL,
    signal_end INTEGER NOT NULL
);
-- Covering: the matrix counts a window of articles' interactions without reading the rows.
CREATE INDEX IF NOT EXISTS interactions_article ON interactions (article_id, action, source, target, mutual, track);
-- Gone with their article even where foreign keys are off (another program's connection).
CREATE TRIGGER IF NOT EXISTS articles_bd_interactions BEFORE DELETE ON articles BEGIN
    DELETE FROM interactions WHERE article_id = old.id;
END;
-- Articles per day (UTC) stating each action between each pair in each track ('' for
-- none), kept by triggers: the who-talks-to-whom matrix reads a window of this instead of
-- joining a month of articles to their interactions (schema 6).
CREATE TABLE IF NOT EXISTS interaction_days (
    day TEXT NOT NULL,
    action TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    mutual INTEGER NOT NULL,
    track TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, action, source, target, mutual, track)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS interactions_ai AFTER INSERT ON interactions
WHEN (SELECT count(*) FROM interactions WHERE article_id = new.article_id AND action = new.action
      AND source = new.source AND target = new.target AND mutual = new.mutual
      AND coalesce(track, '') = coalesce(new.track, '')) = 1
BEGIN
    INSERT INTO interaction_days (day, action, source, target, mutual, track, articles)
        VALUES ((SELECT substr(published, 1, 10) FROM articles WHERE id = new.article_id), new.action,
                new.source, new.target, new.mutual, coalesce(new.track, ''), 1)
        ON CONFLICT (day, action, source, target, mutual, track) DO UPDATE SET articles = articles + 1;
END;
CREATE TRIGGER IF NOT EXISTS interactions_ad AFTER DELETE ON interactions
WHEN NOT EXISTS (SELECT 1 FROM interactions WHERE article_id = old.article_id AND action = old.action
      AND source = old.source AND target = old.target AND mutual = old.mutual
      AND coalesce(track, '') = coalesce(old.track, ''))
BEGIN
    UPDATE interaction_days SET articles = articles - 1
        WHERE day = (SELECT substr(published, 1, 10) FROM articles WHERE id = old.article_id)
        AND action = old.action AND source = old.source AND target = old.target AND mutual = old.mutual
        AND track = coalesce(old.track, '');
END;
CREATE TRIGGER IF NOT EXISTS articles_redate_interactions AFTER UPDATE OF published ON articles
WHEN substr(old.published, 1, 10) != substr(new.published, 1, 10)
BEGIN
    UPDATE interaction_days SET articles = articles - 1
        WHERE day = substr(old.published, 1, 10)
        AND (action, source, target, mutual, track) IN (SELECT action, source, target, mutual, coalesce(track, '')
                                                         FROM interactions WHERE article_id = new.id);
    INSERT INTO interaction_days (day, action, source, target, mutual, track, articles)
        SELECT DISTINCT substr(new.published, 1, 10), action, source, target, mutual, coalesce(track, ''), 1
        FROM interactions WHERE article_id = new.id
        ON CONFLICT (day, action, source, target, mutual, track) DO UPDATE SET articles = articles + 1;
END;
-- Each story an [[alert]] fired for, once (schema 8): the claim is the row, made in the
-- transaction that reads the new articles, so two processes never both run the command.
CREATE TABLE IF NOT EXISTS alert_hits (
    id INTEGER PRIMARY KEY,
    alert TEXT NOT NULL,
    story TEXT NOT NULL,
    article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    url TEXT,
    matched TEXT NOT NULL,
    command_status TEXT,
    command_error TEXT,
    UNIQUE (alert, story)
);
CREATE TRIGGER IF NOT EXISTS articles_read AFTER UPDATE OF is_read ON articles
WHEN old.is_read != new.is_read
BEGIN
    UPDATE tag_totals SET unread = unread + (CASE WHEN new.is_read THEN -1 ELSE 1 END)
        WHERE (kind, tag_id) IN (SELECT DISTINCT kind, tag_id FROM tags WHERE article_id = new.id);
    UPDATE stories SET unread = unread + (CASE WHEN new.is_read THEN -1 ELSE 1 END) WHERE id = new.story_id;
END;
-- Stories (schema 5): the articles of one event, grouped as they arrive by
-- store/extract/stories.py; ingest keeps these tables (store/db/story_rows.py). A story's
-- title and lead_id are its newest article's; unread counts its unread articles.
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    lead_id INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    outlets INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS stories_last_seen ON stories (last_seen DESC, id DESC);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id, published);
-- whether a story already has an outlet, without reading a big story's every article
CREATE INDEX IF NOT EXISTS articles_story_feed ON articles (story_id, feed_id);
-- A search window's articles to their stories without reading the articles' wide rows:
-- from a cold page cache that read was most of a search at a million articles (schema 10).
CREATE INDEX IF NOT EXISTS articles_story_of ON articles (id, story_id);
-- The union of a story's articles' parties and tracks, with a copy of the story's
-- last_seen (kept by triggers) so a pane of one tag is a walk of story_tags_newest from
-- its newest story, however old that is (schema 9).
CREATE TABLE IF NOT EXISTS story_tags (
    kind TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    story_id INTEGER NOT NULL,
    last_seen TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, tag_id, story_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_tags_story ON story_tags (story_id);
CREATE INDEX IF NOT EXISTS story_tags_newest ON story_tags (kind, tag_id, last_seen DESC, story_id DESC);
-- Only for a row inserted without it: ingest gives it (schema 12), saving an update a row.
CREATE TRIGGER IF NOT EXISTS story_tags_seen AFTER INSERT ON story_tags WHEN new.last_seen = '' BEGIN
    UPDATE story_tags SET last_seen = (SELECT last_seen FROM stories WHERE id = new.story_id)
        WHERE kind = new.kind AND tag_id = new.tag_id AND story_id = new.story_id;
END;
-- (No WHEN: an arrival costs the same statements whether or not it is the story's newest.)
CREATE TRIGGER IF NOT EXISTS stories_seen AFTER UPDATE OF last_seen ON stories BEGIN
    UPDATE story_tags SET last_seen = new.last_seen WHERE story_id = new.id AND last_seen != new.last_seen;
END;
-- Panes sorted by most outlets page through this (schema 9).
CREATE INDEX IF NOT EXISTS stories_outlets ON stories (outlets DESC, last_seen DESC, id DESC);
-- Stories and unread stories per party and track, kept by triggers (the sidebar's counts).
CREATE TABLE IF NOT EXISTS story_totals (
    kind TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    stories INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, tag_id)
) WITHOUT ROWID;
-- The index a new article's candidate stories are found by: hashed names and headline
-- words (stories.word_key), each with the time of the newest article that carried it.
CREATE TABLE IF NOT EXISTS story_keys (
    key INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (key, story_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_keys_seen ON story_keys (key, seen);
CREATE TRIGGER IF NOT EXISTS story_tags_ai AFTER INSERT ON story_tags BEGIN
    INSERT INTO story_totals (kind, tag_id, stories, unread)
        VALUES (new.kind, new.tag_id, 1, coalesce((SELECT unread > 0 FROM stories WHERE id = new.story_id), 0))
        ON CONFLICT (kind, tag_id) DO UPDATE SET stories = stories + 1, unread = unread + excluded.unread;
END;
CREATE TRIGGER IF NOT EXISTS story_tags_ad AFTER DELETE ON story_tags BEGIN
    UPDATE story_totals SET stories = stories - 1,
        unread = unread - coalesce((SELECT unread > 0 FROM stories WHERE id = old.story_id), 0)
        WHERE kind = old.kind AND tag_id = old.tag_id;
END;
CREATE TRIGGER IF NOT EXISTS stories_unread AFTER UPDATE OF unread ON stories
WHEN (old.unread > 0) != (new.unread > 0)
BEGIN
    UPDATE story_totals SET unread = unread + (CASE WHEN new.unread > 0 THEN 1 ELSE -1 END)
        WHERE (kind, tag_id) IN (SELECT kind, tag_id FROM story_tags WHERE story_id = new.id);
END;
-- A story's tags go first, while the story still says whether it was unread.
CREATE TRIGGER IF NOT EXISTS stories_bd BEFORE DELETE ON stories BEGIN
    DELETE FROM story_tags WHERE story_id = old.id;
END;
-- An article deleted with its feed leaves its story; the story goes with its last article.
CREATE TRIGGER IF NOT EXISTS articles_story_ad AFTER DELETE ON articles
WHEN old.story_id IS NOT NULL
BEGIN
    UPDATE stories SET articles = articles - 1, unread = unread - (1 - old.is_read),
        outlets = (SELECT count(DISTINCT feed_id) FROM articles WHERE story_id = old.story_id),
        first_seen = coalesce((SELECT min(published) FROM articles WHERE story_id = old.story_id), first_seen),
        last_seen = coalesce((SELECT max(published) FROM articles WHERE story_id = old.story_id), last_seen)
        WHERE id = old.story_id;
    UPDATE stories SET (lead_id, title) = (SELECT id, title FROM articles WHERE story_id = old.story_id
        ORDER BY published DESC, id DESC LIMIT 1) WHERE id = old.story_id AND lead_id = old.id AND articles > 0;
    DELETE FROM story_tags WHERE story_id = old.story_id AND NOT EXISTS (SELECT 1 FROM articles a
        CROSS JOIN tags t ON t.article_id = a.id WHERE a.story_id = old.story_id AND t.kind = story_tags.kind
        AND t.tag_id = story_tags.tag_id);
    DELETE FROM stories WHERE id = old.story_id AND articles <= 0;
END;
"""


class StoreError(Exception):
    """A database problem explained for the user: which file, what is wrong, what to do."""


def connect(path: str | Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or migrate) the database at `path`, ready for concurrent use.

    Autocommit mode: writers open their own transaction with `write_transaction`, so two
    processes never deadlock on a read lock that wants to become a write lock.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file: give --db a file path.")
    if path.exists() and not _writable(path):
        return _connect_read_only(path)
    if not path.exists():
        if not create:
            raise StoreError(f"{path} does not exist.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {path}: {exc.strerror or exc}.") from exc
    try:
        db = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise explain_error(path, exc) from exc
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        _refuse_foreign_or_newer(db)  # before WAL mode rewrites the header
        if not db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            # only possible before the first table: lets give_back_space shrink the file
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        _use_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise explain_error(path, exc) from exc
    except StoreError:
        db.close()
        raise
    return db


def _writable(path: Path) -> bool:
    """Whether SQLite could write `path` (and make its -wal and -shm files beside it)."""
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return False
    return not os.statvfs(path).f_flag & os.ST_RDONLY  # a read-only mount (root ignores permissions)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A file the user may read but not write: opened for reading (list, export, the
    dashboard) instead of failing. A WAL file whose -shm cannot be made is read as
    immutable, which SQLite allows when nothing else can be writing it either."""
    last_error: sqlite3.DatabaseError | None = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                 isolation_level=None, check_same_thread=False)
            found = _refuse_foreign_or_newer(db)
        except sqlite3.DatabaseError as exc:
            last_error = exc
            continue
        except StoreError:
            db.close()
            raise
        if found != SCHEMA_VERSION:
            db.close()
            raise StoreError(
                f"{path} is read-only and was written by an older negotiation-watch (schema {found}); "
                "it needs upgrading, which means writing: make it writable once, or copy it."
            )
        db.execute("PRAGMA query_only = 1")
        return db
    raise explain_error(path, last_error)


def is_read_only(db: sqlite3.Connection) -> bool:
    """Whether `db` was opened read-only (connect does so for a file it cannot write)."""
    return bool(db.execute("PRAGMA query_only").fetchone()[0])


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


def _refuse_read_only(db: sqlite3.Connection) -> None:
    if is_read_only(db):
        raise StoreError(
            f"{db.execute('PRAGMA database_list').fetchone()[2] or 'the database'} is open read-only "
            "(the file or its folder cannot be written): nothing was changed."
        )


@contextlib.contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic write: BEGIN IMMEDIATE takes the write lock up front (waiting up to the
    busy timeout), and everything inside commits together or not at all.

    Nothing inside may commit on its own (`with conn:` would: the connection is in
    autocommit mode, so writes outside this context each commit by themselves).
    """
    _refuse_read_only(db)
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


# A re-tag's settings (bulk_writes): page cache in KiB, pages of WAL between checkpoints.
BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES = 32_768, 10_000


@contextlib.contextmanager
def bulk_writes(db: sqlite3.Connection) -> Iterator[None]:
    """Settings for a long run of big write transactions on `db`, restored on leaving: a
    page cache that holds the indexes each batch rewrites, and a checkpoint every 40 MB of
    WAL rather than every 4 MB, so a page rewritten batch after batch is copied back once."""
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    checkpoint = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    db.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {cache}")
        db.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")


VACUUM_STEP_PAGES = 2_000  # 8 MB of pages per transaction: the write lock is held briefly


def give_back_space(db: sqlite3.Connection) -> int:
    """Hand the file's free pages back to the file system (after a re-tag or a feed's
    removal left them), VACUUM_STEP_PAGES per transaction; readers go on meanwhile (WAL).

    Only files in incremental auto-vacuum mode can do this: every file created since
    schema 5; `compact` converts an older one. Returns the pages given back."""
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
        return 0
    given = 0
    while free := db.execute("PRAGMA freelist_count").fetchone()[0]:
        _vacuum_step(db)
        given += min(free, VACUUM_STEP_PAGES)
    if given:
        # the file shrinks once the WAL is copied back; PASSIVE waits for no reader or writer
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return given


def _vacuum_step(db: sqlite3.Connection) -> None:
    """Free up to VACUUM_STEP_PAGES pages in one write transaction. The pragma frees a page
    per step of its statement, each step a row without columns, and `execute` stops after
    the first such row: a script runs it to the end."""
    _refuse_read_only(db)
    try:
        db.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({VACUUM_STEP_PAGES}); COMMIT;")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def compact(db: sqlite3.Connection) -> None:
    """Rewrite the file without its free pages, in incremental auto-vacuum mode from then on
    (how a file from before schema 5 gets it). Other processes can read meanwhile, but not
    write: about a minute per GB."""
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def migrate(db: sqlite3.Connection) -> None:
    """Create the schema or bring it up to SCHEMA_VERSION; refuse a newer database.

    An older file gets each upgrade step (which knows from `found` whether it applies)
    around the schema script: steps in BEFORE_SCHEMA drop or add what the script's
    CREATE ... IF NOT EXISTS statements would trip over (a column an index needs), steps
    in AFTER_SCHEMA fill the tables the script just created from what is stored.
    """
    found = _refuse_foreign_or_newer(db)
    if found == SCHEMA_VERSION:
        return
    with write_transaction(db) as conn:
        if _schema_version(db) == SCHEMA_VERSION:  # another process migrated while we waited
            return
        for step in BEFORE_SCHEMA if found else ():
            step(conn, found)
        for statement in _statements(SCHEMA):
            conn.execute(statement)
        for step in AFTER_SCHEMA if found else ():
            step(conn, found)
        put_meta(conn, "schema_version", str(SCHEMA_VERSION))


def _drop_row_triggers(conn: sqlite3.Connection, found: int) -> None:
    """Schema 3 indexes new articles in batches (index_articles), not row by row; its tag
    triggers keep tag_days as well; and no query needed articles_feed_published (UNIQUE
    (feed_id, guid) serves a feed's articles) while every insert paid for it."""
    if found < 3:
        for trigger in ("articles_ai", "tags_ai", "tags_ad"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("DROP INDEX IF EXISTS articles_feed_published")


def _count_tag_days(conn: sqlite3.Connection, found: int) -> None:
    """Schema 3 counts tagged articles per day: count what is stored."""
    if found < 3:
        conn.execute("DELETE FROM tag_days")
        conn.execute(
            "INSERT INTO tag_days (day, kind, tag_id, articles) SELECT substr(a.published, 1, 10), "
            "t.kind, t.tag_id, count(DISTINCT a.id) FROM tags t JOIN articles a ON a.id = t.article_id "
            "GROUP BY 1, 2, 3"
        )


def _count_tag_totals(conn: sqlite3.Connection, found: int) -> None:
    """Schema 1 had no tag_totals: count what is stored."""
    if found < 2:
        conn.execute(
            "INSERT INTO tag_totals (kind, tag_id, articles, unread) SELECT kind, tag_id, "
            "count(DISTINCT article_id), count(DISTINCT CASE WHEN article_id IN "
            "(SELECT id FROM articles WHERE is_read = 0) THEN article_id END) FROM tags "
            "GROUP BY kind, tag_id"
        )


def _add_feed_folder(conn: sqlite3.Connection, found: int) -> None:
    """Schema 4 keeps a feed's OPML folder."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(feeds)")}
    if "folder" not in columns:
        conn.execute("ALTER TABLE feeds ADD COLUMN folder TEXT")


def _drop_undetectable_fts(conn: sqlite3.Connection, found: int) -> None:
    """Schema 4 declares the search index so Datasette finds it: the old declaration
    (content='articles') goes, the schema script makes the new one, _rebuild_fts fills it."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if row and "content=[articles]" not in row[0]:
        conn.execute("DROP TABLE articles_fts")


def _rebuild_fts(conn: sqlite3.Connection, found: int) -> None:
    """Fill a search index that _drop_undetectable_fts made anew from the stored articles."""
    if found < 4:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


def _add_story_column(conn: sqlite3.Connection, found: int) -> None:
    """Schema 5 gives each article its story; the schema's index on story_id needs the
    column, and the read trigger, recreated by the script, now counts unread stories too."""
    if found < 5:
        conn.execute("DROP TRIGGER IF EXISTS articles_read")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    if "story_id" not in columns:
        conn.execute("ALTER TABLE articles ADD COLUMN story_id INTEGER")


def _story_per_article(conn: sqlite3.Connection, found: int) -> None:
    """Schema 5: every stored article starts as a story of its own, so panes show them all
    at once; the next fetch or retag groups them (ingest.needs_retag sees no stories version)."""
    if found < 5:
        conn.execute(
            "INSERT INTO stories (id, title, lead_id, first_seen, last_seen, articles, outlets, unread) "
            "SELECT id, title, id, published, published, 1, 1, 1 - is_read FROM articles WHERE story_id IS NULL"
        )
        conn.execute("UPDATE articles SET story_id = id WHERE story_id IS NULL")
        conn.execute(
            "INSERT OR IGNORE INTO story_tags (kind, tag_id, story_id) SELECT DISTINCT t.kind, t.tag_id, a.story_id "
            "FROM tags t JOIN articles a ON a.id = t.article_id"
        )


def _count_articles(conn: sqlite3.Connection, found: int) -> None:
    """Schema 6 keeps the number of articles and unread articles: count what is stored."""
    if found < 6:
        conn.execute(
            "UPDATE article_totals SET (articles, unread) = (SELECT count(*), coalesce(sum(is_read = 0), 0) "
            "FROM articles) WHERE id = 1"
        )


def _retag_for_interactions(conn: sqlite3.Connection, found: int) -> None:
    """Schema 7 stores interactions, which only a re-tag reads from what is stored: mark the
    stored tags as from another taxonomy, so the next fetch or `retag` re-tags them all (a
    file that records no taxonomy stays so: re-tagging that is the user's call)."""
    if found < 7:
        conn.execute("UPDATE meta SET value = 'before-interactions' WHERE key = 'taxonomy_version'")


def _alerts_start_now(conn: sqlite3.Connection, found: int) -> None:
    """Alerts (schema 8) look at articles stored after the last one they saw: for a file
    that has never had them, that is every article stored from now on, not its whole past.
    (It applies while the file has no mark, whatever its version: steps compose.)"""
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) SELECT ?, coalesce(max(id), 0) FROM articles",
        (ALERTS_SEEN_KEY,),
    )


def _add_story_tags_seen(conn: sqlite3.Connection, found: int) -> None:
    """Schema 9 keeps each story's last_seen beside its tags; the schema's index on it
    needs the column first."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(story_tags)")}
    if columns and "last_seen" not in columns:
        conn.execute("ALTER TABLE story_tags ADD COLUMN last_seen TEXT NOT NULL DEFAULT ''")


def _copy_story_tags_seen(conn: sqlite3.Connection, found: int) -> None:
    """Schema 9: fill the copied last_seen of the stored stories' tags."""
    if found < 9:
        conn.execute(
            "UPDATE story_tags SET last_seen = (SELECT last_seen FROM stories WHERE id = story_tags.story_id)"
        )


def _replace_story_leave_trigger(conn: sqlite3.Connection, found: int) -> None:
    """Schema 11: the trigger an article's deletion fires re-checks its story's tags through
    the story's articles (CROSS JOIN); the script recreates it so."""
    if found < 11:
        conn.execute("DROP TRIGGER IF EXISTS articles_story_ad")


def _replace_story_tags_seen_trigger(conn: sqlite3.Connection, found: int) -> None:
    """Schema 12: a story's tag inserted with its last_seen is not updated again; the script
    recreates the trigger with that condition."""
    if found < 12:
        conn.execute("DROP TRIGGER IF EXISTS story_tags_seen")


ALERTS_SEEN_KEY = "alerts_seen_article"  # the last article id the alerts were matched against

# Upgrade steps, oldest first; each one does nothing for a file that is already past it.
BEFORE_SCHEMA = [_drop_row_triggers, _add_feed_folder, _drop_undetectable_fts, _add_story_column,
                 _add_story_tags_seen, _replace_story_leave_trigger, _replace_story_tags_seen_trigger]
AFTER_SCHEMA = [_count_tag_days, _count_tag_totals, _rebuild_fts, _story_per_article, _count_articles,
                _retag_for_interactions, _alerts_start_now, _copy_story_tags_seen]


def _refuse_foreign_or_newer(db: sqlite3.Connection) -> int:
    """The file's schema version; StoreError for another program's tables or a newer schema."""
    found = _schema_version(db)
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{db.execute('PRAGMA database_list').fetchone()[2]} was written by a newer "
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


def _schema_version(db: sqlite3.Connection) -> int:
    """0 for an empty file; StoreError for a file with tables but no negotiation-watch schema."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    row = None
    if "meta" in tables:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # another program's table that happens to be called meta
            row = None
    if not row or not str(row[0]).isdigit():
        raise StoreError(
            f"{db.execute('PRAGMA database_list').fetchone()[2]} holds other tables but no "
            "negotiation-watch schema; it was left untouched. Choose another file with --db."
        )
    return int(row[0])


def get_meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    with write_transaction(db) as conn:
        put_meta(conn, key, value)


def put_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """set_meta inside a transaction the caller already holds."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def data_version(db: sqlite3.Connection) -> int:
    """Changes whenever another connection commits: the dashboard polls it to stay live."""
    return db.execute("PRAGMA data_version").fetchone()[0]


def dict_rows(db: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict]:
    """A query's rows as dicts keyed by column name."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
