"""Adding many feeds at once: fetch's limits across the whole list, one client, results
as they come. Real servers on loopback addresses, real files, the real CLI."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from negotiation_watch.cli import cli
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.store.fetch.fetcher import FetchLimits, probe_many

RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire {n}</title>'
    "<item><title>Envoys meet</title><guid>g{n}</guid></item></channel></rss>"
)


class CountingServers:
    """One threaded HTTP server per loopback address, answering after `delay`; it records
    the most requests it held at once, per host and in all, and the connections used."""

    def __init__(self, hosts: int, delay: float) -> None:
        self.delay, self.lock = delay, threading.Lock()
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.now_all = self.most_all = self.requests = 0
        self.connections: set[tuple[str, int]] = set()
        first = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = first.server_address[1]
        self.servers = [first] + [
            ThreadingHTTPServer((f"127.0.0.{h}", self.port), self._handler()) for h in range(2, hosts + 1)
        ]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def urls(self, count: int) -> list[str]:
        return [f"http://127.0.0.{n % len(self.servers) + 1}:{self.port}/feed/{n}.xml" for n in range(count)]

    def _enter(self, host: str, client) -> None:
        with self.lock:
            self.connections.add(client)
            self.requests += 1
            self.now[host] = self.now.get(host, 0) + 1
            self.most[host] = max(self.most.get(host, 0), self.now[host])
            self.now_all += 1
            self.most_all = max(self.most_all, self.now_all)

    def _leave(self, host: str) -> None:
        with self.lock:
            self.now[host] -= 1
            self.now_all -= 1

    def _handler(self):
        servers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                host = self.server.server_address[0]
                servers._enter(host, self.client_address)
                try:
                    time.sleep(servers.delay)
                    body = RSS.format(n=self.path.rsplit("/", 1)[-1]).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    servers._leave(host)

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@contextmanager
def counting_servers(hosts: int, delay: float):
    servers = CountingServers(hosts, delay)
    try:
        yield servers
    finally:
        servers.close()


async def probe_all(urls, limits) -> list:
    return [probe async for probe in probe_many(urls, limits)]


async def test_a_long_list_keeps_fetchs_global_and_per_host_limits():
    """40 addresses on 4 hosts: never more than per_host at one host or concurrency in all."""
    with counting_servers(hosts=4, delay=0.1) as servers:
        urls = servers.urls(40)
        probes = await probe_all(urls, FetchLimits(concurrency=3, per_host=2))
    assert sorted(p.requested for p in probes) == sorted(urls)
    assert [p.error for p in probes if p.error] == []
    assert max(servers.most.values()) <= 2
    assert 2 <= servers.most_all <= 3  # at once, but never past the limit


async def test_a_long_list_shares_one_clients_connections():
    """40 addresses on 2 hosts share the kept-alive connections of one client (as many as
    may be open at once), where a client per address opened one each."""
    with counting_servers(hosts=2, delay=0.02) as servers:
        probes = await probe_all(servers.urls(40), FetchLimits(concurrency=4, per_host=2))
    assert [p.error for p in probes if p.error] == []
    assert len(servers.connections) <= 4


async def test_each_addresss_deadline_counts_from_its_own_start():
    """Queued one at a time behind one slow host, the tenth address still gets its whole deadline."""
    with counting_servers(hosts=1, delay=0.25) as servers:
        probes = await probe_all(servers.urls(10), FetchLimits(per_host=1, connect_timeout=2, total_timeout=2))
    assert servers.most_all == 1
    assert [p.error for p in probes] == [None] * 10  # 2.5 s of answers in all, each within 2 s


async def test_local_files_need_no_http_client(tmp_path, monkeypatch):
    """With no usable certificate authorities an HTTP client cannot even be made; local
    files are checked all the same, and the one web address says why it failed."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    paths = []
    for n in range(30):
        path = tmp_path / f"feed-{n}.xml"
        path.write_text(RSS.format(n=n))
        paths.append(str(path))
    probes = await probe_all(paths, FetchLimits())
    assert sorted(p.requested for p in probes) == sorted(paths)
    assert {(p.title, p.item_count, p.error) for p in probes} >= {("Wire 7", 1, None)}
    assert all(p.error is None for p in probes)
    [web] = await probe_all(["https://127.0.0.1:9/feed.xml"], FetchLimits())
    assert web.error and "unexpected error" in web.error


