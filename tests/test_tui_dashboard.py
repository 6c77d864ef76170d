"""The dashboard: sidebar, panes, moving around, pinning, read state, paging, safety."""

from datetime import timedelta

import pytest
from textual import events

from negotiation_watch.store import config
from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.widgets.article_list import PAGE, ArticleList
from negotiation_watch.tui.widgets.sidebar import Sidebar

import tui_fixture
from tui_helpers import dashboard, make_app, panes, settle, titles, wait_until, widget_lines


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


async def test_first_run_pins_the_most_active_tracks_and_parties(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = [(p.source.kind, p.source.tag_id) for p in panes(app)]
        assert keys == [
            ("track", "gaza-ceasefire-talks"), ("track", "normandy-format"), ("track", "iran-nuclear-talks"),
            ("party", "RUS"), ("party", "EGY"), ("party", "HAMAS"),
        ]
        assert titles(panes(app)[3]) == [
            "Normandy Format advisers meet in Berlin",
            "Kremlin says Minsk agreements remain the only basis",
            "Ukraine and Russia exchange prisoners after talks in Istanbul",
        ]
        assert app.focused is panes(app)[0]


async def test_sidebar_lists_tracks_then_parties_with_counts_and_activity(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        entries = [e for e in sidebar.rows if not e.heading]
        assert [e.kind for e in entries] == sorted((e.kind for e in entries), key=lambda k: k != "track")
        rus = next(e for e in entries if e.tag_id == "RUS")
        assert (rus.stories, rus.unread) == (3, 3)  # stories, and unread ones
        # the frozen clock's day is the last bucket: two RUS articles today, one the day before
        assert rus.daily[-2:] == [1, 2] and sum(rus.daily) == 3
        lines = widget_lines(sidebar)
        assert any("Russia" in line and "3" in line for line in lines)
        assert any("▁" in line for line in lines)


async def test_pinned_panes_come_from_settings(fixture_db):
    config.save_pins(["party:IRN", "bogus", "track:minsk-agreements"])
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [p.source.tag_id for p in panes(app)] == ["IRN", "minsk-agreements"]


async def test_keys_move_cursor_focus_and_jump_between_panes(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second, *_ , fourth, _, sixth = panes(app)
        assert first.cursor == 0
        for key, expected in (("j", 1), ("down", 1), ("k", 0), ("up", 0), ("G", 1), ("g", 0)):
            await pilot.press(key)
            assert first.cursor == expected, key
        await pilot.press("tab")
        assert app.focused is second
        await pilot.press("shift+tab")
        assert app.focused is first
        await pilot.press("4")
        assert app.focused is fourth
        await pilot.press("6")
        assert app.focused is sixth
        await pilot.press("9")  # no ninth pane: nothing moves
        assert app.focused is sixth
        await pilot.press("l")
        assert app.focused is sixth
        await pilot.press("h")
        assert app.focused is panes(app)[4]
        await pilot.press("1", "left")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("right")
        assert app.focused is first
        await pilot.press("l")  # first column -> second column of the same row
        assert app.focused is second


async def test_enter_opens_the_article_and_escape_comes_back(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = panes(app)[3]  # RUS
        await pilot.press("4", "j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        assert app.screen.article.title == "Kremlin says Minsk agreements remain the only basis"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dashboard(app)
        # reading it marked it read, in the store and in the pane
        assert pane.rows[1].is_read
        db = connection.connect(fixture_db)
        assert queries.get_article(db, pane.rows[1].id).is_read


async def test_u_toggles_read_in_the_store(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        row = panes(app)[0].rows[0]
        assert not row.is_read
        await pilot.press("u")
        await settle(pilot)
        db = connection.connect(fixture_db)
        assert queries.get_article(db, row.id).is_read
        await pilot.press("u")
        await settle(pilot)
        assert not queries.get_article(db, row.id).is_read


async def test_unpinning_the_focused_pane_renumbers_and_refocuses_at_once(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = panes(app)
        assert len(before) >= 3
        # in one batch, as quick typing delivers it: the second "1p" must reach the new first pane
        await pilot.press("1", "p", "1", "p")
        await settle(pilot)
        left = panes(app)
        assert [p.source for p in left] == [p.source for p in before[2:]]
        assert [p.border_title.split()[0] for p in left] == [str(n) for n in range(1, len(left) + 1)]
        assert app.screen.focused is left[0]
        await pilot.press("q")
        assert not app.is_running


async def test_p_pins_from_the_sidebar_and_unpins_a_pane_and_saves_it(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        minsk = next(i for i, e in enumerate(sidebar.rows) if e.tag_id == "minsk-agreements")
        sidebar.cursor = minsk
        await pilot.press("p")
        await settle(pilot)
        assert [p.source.tag_id for p in panes(app)][-1] == "minsk-agreements"
        assert "track:minsk-agreements" in config.load_settings().pinned
        assert sidebar.rows[minsk].pinned
        await pilot.press("1", "p")
        await settle(pilot)
        assert "gaza-ceasefire-talks" not in [p.source.tag_id for p in panes(app)]
        assert config.load_settings().pinned == [
            "track:normandy-format", "track:iran-nuclear-talks", "party:RUS", "party:EGY", "party:HAMAS",
            "track:minsk-agreements",
        ]


async def test_enter_on_the_sidebar_shows_that_party(fixture_db):
    """Enter opens the party's timeline; s there lists its articles."""
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        sidebar.focus()
        sidebar.cursor = next(i for i, e in enumerate(sidebar.rows) if e.tag_id == "UKR")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TimelineScreen" and app.screen.tag_id == "UKR"
        await pilot.press("s")
        await settle(pilot)
        results = app.screen.query_one("#results", ArticleList)
        assert results.source.tag_id == "UKR"
        assert titles(results) == [
            "Normandy Format advisers meet in Berlin",
            "Ukraine and Russia exchange prisoners after talks in Istanbul",
        ]
        await pilot.press("escape", "escape")
        assert app.screen is dashboard(app)


async def test_feed_text_is_never_markup_or_escape_sequences(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        iran = next(p for p in panes(app) if p.source.tag_id == "iran-nuclear-talks")
        lines = widget_lines(iran)
        assert any("● [bold]Vienna[/bold] talks" in line for line in lines)
        assert not any("\x1b" in line for line in lines)
        iran.focus()
        await pilot.press("enter")
        await settle(pilot)
        title = str(app.screen.query_one("#title").render())
        assert "[bold]Vienna[/bold]" in title and "\x1b" not in title


async def test_a_pane_pages_in_older_articles_when_scrolled_to_the_end(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://many.example.org/feed.xml", "Many")
    for n in range(PAGE * 2 + 10):
        # days apart, so each is a story of its own
        tui_fixture.insert_article(db, feed_id, f"m{n}", f"Story {n}", "Russia again.",
                                   tui_fixture.NOW - timedelta(days=5 * n), [("party", "RUS", "text", "Russia", None)])
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = panes(app)[0]
        assert len(pane.rows) == PAGE
        await pilot.press("G")
        await settle(pilot)
        assert len(pane.rows) == PAGE * 2
        await pilot.press("G")
        await settle(pilot)
        assert len(pane.rows) == PAGE * 2 + 10 and pane.exhausted
        assert titles(pane)[-1] == f"Story {PAGE * 2 + 9}"
        assert len({row.id for row in pane.rows}) == len(pane.rows)


async def test_empty_database_explains_what_to_do(db_path):
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert panes(app) == []
        assert "press a to add a feed" in str(app.screen.query_one(".hint").render()).lower()


async def test_q_quits(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_failing_worker_becomes_a_notification_not_a_crash(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        # another program ruins the file: every later query fails with the store's explanation
        for suffix in ("-wal", "-shm"):
            fixture_db.with_name(fixture_db.name + suffix).unlink(missing_ok=True)
        fixture_db.write_bytes(b"[bold]not a database[/bold]" * 100)
        dashboard(app).data_changed()
        # the failing reads run in workers: wait for their notice, however loaded the machine
        await wait_until(pilot, lambda: any("is not a readable negotiation-watch database" in n.message
                                            for n in app._notifications), timeout=20)
        assert all(n.markup is False for n in app._notifications)
        assert app.is_running
        await pilot.press("q")


async def test_unpinning_every_pane_stays_unpinned(fixture_db):
    config.save_pins(["party:IRN"])
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", "p")
        await settle(pilot)
        dashboard(app).data_changed()  # a later refresh must not bring the defaults back
        await settle(pilot)
        assert panes(app) == []
        assert "Nothing pinned" in str(app.screen.query_one(".hint").render())
        assert config.load_settings().pinned == []
    again = make_app(fixture_db)  # and a restart keeps it so: no defaults come back
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert panes(again) == []


async def test_pins_are_not_saved_over_a_config_file_with_a_mistake(fixture_db):
    """The file is the user's: a mistake in it is reported at start, and unpinning then says
    the pins were not saved instead of replacing the file with ours."""
    broken = 'pinned = ["party:IRN"]\nfetch_interval_seconds = "soon\n'
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text(broken, encoding="utf-8")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("1", "p")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any(str(config.config_path()) in m for m in messages)  # at start
        assert any(m.startswith("Pins not saved") for m in messages)
        assert app.is_running
    assert config.config_path().read_text(encoding="utf-8") == broken


async def test_a_key_typed_right_after_a_jump_goes_to_the_new_pane(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = panes(app)[:2]
        before = [row.is_read for row in first.rows]
        # both keys in one batch, as a terminal delivers "2u" typed quickly
        app._driver.send_message(events.Key("2", "2"))
        app._driver.send_message(events.Key("u", "u"))
        await settle(pilot)
        assert [row.is_read for row in first.rows] == before
        assert second.rows[0].is_read
