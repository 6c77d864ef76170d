"""Worker processes that tag: how they are made, and how many a job takes (each holds the
compiled matcher, tens of MB, so never more than four)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def tagging_pool(taxonomy, workers: int) -> ProcessPoolExecutor:
    """A pool whose workers tag with `taxonomy` (see tagging.init_worker); it starts them
    on first use."""
    from negotiation_watch.store.pipeline.tagging import init_worker

    return ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(), initializer=init_worker,
                               initargs=(taxonomy, os.getpid()))


def stop_broken(pool: ProcessPoolExecutor) -> None:
    """End a broken pool: every worker it still lists, then the pool itself. A worker
    killed while it held the lock of the pool's task queue leaves another blocked on that
    lock for good, which the pool's own clean-up did not end (seen here on Python 3.11,
    about one time in four), and its shutdown, even at interpreter exit, then waits without
    end. Python 3.14 has kill_workers() for this."""
    if hasattr(pool, "kill_workers"):
        pool.kill_workers()
    else:
        for process in list((pool._processes or {}).values()):
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def whole_machine_workers() -> int:
    """For a job that has the machine to itself (`retag`, `tag --jsonl`): one a core."""
    return max(1, min(4, os.cpu_count() or 1))


def ingest_workers() -> int:
    """One core is left to the main process, which fetches and stores (about as much CPU
    as parsing and tagging take); two workers at most. On two cores a second worker only
    competed with the main process."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


def worker_context():
    """forkserver where there is one (cheap workers from a preloaded server), else spawn.
    Never fork: the dashboard calls this from a thread, and forking a threaded process
    can deadlock the child."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Only what workers run: not the pipeline, which would bring httpx.
        context.set_forkserver_preload(["negotiation_watch.store.pipeline.tagging"])
        return context
    return multiprocessing.get_context("spawn")
