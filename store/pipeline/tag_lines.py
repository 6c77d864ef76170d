"""`tag --jsonl`'s work: one result line for each input line, in the input's order.

Lines that come one at a time (a pipe from a live source) are tagged here as they come and
written at once. Lines that flow faster than one process tags them (a file, an archive) go
in batches to worker processes, one per core: the extractor is CPU work.
"""

from __future__ import annotations

import datetime
import json
import os
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, Future
from typing import IO, Any

from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.pipeline.workers import stop_broken, tagging_pool, whole_machine_workers

BATCH = 200  # lines a worker tags at a time; fewer waiting, before workers start, are tagged here
READ_CHUNK = 1 << 16  # bytes read from the input at a time
IDLE_S = 0.05  # while workers have results due, how long to wait for input before writing them
FLOW_GAP_S = 0.002  # lines closer than this are one flow, gathered into one batch
_ENCODER = json.JSONEncoder(ensure_ascii=False)


class Stopped(Exception):
    """Tagging stopped before the input's end; the message says why."""


def tag_lines(taxonomy, source: IO[bytes], out: IO[bytes], default_date: datetime.date | None,
              workers: int | None = None) -> None:
    """Tag every line of `source` (JSON objects {"id", "title", "text", "date"?}) and write
    one result line each to `out`, a bad line (even an empty one) getting an error object.
    `workers` defaults to one a core; with one, all is done here.
    Raises Stopped, after writing every result it has, if `source` fails or a worker dies."""
    workers = workers or whole_machine_workers()
    lines = _LineReader(source, capacity=2 * BATCH * workers)
    pending: deque[Future] = deque()  # results in input order, tagged here or by a worker
    pool = None
    first = True  # only the first line may open with a byte order mark
    try:
        while True:
            batch = lines.take(BATCH, wait=IDLE_S if pending else None)
            if batch is None:  # the input paused: what the workers finished is due now
                _write_ready(pending, out, flush=True)
                continue
            if not batch:
                break
            # A full batch means lines flow faster than this process would tag them. Once
            # the workers run they take every batch: this process never loads the matcher too.
            if workers > 1 and (len(batch) == BATCH or pool is not None):
                # the workers' module brings the feed parser: imported once they are needed
                from negotiation_watch.store.pipeline.tagging import tag_batch_in_worker

                pool = pool or tagging_pool(taxonomy, workers)
                try:
                    pending.append(pool.submit(tag_batch_in_worker, batch, first, default_date))
                except OSError as exc:  # no process to be had (a limit), or its server is gone
                    raise BrokenExecutor(exc) from exc
            else:
                done: Future = Future()
                done.set_result(tag_batch(taxonomy, batch, first, default_date))
                pending.append(done)
            first = False
            # Waiting lines mean more work is coming: write what is ready, flush once idle.
            _write_ready(pending, out, flush=lines.idle(), most=2 * workers)
        while pending:
            out.write(pending.popleft().result())
        out.flush()
    except BrokenExecutor:
        stop_broken(pool)
        pool = None
        out.flush()
        raise Stopped("a tagging process stopped unexpectedly (out of memory?)") from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if lines.error is not None:
        raise Stopped(f"cannot read input: {lines.error}") from lines.error


def tag_batch(taxonomy, lines: list[bytes], first: bool, default_date: datetime.date | None) -> bytes:
    """The result lines of `lines`, as one UTF-8 block; `first` when they open the input."""
    results = []
    for number, raw in enumerate(lines):
        try:
            line = raw.decode("utf-8-sig" if first and number == 0 else "utf-8")
        except UnicodeDecodeError:
            result = {"id": None, "error": "not UTF-8 text"}
        else:
            result = tag_line(taxonomy, line, default_date)
        results.append(to_line(result))
    return b"".join(results)


