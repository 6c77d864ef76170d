"""The offline demo: a throwaway database filled from the bundled sample feeds.

The feeds are read through file:// URLs by the real fetch pipeline (fetch, parse, tag,
store), so the demo shows exactly what the app does with real feeds, minus the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.store import times


@dataclass
class Demo:
    db_path: Path
    settings_path: Path  # the demo's pins never touch the user's own settings
    today: date  # the newest demo article's day, so the sparklines show activity
    feeds: int
    articles: int


@contextlib.contextmanager
def demo_database() -> Iterator[Demo]:
    """Build the demo in a temporary folder and remove it all when the caller is done."""
    with tempfile.TemporaryDirectory(prefix="negotiation-watch-demo-") as folder:
        yield fill(Path(folder), bundled_feeds())


def bundled_feeds() -> list[Path]:
    """The sample feed files shipped inside the package (tui/demo/*.xml)."""
    folder = resources.files("negotiation_watch.tui") / "demo"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".xml"))


def fill(folder: Path, feed_files: list[Path]) -> Demo:
    """Add every sample feed by its file:// URL and fetch them all through the pipeline."""
    from negotiation_watch.store.fetch.fetcher import FetchLimits
    from negotiation_watch.store.pipeline.run import run_fetch

    if not feed_files:
        raise SystemExit("negotiation-watch: no demo feeds are bundled with this installation.")
    db_path = folder / "demo.db"
    db = connection.connect(db_path)
    try:
        for path in feed_files:
            feed_rows.add_feed(db, path.resolve().as_uri())
        asyncio.run(run_fetch(db_path, limits=FetchLimits()))
        newest = queries.latest_articles(db, limit=1)
        articles = queries.stats(db).articles
    finally:
        db.close()
    today = times.from_iso(newest[0].published).date() if newest else times.utc_now().date()
    return Demo(db_path, folder / "config.toml", today, len(feed_files), articles)
