"""Database files the app cannot use: corrupt, from a newer schema, a folder, in a place
that cannot exist, a full disk. Through the real CLI: a clear message naming the file and
what to do, a non-zero exit, no traceback, and the file's bytes never changed."""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess

import pytest

from hostile_support import CLI, HostileServer, body_handler, query
from negotiation_watch.store.db import connection, feed_rows

COMMANDS = [
    ["feeds", "list"],
    ["feeds", "add", "--no-check", "https://wire.example/feed.xml"],
    ["fetch"],
    ["retag"],
]


def cli(*args: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, preexec_fn=preexec
    )


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + bytes(range(256)) * 64, b"my notes, not a database\n" * 100])
def test_a_corrupt_database_is_named_and_left_untouched(tmp_path, command, content):
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    result = cli("--db", str(path), *command)
    assert_refused(result, str(path), "left untouched", "--db")
    assert path.read_bytes() == content
    assert not (tmp_path / "broken.db-wal").exists() or (tmp_path / "broken.db-wal").stat().st_size == 0


def newer_database(path) -> bytes:
    database = connection.connect(path)
    feed_rows.add_feed(database, "https://wire.example/feed.xml")
    database.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path.read_bytes()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path, command):
    path = tmp_path / "future.db"
    before = newer_database(path)
    result = cli("--db", str(path), *command)
    assert_refused(result, str(path), "newer negotiation-watch", "Upgrade")
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "tables",
    [["CREATE TABLE feeds (x)"], ["CREATE TABLE notes (x)"], ["CREATE TABLE meta (key, value)", "INSERT INTO meta VALUES ('a', 'b')"], ["CREATE TABLE meta (x)"]],
    ids=["feeds", "notes", "meta-key-value", "meta-other"],
)
def test_a_database_of_another_program_is_refused_untouched(tmp_path, tables):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    for statement in tables:
        conn.execute(statement)
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = cli("--db", str(path), "feeds", "list")
    assert_refused(result, str(path), "left untouched", "--db")
    assert path.read_bytes() == before


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_db_pointing_at_a_folder_is_refused(tmp_path, command):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = cli("--db", str(folder), *command)
    assert_refused(result, str(folder), "directory", "--db")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


def test_db_inside_a_regular_file_cannot_be_created(tmp_path):
    """As root chmod stops nothing; a path under a regular file cannot exist for anyone."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine")
    path = blocker / "watch.db"
    result = cli("--db", str(path), "feeds", "list")
    assert_refused(result, str(path))
    assert blocker.read_text() == "mine"


def test_a_full_disk_during_fetch_is_reported_and_loses_nothing(tmp_path):
    """RLIMIT_FSIZE (which binds root too) makes every file the fetch writes stop
    growing a little past its present size: SQLite sees a full disk."""
    path = tmp_path / "full.db"
    server = HostileServer().start()
    try:
        database = connection.connect(path)
        kept = [feed_rows.add_feed(database, f"https://kept.example/{n}.xml")[0] for n in range(3)]
        database.execute(
            "INSERT INTO articles (feed_id, guid, title, published, fetched, content_hash) "
            "VALUES (?, 'kept-1', 'Envoys meet', '2025-06-03T10:00:00Z', '2025-06-03T10:00:00Z', 'x')",
            (kept[0],),
        )
        big = "".join(
            f"<item><guid>big-{n}</guid><title>Russia and Ukraine envoys meet, story {n}</title>"
            f"<description>{'Long report on the talks. ' * 200}</description></item>"
            for n in range(60)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{big}</channel></rss>'.encode()
        for n in range(4):
            feed_rows.add_feed(database, server.route(f"/big{n}.xml", body_handler(body)))
        database.execute("UPDATE feeds SET paused = 1 WHERE url LIKE 'https://kept.example/%'")
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
        limit = path.stat().st_size + 64 * 1024

        def small_disk():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        result = cli("--db", str(path), "fetch", preexec=small_disk)
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "full" in output and str(path) in output, output
    assert result.returncode != 0, output
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    assert query(path, "SELECT guid FROM articles WHERE guid = 'kept-1'") == [("kept-1",)]
    stored = dict(query(path, "SELECT feed_id, count(*) FROM articles GROUP BY feed_id"))
    assert all(count in (1, 60) for count in stored.values()), stored
