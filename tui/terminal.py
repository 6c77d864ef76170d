"""Leaving the terminal: a driver whose writes never block once the terminal is gone, and
signal handling that ends the app within a second whatever it is doing.

Textual writes through a thread fed by a bounded queue (30 writes). When the terminal
goes away (window closed, `tmux kill-session`) that thread dies on the first failed write
or waits forever on a terminal nobody reads; the queue fills, and the next write, or
the shutdown's `WriterThread.stop`, blocks the event loop for good. The app then ignored
SIGTERM too, since its handler needs the event loop.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import sys
import threading

from textual import constants

if sys.platform != "win32":
    from textual.drivers.linux_driver import LinuxDriver
else:  # Textual's Windows driver writes without a bounded queue
    LinuxDriver = object

WRITE_WAIT_SECONDS = 0.25  # a live terminal drains 30 writes far sooner than this
EXIT_DEADLINE_SECONDS = 0.8  # after a signal, the app is gone within this, cleanly or not
EXIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, except that output for a terminal that is gone is dropped
    instead of waited for."""

    _terminal_gone = False

    def write(self, data: str) -> None:
        """Queue `data` for the writer thread; drop it once the terminal has stopped taking output."""
        writer = self._writer_thread
        if writer is None or self._terminal_gone:
            return
        if not writer.is_alive():  # it died on a failed write: the terminal is gone
            self._terminal_gone = True
            return
        try:
            writer._queue.put(data, timeout=WRITE_WAIT_SECONDS)
        except queue.Full:  # nobody reads the terminal any more
            self._terminal_gone = True

    def run_input_thread(self) -> None:
        """Read keys until told to stop; a terminal that hangs up ends the app quietly (a
        traceback screen would take longer to draw than the exit deadline allows)."""
        try:
            super().run_input_thread()
        except OSError:
            self._terminal_gone = True
            self._app.call_later(self._app.exit)

    def _sigcont_application(self, *_) -> None:
        """Resume after our own suspend (Ctrl+Z) only: the kernel sends SIGCONT along with
        SIGHUP when the terminal hangs up, and resuming then started a second input and
        output thread in a process about to exit."""
        if self._must_signal_resume:
            super()._sigcont_application()

    def close(self) -> None:
        """Stop the writer thread, waiting only as long as a live terminal needs."""
        writer = self._writer_thread
        if writer is None:
            return
        self.write(None)  # the writer thread's signal to finish
        writer.join(WRITE_WAIT_SECONDS)


def driver_class() -> type | None:
    """TerminalDriver wherever Textual would choose its Linux driver, else None (Textual's choice)."""
    if sys.platform == "win32" or constants.DRIVER:
        return None
    return TerminalDriver


def exit_on_signals(app) -> None:
    """SIGTERM, SIGHUP (terminal closed) and SIGINT end `app` as q does, so the terminal is
    restored and temporary files go; if that has not happened within
    EXIT_DEADLINE_SECONDS (or a second signal comes), the process ends at once.

    Ending at once is safe for the database: every write is one SQLite transaction, and an
    unfinished one is rolled back when the file is next opened."""
    deadline: list[threading.Timer] = []

    def stop(signum, frame) -> None:
        if deadline:  # asked twice: do not wait any longer
            os._exit(128 + signum)
        timer = threading.Timer(EXIT_DEADLINE_SECONDS, os._exit, (128 + signum,))
        timer.daemon = True
        timer.start()
        deadline.append(timer)
        app.exit_signal = signum
        try:
            asyncio.get_running_loop().call_soon_threadsafe(app.exit)
        except RuntimeError:  # not running yet, or already finished
            raise SystemExit(128 + signum) from None

    for signum in EXIT_SIGNALS:
        signal.signal(signum, stop)
