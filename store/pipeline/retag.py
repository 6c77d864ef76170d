"""The dashboard's re-tag: a process of its own, so that tagging (CPU work that would hold
the interpreter lock) never slows the keys; its progress lives in the database
(store/db/ingest.py RetagJob), so the app reads it from there and a relaunch resumes it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

SHARE = 50  # articles a worker tags at a time


def start_process(db_path: Path, main_pid: int):
    """Start re-tagging `db_path` with the user's taxonomy in a new process; returns it."""
    from negotiation_watch.store.pipeline.workers import worker_context

    process = worker_context().Process(target=_retag_in_process, args=(str(db_path), main_pid), daemon=True,
                                 name="negotiation-watch retag")
    process.start()
    return process


def _retag_in_process(db_path: str, main_pid: int) -> None:
    """The process's work. Ending it at any moment is safe (each batch and its progress are
    one transaction); it ends by itself if the app dies without stopping it."""
    from negotiation_watch.store.db import connection
    from negotiation_watch.store.db.ingest import retag_all
    from negotiation_watch.store.extract.taxonomy import default_taxonomy
    from negotiation_watch.store.pipeline.tagging import init_worker

    if hasattr(os, "nice"):
        os.nice(10)  # the dashboard's own process comes first: keys before re-tagging
    taxonomy = default_taxonomy()
    init_worker(taxonomy, main_pid)  # Ctrl-C is the app's; ends by itself when the app is gone
    db = connection.connect(db_path)
    try:
        retag_all(db, taxonomy)
    finally:
        db.close()


@contextlib.contextmanager
def parallel_tagger(taxonomy, workers: int | None = None) -> Iterator[Callable[[list[tuple], bool], list[tuple]]]:
    """A `tagger` for ingest.retag_all that spreads each batch over worker processes (the
    extractor and the story features are CPU work: the `retag` command uses every core),
    closed on leaving."""
    from negotiation_watch.store.pipeline.tagging import retag_in_worker
    from negotiation_watch.store.pipeline.workers import tagging_pool, whole_machine_workers

    with tagging_pool(taxonomy, workers or whole_machine_workers()) as pool:

        def tagger(articles: list[tuple], features: bool) -> list[tuple]:
            shares = [articles[start:start + SHARE] for start in range(0, len(articles), SHARE)]
            return [made for share in pool.map(retag_in_worker, shares, [features] * len(shares)) for made in share]

        yield tagger
