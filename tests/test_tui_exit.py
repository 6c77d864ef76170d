"""The app always exits: the real CLI on a real pseudo-terminal, keys still arriving, then
the terminal closed under it (as closing the window or `tmux kill-session` does), or a
SIGTERM or SIGINT sent. Every run must end within a second and leave the database whole."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

import pytest

from negotiation_watch.store.db import connection

import tui_fixture
from hostile_support import CLI

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

HANGUPS = 20
EXIT_SECONDS = 1.0  # the target, from the terminal closing to the process gone
ORPHAN_SECONDS = 5.0  # still running after this: an orphan, killed by the test
# A few screens' worth of keys, sent without reading what the app writes back: dashboard
# panes, an article, search, the add-feed dialog, the feeds screen.
KEYS = [b"j", b"j", b"\r", b"\x1b", b"2", b"j", b"/", b"talks", b"\r", b"\x1b", b"\t", b"a", b"\x1b", b"F"] * 2


def launch(db_path) -> tuple[int, int]:
    """The dashboard on a new pseudo-terminal of 120x40; (pid, terminal fd) once it has drawn."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the app
        os.environ["TERM"] = "xterm-256color"
        os.execv(CLI, [CLI, "--db", str(db_path)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen, deadline = b"", time.monotonic() + 30
    while b"Tracks" not in seen:
        assert time.monotonic() < deadline, f"the dashboard never drew: {seen[-500:]!r}"
        if select.select([fd], [], [], 0.2)[0]:
            seen += os.read(fd, 65536)
    return pid, fd


def seconds_to_exit(pid: int) -> float | None:
    """How long the process took to end from now; None (and killed) if it outlived ORPHAN_SECONDS."""
    started = time.monotonic()
    while time.monotonic() - started < ORPHAN_SECONDS:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return time.monotonic() - started
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def end_run(db_path, how: str, keys_delay: float) -> float | None:
    pid, fd = launch(db_path)
    for key in KEYS:
        os.write(fd, key)
    time.sleep(keys_delay)  # some keys handled, others still in flight
    if how == "hangup":
        os.close(fd)
        return seconds_to_exit(pid)
    os.kill(pid, getattr(signal, how))
    try:
        return seconds_to_exit(pid)
    finally:
        os.close(fd)


def assert_database_whole(db_path) -> None:
    db = connection.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(tui_fixture.ARTICLES)
    finally:
        db.close()


def test_closing_the_terminal_always_ends_the_app(db_path):
    """20 hangups with keys in flight: no orphan, every exit within a second."""
    tui_fixture.build(db_path)
    times = [end_run(db_path, "hangup", keys_delay=0.05 * (n % 6)) for n in range(HANGUPS)]
    orphans = times.count(None)
    slow = [round(t, 2) for t in times if t is not None and t > EXIT_SECONDS]
    assert (orphans, slow) == (0, []), f"exit times: {times}"
    assert_database_whole(db_path)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_app(db_path, how):
    tui_fixture.build(db_path)
    seconds = end_run(db_path, how, keys_delay=0.1)
    assert seconds is not None and seconds <= EXIT_SECONDS, seconds
    assert_database_whole(db_path)
