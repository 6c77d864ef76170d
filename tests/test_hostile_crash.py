"""Crash safety: `negotiation-watch fetch` killed with SIGKILL at random moments, over and
over, during a large loopback fetch. Afterwards the database is sound, every stored article
has its tags and its full-text row, no feed is ever half stored, no parser process is left
behind, and one more fetch completes the work."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from hostile_support import CLI, HostileServer, body_handler, descendants, query
from negotiation_watch.store.db import connection, feed_rows

FEEDS = 60
ITEMS = 50
KILLS = 20


class ChangingFeeds:
    """60 feeds of 50 items; every item names a party. `version` changes every item's
    guid, so each run has a full fetch of new articles to store (and to be killed in)."""

    def __init__(self, server: HostileServer) -> None:
        self.server = server
        self.version = 0
        self.urls = [server.route(f"/feed{n}.xml", self._handler(n)) for n in range(FEEDS)]

    def _handler(self, feed: int):
        async def answer(reader, writer):
            await body_handler(self.body(feed, self.version))(reader, writer)

        return answer

    @staticmethod
    def body(feed: int, version: int) -> bytes:
        items = "".join(
            f"<item><guid>f{feed}-v{version}-{n}</guid>"
            f"<title>Russia and Ukraine envoys meet, feed {feed} round {version} story {n}</title>"
            f"<description>Talks on a ceasefire continued in Istanbul.</description></item>"
            for n in range(ITEMS)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>https://wire.example/{feed}</link>{items}</channel></rss>"
        ).encode()


@pytest.fixture
def changing_feeds():
    server = HostileServer().start()
    yield ChangingFeeds(server)
    server.stop()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def fetch_all(db_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [CLI, "--db", str(db_path), "fetch", "--all"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )


def test_sigkill_at_random_moments_never_leaves_half_a_feed(db_path, changing_feeds, tmp_path):
    database = connection.connect(db_path)
    for url in changing_feeds.urls:
        feed_rows.add_feed(database, url)
    database.close()

    # Kills are spread over a whole run's time, measured here: the second of two runs, as
    # the first also builds the taxonomy caches.
    for version in (KILLS, KILLS + 1):
        changing_feeds.version = version
        started = time.monotonic()
        assert fetch_all(db_path).wait(timeout=120) == 0
        run_seconds = time.monotonic() - started

    chance = random.Random(20260514)
    killed_mid_run, leftovers = 0, []
    for round_ in range(KILLS):
        changing_feeds.version = round_
        proc = fetch_all(db_path)
        time.sleep(chance.uniform(0.1, 0.9) * run_seconds)  # over start-up, fetching, parsing, storing
        children = descendants(proc.pid)
        if proc.poll() is None:
            killed_mid_run += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        leftovers += [pid for pid in children if alive(pid)]
        check_consistent(db_path)

    assert killed_mid_run >= KILLS * 3 // 4, "most kills must land while the fetch is working"
    assert not leftovers, f"processes left running after SIGKILL: {leftovers}"

    final = subprocess.run(
        [CLI, "--db", str(db_path), "fetch", "--all"], capture_output=True, text=True, timeout=120
    )
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    check_consistent(db_path)
    last = changing_feeds.version
    per_feed = dict(
        query(db_path, "SELECT feed_id, count(*) FROM articles WHERE guid LIKE ? GROUP BY feed_id", f"%-v{last}-%")
    )
    assert len(per_feed) == FEEDS and set(per_feed.values()) == {ITEMS}


def check_consistent(db_path: Path) -> None:
    """The checks that must hold after any crash."""
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    articles = query(db_path, "SELECT count(*) FROM articles")[0][0]
    untagged = query(
        db_path, "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM tags WHERE tag_id = 'RUS')"
    )[0][0]
    assert untagged == 0, f"{untagged} of {articles} articles lack their tags"
    indexed = query(db_path, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'envoys'")[0][0]
    assert indexed == articles, "every article must be found by full-text search"
    # Each feed's fetch of one version is stored whole or not at all.
    partial = query(
        db_path,
        "SELECT feed_id, substr(guid, 1, instr(guid, '-') + instr(substr(guid, instr(guid, '-') + 1), '-') - 1) "
        "AS batch, count(*) AS n FROM articles GROUP BY feed_id, batch HAVING n != ?",
        ITEMS,
    )
    assert not partial, f"half-stored feeds (feed, version, articles): {partial}"
