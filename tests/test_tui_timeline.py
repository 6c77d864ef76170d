"""The timeline screen (enter on a sidebar track or party) and e, which exports a brief,
driven through the real app with Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Sparkline

from negotiation_watch.store import config
from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.tui.screens.article import ArticleScreen
from negotiation_watch.tui.screens.brief_saved import BriefSavedScreen
from negotiation_watch.tui.screens.timeline import StoryList, TimelineScreen
from negotiation_watch.tui.widgets.sidebar import Sidebar

import tui_fixture
from tui_helpers import dashboard, make_app, panes, settle, wait_until, widget_lines


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    return db_path


async def open_timeline(pilot, tag_id: str) -> TimelineScreen:
    await settle(pilot)
    sidebar = pilot.app.screen.query_one(Sidebar)
    sidebar.focus()
    sidebar.cursor = next(i for i, e in enumerate(sidebar.rows) if e.tag_id == tag_id)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TimelineScreen)
    return pilot.app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_a_party_timeline_charts_lists_and_ranks(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_timeline(pilot, "RUS")
        assert "Russia" in text_of(screen, "#timeline-title") and "3 articles, 3 stories" in text_of(screen, "#timeline-title")
        spark = screen.query_one(Sparkline)
        assert len(spark.data) == 90 and sum(spark.data) == 3 and spark.data[-2:] == [1, 2]  # 1 March, 2 March
        assert "busiest: 2 Mar" in text_of(screen, "#timeline-legend") and "a bar: one day" in text_of(screen, "#timeline-legend")
        lines = widget_lines(screen.query_one(StoryList))
        assert lines[0].startswith("Mon 2 Mar   14:00 Normandy Format advisers meet in Berlin")
        assert lines[1].startswith("2 stories         Wire News FRA DEU UKR Normandy Form…")
        assert lines[2].startswith("            12:00 Kremlin says Minsk agreements remain the only basis")
        assert lines[4].startswith("Sun 1 Mar   09:00 Ukraine and Russia exchange prisoners")
        involved = text_of(screen, "#timeline-involved")
        assert involved.index("2 Ukraine") < involved.index("1 France")  # most stories first
        assert "Russia" not in involved.split("Tracks")[0]  # the subject is not its own partner
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        assert app.screen.article.title == "Kremlin says Minsk agreements remain the only basis"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("escape")
        assert app.screen is dashboard(app)


async def test_a_narrow_timeline_gives_each_bar_two_days(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timeline(pilot, "normandy-format")
        spark = screen.query_one(Sparkline)
        assert len(spark.data) == 45 and spark.data[-1] == 1 and spark.data[-2] == 1  # 2 Mar; 27 Feb with 28 Feb
        assert "a bar: two days" in text_of(screen, "#timeline-legend")
        assert screen.query_one("#timeline-plot").size.width == 45
        await pilot.resize_terminal(130, 30)
        await settle(pilot)
        assert len(spark.data) == 90 and "a bar: one day" in text_of(screen, "#timeline-legend")


async def test_the_timeline_follows_new_articles(fixture_db):
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_timeline(pilot, "normandy-format")
        db = connection.connect(fixture_db)
        try:
            feed_id = feed_rows.list_feeds(db)[0]["id"]
            tui_fixture.insert_article(db, feed_id, "new", "Macron invites Zelensky to Normandy Format summit",
                                       "The French president set a December date.", tui_fixture.NOW,
                                       [("track", "normandy-format", "title", "Normandy Format", None)])
        finally:
            db.close()
        app.notice_change()
        await wait_until(pilot, lambda: "3 articles" in text_of(screen, "#timeline-title"))
        sources = [source.title for row in screen.query_one(StoryList).rows for source in row.entry.sources]
        assert "Macron invites Zelensky to Normandy Format summit" in sources


async def test_e_writes_a_brief_and_offers_the_clipboard(fixture_db, tmp_path):
    folder = tmp_path / "briefs"
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text(f'[brief]\nformat = "md"\nfolder = "{folder}"\ndays = 30\n')
    app = make_app(fixture_db)
    copied = []
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        normandy = next(p for p in panes(app) if p.source.tag_id == "normandy-format")
        normandy.focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BriefSavedScreen))
        written = sorted(folder.iterdir())
        assert [p.name for p in written] == ["brief-track-normandy-format-2026-03-02-1500.md"]
        text = written[0].read_text()
        assert text.startswith("# Brief: Normandy Format\n") and "2 stories from 2 articles" in text
        assert str(written[0]) in text_of(app.screen, "#brief-saved-path").replace("\n", "")
        await pilot.press("c")
        await settle(pilot)
        assert copied == [text] and app.screen is dashboard(app)

        # the same again never overwrites: a second file; from a search, the search's brief
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BriefSavedScreen))
        await pilot.press("escape", "slash", *"ceasefire", "enter")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BriefSavedScreen))
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["brief-search-ceasefire-2026-03-02-1500.md", "brief-track-normandy-format-2026-03-02-1500-2.md",
                         "brief-track-normandy-format-2026-03-02-1500.md"]
        search = (folder / names[0]).read_text()
        assert search.startswith("# Brief: “ceasefire”") and "Qatar and Egypt press for Gaza ceasefire deal" in search


async def test_briefs_go_to_the_documents_folder_by_default(fixture_db, tmp_path, monkeypatch):
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(documents))
    settings = config.load_settings()
    assert config.brief_folder(settings) == documents / "negotiation-watch"
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "nowhere"))
    assert config.brief_folder(settings) == Path(tmp_path / "data" / "briefs")


async def test_a_timeline_of_hostile_titles_is_harmless(db_path):
    from test_hostile_terminal import assert_screen_is_safe, hostile_db

    hostile_db(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_timeline(pilot, "RUS")
        text = assert_screen_is_safe(app)
        assert "[bold]BOLD[/bold]" in text or "[@click=app.quit]" in text, "markup must show as literal text"
        await pilot.press("j", "j", "G", "g")
        await settle(pilot)
        assert app.is_running
        assert_screen_is_safe(app)


async def test_e_on_an_article_writes_its_storys_brief(fixture_db, tmp_path):
    folder = tmp_path / "briefs"
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text(f'[brief]\nformat = "json"\nfolder = "{folder}"\n')
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        shown = app.screen.article
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BriefSavedScreen))
    (written,) = folder.iterdir()
    assert written.name.startswith(f"brief-story-{shown.id}-") and written.suffix == ".json"
    import json

    document = json.loads(written.read_text())
    assert document["title"] == shown.title and document["subject"]["article_id"] == shown.id
    assert [entry["headline"] for entry in document["entries"]] == [shown.title]
    assert document["entries"][0]["sources"][0]["outlet"] == shown.feed_title
