"""`negotiation-watch fetch` and `retag` end to end: real CLI, loopback feeds, real SQLite files."""

import asyncio
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedgen import item, rss, wire
from negotiation_watch.cli import cli
from negotiation_watch.store.db import connection, feed_rows, queries

SUMMARY = re.compile(r"^(\d+) feeds? ok, (\d+) failed, (\d+) new articles?, (\d+) updated in \d+\.\d s$", re.M)
CLI = [str(Path(sys.executable).parent / "negotiation-watch")]


class Feeds:
    """Feeds served from one loopback server, with ETag/304 like a real server."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.bodies: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        self.bodies[path] = body
        self.hits.setdefault(path, 0)
        self.server.expect_request(path).respond_with_handler(lambda request: self._answer(path, request, content_type))
        return self.server.url_for(path)

    def _answer(self, path: str, request: Request, content_type: str) -> Response:
        self.hits[path] += 1
        body = self.bodies[path]
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})


@pytest.fixture
def feeds():
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield Feeds(server)
    server.clear()
    server.stop()


def add(db_path, *urls) -> list[int]:
    database = connection.connect(db_path)
    try:
        return [feed_rows.add_feed(database, url)[0] for url in urls]
    finally:
        database.close()


def read(db_path, fn, *args):
    database = connection.connect(db_path)
    try:
        return fn(database, *args)
    finally:
        database.close()


def article_count(database, feed_id=None) -> int:
    """Stored articles, of one feed or of all."""
    where, params = ("WHERE feed_id = ?", (feed_id,)) if feed_id is not None else ("", ())
    return database.execute(f"SELECT count(*) FROM articles {where}", params).fetchone()[0]


def run_cli(db_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)
    return result


def summary_of(output: str) -> tuple[int, int, int, int]:
    found = SUMMARY.findall(output)
    assert found, output
    return tuple(int(n) for n in found[-1])


def test_fetch_stores_good_feeds_and_reports_bad_ones(db_path, feeds):
    good = [feeds.serve(f"/wire{n}.xml", wire(n, 5)) for n in range(3)]
    not_a_feed = feeds.serve("/note.xml", b"<?xml version='1.0'?><note><to>you</to></note>", "application/xml")
    feeds.server.expect_request("/missing.xml").respond_with_data("no such feed", status=404)
    missing = feeds.server.url_for("/missing.xml")
    add(db_path, *good, not_a_feed, missing)

    result = run_cli(db_path, "fetch")
    assert result.exit_code == 0, result.output
    assert summary_of(result.output) == (3, 2, 15, 0)
    assert "\r" not in result.output and "\x1b" not in result.output  # piped: no live line

    by_url = {f["url"]: f for f in read(db_path, feed_rows.list_feeds)}
    assert by_url[good[0]]["title"] == "Wire 0" and by_url[good[0]]["article_count"] == 5
    assert "not an RSS, Atom or RDF feed" in by_url[not_a_feed]["last_error"]
    assert by_url[not_a_feed]["etag"] is None and by_url[not_a_feed]["consecutive_errors"] == 1
    assert "404" in by_url[missing]["last_error"]
    assert f"failed: {not_a_feed}: could not parse the feed" in result.output

    again = run_cli(db_path, "fetch", "--all")
    assert summary_of(again.output) == (3, 2, 0, 0)
    assert read(db_path, queries.stats).articles == 15


def test_only_due_feeds_are_fetched_unless_all(db_path, feeds):
    add(db_path, feeds.serve("/w.xml", wire(1, 2)))
    assert summary_of(run_cli(db_path, "fetch").output)[0] == 1
    not_due = run_cli(db_path, "fetch")
    assert summary_of(not_due.output) == (0, 0, 0, 0)  # not due for 15 minutes
    assert "no feed is due yet" in not_due.output
    assert summary_of(run_cli(db_path, "fetch", "--all").output) == (1, 0, 0, 0)
    assert feeds.hits["/w.xml"] == 2


def test_changed_entries_are_updated_in_place(db_path, feeds):
    url = feeds.serve("/w.xml", rss(item("s1", "Russia talks", "First text."), item("s2", "Other", "Same.")))
    add(db_path, url)
    run_cli(db_path, "fetch")
    feeds.bodies["/w.xml"] = rss(
        item("s1", "Russia talks", "Corrected text."), item("s2", "Other", "Same."), item("s3", "New", "Fresh.")
    )
    assert summary_of(run_cli(db_path, "fetch", "--all").output) == (1, 0, 1, 1)
    titles = sorted(a.title for a in read(db_path, queries.latest_articles))
    assert titles == ["New", "Other", "Russia talks"]
    hits = read(db_path, queries.search_articles, "Corrected")
    assert len(hits) == 1 and "RUS" in {t.tag_id for t in hits[0].tags}


def test_a_feed_that_cannot_be_stored_does_not_stop_the_others(db_path, feeds):
    urls = [feeds.serve(f"/w{n}.xml", wire(n, 3)) for n in range(3)]
    add(db_path, *urls)
    database = connection.connect(db_path)
    database.execute(  # a real SQLite refusal in the middle of feed 1
        "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN new.guid = 'w1-1' "
        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
    )
    database.close()
    result = run_cli(db_path, "fetch")
    assert summary_of(result.output) == (2, 1, 6, 0)
    feed1 = read(db_path, feed_rows.find_feed, urls[1])
    assert "could not store this feed: refused by test" in feed1["last_error"]
    assert feed1["etag"] is None  # its validators rolled back with its articles: refetched next time
    counts = {f["url"]: f["article_count"] for f in read(db_path, feed_rows.list_feeds)}
    assert counts == {urls[0]: 3, urls[1]: 0, urls[2]: 3}


def test_a_permanent_redirect_onto_another_feed_keeps_the_old_url(db_path, feeds):
    target = feeds.serve("/new.xml", wire(7, 2))
    feeds.server.expect_request("/old.xml").respond_with_response(Response(status=301, headers={"Location": target}))
    old = feeds.server.url_for("/old.xml")
    add(db_path, old, target)
    run_cli(db_path, "fetch")
    feed = read(db_path, feed_rows.find_feed, old)
    assert feed is not None and "already feed" in feed["last_error"]


def test_store_errors_are_a_message_and_status_1(tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_bytes(b"these are not the droids" * 100)
    result = CliRunner().invoke(cli, ["--db", str(not_a_db), "fetch"])
    assert result.exit_code == 1
    assert "is not a readable negotiation-watch database" in result.output
    assert not_a_db.read_bytes() == b"these are not the droids" * 100
    assert "Traceback" not in result.output
    directory = CliRunner().invoke(cli, ["--db", str(tmp_path), "retag"])
    assert directory.exit_code == 1 and "is a directory" in directory.output


def test_fetch_without_feeds_says_how_to_add_one(db_path):
    result = run_cli(db_path, "fetch")
    assert result.exit_code == 0 and summary_of(result.output) == (0, 0, 0, 0)
    assert "no feeds yet" in result.output


def test_bad_every_is_a_usage_error(db_path):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "fetch", "--every", "soon"])
    assert result.exit_code == 2 and "not a duration" in result.output


def test_retag_command_reports_progress_and_count(db_path, feeds):
    add(db_path, feeds.serve("/w.xml", wire(3, 4)))
    run_cli(db_path, "fetch")
    unchanged = run_cli(db_path, "retag")
    assert unchanged.exit_code == 0 and "nothing to re-tag" in unchanged.output, unchanged.output
    result = run_cli(db_path, "retag", "--force")
    assert result.exit_code == 0
    assert re.search(r"^re-tagged 4 articles \(taxonomy [\w-]+\)$", result.output, re.M), result.output


def test_fetch_retags_stored_articles_before_storing_new_ones(db_path, feeds):
    add(db_path, feeds.serve("/w.xml", wire(4, 3)))
    run_cli(db_path, "fetch")
    database = connection.connect(db_path)
    current = connection.get_meta(database, "taxonomy_version")
    connection.set_meta(database, "taxonomy_version", "an-older-taxonomy")
    database.execute("DELETE FROM tags")  # what an older taxonomy would not have found
    database.close()
    run_cli(db_path, "fetch", "--all")  # nothing new: the taxonomy is not even loaded
    assert read(db_path, connection.get_meta, "taxonomy_version") == "an-older-taxonomy"
    feeds.bodies["/w.xml"] = wire(4, 4)
    assert summary_of(run_cli(db_path, "fetch", "--all").output)[2] == 1
    assert read(db_path, connection.get_meta, "taxonomy_version") == current
    tagged = read(db_path, lambda d: d.execute("SELECT count(DISTINCT article_id) FROM tags").fetchone()[0])
    assert tagged == 4  # the three old articles were re-tagged, the new one tagged


def test_fetch_leaves_articles_of_an_unrecorded_taxonomy_and_says_so(db_path, feeds):
    """A database that records no taxonomy (a generated one, or from before versions were
    kept) is not re-tagged in full by the first fetch that has news: the user is told how."""
    add(db_path, feeds.serve("/w.xml", wire(4, 3)))
    run_cli(db_path, "fetch")
    database = connection.connect(db_path)
    database.execute("DELETE FROM meta WHERE key = 'taxonomy_version'")
    database.execute("DELETE FROM tags")
    database.close()
    feeds.bodies["/w.xml"] = wire(4, 4)
    result = run_cli(db_path, "fetch", "--all")
    assert summary_of(result.output)[2] == 1 and "negotiation-watch retag" in result.output, result.output
    tagged = read(db_path, lambda d: d.execute("SELECT count(DISTINCT article_id) FROM tags").fetchone()[0])
    assert tagged == 1  # only the new article, tagged as it was stored
    assert "re-tagged 4 articles" in run_cli(db_path, "retag").output


async def test_a_cancelled_run_stops_its_retag_between_batches(db_path, feeds, monkeypatch):
    """Quitting or Ctrl-C during a long re-tag: the run ends after the batch in hand, its
    thread with it, and the next run re-tags again."""
    from negotiation_watch.store.db import ingest as ingest_module
    from negotiation_watch.store.fetch.fetcher import FetchLimits
    from negotiation_watch.store.pipeline.run import run_fetch

    add(db_path, feeds.serve("/w.xml", wire(5, 40)))
    await run_fetch(db_path, limits=FetchLimits())
    database = connection.connect(db_path)
    connection.set_meta(database, "taxonomy_version", "an-older-taxonomy")
    database.close()
    feeds.bodies["/w.xml"] = wire(5, 41)
    monkeypatch.setattr(ingest_module, "RETAG_BATCH", 4)
    loop = asyncio.get_running_loop()
    seen = []

    def first_batch_cancels(done, total):
        seen.append(done)
        if len(seen) == 1:
            loop.call_soon_threadsafe(run.cancel)
            # hold the re-tag thread while the loop takes the cancel in: on a loaded machine
            # the thread could otherwise finish every batch before the loop runs at all
            time.sleep(1.0)

    run = asyncio.ensure_future(
        run_fetch(db_path, limits=FetchLimits(), force=True, on_retag_progress=first_batch_cancels)
    )
    with pytest.raises(asyncio.CancelledError):
        await run
    batches = len(seen)
    await asyncio.sleep(0.3)
    assert len(seen) == batches, "the re-tag went on after the run ended"
    assert seen[-1] < 40
    assert read(db_path, connection.get_meta, "taxonomy_version") == "an-older-taxonomy"
    assert read(db_path, article_count) == 40  # the changed feed waits for the next run


def test_two_fetch_processes_at_once_store_everything_once(db_path, feeds):
    urls = [feeds.serve(f"/w{n}.xml", wire(n, 10)) for n in range(12)]
    add(db_path, *urls)
    runs = [
        subprocess.Popen([*CLI, "--db", str(db_path), "fetch", "--all"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err.decode()
        assert "locked" not in err.decode() and "failed:" not in err.decode()
        assert summary_of(out.decode())[:2] == (12, 0)
    assert sum(summary_of(out.decode())[2] for out, _ in outputs) == 120  # each article stored by one of them
    database = connection.connect(db_path)
    try:
        assert database.execute("SELECT count(*), count(DISTINCT feed_id || guid) FROM articles").fetchone() == (
            120,
            120,
        )
        database.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    finally:
        database.close()


def test_fetch_every_repeats_until_interrupted(db_path, feeds):
    add(db_path, feeds.serve("/w.xml", wire(5, 3)))
    run = subprocess.Popen(
        [*CLI, "--db", str(db_path), "fetch", "--every", "1s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        waits = 0
        deadline = time.monotonic() + 30
        while waits < 2 and time.monotonic() < deadline:
            line = run.stderr.readline().decode()
            waits += line.startswith("next fetch in")
        assert waits == 2
    finally:
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err.decode()
    assert "stopped" in err.decode() and "Traceback" not in err.decode()
    summaries = SUMMARY.findall(out.decode())
    assert len(summaries) >= 2 and summaries[0][2] == "3" and summaries[1][2] == "0"
    assert feeds.hits["/w.xml"] >= 2


async def test_run_fetch_reports_each_feed_as_it_finishes(db_path, feeds):
    """The dashboard's entry point: one FeedDone per feed, with what it stored or why it failed."""
    from negotiation_watch.store.fetch.fetcher import FetchLimits
    from negotiation_watch.store.pipeline.run import run_fetch

    good = feeds.serve("/w.xml", wire(8, 4))
    feeds.server.expect_request("/gone.xml").respond_with_data("no", status=404)
    bad = feeds.server.url_for("/gone.xml")
    good_id, bad_id = add(db_path, good, bad)
    done = []
    summary = await run_fetch(db_path, limits=FetchLimits(), on_feed_done=done.append)
    by_id = {d.feed_id: d for d in done}
    assert set(by_id) == {good_id, bad_id}
    assert (by_id[good_id].title, by_id[good_id].status, by_id[good_id].new, by_id[good_id].error) == (
        "Wire 8", "fetched", 4, None
    )
    assert by_id[bad_id].url == bad and "404" in by_id[bad_id].error and by_id[bad_id].new == 0
    assert (summary.feeds_ok, summary.feeds_failed, summary.new_articles) == (1, 1, 4)


