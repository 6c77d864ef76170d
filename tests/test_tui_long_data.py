"""Real-length data on the screens: what matters stays in view at 80x24 and 120x40."""

import pytest
from rich.cells import cell_len

import tui_long_fixture
from negotiation_watch.tui.evidence import MANY_TAGS, tag_lines
from negotiation_watch.tui.format import shorten_middle
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.screens.feeds import FeedsScreen
from negotiation_watch.tui.widgets.feed_list import FeedList
from tui_helpers import make_app, settle, widget_lines


@pytest.mark.parametrize("width", [1, 2, 10, 31, 80])
def test_shorten_middle_keeps_both_ends_within_the_width(width):
    url = tui_long_fixture.LONG_URL
    short = shorten_middle(url, width)
    assert cell_len(short) <= width
    if width >= 10:
        head, tail = short.split("…")
        assert url.startswith(head) and url.endswith(tail) and len(tail) >= len(head)


def test_shorten_middle_counts_wide_characters_as_two_cells():
    short = shorten_middle("外交部新闻发布会记录完整版本存档", 9)
    assert cell_len(short) <= 9 and short.startswith("外") and short.endswith("档")


def test_many_tags_flow_in_a_list_of_names_few_get_a_line_each():
    sixty = [{"kind": "party", "tag_id": code, "field": "text", "start": 0, "end": 1, "text": name, "person": None}
             for code, name in tui_long_fixture.SIXTY]
    [line] = tag_lines(sixty)
    assert str(line).startswith("parties (60)") and str(line).count(" · ") == 59
    few = sixty[:MANY_TAGS]
    assert len(tag_lines(few)) == MANY_TAGS and "“Afghanistan”" in str(tag_lines(few)[0])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_feeds_status_articles_and_next_due_are_on_screen(db_path, size):
    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        feed_list = app.screen.query_one(FeedList)
        lines = widget_lines(feed_list)[: len(feed_list.rows)]
        assert all(cell_len(line) <= size[0] for line in lines)
        for feed, line in zip(feed_list.rows, lines):
            assert f" {feed['article_count']} " in line
            assert line.rstrip().endswith(("in 10 min", "paused", "due now")) or "could not connect" in line
            assert line.rstrip().endswith("due now") == (feed["title"] is None)
            assert ("failing ×4" in line) == (feed["title"] == "Regional Security Monitor")
        assert ("could not connect" in "".join(lines)) == (size[0] >= 110)  # narrower, the panel has it
        await pilot.press("j", "j", "j")
        await settle(pilot)
        detail = "".join(widget_lines(app.screen.query_one("#feed-detail"))).replace(" ", "")
        assert tui_long_fixture.LONG_ERROR.replace(" ", "") in detail.replace("│", "")


async def test_an_article_with_sixty_parties_shows_its_text_on_the_first_screen(db_path):
    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        assert app.screen.article.title == tui_long_fixture.SIXTY_TITLE
        summary = app.screen.query_one("#summary")
        assert summary.region.y < 22 and summary.region.height > 0


@pytest.mark.parametrize("keys, wanted", [
    ([], ["Open", "Pin"]),
    (["F"], ["Remove", "Pause/resume", "Refetch feed"]),
    (["4", "enter"], ["Open in browser", "Read/unread"]),
])
async def test_the_key_bar_keeps_the_screens_own_keys_help_and_the_palette_at_80(db_path, keys, wanted):
    from negotiation_watch.tui.widgets.key_bar import KeyBar

    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        [line] = widget_lines(app.screen.query_one(KeyBar))
        assert cell_len(line.rstrip()) <= 80 and line.rstrip().endswith("palette"), line
        assert all(word in line for word in [*wanted, "Help"]), line


async def test_the_status_line_keeps_feeds_and_articles_during_a_long_fetch_at_80(db_path):
    from negotiation_watch.tui.widgets.status_line import StatusLine

    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.fetch_progress = (120, 1000)  # as a fetch run of a thousand feeds reports it
        await pilot.pause()
        shown = str(app.screen.query_one(StatusLine).render())
        assert "fetching 120/1000 feeds" in shown and "7 articles (5 unread)" in shown
        assert "1 failing" in shown and "last fetch" not in shown
        app.fetch_progress = None
        await pilot.pause()
        assert "last fetch 5 min ago" in str(app.screen.query_one(StatusLine).render())


def test_an_address_keeps_its_host_whole_when_there_is_room():
    from negotiation_watch.tui.widgets.feed_list import feed_cell

    feed = {"url": "https://security-monitor.example.net/feeds/all-regions/latest.xml", "title": None}
    wide, narrow = str(feed_cell(0)(feed, None, 46)), str(feed_cell(0)(feed, None, 30))
    assert wide.startswith("security-monitor.example.net/…") and wide.endswith("/latest.xml") and len(wide) == 46
    assert "…" in narrow and not narrow.startswith("security-monitor.example.net") and len(narrow) == 30
    titled = {**feed, "title": "Regional Security Monitor"}
    assert str(feed_cell(25)(titled, None, 46)).startswith("Regional Security Monitor  securi")


async def test_a_long_party_or_track_name_keeps_the_search_bar_one_line_high_at_80(db_path):
    from textual.widgets import Select

    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        bar = app.screen.query_one("#search-bar")
        height = bar.size.height
        app.screen.query_one("#filter", Select).value = "party:OSCE"  # Organization for Security and Co-operation…
        await settle(pilot)
        assert bar.size.height == height == 3


async def test_the_dashboards_key_bar_holds_every_key_it_shows_at_120(db_path):
    """At 120 columns nothing the dashboard offers in its bar is dropped, Who talks to whom included."""
    from negotiation_watch.tui.widgets.key_bar import KeyBar

    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        [line] = widget_lines(app.screen.query_one(KeyBar))
        shown = {active.binding.description for active in app.screen.active_bindings.values() if active.binding.show}
        assert "Who talks to whom" in shown and cell_len(line.rstrip()) <= 120
        assert [name for name in shown if f" {name}" not in line] == [], line


async def test_a_panes_order_and_unread_only_fit_its_border_at_80_and_in_full_at_120(db_path):
    from tui_helpers import panes

    tui_long_fixture.build_long(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = panes(app)[1]
        await pilot.press("2", "S", "U")
        await settle(pilot)
        assert "oldest first · unread only" in str(pane.border_subtitle)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        subtitle = str(pane.border_subtitle)
        assert "oldest · unread only" in subtitle, subtitle
        assert cell_len(subtitle) <= pane.outer_size.width - 6  # corners, rules and spaces: nothing cut


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_storys_other_outlets_show_whole_in_a_pane_at_80_and_120(db_path, size):
    """The count of other outlets is never cut: "+1 outlet", or "+1" alone where even that has no room."""
    import re

    import tui_fixture
    from tui_helpers import panes

    tui_fixture.build(db_path)
    tui_fixture.add_second_report(db_path)
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pane, row = next((pane, row) for pane in panes(app) for row in pane.rows if row.outlets == 2)
        for width in (pane.scrollable_content_region.width, 18):  # the pane's, and one the date alone nearly fills
            meta = pane.row_lines(row, width, False)[1]
            meta.truncate(width, overflow="ellipsis")  # as the row is drawn
            # "+1 outlet" whole, or "+1" alone, each before a tag (which never starts with "o") or the ellipsis
            assert re.search(r" \+1(?: outlet)?(?=…| [^o…]|$)", meta.plain), (width, meta.plain)
