"""Story grouping on the development set: B-cubed precision and recall, and the mistakes.

bench/stories-devset.jsonl holds news items written for this project, each labelled with
the event ("story") it reports: several outlets on one meeting, rewrites, follow-ups the
next day, the same wire copy under a new headline, an outlet's updated version, and the
hard cases beside them (the same parties in the same week at another event, digests of
several events, background pieces that only mention one).

Each outlet becomes a feed and is stored through the real ingest, one feed after
another as a fetch stores them, so stories form incrementally as in use. The outlets
are taken in several orders (the grouping must not depend on which feed comes first);
the figures are the mean and the worst over the orders.

The bundled demo's feeds (tui/demo/, our own words) are scored the same way against
stories-demo-labels.jsonl: what a new user sees first, so no merge of two events there.

It also scores real news, read in place from the shared corpus through the real parser
and ingest; the label files give each entry's event by file and guid (our labels; the
text stays the publishers'), null where we left it unscored:
- stories-realnews-labels.jsonl: four feeds of 13 August 2026 (Al Jazeera, BBC World,
  Mehr News, The New York Times' world page); a live blog's asides on the day's eclipse
  are unscored. Settings were chosen with it in view (c3ad1f2), so it is no longer
  held out.
- stories-heldout-labels.jsonl: three feeds of 23-24 November 2023 (NPR News, The New
  York Times' home page, The Japan Times), labelled after the judgement was last changed
  and never used to choose a setting: the figure to read as "articles not in the
  repository". Three events reach two or three outlets (a parole, a riot and its
  aftermath, a request for data and its answer), one outlet has two pieces on an
  opening; the rest are one article each, many of them sharing a day's names (Black
  Friday, Gaza, Argentina's dollar, Kishida) without reporting one event. A live blog's
  item is unscored, as on the first day.

Run: .venv/bin/python bench/stories.py [--orders 6] [--show] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "stories-devset.jsonl"
REAL_SETS = {  # label file -> what it holds, as printed
    HERE / "stories-realnews-labels.jsonl": "real news, 4 feeds, 2026-08-13",
    HERE / "stories-heldout-labels.jsonl": "real news, 3 feeds, 2023-11-24, held out",
}
DEMO_LABELS, DEMO = HERE / "stories-demo-labels.jsonl", HERE.parent / "tui" / "demo"
# The shared folder sits beside the repository; its corpus is read in place.
CORPUS = HERE.parents[1] / "shared" / "feed-corpus" / "real"
TARGET = 0.90


def load(path: Path = DEVSET) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def group(items: list[dict], order_seed: int, taxonomy) -> dict[str, int]:
    """Store the items outlet by outlet (in an order drawn from `order_seed`) into a new
    database; returns each item's story id as stored."""
    from negotiation_watch.store import times
    from negotiation_watch.store.db import connection, feed_rows
    from negotiation_watch.store.db.ingest import ingest
    from negotiation_watch.store.parse.feed import Entry, ParsedFeed, content_hash

    by_outlet: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_outlet[item["outlet"]].append(item)
    outlets = sorted(by_outlet)
    random.Random(order_seed).shuffle(outlets)
    with tempfile.TemporaryDirectory() as folder:
        db = connection.connect(Path(folder) / "stories.db")
        try:
            for outlet in outlets:
                feed_id, _ = feed_rows.add_feed(db, f"https://{outlet.lower().replace(' ', '-')}.example/feed")
                entries = [
                    Entry(item["id"], None, item["title"], item["text"], None, times.from_iso(item["published"]),
                          content_hash(item["title"], item["text"], None))
                    for item in sorted(by_outlet[outlet], key=lambda i: i["published"], reverse=True)
                ]
                ingest(db, feed_id, ParsedFeed(outlet, None, entries), taxonomy)
            return dict(db.execute("SELECT guid, story_id FROM articles"))
        finally:
            db.close()


def b_cubed(truth: dict[str, str], found: dict[str, int]) -> tuple[float, float]:
    """B-cubed precision and recall: for each item, the share of its found story that
    truly belongs with it, and the share of its true story that was found with it."""
    true_members: dict[str, set[str]] = defaultdict(set)
    found_members: dict[int, set[str]] = defaultdict(set)
    for item, label in truth.items():
        true_members[label].add(item)
        found_members[found[item]].add(item)
    precision = recall = 0.0
    for item, label in truth.items():
        together = true_members[label] & found_members[found[item]]
        precision += len(together) / len(found_members[found[item]])
        recall += len(together) / len(true_members[label])
    return precision / len(truth), recall / len(truth)


