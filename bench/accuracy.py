"""Extractor accuracy on a labelled file: micro precision and recall for parties and tracks.

Each line of the file is one JSON object with id, date (YYYY-MM-DD, optional), batch
(optional: the set of items it was written with; else its id's prefix), title, text,
parties_must, parties_ok, tracks_must, tracks_ok. A predicted tag counts as right when it is
in must or ok; recall is the share of must labels that were found. Figures are printed for
the whole file, then per batch and per year.

    python bench/accuracy.py [--file OTHER.jsonl] [--errors]

The bundled demo feeds (tui/demo/, labelled in demo-labels.jsonl) are scored after the dev set.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

DEVSET = Path(__file__).with_name("devset.jsonl")
# The demo's own feeds and their labels: what `--demo` shows first is checked like the dev set.
DEMO_LABELS = Path(__file__).with_name("demo-labels.jsonl")
DEMO_FEEDS = Path(__file__).resolve().parents[1] / "tui" / "demo"
KINDS = ("parties", "tracks")
SINGULAR = {"parties": "party", "tracks": "track"}


@dataclass
class Counts:
    """Micro counts for one kind of tag (parties or tracks)."""

    predicted: int = 0
    right: int = 0
    must: int = 0
    found: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.must if self.must else 1.0


@dataclass
class ItemErrors:
    """What one item got wrong: false positives (with their evidence) and misses, by kind."""

    item_id: str
    title: str
    false_positives: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    misses: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Report:
    """Counts per kind plus the items that had any error."""

    counts: dict[str, Counts]
    errors: list[ItemErrors]
    items: int
    by_batch: dict[str, dict[str, Counts]] = field(default_factory=dict)
    by_year: dict[str, dict[str, Counts]] = field(default_factory=dict)


def load_items(path: Path) -> list[dict]:
    """Read a labelled JSONL file, naming the line of any malformed record."""
    items = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON: {error}") from None
            if not isinstance(item, dict) or "id" not in item or "title" not in item:
                raise ValueError(f"{path}:{number}: a record needs at least id and title")
            try:
                item_date(item)
            except ValueError:
                bad = item["date"]
                raise ValueError(f"{path}:{number}: date is not YYYY-MM-DD: {bad!r}") from None
            items.append(item)
    return items


def item_date(item: dict) -> datetime.date | None:
    """The item's date, or None when the file does not give one."""
    value = item.get("date")
    return datetime.date.fromisoformat(value) if value else None


def printable(text: str) -> str:
    """Feed text with control characters replaced, so it cannot drive the terminal."""
    return "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def describe_evidence(tag) -> list[str]:
    """One short line per piece of evidence: field, span, matched text, person if any."""
    lines = []
    for ev in tag.evidence:
        person = f" (via {ev.person})" if getattr(ev, "person", None) else ""
        lines.append(f"{ev.field}[{ev.start}:{ev.end}] {printable(ev.text)!r}{person}")
    return lines


def score_item(item: dict, extraction, counts: dict[str, Counts]) -> ItemErrors:
    """Add one item's outcome to the counts and return what it got wrong."""
    errors = ItemErrors(item_id=str(item["id"]), title=printable(item["title"]))
    for kind in KINDS:
        must = set(item.get(f"{kind}_must", []))
        allowed = must | set(item.get(f"{kind}_ok", []))
        tags = {tag.id: tag for tag in getattr(extraction, kind)}
        tally = counts[kind]
        tally.predicted += len(tags)
        tally.right += len(tags.keys() & allowed)
        tally.must += len(must)
        tally.found += len(tags.keys() & must)
        wrong = sorted(tags.keys() - allowed)
        if wrong:
            errors.false_positives[kind] = {i: describe_evidence(tags[i]) for i in wrong}
        missed = sorted(must - tags.keys())
        if missed:
            errors.misses[kind] = missed
    return errors


