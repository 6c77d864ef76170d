"""The fetcher: pulls feeds over HTTP(S) or from local files, politely and within limits.

Every fetch is bounded (connect and total deadlines, a cap on downloaded and decoded
bytes, a cap on redirects), polite (one client, a clear User-Agent, at most `per_host`
requests to one host, conditional GET) and never raises: whatever goes wrong becomes a
FetchOutcome with a message for the user and the feed columns to store (backoff,
pause, a moved URL). Nothing here touches the database; the pipeline applies
`feed_updates` with db.update_feed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import stat
import sys
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

# httpx imports its own command-line tool, httpx._main, whenever rich and click are
# installed (Textual brings rich): ~60 ms of every fetch's start-up for code never run
# here. A None entry makes that optional import fail at once, as when they are missing.
sys.modules.setdefault("httpx._main", None)

import httpx  # noqa: E402 (the line above must come first)

from negotiation_watch.store.version import USER_AGENT
from negotiation_watch.store.parse.clean import one_line
from negotiation_watch.store.times import to_iso, utc_now
from negotiation_watch.store.fetch.urls import InvalidURL, feed_url

# Outcome statuses; the same short word is stored as feeds.last_status.
FETCHED = "fetched"  # new bytes in `body`, to parse
NOT_MODIFIED = "not-modified"  # HTTP 304: nothing to parse
UNCHANGED = "unchanged"  # same bytes as last time (body_hash): nothing to parse
GONE = "gone"  # HTTP 410: the feed is paused
THROTTLED = "throttled"  # HTTP 429/503: wait as the server asks
ERROR = "error"  # anything else that went wrong; backs off
OK_STATUSES = (FETCHED, NOT_MODIFIED, UNCHANGED)

BACKOFF_START = 15 * 60  # seconds after the first failure, doubling after each further one
MAX_DELAY = 24 * 3600  # never wait longer than this, whatever the server or the backoff says
PERMANENT_REDIRECTS = {301, 308}
TEMPORARY_REDIRECTS = {302, 303, 307}
# JSON Feed is not asked for: feedparser 6 cannot read it, and a server could prefer it.
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
# Only the encodings decoded here with a hard output limit (brotli's decoder has none).
ACCEPT_ENCODING = "gzip, deflate"
FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
# The first element, after any declaration, comments and doctype, is an HTML one (some
# feeds carry an XHTML doctype, so the doctype alone proves nothing).
_HTML_START = re.compile(
    rb"\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)\s*)*<(?:html|head|body|meta|title|link|script)[\s/>]",
    re.IGNORECASE | re.DOTALL,
)
_NO_MORE = object()  # the end of _as_finished's items
# "example.org:8080/rss" parses as scheme "example.org", but it is an address without its scheme.


@dataclass
class FetchLimits:
    """How far one fetch may go; the defaults suit a few hundred public feeds."""

    concurrency: int = 16
    per_host: int = 2
    connect_timeout: float = 10
    total_timeout: float = 30
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    interval: float = 15 * 60  # seconds from a successful fetch to the next one


@dataclass
class FetchOutcome:
    """What one fetch found, and the feed columns to store because of it."""

    feed_id: int
    requested_url: str
    status: str
    http_status: int | None
    body: bytes | None  # only when there is something new to parse
    headers: dict[str, str]  # lower-case names, for feedparser
    final_url: str  # after redirects: relative links resolve against it
    error: str | None
    elapsed: float
    feed_updates: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The feed answered properly (new, not modified or unchanged): its health is good."""
        return self.status in OK_STATUSES


@dataclass
class Probe:
    """The result of checking a URL before adding it: the feed URL to store, or why not."""

    requested: str  # the text the user gave, as given
    url: str
    title: str | None
    item_count: int
    error: str | None


class HostGate:
    """Global and per-host request slots, shared by every fetch of one run."""

    def __init__(self, limits: FetchLimits):
        self._per_host = max(1, limits.per_host)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._all = asyncio.Semaphore(max(1, limits.concurrency))

    @asynccontextmanager
    async def slot(self, host: str | None):
        """Hold a request slot for `host` (None: a local file, global slot only).

        The host slot is taken first, so a feed queued behind a busy host never sits on
        a global slot that a feed from another host could use.
        """
        if host is None:
            async with self._all:
                yield
            return
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with gate, self._all:
            yield


