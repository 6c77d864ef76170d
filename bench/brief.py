"""Briefs, timelines and alerts on a generated database: how long each read takes, against
the README's own sqlite3 query for the same articles as the reference.

What is measured, exactly (best of --rounds, wall time, in this process):
  - brief: read_brief (articles, their tags, entries) plus rendering, Markdown, CSV and
    JSON, for the most common party or track over 90 days and over everything, the
    rarest one, and a search;
  - reference: the README's query (articles of a tag with group_concat of their parties)
    for the same subject and days, which reads less (no tracks, no outlets) and renders
    nothing; the ratio says what the brief costs over reading the rows at all;
  - timeline: what the timeline screen reads when it opens (90 daily counts and the
    newest 1,000 stories);
  - alerts: claiming the hits of three alerts among 200 newly stored articles, the work
    added to a fetch after each feed.

Run: .venv/bin/python bench/brief.py [--articles 100000] [--rounds 3]
The database is generated once into bench/out/ (bench/ui_data.py, shared with bench/ui.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

README_QUERY = (
    "SELECT a.published, a.title, group_concat(DISTINCT p.tag_id) FROM articles a "
    "JOIN tags t ON t.article_id = a.id AND t.kind = ? AND t.tag_id = ? "
    "LEFT JOIN tags p ON p.article_id = a.id AND p.kind = 'party' "
    "WHERE a.published >= ? GROUP BY a.id ORDER BY a.published"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db_path = HERE / "out" / f"ui-{args.articles}.db"
    ensure_database(db_path, args.articles)
    with tempfile.TemporaryDirectory() as home:
        os.environ["NEGOTIATION_WATCH_CACHE_DIR"] = str(Path(home) / "cache")
        copy = Path(home) / "bench.db"
        shutil.copy(db_path, copy)  # the alert step writes: the generated file stays as made
        report(copy, args.rounds)


def ensure_database(db_path: Path, articles: int) -> None:
    if db_path.exists():
        return
    sys.path.insert(0, str(HERE))
    import ui_data

    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_suffix(".partial")
    started = time.perf_counter()
    ui_data.build(partial, articles)
    os.replace(partial, db_path)
    print(f"generated {articles:,} articles in {time.perf_counter() - started:.1f} s -> {db_path}")


def best(rounds: int, action) -> tuple[float, object]:
    times_taken, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = action()
        times_taken.append(time.perf_counter() - started)
    return min(times_taken), result


def report(db_path: Path, rounds: int) -> None:
    from negotiation_watch.store import times
    from negotiation_watch.store.briefs.chronology import Subject, read_brief
    from negotiation_watch.store.briefs.render import render
    from negotiation_watch.store.db import connection, queries
    from negotiation_watch.tui.names import display_name, load_names
    from negotiation_watch.tui.screens.timeline import load_timeline

    load_names()
    db = connection.connect(db_path)
    counts = queries.tag_counts(db)
    common, rare = counts[0], counts[-1]
    newest = times.from_iso(queries.latest_articles(db, limit=1)[0].published).date()
    since = newest - timedelta(days=89)
    print(f"database: {queries.stats(db).articles:,} articles; most common {common.kind} {common.tag_id} "
          f"({common.articles:,} articles), rarest {rare.tag_id} ({rare.articles:,})")
    print(f"\nbriefs (best of {rounds}):")
    cases = [
        (f"{common.tag_id}, 90 days", Subject(common.kind, common.tag_id), since),
        (f"{common.tag_id}, everything", Subject(common.kind, common.tag_id), None),
        (f"{rare.tag_id}, everything", Subject(rare.kind, rare.tag_id), None),
        ("search 'ceasefire', 90 days", Subject(words="ceasefire"), since),
    ]
    for label, subject, first in cases:
        seconds, brief = best(rounds, lambda: read_brief(db, subject, names=display_name, since=first))
        articles = sum(len(e.sources) for e in brief.entries)
        line = f"  {label:32s} read {seconds * 1000:8.1f} ms for {articles:6,} articles"
        for fmt in ("md", "csv", "json"):
            spent, _ = best(rounds, lambda: render(brief, fmt))
            line += f"   {fmt} {spent * 1000:7.1f} ms"
        if subject.kind:
            reference, rows = best(rounds, lambda: db.execute(
                README_QUERY, (subject.kind, subject.tag_id, first.isoformat() if first else "")).fetchall())
            line += f"   README query {reference * 1000:7.1f} ms ({len(rows):,} rows), ratio {seconds / reference:4.1f}"
        print(line)
    spent, data = best(rounds, lambda: load_timeline(db, common.kind, common.tag_id, newest))
    print(f"\ntimeline of {common.tag_id}: {spent * 1000:.1f} ms ({len(data.brief.entries):,} stories listed, "
          f"{sum(data.counts):,} articles charted)")
    alerts_report(db, newest)
    db.close()


def alerts_report(db, newest) -> None:
    """Store 200 new articles like a feed would, then time the claim a fetch makes after it."""
    from negotiation_watch.store import config, times
    from negotiation_watch.store.db import connection, writes
    from negotiation_watch.store.pipeline import alerts

    watch = [config.Alert("a track", tracks=("normandy-format",)), config.Alert("a party", parties=("RUS", "UKR")),
             config.Alert("words", search="ceasefire summit")]
    connection.set_meta(db, connection.ALERTS_SEEN_KEY, str(db.execute("SELECT max(id) FROM articles").fetchone()[0]))
    now = times.utc_now()
    with connection.write_transaction(db) as conn:
        first = writes.next_article_id(conn)
        for n in range(200):
            conn.execute(
                "INSERT INTO articles (feed_id, guid, url, title, summary, published, fetched, content_hash) "
                "VALUES (1, ?, ?, ?, '', ?, ?, ?)",
                (f"alert-{n}", f"https://x.example/{n}", f"Ceasefire summit story {n}", times.to_iso(now),
                 times.to_iso(now), str(n)))
            for kind, tag_id in (("track", "normandy-format"), ("party", "RUS")) if n % 4 == 0 else ():
                conn.execute('INSERT INTO tags (article_id, kind, tag_id, field, start, "end", text) '
                             "VALUES (?, ?, ?, 'title', 0, 1, 'x')", (first + n, kind, tag_id))
        writes.index_articles(conn, first, first + 199)
    started = time.perf_counter()
    claimed = alerts.claim_hits(db, watch, names=lambda kind, tag_id: tag_id, now=now)
    spent = time.perf_counter() - started
    print(f"alerts: claimed {len(claimed)} hits of 3 alerts among 200 new articles in {spent * 1000:.1f} ms")


if __name__ == "__main__":
    main()
