"""Two `fetch --every` processes on one database while the loopback feeds change under
them, and the dashboard open on it: no lock error, no failure, no article stored twice,
every stored batch whole, and the dashboard answers keys throughout."""

from __future__ import annotations

import re
import signal
import subprocess
import time

from hostile_support import CLI, HostileServer, body_handler, query
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.tui.screens.help import HelpScreen
from tui_helpers import make_app, wait_until

FEEDS = 12
ITEMS = 20
SECONDS = 10  # at least this long; then until each process has fetched twice
MAX_SECONDS = 60  # a loaded machine's fetch runs can take most of SECONDS each


def changing_body(feed: int) -> bytes:
    """The feed as it is this half-second: a new batch of items twice a second."""
    batch = int(time.time() * 2)
    items = "".join(
        f"<item><guid>f{feed}-b{batch}-{n}</guid><title>Iran and the E3 resume talks, batch {batch} item {n}</title>"
        f"<description>Delegations met in Geneva.</description></item>"
        for n in range(ITEMS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Changing {feed}</title>'
        f"<link>https://wire.example/{feed}</link>{items}</channel></rss>"
    ).encode()


def route_for(feed: int):
    async def answer(reader, writer):
        await body_handler(changing_body(feed))(reader, writer)

    return answer


async def test_two_fetch_every_processes_share_one_database(db_path, tmp_path):
    server = HostileServer().start()
    try:
        database = connection.connect(db_path)
        for n in range(FEEDS):
            feed_rows.add_feed(database, server.route(f"/changing{n}.xml", route_for(n)))
        database.close()
        logs = [tmp_path / f"fetcher{n}.log" for n in range(2)]
        procs = [
            subprocess.Popen(
                [CLI, "--db", str(db_path), "fetch", "--every", "1s"],
                stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
            for log in logs
        ]
        await keep_pressing_keys(db_path, SECONDS, until=lambda: all(fetched_twice(log) for log in logs))
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        statuses = [proc.wait(30) for proc in procs]
    finally:
        server.stop()

    output = "\n".join(log.read_text() for log in logs)
    assert statuses == [0, 0], output
    for word in ("locked", "busy", "Traceback", "failed:", "error"):
        assert word not in output, output
    assert len(re.findall(r"\d+ feeds? ok", output)) >= 4, "both processes must have fetched repeatedly"
    assert query(db_path, "SELECT feed_id, guid FROM articles GROUP BY feed_id, guid HAVING count(*) > 1") == []
    same_text = query(
        db_path, "SELECT feed_id, title FROM articles GROUP BY feed_id, title HAVING count(*) > 1"
    )
    assert same_text == [], "an item stored twice under different rows"
    partial = query(
        db_path,
        "SELECT feed_id, substr(guid, 1, instr(guid, '-b') + 11) AS batch, count(*) AS n FROM articles "
        "GROUP BY feed_id, batch HAVING n != ?",
        ITEMS,
    )
    assert partial == []
    assert query(db_path, "SELECT count(DISTINCT substr(guid, 1, instr(guid, '-b') + 11)) FROM articles")[0][0] > FEEDS
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]


def fetched_twice(log) -> bool:
    return len(re.findall(r"\d+ feeds? ok", log.read_text())) >= 2


async def keep_pressing_keys(db_path, seconds: float, until) -> None:
    """Run the live dashboard while the fetchers write, for `seconds` and then until
    `until()` holds (MAX_SECONDS at most): open and close help over and over, each key
    answered within 5 s (a liveness check, not a speed target: about 1 s at worst with
    three writers on two cores)."""
    answers = []
    app = make_app(db_path, live=True)
    async with app.run_test(size=(100, 30)) as pilot:
        start = time.monotonic()
        while time.monotonic() < start + seconds or (not until() and time.monotonic() < start + MAX_SECONDS):
            for key, shown in (("question_mark", True), ("escape", False)):
                started = time.monotonic()
                await pilot.press(key)
                await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen) == shown, timeout=5)
                answers.append(time.monotonic() - started)
            await pilot.pause(0.2)
    assert len(answers) >= 10
