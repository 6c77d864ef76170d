"""Daily use: the verbs a reader of news reaches for, and the README's promises about them."""

import pytest

from negotiation_watch.store import config
from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.store.pipeline.subscribe import default_feeds, seed_defaults
from negotiation_watch.tui.widgets.sidebar import Sidebar

import tui_fixture
from tui_helpers import dashboard, make_app, panes, settle, titles, widget_lines


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


def _sidebar_to(app, tag_id: str) -> Sidebar:
    sidebar = app.screen.query_one(Sidebar)
    sidebar.focus()
    sidebar.cursor = next(i for i, e in enumerate(sidebar.rows) if e.tag_id == tag_id)
    return sidebar


async def test_first_launch_writes_no_config(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(panes(app)) == 6  # chosen for this session...
    assert not config.config_path().exists()  # ...and not frozen in the user's file


async def test_pinning_from_the_sidebar_keeps_focus_there_and_p_again_unpins_it(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = _sidebar_to(app, "minsk-agreements")
        await pilot.press("p")
        await settle(pilot)
        assert app.focused is sidebar
        assert panes(app)[-1].source.tag_id == "minsk-agreements"
        await pilot.press("p")
        await settle(pilot)
        assert app.focused is sidebar
        assert "minsk-agreements" not in [p.source.tag_id for p in panes(app)]
        assert len(panes(app)) == 6  # only the one pinned and unpinned went
        assert "track:minsk-agreements" not in config.load_settings().pinned


async def test_p_on_a_pane_unpins_that_pane_and_focus_moves_to_its_neighbour(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = panes(app)
        await pilot.press("3", "p")
        await settle(pilot)
        assert [p.source for p in panes(app)] == [p.source for p in before[:2] + before[3:]]
        assert app.focused is panes(app)[2] and app.focused.source == before[3].source


async def test_a_new_database_with_unfetched_feeds_says_press_r(db_path):
    db = connection.connect(db_path)
    seed_defaults(db)
    db.conn.close()
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        hint = str(app.screen.query_one(".hint").render())
        assert f"your {len(default_feeds())} feeds have not been fetched" in hint and "Press r" in hint


def test_a_default_database_the_dashboard_made_gets_the_curated_feeds_in_the_cli():
    from click.testing import CliRunner

    from negotiation_watch.cli import cli

    connection.connect(config.default_db_path()).conn.close()  # the dashboard opened it first, before this fix
    result = CliRunner().invoke(cli, ["feeds", "list"])
    assert result.exit_code == 0 and "No feeds yet" not in result.output
    assert len(feed_rows.list_feeds(connection.connect(config.default_db_path()))) == len(default_feeds())
