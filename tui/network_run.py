"""Network work (fetching, probing a new address) run on a worker thread's own event
loop, stoppable from the UI thread: quitting, or closing the screen that asked, must not
wait for a slow server's deadline."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class NetworkRun:
    """Runs coroutines with asyncio.run on the calling worker threads, until closed;
    close() from any thread cancels those running and refuses later ones."""

    def __init__(self) -> None:
        self._running: set[Callable[[], None]] = set()  # how to cancel each
        self._closed = False

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result; raises asyncio.CancelledError if this was closed before or meanwhile."""
        return asyncio.run(self._cancellable(work))

    async def _cancellable(self, work: Coroutine[Any, Any, T]) -> T:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()

        def cancel() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing left to stop
                loop.call_soon_threadsafe(task.cancel)

        self._running.add(cancel)
        try:
            if self._closed:  # read after registering, so a close() in between is never missed
                work.close()
                raise asyncio.CancelledError
            return await work
        finally:
            self._running.discard(cancel)

    def close(self) -> None:
        self._closed = True
        for cancel in list(self._running):
            cancel()
