"""The who-talks-to-whom screen, the articles behind a cell and the article's interactions,
driven by keys on the fixture database."""

import pytest

from negotiation_watch.tui.evidence import FOCUS_STYLE
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.screens.help import HelpScreen
from negotiation_watch.tui.screens.interactions import CellArticlesScreen
from negotiation_watch.tui.screens.matrix import MatrixScreen
from negotiation_watch.tui.widgets.matrix_grid import MatrixGrid

import tui_fixture
from tui_helpers import dashboard, make_app, settle


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


def is_focus(style) -> bool:
    """The focus background alone (Textual hands styles back with the colour spelled as rgb)."""
    red, green, blue = (int(FOCUS_STYLE[4 + i:6 + i], 16) for i in (0, 2, 4))
    return str(style) in (FOCUS_STYLE, f"on rgb({red},{green},{blue})")


def grid(app, name: str) -> MatrixGrid:
    return app.screen.query_one(f"#{name}", MatrixGrid)


def cell_line(app) -> str:
    return str(app.screen.query_one("#matrix-cell").render())


async def open_matrix(pilot) -> MatrixScreen:
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MatrixScreen)
    return pilot.app.screen


async def test_w_opens_the_matrix_on_the_busiest_pair(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_matrix(pilot)
        pairs = grid(app, "pairs")
        assert app.focused is pairs
        # Russia and Ukraine met in two articles (a meeting counts both ways); Egypt pressed
        # Hamas in one and met it in another: two as well, but Russia is the busier party
        assert pairs.current == ("RUS", "UKR") and pairs.matrix.count("RUS", "UKR") == 2
        assert pairs.matrix.count("EGY", "HAMAS") == 2 and pairs.matrix.count("HAMAS", "EGY") == 1
        assert cell_line(app) == "Russia → Ukraine: 2 interactions (enter lists them)"
        assert pairs.matrix.rows[:2] == ["RUS", "UKR"]  # the busiest parties first
        drawn = str(pairs.render()).splitlines()
        assert drawn[0].split()[:2] == ["RUS", "UKR"] and drawn[1].startswith("RUS")
        assert "Last 30 days · action: all · track: all · 12 interactions" in str(
            app.screen.query_one("#matrix-filters").render())


async def test_the_cursor_moves_over_cells_and_the_line_follows(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_matrix(pilot)
        pairs = grid(app, "pairs")
        await pilot.press("h")
        assert pairs.current == ("RUS", "RUS") and cell_line(app) == "Russia → Russia: 0 interactions"
        await pilot.press("enter")  # an empty cell lists nothing
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)
        await pilot.press("j", "j", "l")
        assert pairs.current == ("DEU", "UKR") and cell_line(app).endswith("1 interaction (enter lists them)")
        await pilot.press("h", "h", "k", "k", "k")  # the edges hold
        assert pairs.current == ("RUS", "RUS")


async def test_filters_by_action_and_track_and_the_window(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_matrix(pilot)
        assert screen.actions == ["meet", "demand"]
        await pilot.press("f")  # meet
        pairs = grid(app, "pairs")
        assert screen.action == "meet" and pairs.matrix.count("EGY", "HAMAS") == 1
        assert "QAT" not in pairs.matrix.rows
        await pilot.press("f")  # demand
        assert set(pairs.matrix.rows) == {"QAT", "EGY", "ISR", "HAMAS"}
        await pilot.press("f")  # all again
        assert screen.action is None
        await pilot.press("t")  # the busiest track first
        assert screen.track == "normandy-format"
        assert set(pairs.matrix.rows) == {"FRA", "DEU", "RUS", "UKR"}
        assert grid(app, "formats").matrix.rows == ["normandy-format"]
        await pilot.press("d")  # 7 days
        await settle(pilot)
        assert screen.days == 7 and "Last 7 days" in str(app.screen.query_one("#matrix-filters").render())


async def test_enter_lists_the_articles_then_opens_one_at_its_sentence(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_matrix(pilot)
        rows = grid(app, "pairs").matrix.rows
        await pilot.press(*["j"] * rows.index("EGY"), *["l"] * (rows.index("HAMAS") - 1))
        assert grid(app, "pairs").current == ("EGY", "HAMAS")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CellArticlesScreen)
        assert str(app.screen.query_one("#cell-heading").render()) == "Egypt → Hamas · last 30 days · 2 articles"
        rows = app.screen.query_one("#cell-articles").rows
        assert [(r.article.title, r.interaction["action"]) for r in rows] == [
            ("Qatar and Egypt press for Gaza ceasefire deal", "demand"),
            ("Hamas delegation arrives in Cairo for talks", "meet"),
        ]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        summary = app.screen.query_one("#summary").render()
        sentence = "Mediators from Qatar and Egypt pressed Israel and Hamas to accept a phased ceasefire."
        focused = [summary.plain[s.start:s.end] for s in summary.spans if is_focus(s.style)]
        assert "".join(focused).startswith("Mediators from ") and "".join(focused).endswith("phased ceasefire.")
        assert "pressed⟨demand⟩" in summary.plain
        lines = str(app.screen.query_one("#interactions").render())
        assert f"QAT demand ISR, HAMAS · Gaza ceasefire talks  “{sentence}”" in lines
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CellArticlesScreen)
        assert app.screen.query_one("#cell-articles").rows[0].article.is_read  # opened is read
        await pilot.press("escape", "escape")
        assert app.screen is dashboard(app)


async def test_the_party_track_matrix_lists_a_partys_articles_in_a_track(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_matrix(pilot)
        await pilot.press("tab")
        formats = grid(app, "formats")
        assert app.focused is formats
        assert formats.matrix.rows == ["normandy-format", "gaza-ceasefire-talks", "russia-ukraine-talks"]
        assert formats.current == ("normandy-format", "RUS")
        assert cell_line(app) == "Russia in Normandy Format: 3 interactions (enter lists them)"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CellArticlesScreen)
        assert str(app.screen.query_one("#cell-heading").render()) == "Russia in Normandy Format · last 30 days · 1 article"
        assert app.screen.query_one("#cell-articles").rows[0].article.title == "Normandy Format advisers meet in Berlin"


async def test_an_article_opened_from_a_pane_shows_its_interactions(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")  # normandy-format: the Berlin story
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert str(screen.query_one("#interactions-heading").render()) == "Interactions"
        lines = str(screen.query_one("#interactions").render()).splitlines()
        assert lines[0].startswith("FRA, DEU, RUS, UKR meet · Normandy Format  “Advisers from France")
        assert len(lines) == 1
        assert "met⟨meet⟩" in screen.query_one("#summary").render().plain
        assert not [s for s in screen.query_one("#summary").render().spans if is_focus(s.style)]


async def test_an_empty_database_says_so(db_path):
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_matrix(pilot)
        assert str(grid(app, "pairs").render()) == "No interactions between parties in the last 30 days."


async def test_help_and_the_palette_know_the_screen(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help").query_one("Static").content)
        assert "Who talks to whom: interactions between parties" in shown and "app.matrix" in shown
        assert "matrix-screen.window" in shown
        await pilot.press("escape", "ctrl+p")
        await pilot.press(*"Who talks")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MatrixScreen)


async def test_G_end_and_the_page_keys_move_over_the_grid_as_in_a_list(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 11)) as pilot:
        await open_matrix(pilot)
        pairs = grid(app, "pairs")
        rows, columns = pairs.matrix.rows, pairs.matrix.columns
        page = pairs._fits()[0]
        assert len(rows) > page  # the grid is taller than the screen: paging has somewhere to go
        await pilot.press("G")
        assert pairs.current == (rows[-1], columns[-1])
        await pilot.press("pageup")
        assert pairs.current == (rows[len(rows) - 1 - page], columns[-1])
        await pilot.press("g", "pagedown")
        assert pairs.current == (rows[page], columns[0])
        await pilot.press("home", "end")
        assert pairs.current == (rows[-1], columns[-1])


async def test_the_border_says_which_rows_and_columns_are_shown_when_not_all_fit(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(50, 16)) as pilot:
        await open_matrix(pilot)
        pairs = grid(app, "pairs")
        total = len(pairs.matrix.columns)
        rows, columns = pairs._fits()
        assert columns < total and rows < len(pairs.matrix.rows)  # the fixture overflows both ways here
        await pilot.press("g")
        await settle(pilot)
        assert pairs.border_subtitle == (f"rows 1–{rows} of {len(pairs.matrix.rows)} · "
                                         f"columns 1–{columns} of {total}")
        await pilot.press("end")
        await settle(pilot)
        assert pairs.border_subtitle.endswith(f"columns {total - columns + 1}–{total} of {total}")
    async with make_app(fixture_db).run_test(size=(200, 60)) as pilot:
        await open_matrix(pilot)
        assert grid(pilot.app, "pairs").border_subtitle is None  # all of it fits: nothing to say