class _Failure(Exception):
    """A fetch that went wrong, with the message the user sees."""

    def __init__(self, message: str, http_status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.headers = headers or {}


@dataclass
class _Response:
    """A finished retrieval: the final answer after redirects (body None on 304)."""

    http_status: int | None
    headers: dict[str, str]
    body: bytes | None
    final_url: str
    moved_to: str | None  # where permanent redirects from the requested URL lead


# --------------------------------------------------------------------------- public API


def make_client(limits: FetchLimits) -> httpx.AsyncClient:
    """The one HTTP client of a run; redirects are followed by hand to see every hop.

    httpx's own transport: proxies from the environment (HTTP_PROXY, HTTPS_PROXY,
    ALL_PROXY, NO_PROXY) and SSL_CERT_FILE / SSL_CERT_DIR are honoured as httpx does."""
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=limits.concurrency),
        verify=httpx.create_ssl_context(),  # certifi's authorities, or SSL_CERT_FILE / SSL_CERT_DIR
        follow_redirects=False,
    )


async def fetch_feed(
    client: httpx.AsyncClient, feed: dict, limits: FetchLimits, host_gate: HostGate
) -> FetchOutcome:
    """Fetch one feed (a row of db.due_feeds()); never raises."""
    started = time.monotonic()
    try:
        response = await _retrieve(client, feed["url"], _validators(feed), limits, host_gate)
        if response.body is not None and _looks_like_html(response.body):
            raise _Failure(
                "got an HTML page, not a feed (the feed's own address is needed)", response.http_status
            )
        return _succeeded(feed, response, limits, started)
    except _Failure as failure:
        return _failed(feed, failure, started)
    except Exception as exc:  # a bug or an unforeseen library error must not stop the run
        return _failed(feed, _Failure(f"unexpected error: {_describe(exc)}"), started)


async def fetch_many(feeds: list[dict], limits: FetchLimits) -> AsyncIterator[FetchOutcome]:
    """Fetch every feed concurrently within the limits; yield outcomes as each finishes."""
    if not feeds:
        return
    gate = HostGate(limits)
    async with make_client(limits) as client:
        fetches = _as_finished(
            _interleave_hosts(feeds, lambda feed: feed["url"]),
            lambda feed: fetch_feed(client, feed, limits, gate),
            limits.concurrency,
        )
        async with aclosing(fetches):
            async for outcome in fetches:
                yield outcome


async def _as_finished(items: Iterable, work: Callable[..., Awaitable], limit: int) -> AsyncIterator:
    """Run `work(item)` for each item, yielding results as each finishes.

    At most `limit` items are between starting and being taken by the caller, and the
    next one starts only then: the bodies in memory stay within limit x max_bytes and the
    tasks within `limit`, however many items there are and however slowly the caller
    stores them (60 fast 8 MB feeds once held 500 MB; 2,000 addresses started at once
    each waited out its deadline in a queue).
    """
    items = iter(items)
    pending: set[asyncio.Future] = set()  # a set: a finished task is dropped with its body

    def start_next() -> None:
        item = next(items, _NO_MORE)
        if item is not _NO_MORE:
            pending.add(asyncio.ensure_future(work(item)))

    for _ in range(max(1, limit)):
        start_next()
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                pending.discard(task)
                yield task.result()
                start_next()  # the caller took the result and asks for the next
    finally:  # the caller stopped early or was cancelled: stop what is still running
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _interleave_hosts(items: list, url_of: Callable[..., str]) -> list:
    """Items in turn by host (a, b, c, a, b, ...), so the first to start are from many
    hosts and items queued behind one busy host do not hold the others back."""
    by_host: dict[str, list] = {}
    for item in items:
        by_host.setdefault(_host_key(url_of(item)), []).append(item)
    queues = list(by_host.values())
    return [queue[turn] for turn in range(max(map(len, queues), default=0)) for queue in queues if turn < len(queue)]


