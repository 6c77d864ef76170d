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
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        hint = str(app.screen.query_one(".hint").render())
        assert f"your {len(default_feeds())} feeds have not been fetched" in hint and "Press r" in hint


def test_a_default_database_the_dashboard_made_gets_the_curated_feeds_in_the_cli():
    from click.testing import CliRunner

    from negotiation_watch.cli import cli

    connection.connect(config.default_db_path()).close()  # the dashboard opened it first, before this fix
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


@pytest.mark.parametrize("keys, clash", [
    ({"story.open-link": "j"}, "j is both story.open-link and list.down"),
    ({"timeline.copy-link": "k"}, "k is both timeline.copy-link and list.up"),
    ({"interactions.open": "G"}, "G is both interactions.open and list.last"),
    ({"matrix.last": "q"}, "q is both app.quit and matrix.last"),
    ({"brief-saved.copy": "F"}, "F is both app.feeds and brief-saved.copy"),
])
def test_a_clash_on_any_screen_with_a_list_or_the_app_is_reported(keys, clash):
    from negotiation_watch.tui.screens.help import key_clashes

    assert key_clashes(keys) == [clash]
    assert key_clashes({}) == []  # the keys as shipped clash nowhere


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
        assert "Mark the story read or unread" in names and "Fetch every feed now" in names
        assert all(name in shown for name in names), [n for n in names if n not in shown]


async def test_g_and_G_reach_the_first_and_last_feed_and_help_line(fixture_db):
    from negotiation_watch.tui.widgets.feed_list import FeedList

    app = make_app(fixture_db)
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        feed_list = app.screen.query_one(FeedList)
        await pilot.press("G")
        assert feed_list.cursor == len(feed_list.rows) - 1 == 1
        await pilot.press("g")
        assert feed_list.cursor == 0
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


async def _search(pilot, app, words: str):
    """Search for `words` from the dashboard, as typed; returns the results list."""
    await pilot.press("slash", *words, "enter")
    await settle(pilot)
    return app.screen.query_one("#results")


async def _answer(pilot, key: str) -> str:
    """The question on screen, answered with `key`."""
    from negotiation_watch.tui.screens.confirm import ConfirmScreen

    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmScreen)
    question = pilot.app.screen.question.plain
    await pilot.press(key)
    await settle(pilot)
    return question


