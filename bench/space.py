"""Where a database's bytes go, per article, and what FTS5 options would change.

Prints, for the benchmark database (bench/ui_data.py, generated once into bench/out/):
  - every table and index (SQLite's dbstat): bytes per article and share of the file;
  - text stored twice: columns whose content could be derived from other columns;
  - on a copy, the search index rebuilt with other FTS5 options (detail=column, prefix
    indexes): its size and the time of the dashboard's searches, beside today's.

Run: .venv/bin/python bench/space.py [--articles 100000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEARCHES = ["ceasefire", "envoys summit", "s", "ce", "Story 4242"]
FTS_VARIANTS = {
    "today (detail=full)": "",
    "detail=column": ", detail=column",
    "prefix='2 3'": ", prefix='2 3'",
    "detail=column, prefix='2 3'": ", detail=column, prefix='2 3'",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from ui import ensure_database

    db_path = HERE / "out" / f"ui-{args.articles}.db"
    ensure_database(db_path, args.articles)
    breakdown(db_path)
    duplicated(db_path)
    fts_options(db_path)


def breakdown(db_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    size = db_path.stat().st_size
    free = conn.execute("PRAGMA freelist_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    print(f"{db_path.name}: {size / 1e6:,.1f} MB, {articles:,} articles, {size / articles:,.0f} bytes per article "
          f"({free / 1e6:,.1f} MB free pages)")
    rows = conn.execute("SELECT name, sum(pgsize), sum(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    for name, used, unused in rows:
        if used / size >= 0.001:
            print(f"  {name:30s} {used / articles:7.0f} B/article  {used / size:6.1%}   (unused inside pages {unused / used:4.0%})")
    conn.close()


def duplicated(db_path: Path) -> None:
    """Columns that repeat what another column already says."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    checks = {
        "tags.text (the matched words: the article's own text at field/start/end)":
            "SELECT sum(length(text)) FROM tags",
        "tags.kind as words ('party'/'track') in the table and in tags_lookup":
            "SELECT 2 * sum(length(kind)) FROM tags",
        "articles.fetched where equal to published": "SELECT sum(length(fetched)) FROM articles WHERE fetched = published",
    }
    print("\ntext stored twice (bytes per article of content, before SQLite's record overhead):")
    for name, sql in checks.items():
        print(f"  {(conn.execute(sql).fetchone()[0] or 0) / articles:7.1f} B/article  {name}")
    conn.close()


def fts_options(db_path: Path) -> None:
    import sqlite3

    from negotiation_watch.store.db import connection, queries

    print("\nsearch index rebuilt with other FTS5 options (on a copy): its size and the dashboard's searches, best of 3")
    print(f"  {'':30s} {'MB':>7s}" + "".join(f"{repr(q):>16s}" for q in SEARCHES))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        shutil.copy(db_path, copy)
        for name, options in FTS_VARIANTS.items():
            raw = sqlite3.connect(copy)
            raw.executescript(
                "DROP TABLE articles_fts; "
                "CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, content='articles', "
                f"content_rowid='id', tokenize='unicode61 remove_diacritics 2'{options}); "
                "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');"
            )
            size = raw.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'").fetchone()[0]
            raw.close()
            db = connection.connect(copy)
            timings = []
            for words in SEARCHES:
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    queries.search_articles(db, words)
                    best = min(best, time.perf_counter() - started)
                timings.append(best)
            db.close()
            print(f"  {name:30s} {size / 1e6:7.1f}" + "".join(f"{t * 1000:13.1f} ms" for t in timings))


if __name__ == "__main__":
    main()
