"""The real-news labels are well-formed and every one names an entry of the shared corpus.

Accuracy on these entries is a held-out measure (bench/realnews.py reports it); no
threshold is enforced here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from test_accuracy import contract_tracks, is_valid_party
from shared import shared_path

ROOT = Path(__file__).resolve().parent.parent
# The shared folder sits beside the repository (as in CI); its corpus is read in place.
CORPUS = shared_path("feed-corpus/real")
ENGLISH_FEEDS = {
    "aljazeera_all", "bbc_world", "bbc_frontpage", "guardian_us", "mehrnews_en",
    "npr_news", "nyt_homepage", "nyt_world", "japantimes_latest",
}
FIELDS = {"file", "guid", "parties_must", "parties_ok", "tracks_must", "tracks_ok",
          "interactions_must", "interactions_ok"}


def load_realnews_module():
    """Import bench/realnews.py by path: bench/ holds scripts, not an installed package."""
    spec = importlib.util.spec_from_file_location("bench_realnews", ROOT / "bench" / "realnews.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


realnews = load_realnews_module()


@pytest.fixture(scope="module")
def labels():
    return realnews.load_labels(realnews.LABELS)


def feed_prefix(name: str) -> str:
    """The feed's name without its capture date and extension (bbc_world_2026-08-13.xml)."""
    return realnews.FILE_DATE.split(name)[0].rstrip("_")


def interaction_label_problems(record: dict, actions: set[str]) -> list[str]:
    """An interaction label is [action, source, target]: a known action between two
    different parties that the record labels, never both must and ok."""
    problems = []
    parties = set(record["parties_must"]) | set(record["parties_ok"])
    must, ok = ({tuple(t) for t in record[f"interactions_{k}"]} for k in ("must", "ok"))
    if must & ok:
        problems.append(f"interactions in both must and ok: {must & ok}")
    for triple in record["interactions_must"] + record["interactions_ok"]:
        if len(triple) != 3 or triple[0] not in actions or triple[1] == triple[2] \
                or not {triple[1], triple[2]} <= parties:
            problems.append(f"interaction {triple!r}: needs a known action between two labelled parties")
    return problems


def test_labels_hold_keys_and_valid_ids_only(labels):
    from negotiation_watch.store.extract.taxonomy import load_taxonomy

    actions = set(load_taxonomy().actions)
    tracks = contract_tracks()
    assert len(tracks) == 29, "the contract's track table could not be read"
    problems = []
    for number, record in enumerate(labels, start=1):
        where = f"line {number}"
        if set(record) != FIELDS:
            odd = sorted(set(record) ^ FIELDS)
            problems.append(f"{where}: fields {odd} (keys and labels only)")
            continue
        for kind, valid in (("parties", is_valid_party), ("tracks", tracks.__contains__)):
            must, ok = record[f"{kind}_must"], record[f"{kind}_ok"]
            if set(must) & set(ok):
                problems.append(f"{where}: {kind} in both must and ok: {set(must) & set(ok)}")
            if len(set(must)) != len(must) or len(set(ok)) != len(ok):
                problems.append(f"{where}: repeated {kind} label")
            problems.extend(f"{where}: unknown {kind} id {i!r}" for i in must + ok if not valid(i))
        problems.extend(f"{where}: {problem}" for problem in interaction_label_problems(record, actions))
    repeated = [key for key, n in Counter((r["file"], r["guid"]) for r in labels).items() if n > 1]
    if repeated:
        problems.append(f"labelled twice: {repeated}")
    assert not problems, "\n".join(problems)


def test_every_label_names_an_entry_of_the_corpus(labels):
    items = realnews.build_items(labels, CORPUS)
    assert len(items) == len(labels)
    assert all(item["title"] and item["date"] for item in items)


def test_every_entry_of_the_english_feeds_is_labelled(labels):
    labelled = Counter(record["file"] for record in labels)
    assert {feed_prefix(name) for name in labelled} == ENGLISH_FEEDS
    for name, count in labelled.items():
        entries = feedparser.parse((CORPUS / name).read_bytes()).entries
        keys = {realnews.entry_key(entry) for entry in entries}
        assert len(keys) == len(entries), f"{name}: entry keys are not unique"
        assert count == len(entries), f"{name}: {count} labelled of {len(entries)} entries"


def test_summary_html_becomes_plain_text_with_words_kept_apart():
    html = "<p>Envoys <b>met</b> in Doha</p><p>Talks &amp; more talks<br/>ended</p>"
    assert realnews.plain_text(html) == "Envoys met in Doha Talks & more talks ended"


def test_entry_without_a_date_takes_the_file_name_date(tmp_path):
    feed = tmp_path / "sample_feed_2021-03-04.xml"
    feed.write_text(
        "<rss version='2.0'><channel><title>t</title>"
        "<item><guid>a-1</guid><title>Undated item</title><description>x</description></item>"
        "<item><guid>a-2</guid><title>Dated item</title>"
        "<pubDate>Tue, 05 Jan 2021 10:00:00 GMT</pubDate></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    entries = realnews.read_feed(feed)
    assert entries["a-1"]["date"] == "2021-03-04"
    assert entries["a-2"]["date"] == "2021-01-05"


def test_label_naming_no_entry_is_reported(tmp_path):
    record = {"file": "nyt_world_2026-08-13.xml", "guid": "no-such-entry", "parties_must": []}
    with pytest.raises(ValueError, match="not found"):
        realnews.build_items([record], CORPUS)
    broken = tmp_path / "labels.jsonl"
    broken.write_text(json.dumps({"file": "x.xml"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="labels.jsonl:1: a record needs file and guid"):
        realnews.load_labels(broken)