async def test_run_fetch_cancelled_stops_every_feed_before_it_closes_the_database(db_path, feeds):
    """Ctrl-C (the run's task cancelled) while feeds wait for the parser: when the run has
    ended nothing of it is left running, so no feed wakes up to store into the closed
    database; each feed is stored whole or left to be fetched again."""
    from negotiation_watch.store.fetch.fetcher import FetchLimits
    from negotiation_watch.store.pipeline.run import run_fetch

    ids = add(db_path, *(feeds.serve(f"/w{n}.xml", wire(n, 30)) for n in range(24)))
    done = []

    def first_done_cancels(feed_done):
        done.append(feed_done)
        if len(done) == 1:
            run.cancel()

    run = asyncio.ensure_future(run_fetch(db_path, limits=FetchLimits(), on_feed_done=first_done_cancels))
    with pytest.raises(asyncio.CancelledError):
        await run
    assert asyncio.all_tasks() == {asyncio.current_task()}
    await asyncio.sleep(0.3)  # what a leftover feed would have needed to run
    assert [d.error for d in done if d.error] == []
    stored = 0
    for feed_id in ids:
        row = read(db_path, feed_rows.find_feed, feed_id)
        count = read(db_path, article_count, feed_id)
        assert (count, row["etag"] is None, row["last_status"]) in ((30, False, "fetched"), (0, True, None)), row
        stored += count == 30
    assert 1 <= stored < len(ids)


