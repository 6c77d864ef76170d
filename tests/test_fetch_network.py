"""The fetcher's network side (httpx's own transport) against loopback servers: proxies
from the environment, TLS with certificates checked against the trusted authorities
(SSL_CERT_FILE), TLS handshakes bounded by the connect deadline, connections kept alive
and dropped, large bodies read intact however slowly they are taken."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import pytest
import trustme

from negotiation_watch.store.fetch.fetcher import ERROR, FETCHED, FetchLimits, HostGate, fetch_feed, fetch_many, make_client

FAST = dict(connect_timeout=1.0, total_timeout=2.0)
BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
    b"<item><title>Envoys meet</title><guid>envoys-1</guid></item></channel></rss>"
)


def feed_row(url: str, feed_id: int = 1) -> dict:
    return {"id": feed_id, "url": url, "etag": None, "last_modified": None, "body_hash": None, "consecutive_errors": 0, "paused": 0}


def answer(body: bytes, *, keep_alive: bool) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {len(body)}\r\nConnection: {connection}\r\n\r\n"
    return head.encode() + body


class Server:
    """An HTTP/1.1 server on 127.0.0.1 (TLS with `ssl`), counting the connections it got."""

    def __init__(self, respond, ssl=None):
        self.respond = respond  # async (reader, writer) -> None, one connection
        self.ssl = ssl
        self.connections = 0
        self._tasks: set[asyncio.Task] = set()

    async def _serve(self, reader, writer):
        self.connections += 1
        self._tasks.add(asyncio.current_task())
        try:
            await self.respond(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._tasks.discard(asyncio.current_task())
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self, scheme: str = "http"):
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"{scheme}://127.0.0.1:{port}"
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)


def keep_alive_answers(body: bytes = BODY, then=None):
    """Answer every request on a connection with `body`, keeping it open; `then(writer)`
    runs after each answer (to hang up, or to misbehave)."""

    async def respond(reader, writer):
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer(body, keep_alive=True))
            await writer.drain()
            if then is not None and await then(writer):
                return

    return respond


@pytest.fixture
def authority(tmp_path, monkeypatch):
    """A certificate authority this test trusts, as a user would through SSL_CERT_FILE."""
    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return ca


def server_context(ca: trustme.CA):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def fetch_all(urls: list[str], **limit_values):
    limits = FetchLimits(**{**FAST, **limit_values})
    return [outcome async for outcome in fetch_many([feed_row(url, n) for n, url in enumerate(urls, 1)], limits)]


def clear_proxies(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def proxy_server(seen: list):
    """A forward proxy that answers every request itself, noting its request line."""

    async def proxy(reader, writer):
        seen.append((await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")[0])
        writer.write(answer(BODY, keep_alive=False))
        await writer.drain()

    return Server(proxy)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_a_proxy_from_the_environment_carries_the_requests(monkeypatch, variable):
    seen = []
    async with proxy_server(seen).running() as proxy_url:
        clear_proxies(monkeypatch)
        monkeypatch.setenv(variable, proxy_url)
        (outcome,) = await fetch_all(["http://feeds.example/wire.xml"])
    assert (outcome.status, outcome.body) == (FETCHED, BODY)
    assert seen == [b"GET http://feeds.example/wire.xml HTTP/1.1"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_hosts_in_no_proxy_are_fetched_directly(monkeypatch, no_proxy):
    seen = []
    origin = Server(keep_alive_answers())
    async with proxy_server(seen).running() as proxy_url, origin.running() as base:
        clear_proxies(monkeypatch)
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        (outcome,) = await fetch_all([f"{base}/a.xml"])
    assert (outcome.status, outcome.body, seen, origin.connections) == (FETCHED, BODY, [], 1)


async def test_https_feed_is_read_when_its_certificate_is_trusted(authority):
    server = Server(keep_alive_answers(), ssl=server_context(authority))
    async with server.running("https") as base:
        outcomes = await fetch_all([f"{base}/a.xml", f"{base}/b.xml"], per_host=1)
    assert [(o.status, o.error) for o in outcomes] == [(FETCHED, None), (FETCHED, None)]
    assert all(o.body == BODY for o in outcomes)
    assert server.connections == 1  # the second request reused the TLS connection


async def test_https_with_an_untrusted_certificate_fails_clearly(authority):
    other = trustme.CA()  # the server's certificate comes from an authority nobody trusts
    server = Server(keep_alive_answers(), ssl=server_context(other))
    async with server.running("https") as base:
        (outcome,) = await fetch_all([f"{base}/feed.xml"])
    assert outcome.status == ERROR and outcome.body is None
    assert "could not connect to 127.0.0.1" in outcome.error and "CERTIFICATE_VERIFY_FAILED" in outcome.error


async def test_a_tls_handshake_that_never_comes_ends_at_the_connect_deadline(authority):
    async def silent(reader, writer):
        await asyncio.sleep(30)  # accepts the connection, never answers the ClientHello

    server = Server(silent)
    async with server.running() as base:
        started = time.monotonic()
        (outcome,) = await fetch_all([base.replace("http://", "https://") + "/feed.xml"], connect_timeout=0.5)
    assert outcome.status == ERROR
    assert "within 0.5 s" in outcome.error
    assert time.monotonic() - started < 3


async def two_fetches_apart(base: str):
    """Two feeds of one server through one client, with a pause between in which the
    first connection sits idle in the pool (and the server may do something to it)."""
    limits = FetchLimits(**FAST)
    async with make_client(limits) as client:
        first = await fetch_feed(client, feed_row(f"{base}/a.xml"), limits, HostGate(limits))
        await asyncio.sleep(0.1)
        second = await fetch_feed(client, feed_row(f"{base}/b.xml", 2), limits, HostGate(limits))
    return first, second


async def test_a_connection_the_server_closed_while_idle_is_not_reused():
    async def hang_up(writer):
        writer.close()  # right after the answer, as a server whose keep-alive ran out
        return True

    server = Server(keep_alive_answers(then=hang_up))
    async with server.running() as base:
        first, second = await two_fetches_apart(base)
    assert (first.status, second.status) == (FETCHED, FETCHED), second.error
    assert server.connections == 2


async def test_bytes_sent_on_an_idle_connection_retire_it():
    async def chatter(writer):
        await asyncio.sleep(0.05)  # after the client read its answer: it is idle in the pool
        writer.write(b"HTTP/1.1 200 OK\r\n")  # unasked-for bytes: the connection cannot be trusted again
        await writer.drain()
        return False

    server = Server(keep_alive_answers(then=chatter))
    async with server.running() as base:
        first, second = await two_fetches_apart(base)
    assert (first.status, second.status) == (FETCHED, FETCHED), second.error
    assert second.body == BODY
    assert server.connections == 2


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_large_body_arrives_intact(authority, scheme):
    body = os.urandom(3_000_000)  # many reads' worth, taken as fast as they come
    server = Server(keep_alive_answers(body), ssl=server_context(authority) if scheme == "https" else None)
    async with server.running(scheme) as base:
        limits = FetchLimits(**FAST)
        async with make_client(limits) as client:
            outcome = await fetch_feed(client, feed_row(f"{base}/big.xml"), limits, HostGate(limits))
    assert (outcome.status, outcome.error) == (FETCHED, None)
    assert outcome.body == body


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_slow_reader_gets_every_byte_while_the_socket_waits(authority, scheme):
    body = os.urandom(2_000_000)  # the unread backlog passes the point where reading pauses
    server = Server(keep_alive_answers(body), ssl=server_context(authority) if scheme == "https" else None)
    async with server.running(scheme) as base:
        async with make_client(FetchLimits(**FAST)) as client:
            async with client.stream("GET", f"{base}/big.xml") as response:
                received = bytearray()
                async for chunk in response.aiter_raw():
                    received += chunk
                    await asyncio.sleep(0.002)  # slower than loopback delivers
    assert received == body
