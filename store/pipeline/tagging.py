"""The CPU half of ingesting, free of the database: parse a body, tag its new entries.

The pipeline's worker processes run this module, which imports only the parser, the
extractor and the stories' judgement (no httpx, no database), so they start quickly and
stay small; store.ingest writes what they return.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from negotiation_watch.store.extract import stories
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.parse.feed import Entry, ParsedFeed, parse_feed
from negotiation_watch.store.pipeline.tag_lines import tag_batch

TagRow = tuple  # (kind, tag_id, field, start, end, text, person)
# (action, source, target, mutual, track, field, start, end, text, signal_start, signal_end)
InteractionRow = tuple


class TagRows(list):
    """An article's tag rows, with its interaction rows beside them in `interactions`: a
    list still, so whoever only wants the tags reads it as before."""

    def __init__(self, rows=(), interactions=()) -> None:
        super().__init__(rows)
        self.interactions: list[InteractionRow] = list(interactions)


def tag_rows(taxonomy, title: str, summary: str, published: date) -> TagRows:
    """Every evidence span the extractor finds, one row each, and every interaction, one
    row per pair: the ONE call into it."""
    extraction = extract(taxonomy, title, summary, published)
    return TagRows(
        [
            (tag.kind, tag.id, ev.field, ev.start, ev.end, ev.text, ev.person)
            for tag in (*extraction.parties, *extraction.tracks)
            for ev in tag.evidence
        ],
        [
            (i.action, i.source, target, int(i.symmetric), i.track, i.field, i.start, i.end, i.text,
             i.signal_start, i.signal_end)
            for i in extraction.interactions
            for target in i.targets
        ],
    )


def tags_for(taxonomy, entry: Entry, now: datetime) -> TagRows:
    """An entry's tag rows; an undated entry is read as of `now` (when it was first seen)."""
    return tag_rows(taxonomy, entry.title, entry.summary, (entry.published or now).date())


def story_features(entry: Entry, rows: list[TagRow], now: datetime, outlet: int | None = None) -> stories.Features:
    """What the stories' judgement reads of an entry from feed `outlet` (made here, beside
    its tags, so the process that stores it has less to do)."""
    return stories.features(entry.title, entry.summary, entry.published or now, [(r[0], r[1]) for r in rows],
                            [r[5] for r in rows], outlet, entry.url)


@dataclass
class TaggedFeed:
    """A parsed feed plus the tag rows and story features of its new or changed entries (by guid)."""

    parsed: ParsedFeed
    tags: dict[str, TagRows]
    features: dict[str, stories.Features] = field(default_factory=dict)


def parse_and_tag(
    body: bytes, headers: dict, url: str, known: dict[str, str], taxonomy, *, now: datetime, outlet: int | None = None
) -> TaggedFeed:
    """Parse a body and tag the entries whose text is not stored yet (`known`: guid ->
    stored content hash); `outlet` is the feed's id, which the story features carry."""
    parsed = parse_feed(body, headers, url)
    fresh = [e for e in parsed.entries if known.get(e.guid) != e.content_hash]
    tags = {e.guid: tags_for(taxonomy, e, now) for e in fresh}
    return TaggedFeed(parsed, tags, {e.guid: story_features(e, tags[e.guid], now, outlet) for e in fresh})


_worker_taxonomy = None  # set in each worker process by init_worker


def init_worker(taxonomy, main_pid: int) -> None:
    """A worker tags with the run's own taxonomy (its TOML is read once, by the main
    process) and leaves Ctrl-C to the main process, which shuts it down cleanly. It exits
    on its own when the main process dies without doing so (SIGKILL, out of memory): the
    pool would leave it, and the forkserver it keeps alive, waiting forever."""
    global _worker_taxonomy
    _worker_taxonomy = taxonomy
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_after, args=(main_pid,), daemon=True).start()


def _exit_after(pid: int) -> None:
    """Wait until process `pid` has ended, then end this one."""
    try:
        handle = os.pidfd_open(pid)  # readable once the process ends (Linux 5.3+)
        select.select([handle], [], [])
    except (AttributeError, OSError):  # no pidfd here, or the process is already gone
        while _alive(pid):
            time.sleep(1)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def retag_rows(
    taxonomy, title: str, summary: str, published: datetime, feed_id: int, url: str | None, features: bool
) -> tuple[TagRows, stories.Features | None]:
    """A stored article's tag rows and, when it is to be judged again, its story features
    (made from those rows, as ingest makes a new article's)."""
    rows = tag_rows(taxonomy, title, summary, published.date())
    if not features:
        return rows, None
    return rows, stories.features(title, summary, published, [(r[0], r[1]) for r in rows], [r[5] for r in rows],
                                  feed_id, url)


def retag_in_worker(articles: list[tuple], features: bool) -> list[tuple[TagRows, stories.Features | None]]:
    """retag_rows for each article of a re-tag's share, with the worker's taxonomy."""
    return [retag_rows(_worker_taxonomy, *article, features) for article in articles]


def tag_batch_in_worker(lines: list[bytes], first: bool, default_date: date | None) -> bytes:
    """tag_batch of a share of `tag --jsonl`'s lines, with the worker's taxonomy."""
    return tag_batch(_worker_taxonomy, lines, first, default_date)


def parse_and_tag_in_worker(
    body: bytes, headers: dict, url: str, known: dict[str, str], now: datetime, outlet: int
) -> TaggedFeed:
    return parse_and_tag(body, headers, url, known, _worker_taxonomy, now=now, outlet=outlet)
