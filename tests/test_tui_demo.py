"""The offline demo: sample feeds read through file:// URLs by the real pipeline."""

import asyncio
from datetime import date

from negotiation_watch.store.db import connection, feed_rows, queries
from negotiation_watch.tui.app import NegotiationWatchApp
from negotiation_watch.tui.demo import demo_database, fill

from feedgen import item, rss
from tui_helpers import panes, wait_until


def write_feeds(folder):
    folder.mkdir()
    first = folder / "wire.xml"
    first.write_bytes(rss(
        item("a1", "Normandy Format advisers meet in Paris", "France and Germany hosted the talks.",
             "Tue, 08 Feb 2022 10:00:00 GMT"),
        item("a2", "Kremlin rejects Minsk agreements reading", "Moscow disputed Kyiv's reading of Minsk II.",
             "Wed, 09 Feb 2022 12:00:00 GMT"),
        title="Sample Wire",
    ))
    second = folder / "daily.xml"
    second.write_bytes(rss(
        item("b1", "Qatar and Egypt push Gaza ceasefire talks", "Mediators met Hamas envoys in Cairo.",
             "Thu, 10 Feb 2022 09:00:00 GMT"),
        title="Sample Daily",
    ))
    return [first, second]


def test_fill_fetches_every_sample_through_the_pipeline(tmp_path):
    demo = fill(tmp_path, write_feeds(tmp_path / "feeds"))
    assert (demo.feeds, demo.articles) == (2, 3)
    assert demo.today == date(2022, 2, 10)
    db = connection.connect(demo.db_path)
    assert all(feed["url"].startswith("file://") and feed["last_status"] for feed in feed_rows.list_feeds(db))
    assert {c.tag_id for c in queries.tag_counts(db)} >= {"normandy-format", "gaza-ceasefire-talks"}


async def test_the_demo_dashboard_shows_the_samples_with_activity(tmp_path):
    demo = await asyncio.to_thread(fill, tmp_path, write_feeds(tmp_path / "feeds"))  # fill runs its own loop
    app = NegotiationWatchApp(demo.db_path, today=demo.today, settings_path=demo.settings_path, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: panes(app) and all(p.loaded for p in panes(app)), timeout=10)
        assert sum(len(p.rows) for p in panes(app)) >= 3
        dashboard = app.screen
        await wait_until(pilot, lambda: bool(dashboard.daily))
        assert sum(dashboard.daily[("track", "gaza-ceasefire-talks")]) == 1
    # pins chosen for the demo are written nowhere: not in the demo's folder, not the user's
    assert not demo.settings_path.exists()


def test_demo_database_is_removed_afterwards(tmp_path, monkeypatch):
    import negotiation_watch.tui.demo as demo_module

    feeds = write_feeds(tmp_path / "feeds")
    monkeypatch.setattr(demo_module, "bundled_feeds", lambda: feeds)
    with demo_database() as demo:
        assert demo.db_path.exists()
        folder = demo.db_path.parent
    assert not folder.exists()


def test_the_bundled_demo_feeds_fill_a_dashboard_worth_of_news():
    with demo_database() as demo:
        assert demo.feeds >= 5 and demo.articles >= 50
        db = connection.connect(demo.db_path)
        counts = queries.tag_counts(db)
        assert len([c for c in counts if c.kind == "track"]) >= 4  # enough for the default panes
        every = queries.daily_counts_all(db, end=demo.today)
        assert sum(sum(days) for days in every.values()) > 0  # the frozen day makes sparklines move
        assert all(f["last_error"] is None for f in feed_rows.list_feeds(db))
        db.close()


def test_the_demo_groups_its_several_outlets_events_and_nothing_else():
    """What a new user sees first: each event reported by several outlets is one story,
    an explainer stands alone, and a report that only mentions another event in its
    second paragraph stays out of that event's story."""
    with demo_database() as demo:
        db = connection.connect(demo.db_path)
        story = dict(db.execute("SELECT title, story_id FROM articles"))
        members = {story_id: count for story_id, count in db.execute("SELECT id, articles FROM stories")}
        db.close()
    by_title = {title: story_id for title, story_id in story.items()}

    def story_of(words: str) -> int:
        return next(story_id for title, story_id in by_title.items() if words in title)

    assert story_of("Trump and Xi agree a one-year trade truce") == story_of("Trump and Xi strike one-year truce")
    assert story_of("E3 trigger snapback") == story_of("E3 invoke snapback")
    assert story_of("Kinshasa and M23 sign") == story_of("Congo and M23 agree")
    assert story_of("US sanctions Rosneft") != story_of("EU adopts 19th sanctions package")
    assert story_of("Poland shoots down Russian drones") != story_of("a forum in deep freeze")
    assert members[story_of("a forum in deep freeze")] == 1  # an explainer, filed under /explainer-...


def test_the_demo_takes_the_users_keys_but_not_the_users_pins(tmp_path):
    from negotiation_watch.store import config
    from negotiation_watch.tui.app import _demo_settings

    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text('pinned = ["party:RUS"]\n\n[keys]\n"app.quit" = "ctrl+q"\n', encoding="utf-8")
    demo_settings = tmp_path / "demo-config.toml"
    _demo_settings(demo_settings)
    settings = config.load_settings(demo_settings)
    assert settings.keys == {"app.quit": "ctrl+q"} and settings.pinned is None
    assert config.load_settings().pinned == ["party:RUS"]  # the user's own file is untouched