async def test_A_marks_a_pane_read_after_asking_with_the_count(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        db = connection.connect(fixture_db)
        rus = next(p for p in panes(app) if p.source.tag_id == "RUS")
        await pilot.press(str(panes(app).index(rus) + 1), "A")
        assert await _answer(pilot, "n") == "Mark 3 unread articles in Russia read?"
        assert queries.unread_count(db, kind="party", tag_id="RUS") == 3
        await pilot.press("A")
        assert await _answer(pilot, "y") == "Mark 3 unread articles in Russia read?"
        assert queries.unread_count(db, kind="party", tag_id="RUS") == 0
        assert queries.unread_count(db) == 2  # the other articles stay unread
        await settle(pilot)
        assert all(row.is_read for row in rus.rows)
        assert "3 unread" not in str(rus.border_subtitle)


async def test_mark_read_a_feed_a_search_and_everything(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        db = connection.connect(fixture_db)
        await _search(pilot, app, "ceasefire")
        await pilot.press("A")
        assert await _answer(pilot, "y") == "Mark 1 unread article matching “ceasefire” read?"
        await pilot.press("escape", "F")
        await settle(pilot)
        await pilot.press("A")  # the first feed, Wire News: three unread left
        assert await _answer(pilot, "y") == "Mark 3 unread articles in Wire News read?"
        assert queries.unread_count(db, feed_id=1) == 0 and queries.unread_count(db) == 1
        await pilot.press("escape", "C")
        assert await _answer(pilot, "y") == "Mark 1 unread article in every feed read?"
        assert queries.unread_count(db) == 0
        await pilot.press("C")
        await settle(pilot)
        assert "Nothing unread in every feed" in _messages(app)


async def test_n_goes_to_the_next_unread_article_across_panes(fixture_db):
    from negotiation_watch.store.db import writes

    db = connection.connect(fixture_db)
    writes.mark_all_read(db, kind="track", tag_id="gaza-ceasefire-talks")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first, second = panes(app)[:2]
        assert first.source.tag_id == "gaza-ceasefire-talks" and all(r.is_read for r in first.rows)
        await pilot.press("1", "n")
        assert app.focused is second and not second.current.is_read
        at = second.cursor
        await pilot.press("n")
        assert app.focused is not second or second.cursor > at
        assert not app.focused.current.is_read


async def test_U_shows_only_unread_and_S_sorts_oldest_first_remembered(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        normandy = next(p for p in panes(app) if p.source.tag_id == "normandy-format")
        number = str(panes(app).index(normandy) + 1)
        assert titles(normandy) == ["Normandy Format advisers meet in Berlin",
                                    "EU foreign ministers discuss Normandy Format prospects"]
        await pilot.press(number, "U")
        await settle(pilot)
        assert titles(normandy) == ["Normandy Format advisers meet in Berlin"]
        assert "unread only" in str(normandy.border_subtitle)
        await pilot.press("U", "S")
        await settle(pilot)
        assert titles(normandy) == ["EU foreign ministers discuss Normandy Format prospects",
                                    "Normandy Format advisers meet in Berlin"]
        assert "oldest first" in str(normandy.border_subtitle)
    assert config.load_settings().sort == {"track:normandy-format": "oldest"}
    assert config.load_settings().pinned is None  # sorting saves the order, not the automatic pins
    again = make_app(fixture_db)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        normandy = next(p for p in panes(again) if p.source.tag_id == "normandy-format")
        assert titles(normandy)[0] == "EU foreign ministers discuss Normandy Format prospects"


def test_oldest_first_pages_through_every_article_once(db_path):
    db = connection.connect(db_path)
    feed_id, _ = feed_rows.add_feed(db, "https://example.org/a")
    from datetime import timedelta

    for n in range(7):
        tui_fixture.insert_article(db, feed_id, f"g{n}", f"t{n}", "", tui_fixture.NOW - timedelta(hours=n % 3), [])
    seen, before = [], None
    while page := queries.latest_articles(db, limit=3, before=before, order="oldest"):
        seen += [row.id for row in page]
        before = (page[-1].published, page[-1].id)
    newest = [row.id for row in queries.latest_articles(db, limit=10)]
    assert seen == newest[::-1] and len(seen) == 7


async def test_search_counts_says_no_matches_highlights_and_explains_bad_syntax(fixture_db):
    from rich.text import Text as _T

    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = await _search(pilot, app, "ceasefire")
        assert results.border_subtitle == "3 matches"
        line = results.row_lines(results.rows[0], 100, False)[0]
        matched = [line.plain[span.start:span.end] for span in line.spans if "underline" in str(span.style)]
        assert matched and all(word.lower().startswith("ceasefire") for word in matched)
        note = app.screen.query_one("#search-note")
        assert not note.display
        await pilot.press("ctrl+f", "end", *" zzyzx", "enter")
        await settle(pilot)
        assert note.display and "No matches for ceasefire zzyzx" in str(note.render())
        for bad in ('"', "(", "title:"):
            await pilot.press("ctrl+f", "end", "ctrl+u", *bad, "enter")
            await settle(pilot)
            assert note.display and "cannot search for" in str(note.render()) and "Plain words always work" in str(note.render())
        assert app.is_running


async def test_a_full_window_of_matches_is_counted_after_the_first_page(fixture_db, monkeypatch):
    """The first page says "N+" when the ranked window is full; a search over everything
    then shows the exact count, one within a party says "N+" still."""
    db = connection.connect(fixture_db)
    assert queries.search_stories(db, "ceasefire").matches == 3
    monkeypatch.setattr(queries, "RANKED_MATCHES", 2)
    page = queries.search_stories(db, "ceasefire")
    assert (page.matches, page.more_than) == (2, True)
    assert queries.match_count(db, "ceasefire") == 3 and queries.match_count(db, "ceasefi") == 3
    assert queries.match_count(db, "  ") == 0
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = await _search(pilot, app, "ceasefire")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        assert results.border_subtitle == "3 matches"
        assert app.screen._counted == (results.source, 3)
        await pilot.press("ctrl+f", "end", "ctrl+u", *"ceasefire", "enter")
        await settle(pilot)
        assert results.border_subtitle == "3 matches"


async def test_the_feeds_screen_shows_a_feeds_folder(fixture_db):
    db = connection.connect(fixture_db)
    feed_rows.update_feed(db, 1, folder="Wires/Europe")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        detail = " ".join(" ".join(widget_lines(app.screen.query_one("#feed-detail"))).split())
        assert "Folder Wires/Europe" in detail
        await pilot.press("j")
        await settle(pilot)
        assert "Folder" not in " ".join(widget_lines(app.screen.query_one("#feed-detail")))


async def test_the_add_feed_dialog_takes_a_local_path_as_the_cli_does(fixture_db, tmp_path, monkeypatch):
    from feedgen import wire

    from negotiation_watch.tui.screens.add_feed import AddFeedScreen

    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "local.xml").write_bytes(wire(7, 2))
    monkeypatch.chdir(tmp_path)
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"feeds/local.xml", "enter")
        for _ in range(50):
            await settle(pilot)
            if not isinstance(app.screen, AddFeedScreen):
                break
        assert not isinstance(app.screen, AddFeedScreen), str(app.screen.query_one("#result").render())
        urls = [f["url"] for f in feed_rows.list_feeds(connection.connect(fixture_db))]
        assert (tmp_path / "feeds" / "local.xml").resolve().as_uri() in urls


def test_times_not_from_today_show_their_date():
    from datetime import datetime, timezone

    from negotiation_watch.tui.format import ago, short_time

    now = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    assert ago("2026-03-02T14:55:00Z", now) == "5 min ago"
    assert ago("2026-03-02T15:12:00Z", now) == "in 12 min"
    assert ago("2026-03-01T23:50:00Z", now) == "01 Mar 23:50"  # yesterday: its date, not "15 h ago"
    assert ago("2026-03-03T00:10:00Z", now) == "03 Mar 00:10"
    assert ago("2025-12-30T08:00:00Z", now) == "30 Dec 2025"
    assert short_time("2026-03-02T09:30:00Z", now.date()) == "09:30"
    assert short_time("2026-02-27T09:30:00Z", now.date()) == "27 Feb 09:30"


async def test_f_filters_the_sidebar_as_you_type_and_escape_clears_it(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = _sidebar_to(app, "RUS")
        everything = len(sidebar.rows)
        assert sidebar.border_subtitle == "stories  unread●"  # the counts are stories since stories came
        await pilot.press("f", *"osc")
        await settle(pilot)
        assert [e.tag_id for e in sidebar.rows if not e.heading] == ["OSCE"]
        await pilot.press("enter")
        assert app.focused is sidebar and sidebar.current.tag_id == "OSCE"
        await pilot.press("p")  # the filtered list acts as the whole one
        await settle(pilot)
        assert panes(app)[-1].source.tag_id == "OSCE"
        await pilot.press("f", "ctrl+u", *"zzz")
        await settle(pilot)
        assert [e.heading for e in sidebar.rows] == ["Nothing matches"]
        await pilot.press("escape")
        await settle(pilot)
        assert len(sidebar.rows) == everything and app.focused is sidebar


async def test_equal_counts_in_the_sidebar_are_ordered_by_name(fixture_db):
    from negotiation_watch.tui.names import display_name

    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        parties = [e for e in sidebar.rows if not e.heading and e.kind == "party"]
        keys = [(-e.stories, display_name(e.kind, e.tag_id).casefold()) for e in parties]
        assert keys == sorted(keys) and len({e.stories for e in parties}) < len(parties)


async def test_a_saved_search_is_a_live_pane_kept_in_config(fixture_db):
    from datetime import timedelta

    from negotiation_watch.tui.data import parse_source_pin
    from negotiation_watch.tui.widgets.article_list import Source

    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"talks")
        await settle(pilot)
        select = app.screen.query_one("#filter")
        select.value = "party:RUS"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "search:party:RUS:talks" in config.load_settings().pinned
        await pilot.press("escape")
        await settle(pilot)
        pane = panes(app)[-1]
        assert pane.source == Source("party", "RUS", "talks")
        assert pane.border_title == "7 “talks” in Russia"
        assert titles(pane) == ["Ukraine and Russia exchange prisoners after talks in Istanbul"]
        db = connection.connect(fixture_db)
        tui_fixture.insert_article(db, 1, "fresh", "Russia proposes new talks in Geneva", "",
                                   tui_fixture.NOW - timedelta(minutes=1), [("party", "RUS", "title", "Russia", None)])
        app.data_changed_signal.publish(None)
        await settle(pilot)
        assert titles(pane)[0] == "Russia proposes new talks in Geneva"
    again = make_app(fixture_db)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert panes(again)[-1].source == Source("party", "RUS", "talks")
    assert parse_source_pin("search::ceasefire deal") == Source(None, None, "ceasefire deal")
    assert parse_source_pin("search:bogus:x:y") is None and parse_source_pin("search::") is None


def _checkpointed(path):
    """The fixture file with its WAL folded in, as a copy made elsewhere would be."""
    db = connection.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def test_a_read_only_database_lists_and_exports_and_refuses_writes_plainly(fixture_db, make_read_only):
    from click.testing import CliRunner

    from negotiation_watch.cli import cli

    path = make_read_only(_checkpointed(fixture_db))
    db = connection.connect(path)
    assert connection.is_read_only(db) and len(queries.latest_articles(db)) == len(tui_fixture.ARTICLES)
    with pytest.raises(connection.StoreError, match="open read-only"):
        feed_rows.add_feed(db, "https://example.org/new")
    listed = CliRunner().invoke(cli, ["feeds", "list", "--db", str(path)])
    assert listed.exit_code == 0 and "Wire News" in listed.output
    exported = CliRunner().invoke(cli, ["--db", str(path), "feeds", "export"])
    assert exported.exit_code == 0 and "<opml" in exported.stdout
    refused = CliRunner().invoke(cli, ["--db", str(path), "fetch"])
    assert refused.exit_code == 1 and "is read-only: this command needs to write to it" in refused.output


async def test_the_dashboard_opens_a_read_only_database_with_a_banner(fixture_db, make_read_only):
    path = make_read_only(_checkpointed(fixture_db))
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.read_only
        assert "Read-only" in str(app.screen.query_one("#read-only").render())
        assert sum(len(p.rows) for p in panes(app)) > 0
        await pilot.press("1", "enter")
        await settle(pilot)
        assert app.screen.article is not None  # shown, though its read mark cannot be kept
        await pilot.press("escape", "r")
        await settle(pilot)
        assert "read-only" in _messages(app) and app.fetch_progress is None


async def test_p_on_the_feeds_screen_pins_the_feeds_folder_as_a_pane(fixture_db):
    from negotiation_watch.tui.widgets.article_list import Source

    db = connection.connect(fixture_db)
    feed_rows.update_feed(db, 2, folder="Papers")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        await pilot.press("p")  # Wire News: no folder
        await settle(pilot)
        assert "in no folder" in _messages(app)
        await pilot.press("j", "p", "escape")
        await settle(pilot)
        pane = panes(app)[-1]
        assert pane.source == Source(folder="Papers") and pane.border_title == "7 Folder Papers"
        assert {row.feed_title for row in pane.rows} == {"Daily News"} and len(pane.rows) == 4
        await pilot.press("7", "A")
        assert await _answer(pilot, "y") == "Mark 2 unread articles in folder Papers read?"
    assert "folder:Papers" in config.load_settings().pinned
    nested = feed_rows.add_feed(db, "https://example.org/n", "Nested", folder="Papers/Europe")[0]
    tui_fixture.insert_article(db, nested, "n1", "Nested story", "", tui_fixture.NOW, [])
    assert "Nested story" in [r.title for r in queries.latest_articles(db, folder="Papers")]
    assert "Nested story" not in [r.title for r in queries.latest_articles(db, folder="Pap")]


def test_the_default_database_lives_where_the_readme_says_under_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("NEGOTIATION_WATCH_DATA_DIR")
    monkeypatch.delenv("NEGOTIATION_WATCH_CONFIG_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    assert config.default_db_path() == tmp_path / "xdg-data" / "negotiation-watch" / "negotiation-watch.db"
    assert config.config_path() == tmp_path / "xdg-config" / "negotiation-watch" / "config.toml"
    readme = (__import__("pathlib").Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "$XDG_DATA_HOME/negotiation-watch/" in readme and "`tags` | `id`, `article_id`" in readme


async def test_an_empty_grid_says_when_every_feed_failed(db_path):
    db = connection.connect(db_path)
    seed_defaults(db)
    for feed in feed_rows.list_feeds(db)[:3]:
        feed_rows.update_feed(db, feed["id"], consecutive_errors=1, last_error="could not connect")
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        hint = str(app.screen.query_one(".hint").render())
        assert f"3 of your {len(default_feeds())} feeds could not be fetched" in hint and "F shows why" in hint


def _cairo_told_twice(path) -> None:
    """A second outlet's report of the oldest Gaza story (the Cairo talks), so the older of
    the track's two stories is the one with more outlets."""
    from datetime import timedelta

    db = connection.connect(path)
    try:
        wire = feed_rows.find_feed(db, "http://127.0.0.1:9/wire.xml")["id"]
        tui_fixture.insert_article(
            db, wire, "guid-cairo-again", "Hamas delegation in Cairo for ceasefire talks",
            "A Hamas delegation is in Cairo for ceasefire talks with Egyptian mediators.",
            tui_fixture.NOW - timedelta(hours=99),
            [("track", "gaza-ceasefire-talks", "text", "ceasefire talks", None),
             ("party", "HAMAS", "title", "Hamas", None), ("party", "EGY", "text", "Egyptian", None)])
    finally:
        db.close()


async def test_S_sorts_a_pane_newest_oldest_and_most_outlets_first_remembered_on_change(fixture_db):
    _cairo_told_twice(fixture_db)
    newest = ["Qatar and Egypt press for Gaza ceasefire deal", "Hamas delegation in Cairo for ceasefire talks"]
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gaza = next(p for p in panes(app) if p.source.tag_id == "gaza-ceasefire-talks")
        assert titles(gaza) == newest and [row.outlets for row in gaza.rows] == [1, 2]
        await pilot.press(str(panes(app).index(gaza) + 1), "S")
        await settle(pilot)
        assert titles(gaza) == newest[::-1] and "oldest first" in str(gaza.border_subtitle)
        await pilot.press("S")
        await settle(pilot)
        assert titles(gaza) == newest[::-1] and "most outlets first" in str(gaza.border_subtitle)
        assert config.load_settings().sort == {"track:gaza-ceasefire-talks": "outlets"}
    written = config.config_path().stat().st_mtime_ns
    again = make_app(fixture_db)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gaza = next(p for p in panes(again) if p.source.tag_id == "gaza-ceasefire-talks")
        assert gaza.order == "outlets" and titles(gaza) == newest[::-1]
        assert config.config_path().stat().st_mtime_ns == written  # launching with it writes nothing
        await pilot.press(str(panes(again).index(gaza) + 1), "S")  # back to newest first: the entry goes
        await settle(pilot)
        assert titles(gaza) == newest and not gaza.border_subtitle or "first" not in str(gaza.border_subtitle)
    assert config.load_settings().sort == {}


async def test_S_sorts_search_results_best_match_newest_or_most_outlets_kept_for_every_search(fixture_db):
    _cairo_told_twice(fixture_db)
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = await _search(pilot, app, "ceasefire")
        assert results.order == "relevance" and len(results.rows) == 3
        assert results.border_subtitle == "4 matches"  # articles: the Cairo story has two
        orders = {}
        for order in ("newest", "outlets"):
            await pilot.press("S")
            await settle(pilot)
            assert results.order == order and f"{order if order == 'newest' else 'most outlets'} first" in str(
                results.border_subtitle)
            orders[order] = titles(results)
        assert orders["newest"] == ["Qatar and Egypt press for Gaza ceasefire deal",
                                    "OSCE monitors report ceasefire violations",
                                    "Hamas delegation in Cairo for ceasefire talks"]
        assert orders["outlets"] == [orders["newest"][2], *orders["newest"][:2]]
        assert config.load_settings().sort == {"search": "outlets"}
        await pilot.press("ctrl+f", "ctrl+u", *"talks", "enter")  # another search keeps the order
        await settle(pilot)
        assert results.order == "outlets" and titles(results)[0] == "Hamas delegation in Cairo for ceasefire talks"


async def test_search_as_you_type_waits_for_a_second_letter(fixture_db):
    from negotiation_watch.tui.screens.search import TYPING_PAUSE

    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "t")
        await pilot.pause(TYPING_PAUSE * 3)
        await settle(pilot)
        results = app.screen.query_one("#results")
        assert results.source.query == ""  # one letter: no search yet (every story, as on opening)
        await pilot.press("a")
        await pilot.pause(TYPING_PAUSE * 3)
        await settle(pilot)
        assert results.source.query == "ta" and results.rows  # "ta" as a prefix: talks
        await pilot.press("ctrl+u", "t", "enter")  # enter searches even one letter, as a word
        await settle(pilot)
        assert results.source.query == "t"


async def test_o_and_c_act_on_the_selected_row_of_a_story_a_timeline_and_a_cell(fixture_db, recording_browser):
    from negotiation_watch.tui.screens.interactions import CellArticlesScreen
    from negotiation_watch.tui.screens.story import StoryScreen
    from negotiation_watch.tui.screens.timeline import StoryList, TimelineScreen
    from negotiation_watch.tui.widgets.interaction_list import InteractionList
    from negotiation_watch.tui.widgets.story_articles import StoryArticles
    from tui_helpers import wait_until

    _cairo_told_twice(fixture_db)
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        opened = []

        async def o_and_c(url):
            await pilot.press("o")
            opened.append(url)
            await wait_until(pilot, lambda: recording_browser() == opened)
            await pilot.press("c")
            assert url and app.clipboard == url

        gaza = next(p for p in panes(app) if p.source.tag_id == "gaza-ceasefire-talks")
        await pilot.press(str(panes(app).index(gaza) + 1), "j", "enter")  # the Cairo story, two outlets
        await wait_until(pilot, lambda: isinstance(app.screen, StoryScreen) and app.screen.story is not None)
        await settle(pilot)
        articles = app.screen.query_one(StoryArticles)
        await pilot.press("j")
        await o_and_c(articles.rows[1].url)  # the second article's own link, not the story's newest
        await pilot.press("escape", "h", "j", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen) and app.screen.data is not None)
        await settle(pilot)
        await o_and_c(app.screen.query_one(StoryList).current.entry.sources[0].url)
        await pilot.press("escape", "w", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CellArticlesScreen)
                         and app.screen.query_one(InteractionList).rows)
        await o_and_c(app.screen.query_one(InteractionList).current.article.url)


