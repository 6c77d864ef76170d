"""Pictures of the main screens at two terminal sizes, with a frozen clock and fixed data."""

import pytest

import tui_fixture
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
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(screen, size, db_path, snap_compare):
    tui_fixture.build(db_path)

    async def run_before(pilot):
        await settle(pilot)
        for key in SCREENS[screen]:
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(make_app(db_path), terminal_size=size, run_before=run_before)