def _ctrl_c_with_a_feed_stalled(db_path, feeds, *fetch_args: str) -> tuple[subprocess.Popen, bytes]:
    """`fetch` over two feeds, one answering at once and the other never in time, given
    Ctrl-C once the first is stored; returns the ended process and its stderr."""
    release = __import__("threading").Event()

    def stall(request):
        release.wait(30)
        return Response(wire(6, 2), content_type="application/rss+xml")

    add(db_path, feeds.serve("/fast.xml", wire(5, 3)))
    feeds.server.expect_request("/slow.xml").respond_with_handler(stall)
    add(db_path, feeds.server.url_for("/slow.xml"))
    run = subprocess.Popen([*CLI, "--db", str(db_path), "fetch", *fetch_args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while read(db_path, lambda db: queries.stats(db).articles) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=30)
    finally:
        release.set()
    return run, err


def test_ctrl_c_during_a_fetch_says_what_was_kept_and_exits_130(db_path, feeds):
    """One feed answers at once, the other never in time: Ctrl-C then keeps the first."""
    run, err = _ctrl_c_with_a_feed_stalled(db_path, feeds)
    assert run.returncode == 130, err.decode()
    assert "interrupted: kept 1 feed fetched, 3 new articles stored" in err.decode()
    assert "Traceback" not in err.decode()
    assert read(db_path, lambda db: queries.stats(db).articles) == 3


class _InterruptsItsOwnFinaliser:
    """Ctrl-C pressed while Python runs a finaliser (__del__), as the objects of the run
    before are collected: the KeyboardInterrupt raised there is printed and ignored."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the ignored KeyboardInterrupt
def test_ctrl_c_lost_inside_a_finaliser_still_stops_the_command():
    from negotiation_watch.fetch_command import CtrlC

    with CtrlC() as ctrl_c:
        _InterruptsItsOwnFinaliser()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.sleep(5)  # `fetch --every` between two runs
    assert time.monotonic() - started < 1


def test_ctrl_c_during_a_run_that_swallows_the_cancel_still_stops_the_command():
    """A coroutine (or a library under it) that takes the cancel for its own and returns:
    asyncio.run would return normally, and `fetch --every` would go on."""
    from negotiation_watch.fetch_command import CtrlC

    async def swallows_cancel():
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            return "finished"
        return "slept"

    with CtrlC() as ctrl_c:
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.run(swallows_cancel())
        with pytest.raises(KeyboardInterrupt):  # and every later step stops too
            ctrl_c.run(swallows_cancel())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_fetch_every_is_fetching_stops_it(db_path, feeds):
    """Pressed during a run, not between two: the feed in hand is left for next time."""
    run, err = _ctrl_c_with_a_feed_stalled(db_path, feeds, "--every", "1s")
    assert run.returncode == 0, err.decode()
    assert "stopped: 1 feed fetched, 3 new articles stored" in err.decode()
    assert "Traceback" not in err.decode() and "next fetch" not in err.decode()


def test_fetch_every_stopped_says_what_it_kept(db_path, feeds):
    """(The repeat test above checks the exit status; this one the words.)"""
    add(db_path, feeds.serve("/w.xml", wire(5, 1)))
    run = subprocess.Popen([*CLI, "--db", str(db_path), "fetch", "--every", "1s"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    while not run.stderr.readline().decode().startswith("next fetch in"):
        pass
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 0
    assert re.search(r"stopped: \d+ feeds? fetched, 1 new article stored", err.decode())
    assert "1 feed ok, 0 failed, 1 new article, 0 updated" in out.decode()