def mistakes(items: list[dict], found: dict[str, int]) -> list[str]:
    """Lines naming each found story that mixes events, and each event split in two."""
    by_id = {item["id"]: item for item in items}
    lines = []
    found_members: dict[int, list[str]] = defaultdict(list)
    true_members: dict[str, set[int]] = defaultdict(set)
    for item_id, story_id in found.items():
        found_members[story_id].append(item_id)
        true_members[by_id[item_id]["story"]].add(story_id)
    for members in found_members.values():
        labels = sorted({by_id[m]["story"] for m in members})
        if len(labels) > 1:
            lines.append("merged: " + " + ".join(labels))
    for label, story_ids in sorted(true_members.items()):
        if len(story_ids) > 1:
            lines.append(f"split:  {label} into {len(story_ids)} stories")
    return lines


def evaluate(orders: int = 6, show: bool = False) -> tuple[float, float, float, float]:
    """Mean precision, mean recall, worst precision, worst recall over `orders` outlet orders."""
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    items = load()
    taxonomy = default_taxonomy()
    truth = {item["id"]: item["story"] for item in items}
    scores = []
    for seed in range(orders):
        found = group(items, seed, taxonomy)
        scores.append(b_cubed(truth, found))
        if show:
            for line in mistakes(items, found):
                print(f"  order {seed}: {line}")
    precisions, recalls = [p for p, _ in scores], [r for _, r in scores]
    return statistics.mean(precisions), statistics.mean(recalls), min(precisions), min(recalls)


def group_real(corpus: Path, files: list[str], order_seed: int, taxonomy) -> dict[tuple[str, str], int]:
    """Store the corpus's feed files (in an order drawn from `order_seed`) into a new
    database as a fetch would; returns each (file, guid)'s story id."""
    from negotiation_watch.store.db import connection, feed_rows
    from negotiation_watch.store.db.ingest import ingest
    from negotiation_watch.store.parse.feed import parse_feed

    files = sorted(files)
    random.Random(order_seed).shuffle(files)
    with tempfile.TemporaryDirectory() as folder:
        db = connection.connect(Path(folder) / "stories.db")
        try:
            file_of = {}
            for name in files:
                url = f"https://corpus.example/{name}"
                feed_id, _ = feed_rows.add_feed(db, url)
                file_of[feed_id] = name
                ingest(db, feed_id, parse_feed((corpus / name).read_bytes(), {}, url), taxonomy)
            return {(file_of[feed_id], guid): story_id
                    for feed_id, guid, story_id in db.execute("SELECT feed_id, guid, story_id FROM articles")}
        finally:
            db.close()


def evaluate_real(labels_path: Path, corpus: Path = CORPUS, orders: int = 6,
                  show: bool = False) -> tuple[float, float, float, float, int]:
    """As evaluate, on the feeds in `corpus` a label file names; the last figure is the entries scored."""
    from negotiation_watch.store.extract.taxonomy import default_taxonomy

    labels = load(labels_path)
    truth = {(label["file"], label["guid"]): label["story"] for label in labels if label["story"] is not None}
    files = sorted({label["file"] for label in labels})
    taxonomy = default_taxonomy()
    scores = []
    for seed in range(orders):
        found = group_real(corpus, files, seed, taxonomy)
        found = {key: found[key] for key in truth}
        scores.append(b_cubed(truth, found))
        if show:
            items = [{"id": key, "story": story} for key, story in truth.items()]
            for line in mistakes(items, found):
                print(f"  {labels_path.stem}, order {seed}: {line}")
    precisions, recalls = [p for p, _ in scores], [r for _, r in scores]
    return statistics.mean(precisions), statistics.mean(recalls), min(precisions), min(recalls), len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=6, help="outlet orders to try")
    parser.add_argument("--show", action="store_true", help="name the merged and split events")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus's folder of real feeds")
    args = parser.parse_args()
    items = load()
    stories = {item["story"] for item in items}
    tracks = {item["track"] for item in items}
    print(f"{len(items)} articles from {len({i['outlet'] for i in items})} outlets in {len(stories)} stories, "
          f"{len(tracks)} tracks; {args.orders} outlet orders")
    precision, recall, worst_p, worst_r = evaluate(args.orders, args.show)
    ok = precision >= TARGET and recall >= TARGET
    print(f"B-cubed precision {precision:.3f} (worst order {worst_p:.3f}), recall {recall:.3f} "
          f"(worst order {worst_r:.3f}); target both >= {TARGET}: {'met' if ok else 'MISSED'}")
    labelled = [(DEMO_LABELS, DEMO, "the bundled demo feeds")]
    if args.corpus.is_dir():
        labelled += [(path, args.corpus, what) for path, what in REAL_SETS.items()]
    else:
        print(f"real news: no corpus at {args.corpus} (pass --corpus)")
    for labels_path, folder, what in labelled:
        precision, recall, worst_p, worst_r, scored = evaluate_real(labels_path, folder, args.orders, args.show)
        ok = precision >= TARGET and recall >= TARGET
        print(f"{what} ({scored} labelled entries): B-cubed precision {precision:.3f} "
              f"(worst order {worst_p:.3f}), recall {recall:.3f} (worst order {worst_r:.3f}); "
              f"target both >= {TARGET}: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