async def test_an_article_carried_by_two_feeds_is_one_row_that_names_both(db_path):
    from feedgen import rss

    from negotiation_watch.store.db.ingest import ingest
    from negotiation_watch.store.extract.taxonomy import default_taxonomy
    from negotiation_watch.store.parse.feed import parse_feed
    from negotiation_watch.tui.screens.article import ArticleScreen

    def item(guid, title):
        return (f"<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>"
                "<link>https://news.example.org/swap</link><description>Envoys from Russia and Ukraine met."
                "</description><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item>")

    db = connection.connect(db_path)
    for url, title, guid, headline in (
            ("http://127.0.0.1:9/source.xml", "Source", "s1", "Russia and Ukraine swap prisoners"),
            ("http://127.0.0.1:9/agg.xml", "Aggregator", "agg-9", "Russia, Ukraine swap prisoners (via Source)")):
        feed = feed_rows.add_feed(db, url, title)[0]
        ingest(db, feed, parse_feed(rss(item(guid, headline), title=title), {}, url), default_taxonomy(),
               now=tui_fixture.NOW)
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = [titles(pane) for pane in panes(app)]
        assert shown and all(t == ["Russia and Ukraine swap prisoners"] for t in shown), shown
        await pilot.press("1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        meta = str(app.screen.query_one("#meta").render())
        assert meta.startswith("Source · also in Aggregator · published"), meta
