"""Fetching from the dashboard: add a feed served on loopback, fetch with r, watch panes fill."""

import asyncio
import threading
from datetime import timedelta
from email.utils import format_datetime

import pytest
from textual.widgets import Input

from negotiation_watch.store.db import connection, feed_rows
from negotiation_watch.tui.screens.add_feed import AddFeedScreen
from negotiation_watch.tui.screens.feeds import FeedsScreen
from negotiation_watch.tui.widgets.status_line import StatusLine

import tui_fixture
from feedgen import item, rss
from hostile_support import HostileServer, body_handler
from tui_helpers import dashboard, make_app, panes, titles, wait_until

def normandy_feed(count: int = 2) -> bytes:
    """Items five days apart (and after the fixture's own Normandy news), so that each is a
    story of its own rather than one event told again."""
    return rss(
        *[item(f"n{n}", f"Normandy Format envoys agree on prisoner list {n}",
               "Advisers from France and Germany met their Russian and Ukrainian counterparts.",
               format_datetime(tui_fixture.NOW + timedelta(days=5 * (n + 1)), usegmt=True))
          for n in range(count)],
        title="Loopback Wire",
    )


@pytest.fixture
def fixture_db(db_path):
    tui_fixture.build(db_path)
    tui_fixture.pause_fixture_feeds(db_path)
    return db_path


def normandy_pane(app):
    return next(p for p in panes(app) if p.source.tag_id == "normandy-format")


async def loaded(pilot):
    app = pilot.app
    await wait_until(pilot, lambda: len(panes(app)) == 6 and all(p.loaded for p in panes(app)))


async def test_adding_a_feed_fetches_it_and_its_articles_reach_the_pane(fixture_db, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(normandy_feed(), content_type="application/rss+xml")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddFeedScreen))
        app.screen.query_one(Input).value = httpserver.url_for("/feed.xml")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is dashboard(app), timeout=15)
        pane = normandy_pane(app)
        await wait_until(pilot, lambda: len(pane.rows) == 4, timeout=30)
        assert titles(pane)[:2] == [f"Normandy Format envoys agree on prisoner list {n}" for n in (1, 0)]
        await wait_until(pilot, lambda: app.fetch_progress is None, timeout=30)
        feeds = feed_rows.list_feeds(connection.connect(fixture_db))
        added = next(f for f in feeds if f["url"] == httpserver.url_for("/feed.xml"))
        assert added["title"] == "Loopback Wire" and added["article_count"] == 2


async def test_a_web_page_resolves_to_its_feed(fixture_db, httpserver):
    page = ('<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
            "<body>News</body></html>")
    httpserver.expect_request("/news").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(normandy_feed(1), content_type="application/rss+xml")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddFeedScreen))
        app.screen.query_one(Input).value = httpserver.url_for("/news")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is dashboard(app), timeout=15)
        await wait_until(pilot, lambda: len(normandy_pane(app).rows) == 3, timeout=30)
        urls = [f["url"] for f in feed_rows.list_feeds(connection.connect(fixture_db))]
        assert httpserver.url_for("/feed.xml") in urls and httpserver.url_for("/news") not in urls


async def test_an_address_that_is_not_a_feed_is_refused_with_the_reason(fixture_db, httpserver):
    httpserver.expect_request("/missing").respond_with_data("gone", status=404)
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddFeedScreen))
        app.screen.query_one(Input).value = httpserver.url_for("/missing")
        await pilot.press("enter")
        result = app.screen.query_one("#result")
        await wait_until(pilot, lambda: result.has_class("error"), timeout=15)
        assert "404" in str(result.render())
        assert len(feed_rows.list_feeds(connection.connect(fixture_db))) == 2
        await pilot.press("escape")


