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


def _messages(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def test_o_on_a_pane_row_opens_its_link(fixture_db, recording_browser):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", "o")
        await settle(pilot)
        assert recording_browser() == [panes(app)[0].current.url]
        assert "Opened" in _messages(app)


async def test_o_without_a_browser_says_so_and_c_copies_the_link(fixture_db, no_browser):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", "o")
        await settle(pilot)
        url = panes(app)[0].current.url
        messages = _messages(app)
        assert "No web browser was found" in messages and "Opened" not in messages and "press c" in messages.lower()
        await pilot.press("c")
        assert app.clipboard == url and f"Copied {url}" in _messages(app)


async def test_a_key_given_to_a_pane_binding_that_a_list_binding_has_is_reported(fixture_db):
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text('[keys]\n"article.toggle-read" = "j"\n', encoding="utf-8")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "j is both list.down and article.toggle-read" in _messages(app)


async def test_the_palette_names_each_action_as_the_help_screen_does(fixture_db):
    from negotiation_watch.tui.commands import ActionsProvider
    from negotiation_watch.tui.screens.help import help_text

    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        provider = ActionsProvider(app.screen)
        names = [name for name, _, _ in provider._commands()]
        shown = help_text().plain
        assert "Mark read or unread" in names and "Fetch every feed now" in names
        assert all(name in shown for name in names), [n for n in names if n not in shown]


async def test_g_and_G_reach_the_first_and_last_feed_and_help_line(fixture_db):
    from textual.widgets import DataTable

    app = make_app(fixture_db)
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1 == 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        view = app.screen.query_one("#help")
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert 0 < view.scroll_y < view.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert view.scroll_y == 0
