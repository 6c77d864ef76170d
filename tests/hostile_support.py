"""Helpers for the hostile-input tests: a loopback server whose routes misbehave on
purpose, the real CLI run as a subprocess with its peak memory measured, and database
inspection."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

CLI = str(Path(sys.executable).parent / "negotiation-watch")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def head(status: str = "200 OK", **headers) -> bytes:
    """An HTTP/1.1 response head; header names take '-' for '_'."""
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def body_handler(body: bytes, content_type: str = "application/rss+xml", **headers) -> Handler:
    """A route that answers 200 with `body`."""

    async def answer(reader, writer):
        writer.write(head(Content_Type=content_type, Content_Length=len(body), **headers) + body)
        await writer.drain()

    return answer


class HostileServer:
    """An asyncio HTTP/1.1 server on 127.0.0.1 in its own thread, one handler per path, so
    a subprocess (the real CLI) can fetch from it while the test waits."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks: set[asyncio.Task] = set()
        self.server = None
        self.port = 0

    def start(self) -> HostileServer:
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512), self.loop
        ).result(5)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        async def shut():
            self.server.close()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _serve(self, reader, writer):
        self.tasks.add(asyncio.current_task())
        try:
            request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            path = request.split(" ", 2)[1]
            self.hits[path] = self.hits.get(path, 0) + 1
            handler = self.routes.get(path)
            if handler is None:
                writer.write(head("404 Not Found", Content_Length=0))
            else:
                await handler(reader, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError, IndexError):
            pass
        finally:
            self.tasks.discard(asyncio.current_task())
            writer.close()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close the connection with a TCP RST instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# --------------------------------------------------------------------------- running the CLI


@dataclass
class Run:
    """A finished CLI subprocess: exit status, output, wall time and peak memory."""

    status: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float  # the largest peak resident set of the process or any descendant
    peaks: dict[str, float] = field(default_factory=dict)  # "pid command" -> MB


def run_cli(*args: str, timeout: float = 60, env: dict | None = None, preexec=None) -> Run:
    """Run `negotiation-watch ARGS` to the end, sampling the peak memory (VmHWM) of it and
    every process it starts (the parser workers) until it exits."""
    out_path, err_path = _temp("out"), _temp("err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [CLI, *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, preexec_fn=preexec,
        )
        watcher = PeakWatcher(proc.pid)
        watcher.start()
        try:
            status = proc.wait(timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            watcher.stop()
        seconds = time.monotonic() - started
    stdout, stderr = Path(out_path).read_text("utf-8", "replace"), Path(err_path).read_text("utf-8", "replace")
    os.unlink(out_path)
    os.unlink(err_path)
    peaks = watcher.peaks
    return Run(status, stdout, stderr, seconds, max(peaks.values(), default=0.0), peaks)


def _temp(kind: str) -> str:
    import tempfile

    handle, path = tempfile.mkstemp(prefix=f"nw-hostile-{kind}-")
    os.close(handle)
    return path


def descendants(root: int) -> list[int]:
    """Every process under `root` (children, their children...), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


class PeakWatcher:
    """Samples /proc every 20 ms for the process tree under `root` and keeps each
    process's VmHWM (its own high-water mark, so a sample between peaks still sees it)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.root, *descendants(self.root)]:
                self._sample(pid)
            self._stop.wait(0.02)

    def _sample(self, pid: int) -> None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:80].decode("utf-8", "replace")
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                key = f"{pid} {cmd}"
                self.peaks[key] = max(self.peaks.get(key, 0.0), int(line.split()[1]) / 1024)


# --------------------------------------------------------------------------- the database


def query(db_path: Path, sql: str, *params) -> list[tuple]:
    """Read the database with plain sqlite3 (never the app's code under test)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def feed_row(db_path: Path, url: str) -> dict:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return dict(row) if row else {}
    finally:
        conn.close()


def database_bytes(db_path: Path) -> bytes:
    """The database file and its WAL, as raw bytes: whatever was ever written is in here."""
    parts = [db_path, Path(f"{db_path}-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def every_text(db_path: Path) -> str:
    """Every text value in every table, joined: for 'this never got stored' checks."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        values = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values += [str(v) for v in row if v is not None]
        return "\n".join(values)
    finally:
        conn.close()
