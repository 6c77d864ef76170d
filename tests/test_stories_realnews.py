"""Story grouping on real news: four feeds of one day in the shared corpus, read in place,
against our labels (bench/stories-realnews-labels.jsonl). bench/stories.py reports the
figures; the floor here only guards what the judgement already reads right (before the
dateline and caseless-script fixes it scored precision 0.79)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench_script import load_bench
from shared import shared_path

from negotiation_watch.store.parse.feed import parse_feed

ROOT = Path(__file__).resolve().parent.parent
CORPUS = shared_path("feed-corpus/real")
LABELS = ROOT / "bench" / "stories-realnews-labels.jsonl"
FLOOR = 0.88  # below the development set's 0.90, above what the project read before ddb08b1 (0.79)


def _bench():
    return load_bench("stories")


def test_every_entry_of_the_labelled_feeds_is_labelled_once_and_events_have_several():
    labels = [json.loads(line) for line in LABELS.read_text().splitlines()]
    assert all(set(label) == {"file", "guid", "story"} for label in labels)
    keys = Counter((label["file"], label["guid"]) for label in labels)
    assert max(keys.values()) == 1
    for name in {label["file"] for label in labels}:
        entries = parse_feed((CORPUS / name).read_bytes(), {}, name).entries
        assert {(name, entry.guid) for entry in entries} == {key for key in keys if key[0] == name}
    events = Counter(label["story"] for label in labels if label["story"] is not None)
    several = [story for story, count in events.items() if count > 1]
    assert len(several) >= 10 and sum(events[s] for s in several) >= 40
    across = {label["story"] for label in labels if label["story"] in several} & {
        story for story in several if len({l["file"] for l in labels if l["story"] == story}) > 1}
    assert len(across) >= 8  # most events are reported by more than one outlet


def test_real_news_is_grouped_above_the_floor():
    precision, recall, _, _, scored = _bench().evaluate_real(CORPUS, orders=2)
    assert scored >= 100
    assert precision >= FLOOR, precision
    assert recall >= FLOOR, recall