async def test_r_fetches_every_feed_and_the_status_line_follows(fixture_db, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(normandy_feed(3), content_type="application/rss+xml")
    db = connection.connect(fixture_db)
    feed_rows.add_feed(db, httpserver.url_for("/feed.xml"))
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        status = app.screen.query_one(StatusLine)
        shown = []
        draw = status.update  # every redraw of the line, whether stats or progress caused it
        status.update = lambda *args, **kwargs: (draw(*args, **kwargs), shown.append(str(status.render())))
        await pilot.press("r")
        await wait_until(pilot, lambda: len(normandy_pane(app).rows) == 5, timeout=30)
        await wait_until(pilot, lambda: app.fetch_progress is None, timeout=30)
        # counts are refreshed at most once a second, so the new total may follow a moment later
        await wait_until(pilot, lambda: "11 articles" in str(status.render()), timeout=10)
        assert "fetching" not in str(status.render())
        assert any("fetching 0/1 feeds" in text for text in shown)
        assert any("fetching 1/1 feeds" in text for text in shown)


async def test_r_on_the_feeds_screen_refetches_the_selected_feed(fixture_db, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(normandy_feed(1), content_type="application/rss+xml")
    db = connection.connect(fixture_db)
    feed_id, _ = feed_rows.add_feed(db, httpserver.url_for("/feed.xml"))
    # fetched a while ago and not due for hours: only an explicit refetch asks again
    feed_rows.update_feed(db, feed_id, next_fetch_due="2999-01-01T00:00:00Z")
    app = make_app(fixture_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("F")
        await wait_until(pilot, lambda: isinstance(app.screen, FeedsScreen) and app.screen.current is not None)
        await pilot.press("j", "j")
        assert app.screen.current["id"] == feed_id
        await pilot.press("r")
        await wait_until(pilot, lambda: feed_rows.find_feed(db, feed_id)["last_fetch"] is not None, timeout=30)
        await wait_until(pilot, lambda: app.fetch_progress is None, timeout=30)
        assert len(httpserver.log) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(normandy_pane(app).rows) == 3, timeout=10)


async def test_quitting_during_a_fetch_stops_it_at_once_and_records_nothing_half_done(fixture_db):
    """q while a feed has not answered: the fetch is cancelled, so its connection closes
    now (not at the 30 s deadline, which once held the quit for over a minute) and the
    feed keeps its old state, to be fetched again next time."""
    server = HostileServer().start()
    hung_up = threading.Event()

    async def stall(reader, writer):
        await reader.read()  # returns when the client goes away
        hung_up.set()

    try:
        db = connection.connect(fixture_db)
        feed_id, _ = feed_rows.add_feed(db, server.route("/stall.xml", stall))
        before = feed_rows.find_feed(db, feed_id)
        app = make_app(fixture_db)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("r")
            await wait_until(pilot, lambda: server.hits.get("/stall.xml") == 1, timeout=15)
            await pilot.press("q")
        assert await asyncio.to_thread(hung_up.wait, 10), "the fetch went on after the app quit"
        after = feed_rows.find_feed(db, feed_id)
        assert (after["last_status"], after["last_error"], after["last_fetch"]) == (
            before["last_status"], before["last_error"], before["last_fetch"]
        )
    finally:
        server.stop()


async def test_closing_the_add_dialog_stops_the_check_and_adds_nothing(fixture_db):
    """Escape while the new address has not answered: the check is cancelled at once (its
    connection closes) and the feed is not added when the answer would have come."""
    server = HostileServer().start()
    answer, answered = threading.Event(), threading.Event()
    gone_before_the_answer = []

    async def slow_feed(reader, writer):
        await asyncio.to_thread(answer.wait, 10)
        gone_before_the_answer.append(reader.at_eof())
        await body_handler(normandy_feed())(reader, writer)
        answered.set()

    try:
        url = server.route("/slow.xml", slow_feed)
        app = make_app(fixture_db)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, AddFeedScreen))
            app.screen.query_one(Input).value = url
            await pilot.press("enter")
            await wait_until(pilot, lambda: server.hits.get("/slow.xml") == 1, timeout=15)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is dashboard(app))
            await asyncio.sleep(0.2)  # the cancelled check closes its connection
            answer.set()
            assert await asyncio.to_thread(answered.wait, 10)
            assert gone_before_the_answer == [True]
            await asyncio.sleep(0.5)  # what storing the feed would have taken
            assert url not in [f["url"] for f in feed_rows.list_feeds(connection.connect(fixture_db))]
    finally:
        server.stop()