def evaluate(items: list[dict], taxonomy=None) -> Report:
    """Run every item through the extractor and score it."""
    from negotiation_watch.store.extract.extractor import extract
    from negotiation_watch.store.extract.taxonomy import load_taxonomy

    taxonomy = taxonomy or load_taxonomy()
    counts = {kind: Counts() for kind in KINDS}
    report = Report(counts=counts, errors=[], items=len(items))
    for item in items:
        extraction = extract(taxonomy, item["title"], item.get("text", ""), item_date(item))
        outcome = score_item(item, extraction, counts)
        for groups, key in ((report.by_batch, batch_of(item)), (report.by_year, (item.get("date") or "undated")[:4])):
            score_item(item, extraction, groups.setdefault(key, {kind: Counts() for kind in KINDS}))
        if outcome.false_positives or outcome.misses:
            report.errors.append(outcome)
    return report


def batch_of(item: dict) -> str:
    """The item's batch, or the prefix of its id ("nf" of "nf-01") for older items."""
    return item.get("batch") or str(item["id"]).rstrip("0123456789").rstrip("-")


def format_summary(report: Report) -> str:
    """Precision, recall and counts per kind, one line each."""
    lines = [f"items: {report.items}, items with an error: {len(report.errors)}"]
    for kind, c in report.counts.items():
        lines.append(
            f"{kind:8s} precision {c.precision:.3f} ({c.right}/{c.predicted})"
            f"  recall {c.recall:.3f} ({c.found}/{c.must})"
        )
    return "\n".join(lines)


def format_groups(title: str, groups: dict[str, dict[str, Counts]]) -> str:
    """One line per group: items and P/R for parties and tracks."""
    lines = [f"{title}:"]
    for key in sorted(groups):
        c = groups[key]
        lines.append(f"  {key:28s} parties P {c['parties'].precision:.3f} R {c['parties'].recall:.3f}"
                     f"   tracks P {c['tracks'].precision:.3f} R {c['tracks'].recall:.3f}"
                     f"   ({c['parties'].must} party, {c['tracks'].must} track labels)")
    return "\n".join(lines)


def format_errors(report: Report) -> str:
    """Each faulty item with its false positives (and their evidence) and its misses."""
    lines = []
    for err in report.errors:
        lines.append(f"[{err.item_id}] {err.title}")
        for kind, wrong in err.false_positives.items():
            for tag_id, evidence in wrong.items():
                lines.append(f"    false {SINGULAR[kind]}: {tag_id}")
                lines.extend(f"        {line}" for line in evidence)
        for kind, missed in err.misses.items():
            lines.append(f"    missed {kind}: {', '.join(missed)}")
    return "\n".join(lines)


def demo_items() -> list[dict]:
    """The demo feeds' entries with their labels, read as bench/realnews.py reads a corpus."""
    import importlib.util

    name = "bench_realnews"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("realnews.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    realnews = sys.modules[name]
    return realnews.build_items(realnews.load_labels(DEMO_LABELS), DEMO_FEEDS)


def main(argv: list[str] | None = None) -> int:
    """Score the dev set (or another labelled file), then the demo feeds, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEVSET, help="labelled JSONL file")
    parser.add_argument("--errors", action="store_true", help="list each item's errors")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.file)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    try:
        report = evaluate(items)
    except ImportError as error:
        print(f"the extractor is not installed in this environment: {error}", file=sys.stderr)
        return 2
    print(format_summary(report))
    print(format_groups("per batch", report.by_batch))
    print(format_groups("per year", report.by_year))
    if args.errors and report.errors:
        print()
        print(format_errors(report))
    try:
        demo = evaluate(demo_items())
    except (OSError, ValueError) as error:
        print(f"cannot read the demo feeds' labels: {error}", file=sys.stderr)
        return 2
    print()
    print("demo feeds (tui/demo):", format_summary(demo))
    if args.errors and demo.errors:
        print()
        print(format_errors(demo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
