"""NetworkRun: work on a worker thread's event loop that the UI thread can stop."""

import asyncio
import threading

import pytest

from negotiation_watch.tui.network_run import NetworkRun


def run_in_thread(runner: NetworkRun, work) -> tuple[threading.Thread, list]:
    outcome = []

    def target():
        try:
            outcome.append(runner.run(work))
        except asyncio.CancelledError:
            outcome.append("cancelled")

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def test_close_cancels_every_run_in_progress_from_another_thread():
    runner = NetworkRun()
    began = threading.Semaphore(0)

    async def wait_long():
        began.release()
        await asyncio.sleep(60)

    runs = [run_in_thread(runner, wait_long()) for _ in range(2)]
    for _ in runs:
        assert began.acquire(timeout=5)
    runner.close()
    for thread, outcome in runs:
        thread.join(5)
        assert not thread.is_alive() and outcome == ["cancelled"]


def test_after_close_work_is_refused_without_being_started():
    runner = NetworkRun()
    runner.close()
    started = []

    async def work():
        started.append(True)

    with pytest.raises(asyncio.CancelledError):
        runner.run(work())
    assert started == []


def test_work_left_alone_returns_its_result():
    async def answer():
        await asyncio.sleep(0)
        return 42

    assert NetworkRun().run(answer()) == 42