def _host_key(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:  # a malformed address fails on its own when fetched
        return url


async def probe_feed(url: str, limits: FetchLimits | None = None) -> Probe:
    """Check one URL before it is added (the add-feed dialog): probe_many of one."""
    async with aclosing(probe_many([url], limits)) as probes:
        return await anext(probes)


async def probe_many(urls: Iterable[str], limits: FetchLimits | None = None) -> AsyncIterator[Probe]:
    """Check URLs before they are added: fetch each once, follow HTML autodiscovery,
    count items. Yields a Probe per URL as each finishes (in no fixed order).

    One run holds one HTTP client, made when the first http(s) address needs it (local
    files need none), and one HostGate: `fetch`'s global and per-host limits hold across
    the whole list, and each URL's deadlines count from its own start.
    """
    limits = limits or FetchLimits()
    gate, client = HostGate(limits), _OnDemandClient(limits)
    try:
        probes = _as_finished(
            _interleave_hosts(list(urls), lambda url: url),
            lambda url: _probe(url, limits, gate, client),
            limits.concurrency,
        )
        async with aclosing(probes):
            async for probe in probes:
                yield probe
    finally:
        await client.aclose()


class _OnDemandClient:
    """The run's one HTTP client, made on first use: its SSL context alone costs ~30 ms."""

    def __init__(self, limits: FetchLimits):
        self._limits = limits
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_client(self._limits)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


async def _probe(requested: str, limits: FetchLimits, gate: HostGate, client: _OnDemandClient) -> Probe:
    """Check one URL of a probe_many run; never raises."""
    try:
        url = feed_url(requested)
    except InvalidURL as exc:
        return Probe(requested, requested.strip(), None, 0, str(exc))
    try:
        response = await _probe_retrieve(url, limits, gate, client)
        target = response.moved_to or url
        if _looks_like_html(response.body):
            target = await asyncio.to_thread(_discover, response.body, response.final_url, url)
            response = await _probe_retrieve(target, limits, gate, client)
            target = response.moved_to or target
            if _looks_like_html(response.body):
                raise _Failure(f"the page's feed link {_printable(target)} leads to another HTML page, not a feed")
        title, count = await asyncio.to_thread(_read_feed, response)
        return Probe(requested, target, title, count, None)
    except _Failure as failure:
        return Probe(requested, url, None, 0, failure.message)
    except Exception as exc:  # the add-feed dialog and `feeds add` show this instead of crashing
        return Probe(requested, url, None, 0, f"unexpected error: {_describe(exc)}")


async def _probe_retrieve(url: str, limits: FetchLimits, gate: HostGate, client: _OnDemandClient) -> _Response:
    """_retrieve, asking for the run's HTTP client only when the address is http(s)."""
    remote = _split(url).scheme.lower() in ("http", "https")
    return await _retrieve(client.get() if remote else None, url, {}, limits, gate)


# --------------------------------------------------------------------------- retrieving


def _validators(feed: dict) -> dict[str, str]:
    """Conditional-GET headers from what the server sent last time."""
    headers = {}
    if feed.get("etag"):
        headers["If-None-Match"] = feed["etag"]
    if feed.get("last_modified"):
        headers["If-Modified-Since"] = feed["last_modified"]
    return headers


async def _retrieve(client, url: str, validators: dict, limits: FetchLimits, gate: HostGate) -> _Response:
    """Fetch `url` over HTTP(S) or from a local file; raise _Failure when that fails."""
    scheme = _split(url).scheme.lower()
    if scheme in ("http", "https"):
        return await _retrieve_http(client, url, validators, limits, gate)
    if scheme == "file" or _is_plain_path(url):
        async with gate.slot(None):
            try:
                return await asyncio.wait_for(
                    asyncio.to_thread(_read_file, url, limits.max_bytes), limits.total_timeout
                )
            except TimeoutError:
                raise _Failure(f"reading the file took longer than {limits.total_timeout:g} s") from None
    raise _Failure(f"unsupported address {_printable(url)}: use http://, https://, file:// or a local path")


async def _retrieve_http(
    client, url: str, validators: dict, limits: FetchLimits, gate: HostGate
) -> _Response:
    """Follow redirects by hand within one overall deadline, then read the final body."""
    loop = asyncio.get_running_loop()
    deadline, seen, moved_to, permanent_so_far = None, {url}, None, True
    for _hop in range(limits.max_redirects + 1):
        async with gate.slot(_host(url)):
            deadline = deadline or loop.time() + limits.total_timeout
            try:
                async with asyncio.timeout_at(deadline):
                    status, headers, body = await _one_request(client, url, validators, limits)
            except TimeoutError:
                raise _Failure(f"no complete answer within {limits.total_timeout:g} s (timed out)") from None
            except httpx.HTTPError as exc:
                raise _Failure(_network_message(exc, url, limits)) from None
            except httpx.InvalidURL as exc:  # httpx parses a redirect's Location even when not following it
                raise _Failure(f"redirect to an invalid address refused ({_describe(exc)})") from None
        if status not in PERMANENT_REDIRECTS | TEMPORARY_REDIRECTS:
            if status == 304 or 200 <= status < 300:
                return _Response(status, headers, body, url, moved_to)
            raise _Failure(_status_message(status), status, headers)
        target = _redirect_target(url, status, headers)
        if target in seen:
            raise _Failure(f"redirect loop: {_printable(target)} was already visited")
        seen.add(target)
        permanent_so_far = permanent_so_far and status in PERMANENT_REDIRECTS
        if permanent_so_far:
            moved_to = target
        url = target
    raise _Failure(f"more than {limits.max_redirects} redirects (last one to {_printable(url)})")


async def _one_request(
    client, url: str, validators: dict, limits: FetchLimits
) -> tuple[int, dict, bytes | None]:
    """One GET: status, headers and, for a 2xx answer, the decoded body within the cap."""
    request = client.build_request("GET", url, headers=validators)
    response = await client.send(request, stream=True)
    try:
        headers = dict(response.headers.items())
        if not 200 <= response.status_code < 300:
            return response.status_code, headers, None
        return response.status_code, headers, await _read_body(response, limits.max_bytes)
    finally:
        await response.aclose()


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """Stream and decode the body, stopping as soon as either size passes the cap."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(f"body larger than {_size(max_bytes)} (the server announced {_size(int(declared))})")
    decoder = _Decoder(response.headers.get("content-encoding", ""), max_bytes)
    body, received = bytearray(), 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > max_bytes:
            raise _Failure(f"body larger than {_size(max_bytes)}")
        body += decoder.decode(chunk, max_bytes - len(body))
    decoder.finish()
    return bytes(body)


class _Decoder:
    """Undo gzip or deflate Content-Encoding without ever inflating past the cap.

    httpx's own decoders inflate a whole network chunk at once, which a gzip bomb turns
    into tens of megabytes; zlib's max_length stops at the cap instead.
    """

    def __init__(self, content_encoding: str, max_bytes: int):
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise _Failure(f"unsupported Content-Encoding {_printable(content_encoding)!r}")
        self.coding = codings[0] if codings else None
        self.max_bytes = max_bytes
        self._zlib = None

    def decode(self, chunk: bytes, room: int) -> bytes:
        """Decoded bytes of `chunk`; _Failure once they would not fit in `room`."""
        output = self._inflate(chunk, room) if self.coding else chunk
        if len(output) > room:
            raise _Failure(f"body larger than {_size(self.max_bytes)} once decompressed")
        return output

    def _inflate(self, chunk: bytes, room: int) -> bytes:
        if self._zlib is None:
            self._zlib = zlib.decompressobj(_window_bits(self.coding, chunk))
        try:
            return self._zlib.decompress(chunk, room + 1)
        except zlib.error as exc:
            raise _Failure(f"the {self.coding} body is corrupt ({exc})") from None

    def finish(self) -> None:
        """Refuse a compressed stream that stopped before its end."""
        if self._zlib is not None and not self._zlib.eof:
            raise _Failure(f"the {self.coding} body was cut short")


def _window_bits(coding: str, first_chunk: bytes) -> int:
    """zlib's framing for the coding; "deflate" is zlib-wrapped per the RFC, raw from some servers."""
    if coding != "deflate":
        return 16 + zlib.MAX_WBITS
    head = first_chunk[:2]
    wrapped = len(head) == 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _read_file(url: str, max_bytes: int) -> _Response:
    """Read a local feed (file:// URL or path) with the same size cap as a download."""
    path = _local_path(url)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _Failure(f"{_printable(str(path))} is a folder, not a feed file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device could block or never end
            raise _Failure(f"{_printable(str(path))} is not a regular file")
        if info.st_size > max_bytes:
            raise _Failure(f"file larger than {_size(max_bytes)} ({_size(info.st_size)})")
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _Failure(f"cannot read {_printable(str(path))}: {exc.strerror or exc}") from None
    if len(body) > max_bytes:
        raise _Failure(f"file larger than {_size(max_bytes)}")
    return _Response(None, {}, body, url, None)


def _local_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise _Failure(f"{_printable(url)} names another machine; only local files can be read")
        url = url2pathname(parts.path)
    if not url:
        raise _Failure("no file named in the address")
    return Path(url).expanduser()


def _is_plain_path(url: str) -> bool:
    """A local path rather than a URL: no scheme, or a Windows drive letter."""
    scheme = urlsplit(url).scheme
    return scheme == "" or (len(scheme) == 1 and os.name == "nt")


def _split(url: str):
    """urlsplit, with a clear failure for what it cannot read (a broken IPv6 bracket, say)."""
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise _Failure(f"invalid address {_printable(url)}: {_describe(exc)}") from None


def _host(url: str) -> str:
    """The host name that per-host limits count against, once the URL proved usable."""
    try:
        parsed = httpx.URL(url)
        host, port = parsed.host, parsed.port
    except (httpx.InvalidURL, ValueError) as exc:  # ValueError: a malformed IDNA host name
        raise _Failure(f"invalid address {_printable(url)}: {_describe(exc)}") from None
    if not host:
        raise _Failure(f"{_printable(url)} has no host name")
    if port is not None and not 0 < port < 65536:
        raise _Failure(f"invalid address {_printable(url)}: port {port} does not exist")
    return host


def _redirect_target(url: str, status: int, headers: dict) -> str:
    """The absolute http(s) URL a redirect points to; _Failure for anything else."""
    location = headers.get("location", "").strip()
    if not location:
        raise _Failure(f"{_status_message(status)} without a Location to go to", status)
    try:
        target = urljoin(url, location)
    except ValueError:
        raise _Failure(f"redirect to an invalid address {_printable(location)!r}", status) from None
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        # Remote content must never make the app read a local file or run a script URL.
        raise _Failure(f"redirect to {_printable(target)} refused: only http and https are followed", status)
    return target


def _status_message(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:  # the server's own reason phrase is untrusted text; leave it out
        return f"HTTP {status}"


def _network_message(exc: httpx.HTTPError, url: str, limits: FetchLimits) -> str:
    """Explain a transport failure in plain words."""
    where = _printable(urlsplit(url).netloc)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {where} within {limits.connect_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"no complete answer within {limits.total_timeout:g} s (timed out)"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {where}: {_describe(exc)}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke off or answered garbage: {_describe(exc)}"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return f"the connection to {where} broke off: {_describe(exc)}"
    return f"HTTP error from {where}: {_describe(exc)}"


# --------------------------------------------------------------------------- judging


def _succeeded(feed: dict, response: _Response, limits: FetchLimits, started: float) -> FetchOutcome:
    """An answer worth having: new bytes to parse, or proof that nothing changed."""
    now = utc_now()
    updates = {
        "last_fetch": to_iso(now),
        "last_ok": to_iso(now),
        "last_error": None,
        "consecutive_errors": 0,
        "next_fetch_due": to_iso(now + timedelta(seconds=limits.interval)),
    }
    if response.http_status is not None:  # a file has no validators
        # A 304 may leave the validators out; a 200 without them means there are none now.
        kept = feed if response.http_status == 304 else {}
        updates["etag"] = response.headers.get("etag") or kept.get("etag")
        updates["last_modified"] = response.headers.get("last-modified") or kept.get("last_modified")
    if response.moved_to and response.moved_to != feed["url"]:
        updates["url"] = response.moved_to
    body = response.body
    if body is None:
        status = NOT_MODIFIED
    else:
        digest = hashlib.sha256(body).hexdigest()
        status = UNCHANGED if digest == feed.get("body_hash") else FETCHED
        updates["body_hash"] = digest
        body = body if status == FETCHED else None
    updates["last_status"] = status
    return FetchOutcome(
        feed_id=feed["id"],
        requested_url=feed["url"],
        status=status,
        http_status=response.http_status,
        body=body,
        headers=response.headers,
        final_url=response.final_url,
        error=None,
        elapsed=time.monotonic() - started,
        feed_updates=updates,
    )


def _failed(feed: dict, failure: _Failure, started: float) -> FetchOutcome:
    """A failure: count it, and decide when to try again (or pause, for 410)."""
    now = utc_now()
    errors = (feed.get("consecutive_errors") or 0) + 1
    delay = _backoff(errors - 1)
    status, message, updates = ERROR, failure.message, {}
    if failure.http_status == 410:
        status = GONE
        message += ": the publisher removed this feed, so it is paused"
        updates["paused"] = 1
    elif failure.http_status in (429, 503):
        status = THROTTLED
        wait = _retry_after(failure.headers.get("retry-after"), now)
        if wait is not None:
            delay = wait
            message += f" (the server asks to wait {_duration(wait)})"
    updates.update(
        last_fetch=to_iso(now),
        last_status=status,
        last_error=message,
        consecutive_errors=errors,
        next_fetch_due=to_iso(now + timedelta(seconds=delay)),
    )
    return FetchOutcome(
        feed_id=feed["id"],
        requested_url=feed["url"],
        status=status,
        http_status=failure.http_status,
        body=None,
        headers=failure.headers,
        final_url=feed["url"],
        error=message,
        elapsed=time.monotonic() - started,
        feed_updates=updates,
    )


def _backoff(previous_errors: int) -> float:
    """15 min after the first failure, doubling after each further one, capped at a day.

    A little jitter keeps many failing feeds from retrying in lockstep.
    """
    delay = min(MAX_DELAY, BACKOFF_START * 2 ** min(previous_errors, 20))
    return delay * random.uniform(0.9, 1.0)


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP-date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), MAX_DELAY))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return min(max((when - now).total_seconds(), 0.0), MAX_DELAY)


def _looks_like_html(body: bytes | None) -> bool:
    """An HTML page (an error page, a site's front page) rather than a feed."""
    return body is not None and _HTML_START.match(body[:4096].removeprefix(b"\xef\xbb\xbf")) is not None


# --------------------------------------------------------------------------- probing


class _FeedLinks(HTMLParser):
    """Collects <link rel="alternate" type="...feed type..." href="..."> and <base href> from a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (type, href)
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href", "").strip():
            self.base = values["href"].strip()
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_LINK_TYPES and values.get("href", "").strip():
            self.links.append((kind, values["href"].strip()))


def _discover(page: bytes, page_url: str, asked: str) -> str:
    """The feed URL an HTML page advertises (RSS/Atom before JSON), resolved against the page."""
    finder = _FeedLinks()
    finder.feed(page.decode("utf-8", errors="replace"))
    finder.close()
    remote_page = urlsplit(page_url).scheme.lower() in ("http", "https")
    base = _join(page_url, finder.base) or page_url
    # feedparser reads RSS and Atom, so those go before JSON Feed.
    candidates = sorted(finder.links, key=lambda link: link[0] == "application/feed+json")
    for _kind, href in candidates:
        target = _join(base, href)
        scheme = urlsplit(target or "").scheme.lower()
        if scheme in ("http", "https") or (scheme == "file" and not remote_page):
            return target
    if finder.links:
        raise _Failure(f"{_printable(asked)} is an HTML page whose feed links are not http(s) addresses")
    raise _Failure(
        f"{_printable(asked)} is an HTML page that names no feed "
        '(no <link rel="alternate" type="application/rss+xml">); give the feed\'s own address'
    )


def _join(base: str, href: str | None) -> str | None:
    """`href` resolved against `base`; None when either is malformed (untrusted page text)."""
    if not href:
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _read_feed(response: _Response) -> tuple[str | None, int]:
    """Title and item count of a fetched feed, read as a fetch run reads it (the fast
    RSS reader first: feedparser takes ~30 ms a feed); _Failure when it is no feed at all."""
    from negotiation_watch.store.parse import feed  # only probing needs it here: a fetch run starts without it

    if response.body is None:  # a 304 to a request that asked for no such thing
        raise _Failure(f"HTTP {response.http_status} with no body to read")
    try:
        return feed.title_and_count(response.body, response.headers, response.final_url)
    except feed.ParseError as exc:
        raise _Failure(str(exc)) from None


# --------------------------------------------------------------------------- wording


def _printable(text: str, limit: int = 200) -> str:
    """Untrusted text (URLs, server words) made safe for a message: no control or bidi characters."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(exc: BaseException) -> str:
    """An exception's own words, or those of the OS error under it (httpx often has none)."""
    error, seen = exc, 0
    while error is not None and seen < 8:  # walk down the chain of causes
        if str(error):
            return _printable(str(error))
        error, seen = error.__cause__ or error.__context__, seen + 1
    return type(exc).__name__


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:g} MB"
    if count >= 1_000:
        return f"{count / 1_000:g} kB"
    return f"{count} bytes"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