async def test_stopping_early_cancels_the_checks_in_flight():
    with counting_servers(hosts=1, delay=0.3) as servers:
        probes = probe_many(servers.urls(20), FetchLimits(per_host=2))
        first = await anext(probes)
        await probes.aclose()
        time.sleep(0.4)
        assert first.error is None
        assert servers.now_all == 0 and servers.requests <= 3  # nothing new started after the stop


def run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)


def test_feeds_add_many_files_stores_good_and_reports_bad(tmp_path, db_path):
    paths = []
    for n in range(200):
        path = tmp_path / f"feed-{n}.xml"
        path.write_text(RSS.format(n=n) if n % 50 else "not a feed at all")
        paths.append(str(path))
    result = run(db_path, "feeds", "add", *paths)
    assert result.exit_code == 2
    assert result.stderr.count("error   ") == 4 and "not an RSS, Atom or RDF feed" in result.stderr
    assert result.stdout.count("added   ") == 196
    assert "4 of 200 URLs could not be added" in result.output
    assert "\r" not in result.output  # no progress line when the output is not a terminal
    stored = feed_rows.list_feeds(connection.connect(db_path))
    assert len(stored) == 196 and {f["title"] for f in stored} >= {"Wire 1", "Wire 199"}


def test_feeds_import_check_keeps_opml_titles_and_drops_what_fails(tmp_path, db_path):
    with counting_servers(hosts=2, delay=0) as servers:
        good = servers.urls(3)
        opml = tmp_path / "subs.opml"
        outlines = "".join(f'<outline text="Mine {n}" type="rss" xmlUrl="{url}"/>' for n, url in enumerate(good))
        outlines += '<outline text="Dead" type="rss" xmlUrl="http://127.0.0.1:9/dead.xml"/>'
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>')
        result = run(db_path, "feeds", "import", "--check", str(opml))
    assert result.exit_code == 0, result.output
    assert "Imported 3 new feeds" in result.output and "1 failed the check" in result.output
    stored = feed_rows.list_feeds(connection.connect(db_path))
    assert sorted((f["title"], f["url"]) for f in stored) == [(f"Mine {n}", url) for n, url in enumerate(good)]


@pytest.mark.parametrize("check", [False, True])
def test_feeds_import_twice_reports_already_followed(tmp_path, db_path, check):
    with counting_servers(hosts=1, delay=0) as servers:
        opml = tmp_path / "subs.opml"
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><body><outline xmlUrl="{servers.urls(1)[0]}"/></body></opml>')
        flags = ["--check"] if check else []
        run(db_path, "feeds", "import", *flags, str(opml))
        again = run(db_path, "feeds", "import", *flags, str(opml))
    assert "Imported 0 new feeds" in again.output and "1 already followed" in again.output


def test_feeds_add_on_a_terminal_shows_its_progress_under_the_results(tmp_path, db_path):
    """stderr a terminal: a "checked N of M" line redrawn in place below the results as
    they come, and cleared at the end, so the terminal is left with the results alone."""
    import pty
    import subprocess
    import sys

    paths = []
    for n in range(30):
        path = tmp_path / f"feed-{n}.xml"
        path.write_text(RSS.format(n=n))
        paths.append(str(path))
    master, slave = pty.openpty()
    done = subprocess.Popen([sys.executable, "-m", "negotiation_watch", "--db", str(db_path), "feeds", "add", *paths],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while chunk := _read_pty(master):
        shown += chunk
    out, _ = done.communicate(timeout=60)
    os.close(master)
    assert done.returncode == 0 and out.decode().count("added   ") == 30
    terminal = shown.decode()
    assert "\r\x1b[2Kchecked 1 of 30" in terminal and "\r\x1b[2Kchecked 30 of 30" in terminal
    assert terminal.endswith("\r\x1b[2K")  # the progress line is gone at the end


def _read_pty(master: int) -> bytes:
    """What the terminal received since the last read; b"" once the program closed it."""
    try:
        return os.read(master, 65536)
    except OSError:  # Linux reports the other end's close as EIO
        return b""
