"""httpcore's network layer written on asyncio's own transports, for the fetcher's client.

httpcore reaches asyncio through anyio by default, which wraps every read and write in a
cancel scope and every socket attribute in a typed lookup: a third of the CPU of a
conditional GET that answers 304. httpcore lets a client bring its own network backend;
this one keeps httpcore's contract (its exceptions, timeouts in seconds, b"" at end of
stream, the extra-info keys it asks for) on an asyncio Protocol, one per connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable

import httpcore

_PAUSE_AT = 256 * 1024  # unread bytes held before the socket stops being read
_RESUME_AT = 64 * 1024
_HAPPY_EYEBALLS_DELAY = 0.25  # RFC 8305's recommended head start for the first address family
# httpcore's extra-info keys -> asyncio's ("is_readable" is answered from the buffer)
_EXTRA_INFO = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Open TCP connections as asyncio transports feeding an _Incoming buffer."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, incoming = await loop.create_connection(
                    _Incoming,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(incoming)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection as httpcore reads and writes it, through its _Incoming's transport
    (the TCP one, then the TLS one on top once start_tls has run)."""

    def __init__(self, incoming: _Incoming) -> None:
        self._incoming = incoming

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        incoming = self._incoming
        if not incoming.buffer and not incoming.ended:
            try:
                async with asyncio.timeout(timeout):
                    await incoming.wait()
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(str(exc)) from exc
        if incoming.buffer:
            return incoming.take(max_bytes)
        if incoming.error is not None:
            raise httpcore.ReadError(str(incoming.error)) from incoming.error
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # Only requests are written: a few hundred bytes of headers, which asyncio's write
        # buffer takes whole, so there is never a drain to wait for.
        transport = self._incoming.transport
        if transport.is_closing():
            raise httpcore.WriteError(str(self._incoming.error or "the connection is closed"))
        transport.write(buffer)

    async def aclose(self) -> None:
        # Nothing is left to send once httpcore closes; abort skips TLS's close_notify
        # exchange, which a server that stopped answering would hold open for 30 s.
        self._incoming.transport.abort()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> AsyncioStream:
        incoming = self._incoming
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(incoming.transport, incoming, ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            incoming.transport.abort()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:  # a failed certificate check is an SSLError
            incoming.transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        incoming.transport = tls  # written, read, paused and closed through the TLS layer now
        return self

    def get_extra_info(self, info: str):
        if info == "is_readable":  # httpcore's test of an idle connection: did the server speak or hang up?
            return bool(self._incoming.buffer) or self._incoming.ended
        return self._incoming.transport.get_extra_info(_EXTRA_INFO[info]) if info in _EXTRA_INFO else None


class _Incoming(asyncio.Protocol):
    """A connection's received bytes and state, and the reader waiting for more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # end of stream or connection lost
        self.error: Exception | None = None
        self._reading_paused = False
        self._data_waiter: asyncio.Future | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake_reader()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake_reader()
        return False  # nothing more is sent on a connection the server finished with

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake_reader()

    async def wait(self) -> None:
        self._data_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._data_waiter
        finally:
            self._data_waiter = None

    def take(self, max_bytes: int) -> bytes:
        """Up to max_bytes of what arrived, reading the socket again once the backlog is small."""
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self._reading_paused and len(self.buffer) <= _RESUME_AT:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    def _wake_reader(self) -> None:
        if len(self.buffer) > _PAUSE_AT and not self._reading_paused and not self.ended:
            self._reading_paused = True
            self.transport.pause_reading()
        if self._data_waiter is not None and not self._data_waiter.done():
            self._data_waiter.set_result(None)
