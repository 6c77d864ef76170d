"""Re-tag speed: articles per second of ingest.retag_all on the benchmark database.

Runs over the same first --articles articles of copies of bench/out/ui-100000.db
(bench/ui_data.py; its generated tags all differ from the extractor's, the worst case):
  - one process (the reference: what the dashboard's re-tag process does), every article
    changed, then again now that nothing changes (a taxonomy edit touches few articles);
  - one process, every article changed, on a copy without ANALYZE's statistics, as a
    user's file is (the generator runs ANALYZE; SQLite may plan differently without);
  - worker processes on every core (what the `retag` command does), the same two ways,
    and once with every story formed anew as well (what `retag` does to a file whose
    stories come from another judgement, or none recorded, as the generated one).
Target: >= 10,000 articles/s for the `retag` command.

Run: .venv/bin/python bench/retag.py [--articles 20000]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_PER_SECOND = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from ui import ensure_database

    from negotiation_watch.store.db import connection, ingest
    from negotiation_watch.store.extract.taxonomy import default_taxonomy
    from negotiation_watch.store.pipeline.retag import parallel_tagger

    source = HERE / "out" / "ui-100000.db"
    ensure_database(source, 100_000)
    taxonomy = default_taxonomy()
    with tempfile.TemporaryDirectory() as folder:
        copies = [Path(folder) / f"{n}.db" for n in range(4)]
        for copy in copies:
            shutil.copy(source, copy)
        forget_statistics(copies[2])

        def run(copy: Path, tagger=None, stories: bool = False) -> float:
            db = connection.connect(copy)
            with connection.write_transaction(db) as conn:  # a job over the first articles only
                # a taxonomy edit: the stories' judgement is the same, so only articles whose
                # tags change are judged again
                ingest._save_job(conn, ingest.RetagJob(taxonomy.version, 0, args.articles, 0, args.articles,
                                                       stories=stories))
            started = time.perf_counter()
            done = ingest.retag_all(db, taxonomy, tagger=tagger)
            seconds = time.perf_counter() - started
            db.close()
            return done / seconds

        one = run(copies[0])
        print(f"one process, every article changed:            {one:8,.0f} articles/s (reference)")
        unanalysed = run(copies[2])
        print(f"  the same on a file without statistics:       {unanalysed:8,.0f} articles/s ({unanalysed / one:.1f}x), "
              "as a user's file is (ingest never runs ANALYZE)")
        one_unchanged = run(copies[0])
        print(f"one process, nothing changed:                  {one_unchanged:8,.0f} articles/s ({one_unchanged / one:.1f}x)")
        with parallel_tagger(taxonomy) as tagger:
            every = run(copies[1], tagger)
            unchanged = run(copies[1], tagger)
            anew = run(copies[3], tagger, stories=True)
        print(f"worker processes, every article changed:       {every:8,.0f} articles/s ({every / one:.1f}x)")
        print(f"worker processes, nothing changed:             {unchanged:8,.0f} articles/s ({unchanged / one:.1f}x) "
              f"(target >= {TARGET_PER_SECOND:,}: {'OK' if unchanged >= TARGET_PER_SECOND else 'MISSED'})")
        print(f"worker processes, every story formed anew:     {anew:8,.0f} articles/s ({anew / one:.1f}x) "
              f"(target >= {TARGET_PER_SECOND:,}: {'OK' if anew >= TARGET_PER_SECOND else 'MISSED'})")


def forget_statistics(path: Path) -> None:
    """Drop what ANALYZE recorded (ui_data.build runs it), so SQLite plans as it does for a
    file that ingest made."""
    db = sqlite3.connect(path)
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'").fetchall():
        db.execute(f"DELETE FROM {table}")
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