def tag_line(taxonomy, line: str, default_date: datetime.date | None) -> dict[str, Any]:
    """The result object for one input line, or an error object saying what is wrong with it."""
    if not line.strip():
        return {"id": None, "error": "empty line"}
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"id": None, "error": f"not JSON: {exc}"}
    if not isinstance(item, dict):
        return {"id": None, "error": "expected a JSON object"}
    item_id = item.get("id")
    title, text, date_value = item.get("title", ""), item.get("text", ""), item.get("date")
    if not isinstance(title, str) or not isinstance(text, str):
        return {"id": item_id, "error": "title and text must be strings"}
    if not title and not text:
        return {"id": item_id, "error": "title and text are both empty"}
    date = default_date
    if date_value is not None:
        date = parse_date(date_value) if isinstance(date_value, str) else None
        if date is None:
            return {"id": item_id, "error": f"not a date: {date_value!r} (use YYYY-MM-DD)"}
    return {"id": item_id, **extract(taxonomy, title, text, date).to_json()}


def to_line(value: dict[str, Any]) -> bytes:
    """One JSON line in UTF-8 (JSON's own encoding), names readable as they are written."""
    return (_ENCODER.encode(value) + "\n").encode("utf-8", "backslashreplace")  # a lone surrogate as JSON's own escape


def parse_date(value: str) -> datetime.date | None:
    """YYYY-MM-DD, or the date part of an ISO timestamp; None when it is neither."""
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _write_ready(pending: deque[Future], out: IO[bytes], flush: bool, most: int | None = None) -> None:
    """Write the results at the head of `pending` that are ready, waiting for the oldest
    while more than `most` are due (so a fast input cannot pile up work unbounded)."""
    while pending and (pending[0].done() or (most is not None and len(pending) > most)):
        out.write(pending.popleft().result())
    if flush:
        out.flush()


class _LineReader:
    """The input's lines, read by a thread of its own so that the tagging side sees how many
    are waiting: many mean a file or a flood (worth the workers), few a live trickle."""

    def __init__(self, source: IO[bytes], capacity: int) -> None:
        self.lines: queue.Queue[bytes | None] = queue.Queue(maxsize=capacity)
        self.error: OSError | None = None
        self.ended = False
        threading.Thread(target=self._read, args=(source,), daemon=True, name="tag --jsonl reader").start()

    def _read(self, source: IO[bytes]) -> None:
        try:
            for raw in _unlocked_lines(source):
                self.lines.put(raw.rstrip(b"\r"))
        except OSError as exc:
            self.error = exc
        finally:
            self.lines.put(None)

    def take(self, most: int, wait: float | None) -> list[bytes] | None:
        """Up to `most` lines, the first waited for up to `wait` seconds (None: as long as
        it takes), the rest while they keep coming; [] at the end, None if `wait` ran out."""
        if self.ended:
            return []
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            return None
        batch = []
        while line is not None:
            batch.append(line)
            if len(batch) == most:
                return batch
            try:
                line = self.lines.get(timeout=FLOW_GAP_S)
            except queue.Empty:
                return batch
        self.ended = True
        return batch

    def idle(self) -> bool:
        """No line is waiting to be tagged."""
        return self.lines.empty()


def _unlocked_lines(source: IO[bytes]) -> Iterator[bytes]:
    """The lines of `source` without their newline, read in chunks from its file descriptor
    where it has one (standard input). A buffered stream would hold its lock through each
    blocking read, and the interpreter, closing the stream at exit while the reader still
    waits, aborts ("could not acquire lock ... at interpreter shutdown")."""
    try:
        descriptor = source.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both: an in-memory stream
        yield from (line.removesuffix(b"\n") for line in source)
        return
    unfinished: list[bytes] = []  # the pieces of a line read so far (a long one spans chunks)
    while chunk := os.read(descriptor, READ_CHUNK):
        *lines, tail = chunk.split(b"\n")
        if lines:
            lines[0] = b"".join(unfinished) + lines[0]
            unfinished.clear()
            yield from lines
        unfinished.append(tail)
    if last := b"".join(unfinished):
        yield last
