"""Held-out extractor accuracy on real news: labelled entries of the shared feed corpus.

Each line of realnews-labels.jsonl names one entry by file (a feed in feed-corpus/real/)
and guid (feedparser's entry id, or its link when it has none) and gives parties_must,
parties_ok, tracks_must and tracks_ok, and interactions_must and interactions_ok
([action, source, target] triples among the labelled parties: must = stated, ok = implied). The entry's title and summary are read from the
corpus file in place, never stored in this repository (the text is the publishers').
Scored with bench/accuracy.py's scorers, so the figures compare with the dev sets'.

    python bench/realnews.py [--corpus DIR] [--labels FILE] [--errors]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import feedparser

BENCH = Path(__file__).resolve().parent
LABELS = BENCH / "realnews-labels.jsonl"
# The shared folder sits beside the repository; its corpus is read in place.
CORPUS = BENCH.parents[1] / "shared" / "feed-corpus" / "real"
KEYS = ("file", "guid")
LABEL_FIELDS = ("parties_must", "parties_ok", "tracks_must", "tracks_ok", "interactions_must", "interactions_ok")
# Tags that end a line or a block, so the words on either side stay apart in plain text.
BLOCK_TAGS = {
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol",
    "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def load_accuracy():
    """Import bench/accuracy.py by path (bench/ is not a package) to reuse its scorer."""
    name = "bench_accuracy"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH / "accuracy.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]


class _TextCollector(HTMLParser):
    """Collects an HTML fragment's text, with a space wherever a block or line ends."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(html: str) -> str:
    """A feed summary's HTML as one line of plain text, entities decoded."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    return " ".join("".join(collector.parts).split())


def entry_key(entry) -> str | None:
    """The entry's key: feedparser's id, or its link when the feed gives no id."""
    return entry.get("id") or entry.get("link")


def entry_date(entry, path: Path) -> datetime.date | None:
    """The entry's published date, else the capture date in the feed's file name."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return datetime.date(*parsed[:3])
    found = FILE_DATE.search(path.name)
    return datetime.date(*map(int, found.groups())) if found else None


def read_feed(path: Path) -> dict[str, dict]:
    """Every entry of one corpus file as an item the scorer reads, by entry key."""
    parsed = feedparser.parse(path.read_bytes())
    entries = {}
    for entry in parsed.entries:
        date = entry_date(entry, path)
        entries[entry_key(entry)] = {
            "title": plain_text(entry.get("title", "")),
            "text": plain_text(entry.get("summary", "")),
            "date": date.isoformat() if date else None,
        }
    return entries


def load_labels(path: Path) -> list[dict]:
    """Read the labels file, naming the line of any malformed record."""
    labels = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON: {error}") from None
            if not isinstance(record, dict) or not all(record.get(k) for k in KEYS):
                raise ValueError(f"{path}:{number}: a record needs file and guid")
            bad = [f for f in LABEL_FIELDS if not isinstance(record.get(f, []), list)]
            if bad:
                raise ValueError(f"{path}:{number}: {', '.join(bad)} must be lists")
            labels.append(record)
    return labels


def build_items(labels: list[dict], corpus: Path) -> list[dict]:
    """Join each label to its entry's text from the corpus, failing on any key not found."""
    feeds: dict[str, dict[str, dict]] = {}
    items, missing = [], []
    for record in labels:
        name = record["file"]
        if name not in feeds:
            path = corpus / name
            if not path.is_file():
                raise ValueError(f"corpus file not found: {path}")
            feeds[name] = read_feed(path)
        entry = feeds[name].get(record["guid"])
        if entry is None:
            missing.append(f"{name} {record['guid']}")
            continue
        labelled = {field: record.get(field, []) for field in LABEL_FIELDS}
        items.append({"id": f"{name} {record['guid']}", **entry, **labelled})
    if missing:
        raise ValueError(f"{len(missing)} labelled entries not found in {corpus}: {missing[:5]}")
    return items


def relevant(items: list[dict]) -> int:
    """How many items an analyst would file: those with a party or track they are about."""
    return sum(1 for item in items if item["parties_must"] or item["tracks_must"])


def main(argv: list[str] | None = None) -> int:
    """Score the extractor on the labelled real-news entries and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="feed-corpus/real folder")
    parser.add_argument("--labels", type=Path, default=LABELS, help="labels JSONL file")
    parser.add_argument("--errors", action="store_true", help="list each item's errors")
    args = parser.parse_args(argv)
    accuracy = load_accuracy()
    try:
        items = build_items(load_labels(args.labels), args.corpus)
    except (OSError, ValueError) as error:
        print(f"cannot read the labelled entries: {error}", file=sys.stderr)
        return 2
    try:
        report = accuracy.evaluate(items)
    except ImportError as error:
        print(f"the extractor is not installed in this environment: {error}", file=sys.stderr)
        return 2
    interactions = accuracy.evaluate_interactions(items)
    print(f"real-news entries: {len(items)}, about a party or track: {relevant(items)}")
    print(accuracy.format_summary(report))
    print(accuracy.format_interaction_summary(interactions))
    if args.errors and report.errors:
        print()
        print(accuracy.format_errors(report))
    if args.errors and interactions.errors:
        print()
        print(accuracy.format_interaction_errors(interactions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
