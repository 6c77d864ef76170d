"""Article, search, feeds, add-feed, help and the command palette, driven by keys."""

import io

import pytest
from rich.console import Console
from textual.widgets import Input, Select

from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.tui.evidence import highlight, spans_for
from negotiation_watch.tui.screens.add_feed import AddFeedScreen, url_problem
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.screens.confirm import ConfirmScreen
from negotiation_watch.tui.screens.feeds import FeedsScreen
from negotiation_watch.tui.screens.help import HelpScreen, binding_sections
from negotiation_watch.tui.screens.search import SearchScreen
from negotiation_watch.tui.widgets.article_list import ArticleList
from negotiation_watch.tui.widgets.feed_list import FeedList

import tui_fixture
from tui_helpers import dashboard, make_app, panes, settle, titles, widget_lines


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


def rendered_text(renderable) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


async def open_article(pilot, pane_number: int, row: int = 0) -> ArticleScreen:
    await settle(pilot)
    await pilot.press(str(pane_number), *["j"] * row, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ArticleScreen)
    return pilot.app.screen


async def test_article_shows_every_evidence_span_highlighted_and_labelled(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_article(pilot, 2)  # normandy-format: the Berlin story
        summary = screen.query_one("#summary").render()
        text = str(summary)
        for name, label in (("France", "FRA"), ("Germany", "DEU"), ("Russia", "RUS"), ("Ukraine", "UKR")):
            assert f"{name}⟨{label}⟩" in text
        highlighted = {text[span.start:span.end] for span in summary.spans if "on" in str(span.style)}
        assert {"France", "Germany", "Russia", "Ukraine"} <= highlighted
        title = str(screen.query_one("#title").render())
        assert title.startswith("Normandy Format⟨")
        tags = str(screen.query_one("#tags").render())
        assert "normandy-format" in tags and "“Normandy Format”" in tags and "UKR" in tags
        assert "Wire News" in str(screen.query_one("#meta").render())
        assert "https://news.example.org/guid-0" in str(screen.query_one("#link").render())


async def test_article_lists_the_person_behind_a_match(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_article(pilot, 4, row=1)  # RUS pane, the Kremlin story
        assert "“Lavrov” (Sergey Lavrov)" in str(screen.query_one("#tags").render())


def test_stale_or_overlapping_evidence_never_breaks_the_text():
    text = "Russia and Ukraine"
    evidence = [
        {"kind": "party", "tag_id": "RUS", "field": "text", "start": 0, "end": 6, "text": "Russia", "person": None},
        {"kind": "track", "tag_id": "x", "field": "text", "start": 0, "end": 10, "text": "Russia and", "person": None},
        {"kind": "party", "tag_id": "UKR", "field": "text", "start": 11, "end": 99, "text": "Ukraine", "person": None},
        {"kind": "party", "tag_id": "POL", "field": "text", "start": 11, "end": 18, "text": "Poland!", "person": None},
    ]
    out = highlight(text, spans_for(evidence, ("text",), text))
    assert out.plain == "Russia and⟨x⟩⟨RUS⟩ Ukraine"


async def test_o_opens_the_link_in_the_browser(fixture_db, recording_browser):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_article(pilot, 1)
        await pilot.press("o")
        await settle(pilot)
        assert recording_browser() == ["https://news.example.org/guid-2"]


async def test_o_refuses_links_that_are_not_web_pages(fixture_db, recording_browser):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_article(pilot, 1)
        screen.article.url = "javascript:alert(1)"
        await pilot.press("o")
        screen.article.url = "file:///etc/passwd"
        await pilot.press("o")
        await settle(pilot)
        assert recording_browser() == []


async def test_u_on_the_article_screen_marks_it_unread_again(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_article(pilot, 1)
        db = connection.connect(fixture_db)
        assert queries.get_article(db, screen.article_id).is_read
        await pilot.press("u")
        await settle(pilot)
        assert not queries.get_article(db, screen.article_id).is_read


async def test_slash_searches_and_filters_by_party(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"ceasefire", "enter")
        await settle(pilot)
        results = app.screen.query_one("#results", ArticleList)
        assert set(titles(results)) == {
            "Qatar and Egypt press for Gaza ceasefire deal",
            "Hamas delegation arrives in Cairo for talks",
            "OSCE monitors report ceasefire violations",
        }
        assert app.focused is results
        app.screen.query_one("#filter", Select).value = "party:HAMAS"
        await settle(pilot)
        assert set(titles(results)) == {
            "Qatar and Egypt press for Gaza ceasefire deal", "Hamas delegation arrives in Cairo for talks",
        }
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        await pilot.press("escape", "escape")
        assert app.screen is dashboard(app)


async def test_a_new_search_replaces_the_results_in_one_step_and_starts_at_the_top(fixture_db):
    """The old results stay until the new ones arrive (no empty frame between), the cursor
    starts on the new first row, and focus moves to the results with them."""
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"talks", "enter")
        await settle(pilot)
        results = app.screen.query_one("#results", ArticleList)
        assert len(results.rows) >= 3 and app.focused is results
        await pilot.press("j", "j")
        assert results.cursor == 2
        shown = []
        results.set_rows = lambda rows, **kwargs: (shown.append(list(rows)), ArticleList.set_rows(results, rows, **kwargs))
        await pilot.press("ctrl+f")
        query = app.screen.query_one("#query", Input)
        assert app.focused is query
        with app.screen.prevent(Input.Changed):
            query.value = "ceasefire"
        await pilot.press("enter")
        await settle(pilot)
        assert all(shown) and len(shown) == 1  # never emptied first
        assert set(titles(results)) >= {"OSCE monitors report ceasefire violations"}
        assert results.cursor == 0 and app.focused is results


async def test_enter_after_search_as_you_type_focuses_the_results_at_once(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ceasefire")
        await pilot.pause(0.4)  # past the typing pause: the search ran
        await settle(pilot)
        results = app.screen.query_one("#results", ArticleList)
        assert results.loaded and results.rows
        await pilot.press("enter")
        assert app.focused is results


async def test_search_with_fts_syntax_is_just_words(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"NEAR( AND', "enter")
        await settle(pilot)
        assert titles(app.screen.query_one("#results", ArticleList)) == []


async def test_question_mark_lists_every_binding(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = rendered_text(app.screen.query_one("#help").query_one("Static").content)
        for _, bindings in binding_sections():
            for binding in bindings:
                if not binding.action.startswith("jump(") or binding.key == "1":
                    assert (binding.tooltip or binding.description) in shown, binding.description
        assert "1-9" in shown and "ctrl+p" in shown
        await pilot.press("escape")
        assert app.screen is dashboard(app)


async def test_every_binding_has_an_id_and_a_description():
    for _, bindings in binding_sections():
        for binding in bindings:
            assert binding.description
            assert binding.id or binding.action == "command_palette"


async def test_command_palette_offers_the_actions(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Feeds")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)


async def test_feeds_screen_shows_health_and_pauses_and_removes(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        feed_list = app.screen.query_one(FeedList)
        assert len(feed_list.rows) == 2
        first = widget_lines(feed_list)[0].split()
        assert first == ["Wire", "News", "127.0.0.1:9/wire.xml", "fetched", "4", "in", "10", "min"]
        await pilot.press("space")
        await settle(pilot)
        db = connection.connect(fixture_db)
        assert feed_rows.find_feed(db, 1)["paused"] == 1
        assert widget_lines(feed_list)[0].split()[3:] == ["paused", "4", "paused"]
        await pilot.press("space")
        await settle(pilot)
        assert feed_rows.find_feed(db, 1)["paused"] == 0
        await pilot.press("j", "d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert len(feed_rows.list_feeds(db)) == 2
        await pilot.press("d", "y")
        await settle(pilot)
        assert [f["title"] for f in feed_rows.list_feeds(db)] == ["Wire News"]
        assert len(feed_list.rows) == 1
        await pilot.press("escape")
        await settle(pilot)
        # the dashboard followed: the Daily feed's articles are gone from the panes
        assert all(row.feed_title == "Wire News" for pane in panes(app) for row in pane.rows)


@pytest.mark.parametrize("url, problem", [
    ("", "Type the address"),
    ("example.org/feed", "did you mean https://example.org/feed"),
    ("javascript:alert(1)", "the javascript: scheme is not supported"),
    ("http:///feed", "no valid host name"),
    ("https://exa mple.org", "contains spaces"),
    ("./no-such-feed.xml", "no such file"),
])
def test_add_feed_refuses_bad_addresses(url, problem):
    assert problem in url_problem(url)


async def test_a_opens_add_feed_and_a_bad_address_is_explained(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddFeedScreen)
        await pilot.press(*"ftp://x", "enter")
        await settle(pilot)
        result = app.screen.query_one("#result")
        assert "use http, https or file" in str(result.render()) and result.has_class("error")
        assert app.screen.query_one(Input).value == "ftp://x"
        await pilot.press("escape")
        assert app.screen is dashboard(app)
        assert len(feed_rows.list_feeds(connection.connect(fixture_db))) == 2


async def test_keys_from_the_settings_replace_the_defaults_everywhere_they_show(fixture_db):
    """[keys] in config.toml: the new key works and the old one no longer does; the key
    bar, the help screen and the palette show the new key; a name that matches no binding
    and a key that clashes are reported, not fatal."""
    from negotiation_watch.store import config
    from negotiation_watch.tui.widgets.key_bar import KeyBar
    from tui_helpers import widget_lines

    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text(
        '[keys]\n"app.search" = "s"\n"app.quit" = "ctrl+q"\n"no.such" = "x"\n"app.help" = "question_mark,r"\n',
        encoding="utf-8",
    )
    app = make_app(fixture_db)
    # wide enough for every key the dashboard's bar has (narrower, it drops app-wide ones)
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        bar = "".join(widget_lines(app.screen.query_one(KeyBar)))
        assert " s  Search" in bar and " /  Search" not in bar
        await pilot.press("slash")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        shown = rendered_text(app.screen.query_one("#help").query_one("Static").content)
        assert "ctrl+q" in shown and "app.quit" in shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("q")  # no longer quits
        await settle(pilot)
        assert app.is_running
        await pilot.press("r")  # now help's too, so fetching loses it: reported, not a crash
        await settle(pilot)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "no.such" in messages and "r is both app.help and app.fetch" in messages
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


def test_saving_pins_keeps_everything_else_the_user_wrote(tmp_path):
    """Pins are the one setting the dashboard writes: it replaces that assignment (even
    one spread over lines) and leaves comments, other settings and [keys] as they were."""
    from negotiation_watch.store import config

    path = tmp_path / "config.toml"
    mine = (
        "# my settings\nfetch_interval_seconds = 600  # ten minutes\n"
        'pinned = [\n  "party:RUS",  # Russia first\n  "track:minsk-agreements",\n]\n'
        'concurrency = 8\n\n[keys]\n"app.quit" = "ctrl+q"\n"list.down" = 5\n'
    )
    path.write_text(mine, encoding="utf-8")
    settings = config.load_settings(path)
    assert settings.keys == {"app.quit": "ctrl+q"} and settings.pinned == ["party:RUS", "track:minsk-agreements"]
    assert any('"list.down"' in problem for problem in settings.problems)
    config.save_pins(["party:UKR"], path)
    assert path.read_text(encoding="utf-8") == mine.replace(
        'pinned = [\n  "party:RUS",  # Russia first\n  "track:minsk-agreements",\n]\n', 'pinned = ["party:UKR"]\n'
    )
    config.save_pins(None, path)
    assert "pinned" not in path.read_text(encoding="utf-8")
    config.save_pins([], path)  # before the table, where a top-level setting must go
    assert config.load_settings(path).pinned == [] and config.load_settings(path).keys == {"app.quit": "ctrl+q"}


def test_a_config_file_with_a_mistake_is_never_overwritten(tmp_path):
    from negotiation_watch.store import config

    path = tmp_path / "config.toml"
    path.write_text("fetch_interval_seconds = [\n# half written\n", encoding="utf-8")
    with pytest.raises(config.SettingsError, match="mistake"):
        config.save_pins(["party:RUS"], path)
    assert path.read_text(encoding="utf-8") == "fetch_interval_seconds = [\n# half written\n"
