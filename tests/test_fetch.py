"""The fetcher against real HTTP servers on loopback: pytest-httpserver for ordinary
answers, small asyncio servers for the faults (stalls, drips, resets, floods)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
import time
import tracemalloc
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from werkzeug import Response

from negotiation_watch.store.version import USER_AGENT
from negotiation_watch.store.times import from_iso, utc_now
from negotiation_watch.store.fetch.fetcher import (
    FetchLimits,
    HostGate,
    fetch_feed,
    fetch_many,
    make_client,
    probe_feed,
)

FAST = dict(connect_timeout=1.0, total_timeout=1.0)


def rss(items: int = 3, title: str = "Talks Monitor") -> bytes:
    """A small RSS 2.0 document with `items` entries."""
    entries = "".join(
        f"<item><title>Round {n} of talks</title><link>https://example.org/{n}</link>"
        f"<guid>round-{n}</guid></item>"
        for n in range(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.org/</link>{entries}</channel></rss>"
    ).encode()


def feed_row(url: str, feed_id: int = 1, **columns) -> dict:
    """A feed as db.due_feeds() returns it."""
    row = {
        "id": feed_id,
        "url": url,
        "etag": None,
        "last_modified": None,
        "body_hash": None,
        "consecutive_errors": 0,
        "paused": 0,
    }
    row.update(columns)
    return row


async def fetch_one(feed: dict, **limit_values):
    limits = FetchLimits(**limit_values)
    async with make_client(limits) as client:
        return await fetch_feed(client, feed, limits, HostGate(limits))


def seconds_until(iso: str) -> float:
    return (from_iso(iso) - utc_now()).total_seconds()


# --------------------------------------------------------------------------- raw servers


@contextlib.asynccontextmanager
async def raw_server(handler, host: str = "127.0.0.1"):
    """An asyncio TCP server on loopback that runs `handler(reader, writer)` per connection."""
    running: set[asyncio.Task] = set()

    async def serve(reader, writer):
        running.add(asyncio.current_task())
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            running.discard(asyncio.current_task())
            writer.close()

    server = await asyncio.start_server(serve, host, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.close()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.wait_closed()


async def read_head(reader) -> str:
    return (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")


def head(status: str = "200 OK", **headers) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", "Content-Type: application/rss+xml"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Counter:
    """Counts requests in flight, per listening host and in total."""

    def __init__(self):
        self.active: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.total = self.total_peak = 0

    def handler(self, host: str, delay: float = 0.3):
        async def handle(reader, writer):
            await read_head(reader)
            self.active[host] = self.active.get(host, 0) + 1
            self.total += 1
            self.peak[host] = max(self.peak.get(host, 0), self.active[host])
            self.total_peak = max(self.total_peak, self.total)
            try:
                await asyncio.sleep(delay)
            finally:
                self.active[host] -= 1
                self.total -= 1
            body = rss(1)
            writer.write(head(Content_Length=len(body)) + body)
            await writer.drain()

        return handle


# --------------------------------------------------------------------------- ordinary answers


async def test_fetched_then_not_modified_with_conditional_headers(httpserver):
    body = rss()
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 08:00:00 GMT"}

    def answer(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers=validators)
        return Response(body, headers=validators, content_type="application/rss+xml")

    httpserver.expect_request("/feed").respond_with_handler(answer)
    feed = feed_row(httpserver.url_for("/feed"), consecutive_errors=2)

    first = await fetch_one(feed)
    assert (first.status, first.http_status, first.body) == ("fetched", 200, body)
    assert first.headers["content-type"].startswith("application/rss+xml")
    updates = first.feed_updates
    assert updates["etag"] == '"v1"' and updates["last_modified"] == validators["Last-Modified"]
    assert updates["consecutive_errors"] == 0 and updates["last_error"] is None
    assert updates["last_status"] == "fetched" and updates["last_ok"] == updates["last_fetch"]
    assert 14 * 60 < seconds_until(updates["next_fetch_due"]) <= 15 * 60

    second = await fetch_one({**feed, **updates})
    assert (second.status, second.http_status, second.body, second.error) == ("not-modified", 304, None, None)
    assert second.feed_updates["etag"] == '"v1"'
    sent = httpserver.log[1][0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == validators["Last-Modified"]
    assert sent["User-Agent"] == USER_AGENT
    assert "If-None-Match" not in httpserver.log[0][0].headers


async def test_same_body_again_is_unchanged_and_not_handed_on(httpserver):
    httpserver.expect_request("/feed").respond_with_data(rss(), content_type="application/rss+xml")
    feed = feed_row(httpserver.url_for("/feed"))
    first = await fetch_one(feed)
    second = await fetch_one({**feed, **first.feed_updates})
    assert first.status == "fetched"
    assert (second.status, second.http_status, second.body) == ("unchanged", 200, None)
    assert second.feed_updates["body_hash"] == first.feed_updates["body_hash"]


async def test_not_found_is_an_error_with_backoff(httpserver):
    httpserver.expect_request("/feed").respond_with_data("nothing here", status=404)
    outcome = await fetch_one(feed_row(httpserver.url_for("/feed")))
    assert (outcome.status, outcome.http_status, outcome.body) == ("error", 404, None)
    assert outcome.error == "HTTP 404 Not Found"
    assert outcome.feed_updates["last_error"] == "HTTP 404 Not Found"
    assert outcome.feed_updates["consecutive_errors"] == 1
    assert "paused" not in outcome.feed_updates
    assert 13 * 60 < seconds_until(outcome.feed_updates["next_fetch_due"]) <= 15 * 60


async def test_gone_pauses_the_feed(httpserver):
    httpserver.expect_request("/feed").respond_with_data("", status=410)
    outcome = await fetch_one(feed_row(httpserver.url_for("/feed")))
    assert (outcome.status, outcome.http_status) == ("gone", 410)
    assert outcome.feed_updates["paused"] == 1
    assert outcome.feed_updates["last_status"] == "gone"
    assert "paused" in outcome.error


async def test_server_errors_back_off_longer_each_time(httpserver):
    httpserver.expect_request("/feed").respond_with_data("oops", status=500)
    feed, delays = feed_row(httpserver.url_for("/feed")), []
    for _ in range(4):
        outcome = await fetch_one(feed)
        assert outcome.error == "HTTP 500 Internal Server Error"
        feed = {**feed, **outcome.feed_updates}
        delays.append(seconds_until(feed["next_fetch_due"]))
    assert feed["consecutive_errors"] == 4
    for n, delay in enumerate(delays):  # 15 min doubling, with up to 10% jitter downwards
        assert 0.9 * 900 * 2**n - 2 <= delay <= 900 * 2**n
    heavy = await fetch_one({**feed, "consecutive_errors": 400})
    assert seconds_until(heavy.feed_updates["next_fetch_due"]) <= 24 * 3600


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_honoured(httpserver, status):
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=status, headers={"Retry-After": "120"}
    )
    outcome = await fetch_one(feed_row(httpserver.url_for("/feed")))
    assert (outcome.status, outcome.http_status) == ("throttled", status)
    assert 115 <= seconds_until(outcome.feed_updates["next_fetch_due"]) <= 120
    assert outcome.feed_updates["consecutive_errors"] == 1
    assert "2 min" in outcome.error


async def test_retry_after_http_date_is_honoured_and_capped(httpserver):
    later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=2), usegmt=True)
    httpserver.expect_request("/date").respond_with_data("", status=429, headers={"Retry-After": later})
    httpserver.expect_request("/far").respond_with_data("", status=503, headers={"Retry-After": "99999999"})
    dated = await fetch_one(feed_row(httpserver.url_for("/date")))
    far = await fetch_one(feed_row(httpserver.url_for("/far")))
    assert 2 * 3600 - 10 <= seconds_until(dated.feed_updates["next_fetch_due"]) <= 2 * 3600
    assert 24 * 3600 - 10 <= seconds_until(far.feed_updates["next_fetch_due"]) <= 24 * 3600


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_reports_the_new_url(httpserver, status):
    httpserver.expect_request("/old").respond_with_data("", status=status, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(rss(), content_type="application/rss+xml")
    outcome = await fetch_one(feed_row(httpserver.url_for("/old")))
    assert outcome.status == "fetched"
    assert outcome.feed_updates["url"] == httpserver.url_for("/new")
    assert outcome.final_url == httpserver.url_for("/new")
    assert outcome.requested_url == httpserver.url_for("/old")


@pytest.mark.parametrize("status", [302, 307])
async def test_temporary_redirect_keeps_the_url(httpserver, status):
    httpserver.expect_request("/old").respond_with_data("", status=status, headers={"Location": "/today"})
    httpserver.expect_request("/today").respond_with_data(rss(), content_type="application/rss+xml")
    outcome = await fetch_one(feed_row(httpserver.url_for("/old")))
    assert outcome.status == "fetched"
    assert "url" not in outcome.feed_updates
    assert outcome.final_url == httpserver.url_for("/today")


async def test_permanent_then_temporary_redirect_reports_the_permanent_hop(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/c"})
    httpserver.expect_request("/c").respond_with_data(rss(), content_type="application/rss+xml")
    outcome = await fetch_one(feed_row(httpserver.url_for("/a")))
    assert outcome.feed_updates["url"] == httpserver.url_for("/b")
    assert outcome.final_url == httpserver.url_for("/c")


async def test_redirect_loop_is_an_error(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})
    outcome = await fetch_one(feed_row(httpserver.url_for("/a")))
    assert outcome.status == "error"
    assert outcome.error.startswith("redirect loop")
    assert "url" not in outcome.feed_updates


async def test_too_many_redirects_is_an_error(httpserver):
    for n in range(6):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=302, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request("/r6").respond_with_data(rss(), content_type="application/rss+xml")
    outcome = await fetch_one(feed_row(httpserver.url_for("/r0")), max_redirects=3)
    assert outcome.status == "error"
    assert outcome.error.startswith("more than 3 redirects")
    assert len(httpserver.log) == 4
    assert (await fetch_one(feed_row(httpserver.url_for("/r0")), max_redirects=6)).status == "fetched"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)", "ftp://127.0.0.1/feed.xml"])
async def test_redirect_away_from_http_is_refused(httpserver, target):
    httpserver.expect_request("/feed").respond_with_data("", status=301, headers={"Location": target})
    outcome = await fetch_one(feed_row(httpserver.url_for("/feed")))
    assert outcome.status == "error" and outcome.body is None
    assert "refused" in outcome.error
    assert "url" not in outcome.feed_updates


async def test_gzip_and_deflate_bodies_are_decoded(httpserver):
    body = rss(20)
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    encodings = {
        "gzip": gzip.compress(body),
        "deflate": zlib.compress(body),
        "deflate-raw": raw_deflate.compress(body) + raw_deflate.flush(),
    }
    for name, data in encodings.items():
        httpserver.expect_request(f"/{name}").respond_with_data(
            data, headers={"Content-Encoding": name.split("-")[0]}, content_type="application/rss+xml"
        )
    for name in encodings:
        outcome = await fetch_one(feed_row(httpserver.url_for(f"/{name}")))
        assert (outcome.status, outcome.body) == ("fetched", body), name
    assert "gzip" in httpserver.log[0][0].headers["Accept-Encoding"]


async def test_gzip_bomb_stops_at_the_cap(httpserver):
    bomb = gzip.compress(b"\0" * 30_000_000, compresslevel=9)  # about 30 kB on the wire
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        outcome = await fetch_one(feed_row(httpserver.url_for("/bomb")), max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.status == "error" and outcome.body is None
    assert outcome.error == "body larger than 1 MB once decompressed"
    # Inflating whole network chunks peaks above 60 MB here; the capped decoder near 2 MB
    # (the margin absorbs whatever else the process allocates meanwhile).
    assert peak < 20_000_000


async def test_truncated_gzip_is_an_error(httpserver):
    httpserver.expect_request("/cut").respond_with_data(
        gzip.compress(rss(50))[:-40], headers={"Content-Encoding": "gzip"}
    )
    outcome = await fetch_one(feed_row(httpserver.url_for("/cut")))
    assert outcome.status == "error" and "cut short" in outcome.error


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body>Hi</body></html>",
        b"<!doctype html><title>Front page</title><p>Hi",  # HTML5 without <html>
        b"\xef\xbb\xbf  <!-- served by a CMS -->\n<HTML lang=en><body>Hi</body></HTML>",
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">\n<html>',
    ],
)
async def test_an_html_page_is_not_a_feed(httpserver, page):
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    outcome = await fetch_one(feed_row(httpserver.url_for("/")))
    assert outcome.status == "error" and outcome.body is None
    assert "HTML page" in outcome.error
    assert outcome.feed_updates["consecutive_errors"] == 1


async def test_content_length_over_the_cap_is_refused_before_reading(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5_000, content_type="application/rss+xml")
    outcome = await fetch_one(feed_row(httpserver.url_for("/big")), max_bytes=4_000)
    assert outcome.status == "error"
    assert outcome.error == "body larger than 4 kB (the server announced 5 kB)"


# --------------------------------------------------------------------------- faults


async def test_streamed_body_over_the_cap_without_length_is_cut_off():
    async def flood(reader, writer):
        await read_head(reader)
        writer.write(head())
        while True:  # no Content-Length, never ends
            writer.write(b"<!-- filler -->" * 4096)
            await writer.drain()

    async with raw_server(flood) as base:
        started = time.monotonic()
        outcome = await fetch_one(feed_row(base + "/feed"), max_bytes=2_000_000, total_timeout=10)
    assert outcome.status == "error" and outcome.error == "body larger than 2 MB"
    assert time.monotonic() - started < 5


async def test_stalled_server_ends_within_the_deadline():
    async def stall(reader, writer):
        await read_head(reader)
        writer.write(head(Content_Length=1000) + b"<rss>")
        await writer.drain()
        await asyncio.sleep(60)

    async with raw_server(stall) as base:
        outcome = await fetch_one(feed_row(base + "/feed"), **FAST)
    assert outcome.status == "error" and "timed out" in outcome.error
    assert outcome.elapsed < 2.5


async def test_dripping_server_ends_within_the_total_deadline():
    async def drip(reader, writer):
        await read_head(reader)
        writer.write(head(Content_Length=100_000))
        while True:  # each byte arrives well inside any per-read timeout
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.25)

    async with raw_server(drip) as base:
        outcome = await fetch_one(feed_row(base + "/feed"), connect_timeout=1.0, total_timeout=1.5)
    assert outcome.status == "error" and "timed out" in outcome.error
    assert 1.4 < outcome.elapsed < 2.8


async def test_server_that_never_answers_ends_within_the_deadline():
    async def silent(reader, writer):
        await asyncio.sleep(60)

    async with raw_server(silent) as base:
        outcome = await fetch_one(feed_row(base + "/feed"), **FAST)
    assert outcome.status == "error" and "timed out" in outcome.error
    assert outcome.elapsed < 2.5


async def test_connection_reset_mid_body_is_an_error():
    async def reset(reader, writer):
        await read_head(reader)
        writer.write(head(Content_Length=10_000) + rss()[:100])
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
        writer.transport.abort()

    async with raw_server(reset) as base:
        outcome = await fetch_one(feed_row(base + "/feed"), **FAST)
    assert outcome.status == "error" and outcome.body is None
    assert outcome.error.startswith("the connection to 127.0.0.1:") and "reset" in outcome.error
    assert outcome.feed_updates["consecutive_errors"] == 1


async def test_connection_refused_is_an_error():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = await fetch_one(feed_row(f"http://127.0.0.1:{port}/feed"), **FAST)
    assert outcome.status == "error" and outcome.error.startswith(f"could not connect to 127.0.0.1:{port}")


async def test_per_host_limit_holds_while_other_hosts_proceed():
    counter = Counter()
    async with (
        raw_server(counter.handler("one"), "127.0.0.1") as one,
        raw_server(counter.handler("two"), "127.0.0.2") as two,
    ):
        feeds = [feed_row(f"{one}/f{n}", n) for n in range(6)] + [
            feed_row(f"{two}/f{n}", 10 + n) for n in range(2)
        ]
        started, finished = time.monotonic(), {}
        async for outcome in fetch_many(feeds, FetchLimits(per_host=2, **FAST)):
            assert outcome.status == "fetched", outcome.error
            finished[outcome.feed_id] = time.monotonic() - started
    assert counter.peak == {"one": 2, "two": 2}
    busy = sorted(finished[n] for n in range(6))
    assert max(finished[10], finished[11]) < busy[2]  # done in the first round, not queued behind
    assert busy[-1] > 0.85  # the busy host took three rounds of two


async def test_global_concurrency_holds():
    counter = Counter()
    async with contextlib.AsyncExitStack() as stack:
        bases = [
            await stack.enter_async_context(raw_server(counter.handler(f"h{n}"), f"127.0.0.{n}"))
            for n in (1, 2, 3)
        ]
        feeds = [feed_row(f"{base}/f{n}", i * 10 + n) for i, base in enumerate(bases) for n in range(3)]
        outcomes = [o async for o in fetch_many(feeds, FetchLimits(concurrency=3, per_host=2, **FAST))]
    assert sorted(o.feed_id for o in outcomes) == sorted(f["id"] for f in feeds)
    assert counter.total_peak == 3
    assert max(counter.peak.values()) <= 2


async def test_one_failing_feed_never_stops_the_others(httpserver, tmp_path):
    httpserver.expect_request("/good").respond_with_data(rss(), content_type="application/rss+xml")
    httpserver.expect_request("/broken").respond_with_data("", status=500)

    async def silent(reader, writer):
        await asyncio.sleep(60)

    async with raw_server(silent) as hanging:
        feeds = [
            feed_row(hanging + "/feed", 1),
            feed_row(httpserver.url_for("/broken"), 2),
            feed_row("gopher://example.org/feed", 3),
            feed_row(str(tmp_path / "missing.xml"), 4),
            feed_row("http://[::1/feed", 5),
            feed_row("http://127.0.0.1:99999/feed", 7),
            feed_row("http://xn--/feed", 8),
            feed_row("", 9),
            feed_row(httpserver.url_for("/good"), 6),
        ]
        outcomes = {o.feed_id: o async for o in fetch_many(feeds, FetchLimits(**FAST))}
    assert outcomes[6].status == "fetched" and outcomes[6].body == rss()
    assert all(outcomes[n].status == "error" and outcomes[n].error for n in (1, 2, 3, 4, 5, 7, 8, 9))
    assert not any(o.error.startswith("unexpected") for o in outcomes.values() if o.error)
    assert outcomes[3].error.startswith("unsupported address")
    assert "missing.xml" in outcomes[4].error
    assert outcomes[5].error.startswith("invalid address")


async def test_untrusted_text_in_messages_is_made_printable(httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        "", status=301, headers={"Location": "file:///\x1b[31mred"}
    )
    outcome = await fetch_one(feed_row(httpserver.url_for("/feed")))
    assert "refused" in outcome.error and "\x1b" not in outcome.error


# --------------------------------------------------------------------------- local files


async def test_file_url_and_plain_path_are_read_and_then_unchanged(tmp_path):
    path = tmp_path / "archive feed.xml"
    path.write_bytes(rss(4))
    for address in (path.as_uri(), str(path)):
        first = await fetch_one(feed_row(address))
        assert (first.status, first.body, first.http_status) == ("fetched", rss(4), None)
        assert "etag" not in first.feed_updates
        again = await fetch_one(feed_row(address, body_hash=first.feed_updates["body_hash"]))
        assert (again.status, again.body) == ("unchanged", None)
    path.write_bytes(rss(5))
    changed = await fetch_one(feed_row(str(path), body_hash=first.feed_updates["body_hash"]))
    assert changed.status == "fetched" and changed.body == rss(5)


async def test_unreadable_local_files_are_clear_errors(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * 5_000)
    folder = await fetch_one(feed_row(str(tmp_path)))
    missing = await fetch_one(feed_row((tmp_path / "nope.xml").as_uri()))
    too_big = await fetch_one(feed_row(str(big)), max_bytes=1_000)
    remote = await fetch_one(feed_row("file://otherhost/feed.xml"))
    assert "is a folder" in folder.error
    assert "No such file" in missing.error
    assert too_big.error == "file larger than 1 kB (5 kB)"
    assert "another machine" in remote.error
    assert {folder.status, missing.status, too_big.status, remote.status} == {"error"}


# --------------------------------------------------------------------------- probing


async def test_probe_a_feed(httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        rss(7, "Ceasefire Desk"), content_type="application/rss+xml"
    )
    probe = await probe_feed(httpserver.url_for("/feed"))
    assert probe == type(probe)(httpserver.url_for("/feed"), httpserver.url_for("/feed"), "Ceasefire Desk", 7, None)


async def test_probe_follows_autodiscovery_with_a_relative_link(httpserver):
    page = (
        "<html><head><title>Desk</title>"
        '<link rel="stylesheet" href="/style.css">'
        '<link rel="alternate" type="application/feed+json" href="/feed.json">'
        '<LINK REL="Alternate" TYPE="application/atom+xml" HREF="feeds/atom.xml">'
        "</head><body>News</body></html>"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Desk Atom</title>'
        "<id>urn:x</id><updated>2026-11-01T00:00:00Z</updated>"
        "<entry><title>One</title><id>urn:1</id><updated>2026-11-01T00:00:00Z</updated></entry>"
        "<entry><title>Two</title><id>urn:2</id><updated>2026-11-01T00:00:00Z</updated></entry></feed>"
    )
    httpserver.expect_request("/section/").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/section/feeds/atom.xml").respond_with_data(
        atom, content_type="application/atom+xml"
    )
    probe = await probe_feed(httpserver.url_for("/section/"))
    assert probe.error is None
    assert probe.url == httpserver.url_for("/section/feeds/atom.xml")
    assert (probe.title, probe.item_count) == ("Desk Atom", 2)


async def test_probe_honours_a_base_element(httpserver):
    page = (
        '<html><head><base href="/archive/"><link rel="alternate" type="application/rss+xml" '
        'href="world.xml?edition=int&amp;lang=en"></head></html>'
    )
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/archive/world.xml").respond_with_data(
        rss(1), content_type="application/rss+xml"
    )
    probe = await probe_feed(httpserver.url_for("/"))
    assert probe.error is None and probe.item_count == 1
    assert probe.url == httpserver.url_for("/archive/world.xml") + "?edition=int&lang=en"


async def test_probe_html_without_a_feed_link(httpserver):
    httpserver.expect_request("/").respond_with_data(
        "<!doctype html><html><head></head></html>", content_type="text/html"
    )
    probe = await probe_feed(httpserver.url_for("/"))
    assert probe.error and "names no feed" in probe.error
    assert probe.item_count == 0


async def test_probe_refuses_a_feed_link_to_a_local_file(httpserver):
    page = '<html><head><link rel="alternate" type="application/rss+xml" href="file:///etc/passwd"></head></html>'
    httpserver.expect_request("/").respond_with_data(page, content_type="text/html")
    probe = await probe_feed(httpserver.url_for("/"))
    assert probe.error and "not http(s)" in probe.error
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("", "no address given"),
        ("ftp://example.org/feed.xml", "ftp: scheme is not supported"),
        ("javascript:alert(1)", "javascript: scheme is not supported"),
        ("http:///feed.xml", "has no valid host name"),
        ("http://[::1/feed", "not a valid address"),
        ("example.org/rss", "did you mean https://example.org/rss"),
        ("example.org:8080/rss", "did you mean https://example.org:8080/rss"),
    ],
)
async def test_probe_rejects_bad_addresses(address, expected):
    probe = await probe_feed(address)
    assert probe.error and expected in probe.error
    assert probe.title is None


async def test_probe_a_local_path_gives_a_file_url(tmp_path):
    path = tmp_path / "saved.xml"
    path.write_bytes(rss(2, "Archive"))
    probe = await probe_feed(str(path))
    assert probe == type(probe)(str(path), path.as_uri(), "Archive", 2, None)


async def test_probe_something_that_is_no_feed(httpserver):
    httpserver.expect_request("/data").respond_with_data('{"not": "a feed"}', content_type="application/json")
    probe = await probe_feed(httpserver.url_for("/data"))
    assert probe.error and probe.error.startswith("not an RSS, Atom or RDF feed")
