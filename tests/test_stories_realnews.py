"""Story grouping on real news: feeds of two days in the shared corpus, read in place,
against our labels (bench/stories-realnews-labels.jsonl, bench/stories-heldout-labels.jsonl);
and on the bundled demo's feeds (bench/stories-demo-labels.jsonl).
bench/stories.py reports the figures; the floors here only guard what the judgement
already reads right (before the dateline and caseless-script fixes it scored precision
0.79 on the first day)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from bench_script import load_bench
from shared import shared_path

from negotiation_watch.store.parse.feed import parse_feed

ROOT = Path(__file__).resolve().parent.parent
CORPUS = shared_path("feed-corpus/real")
LABELS = ROOT / "bench" / "stories-realnews-labels.jsonl"
HELD_OUT = ROOT / "bench" / "stories-heldout-labels.jsonl"
DEMO_LABELS, DEMO = ROOT / "bench" / "stories-demo-labels.jsonl", ROOT / "tui" / "demo"
FLOOR = 0.88  # below the development set's 0.90, above what the project read before ddb08b1 (0.79)


def _bench():
    return load_bench("stories")


def _labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(("path", "folder"), [(LABELS, CORPUS), (HELD_OUT, CORPUS), (DEMO_LABELS, DEMO)],
                         ids=["2026-08-13", "held-out", "demo"])
def test_every_entry_of_the_labelled_feeds_is_labelled_once(path, folder):
    labels = _labels(path)
    assert all(set(label) == {"file", "guid", "story"} for label in labels)
    keys = Counter((label["file"], label["guid"]) for label in labels)
    assert max(keys.values()) == 1
    for name in {label["file"] for label in labels}:
        entries = parse_feed((folder / name).read_bytes(), {}, name).entries
        assert {(name, entry.guid) for entry in entries} == {key for key in keys if key[0] == name}


def _events_across_outlets(labels: list[dict]) -> tuple[Counter, set[str]]:
    events = Counter(label["story"] for label in labels if label["story"] is not None)
    several = {story for story, count in events.items() if count > 1}
    return events, {story for story in several if len({l["file"] for l in labels if l["story"] == story}) > 1}


def test_the_first_day_has_many_events_of_several_articles():
    events, across = _events_across_outlets(_labels(LABELS))
    several = [story for story, count in events.items() if count > 1]
    assert len(several) >= 10 and sum(events[s] for s in several) >= 40
    assert len(across) >= 8  # most events are reported by more than one outlet


def test_the_held_out_day_has_events_across_outlets_among_many_single_articles():
    events, across = _events_across_outlets(_labels(HELD_OUT))
    assert len(across) >= 3 and sum(count == 1 for count in events.values()) >= 50


@pytest.mark.parametrize(("path", "entries"), [(LABELS, 100), (HELD_OUT, 60)], ids=["2026-08-13", "held-out"])
def test_real_news_is_grouped_above_the_floor(path, entries):
    precision, recall, _, _, scored = _bench().evaluate_real(path, CORPUS, orders=2)
    assert scored >= entries
    assert precision >= FLOOR, precision
    assert recall >= FLOOR, recall


def test_the_demo_groups_each_of_its_events_and_merges_none():
    precision, recall, _, _, scored = _bench().evaluate_real(DEMO_LABELS, DEMO, orders=3)
    assert scored >= 120
    assert (precision, recall) == (1.0, 1.0)
