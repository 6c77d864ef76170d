"""Pictures of every screen at two terminal sizes, with a frozen clock and fixed data:
the small fixture, and real-length data (long feed titles and addresses, right-to-left
names, a 300-character headline, 60 parties on one article)."""

import pytest

import tui_fixture
import tui_long_fixture
from tui_helpers import make_app, settle

SIZES = [(120, 40), (80, 24)]

SCREENS = {
    "dashboard": [],
    "article": ["2", "enter"],
    "feeds": ["F"],
    "help": ["question_mark"],
    "timeline": ["h", "j", "enter"],  # the sidebar's first track, the Normandy Format
    "search": ["slash", *"ceasefire", "enter"],
    "search-no-matches": ["slash", *"zzyzx", "enter"],
    "sidebar-filter": ["h", "f", *"ru"],
    "unread-oldest": ["2", "U", "S"],
    "story": ["1", "enter"],  # the Gaza story, with the second report added
    "matrix": ["w"],
    "matrix-formats": ["w", "tab"],
    "cell-articles": ["w", "enter"],
    "article-at-interaction": ["w", "enter", "enter"],
}
NEEDS_SECOND_REPORT = {"story"}

# every screen and dialog with the real-length data (its panes hold other articles than the small fixture's)
LONG_SCREENS = {
    "dashboard": [],
    "article-60-parties": ["4", "enter"],
    "article-300-headline": ["2", "enter"],
    "feeds": ["F"],
    "feeds-failing": ["F", "j", "j", "j"],
    "help": ["question_mark"],
    "search": ["slash", *"ceasefire", "enter"],
    "search-filter-open": ["slash", "tab", "enter"],
    # a tuple is typed in one go, settled once: 90 characters each settled took 14 s a snapshot
    "add-feed": ["a", tuple("https://news.example.org/services/syndication/feeds/v2/regions/europe/negotiations.xml")],
    "confirm": ["F", "d"],
}


def snapshot(db_path, snap_compare, keys, size) -> bool:
    async def run_before(pilot):
        await settle(pilot)
        for key in keys:
            await pilot.press(*(key if isinstance(key, tuple) else (key,)))
            await settle(pilot)

    return snap_compare(make_app(db_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(screen, size, db_path, snap_compare):
    tui_fixture.build(db_path)
    if screen in NEEDS_SECOND_REPORT:
        tui_fixture.add_second_report(db_path)
    assert snapshot(db_path, snap_compare, SCREENS[screen], size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", LONG_SCREENS)
def test_long_data_snapshot(screen, size, db_path, snap_compare):
    tui_long_fixture.build_long(db_path)
    assert snapshot(db_path, snap_compare, LONG_SCREENS[screen], size)
