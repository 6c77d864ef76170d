"""Live updates: another process writes to the database and the panes follow."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from negotiation_watch.store.db import connection, queries
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.widgets.sidebar import Sidebar

import tui_fixture
from tui_helpers import make_app, panes, titles, wait_until

WRITER = """
import sys
from datetime import timedelta
sys.path.insert(0, {tests!r})
import tui_fixture
from negotiation_watch.store.db import connection
db = connection.connect({db!r})
for n in range(3):
    tui_fixture.insert_article(
        db, 1, f"live-{{n}}", f"Breaking: Normandy Format call number {{n}}", "Russia and Ukraine talked.",
        # days apart: three stories, not one told three times
        tui_fixture.NOW + timedelta(days=5 * (n + 1)), [("track", "normandy-format", "title", "Normandy Format", None)])
"""


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


async def test_articles_written_by_another_process_appear_within_seconds(fixture_db):
    app = make_app(fixture_db, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(panes(app)) == 6 and all(p.loaded for p in panes(app)))
        normandy = panes(app)[1]
        assert normandy.source.tag_id == "normandy-format" and len(normandy.rows) == 2
        script = WRITER.format(tests=str(Path(__file__).parent), db=str(fixture_db))
        subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
        took = await wait_until(pilot, lambda: len(normandy.rows) == 5, timeout=5.0)
        assert took < 5.0
        assert titles(normandy)[:3] == [f"Breaking: Normandy Format call number {n}" for n in (2, 1, 0)]
        # the new ones stand out until the highlight fades
        assert {row.id for row in normandy.rows[:3]} == normandy.new_ids
        sidebar = app.screen.query_one(Sidebar)
        await wait_until(pilot, lambda: next(e for e in sidebar.rows if e.tag_id == "normandy-format").stories == 5)


async def test_a_commit_elsewhere_redraws_only_the_panes_whose_rows_it_changed(fixture_db):
    app = make_app(fixture_db, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(panes(app)) == 6 and all(p.loaded for p in panes(app)))
        others = [pane for pane in panes(app) if pane.source.tag_id != "normandy-format"]
        shown = {id(pane): pane.rows for pane in others}
        normandy = next(pane for pane in panes(app) if pane.source.tag_id == "normandy-format")
        script = WRITER.format(tests=str(Path(__file__).parent), db=str(fixture_db))
        subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
        await wait_until(pilot, lambda: len(normandy.rows) == 5, timeout=5.0)
        await pilot.pause(0.3)  # the other panes' reloads of the same refresh
        # they found what they show: the same rows, so nothing was drawn again
        assert all(pane.rows is shown[id(pane)] for pane in others)


def test_connections_are_kept_for_the_same_file_and_a_replaced_file_is_opened_afresh(tmp_path):
    path = tmp_path / "kept.db"
    tui_fixture.build(path)
    first = with_db(path, lambda db: db)
    assert with_db(path, lambda db: db) is first  # kept open for the next call
    assert with_db(path, queries.stats).articles > 0
    empty = tmp_path / "empty.db"
    connection.connect(empty).close()
    os.replace(empty, path)  # as a restore from a backup would
    assert with_db(path, lambda db: db) is not first
    assert with_db(path, queries.stats).articles == 0


async def test_sparklines_are_read_again_only_when_the_article_total_changes(fixture_db):
    app = make_app(fixture_db, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(panes(app)) == 6 and all(p.loaded for p in panes(app)))
        screen = app.screen
        kept, unread = screen._sparklines, screen.stats.unread
        await pilot.press("u")  # a read mark: a commit that leaves the article total alone
        await wait_until(pilot, lambda: screen.stats.unread == unread - 1, timeout=5.0)
        assert screen._sparklines is kept
        script = WRITER.format(tests=str(Path(__file__).parent), db=str(fixture_db))
        subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
        await wait_until(pilot, lambda: screen._sparklines is not kept, timeout=5.0)
        assert screen._sparklines.articles == kept.articles + 3
        assert screen._sparklines.daily == with_db(fixture_db, queries.daily_counts_all, end=app.today())
