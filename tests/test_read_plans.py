"""No read the dashboard makes scans `articles`: every statement the real app runs while
it is used (panes in each order, an article, search with and without a filter and in each
order, the sidebar, the status line) is traced, and SQLite's plan for each must reach
articles through an index, by key, or from the search index, never by walking the table
or its date index past the page. And a tag's pane reads as far as its page, however old
the tag's stories are."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from textual.widgets import Input, Select

from negotiation_watch.store.db import connection, queries
from negotiation_watch.tui.screens.search import SearchScreen
from negotiation_watch.tui.widgets.article_list import ArticleList

import tui_fixture
from sqlite_steps import vm_steps
from tui_helpers import make_app, panes, settle, wait_until

# "SCAN a" or "SCAN articles" (plain, or walking one of its indexes); the search index's
# own "SCAN articles_fts VIRTUAL TABLE" is a lookup in FTS5's index, not a walk.
SCANS_ARTICLES = re.compile(r"\bSCAN (a|articles)\b(?! VIRTUAL)")


async def dashboard_statements(db_path, monkeypatch) -> list[str]:
    """Every SELECT the dashboard ran while used as a person would, with its values."""
    traced: list[str] = []
    opened = connection.connect

    def traced_connect(*args, **kwargs):
        db = opened(*args, **kwargs)
        db.set_trace_callback(traced.append)
        return db

    monkeypatch.setattr(connection, "connect", traced_connect)
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: all(p.loaded for p in panes(app)))
        await pilot.press("2", "j", "enter")
        await settle(pilot)
        await pilot.press("escape", "S")  # oldest first
        await settle(pilot)
        await pilot.press("S")  # most outlets first
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        screen.query_one("#query", Input).value = "talks"
        await pilot.press("enter")
        await settle(pilot)
        screen.query_one("#filter", Select).value = "party:RUS"
        await settle(pilot)
        results = screen.query_one("#results", ArticleList)
        assert results.source.tag_id == "RUS"
        screen.set_focus(results)
        for order in ("newest", "outlets"):
            await pilot.press("S")
            await settle(pilot)
            assert results.order == order and results.loaded
    return list(dict.fromkeys(s for s in traced if s.lstrip().upper().startswith("SELECT")))


def plans(db_path, statements: list[str]) -> dict[str, list[str]]:
    db = connection.connect(db_path)
    try:
        return {sql: [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql)] for sql in statements}
    finally:
        db.close()


def scans(db_path, statements) -> dict[str, list[str]]:
    """The statements whose plan walks articles further than the page they return."""
    return {sql: plan for sql, plan in plans(db_path, statements).items()
            if any(SCANS_ARTICLES.search(line) and not _page_of_newest(sql, line) for line in plan)}


def _page_of_newest(sql: str, line: str) -> bool:
    """Newest first with nothing to skip (no tag condition), LIMIT rows: the date index
    walk stops after the page, whatever the size of the table."""
    return "INDEX articles_published" in line and "EXISTS" not in sql and "LIMIT" in sql


async def test_no_dashboard_read_scans_articles(db_path, monkeypatch):
    tui_fixture.build(db_path)
    statements = await dashboard_statements(db_path, monkeypatch)
    joined = " ".join(statements)
    for read in ("FROM tag_totals", "FROM tag_days", "FROM article_totals", "articles_fts MATCH",
                 "FROM story_tags t JOIN stories s", "ORDER BY s.outlets DESC", "FROM tags"):
        assert read in joined, f"the dashboard never ran a read with {read!r}: the walk-through missed a screen"
    assert scans(db_path, statements) == {}


async def test_no_read_scans_articles_for_frequent_tags_either(db_path, monkeypatch):
    """Every tag counted as frequent: panes sorted by outlets walk stories_outlets, and a
    filtered search looks each match up in the tags index instead of listing the tag's."""
    tui_fixture.build(db_path)
    monkeypatch.setattr(queries, "FREQUENT_TAG_STORIES", 0)
    monkeypatch.setattr(queries, "RANKED_MATCHES", 1)  # the walk for one hit is shorter than any tag's list
    statements = await dashboard_statements(db_path, monkeypatch)
    assert any("EXISTS (SELECT 1 FROM tags t" in sql for sql in statements)
    assert any("EXISTS (SELECT 1 FROM story_tags t" in sql for sql in statements)
    assert scans(db_path, statements) == {}


def test_a_search_window_finds_its_stories_without_reading_the_articles_rows(db_path):
    """A window holds thousands of articles: each one's story comes from the narrow
    (id, story_id) index, not from its wide row (scattered pages on a cold cache)."""
    tui_fixture.build(db_path)
    db = connection.connect(db_path)
    traced: list[str] = []
    db.set_trace_callback(traced.append)
    try:
        for kind, tag_id in ((None, None), ("party", "RUS")):
            assert queries.search_stories(db, "talks", kind, tag_id).rows
    finally:
        db.close()
    windows = [sql for sql in traced if "articles_fts MATCH" in sql and "JOIN stories" in sql]
    assert len(windows) == 2
    for plan in plans(db_path, windows).values():
        assert "SEARCH a USING COVERING INDEX articles_story_of (id=?)" in plan


def _stories_of_two_ages(db_path):
    """600 one-article stories, each on its own day: the 300 newest tagged NEW, the 300
    oldest OLD, one to three outlets each whatever their age."""
    db = connection.connect(db_path)
    with connection.write_transaction(db) as conn:
        for n in range(600):
            seen = f"{date(2020, 1, 1) + timedelta(days=n)}T00:00:00Z"
            story = conn.execute(
                "INSERT INTO stories (title, first_seen, last_seen, articles, outlets, unread) VALUES (?, ?, ?, 1, ?, 1)",
                (f"story {n}", seen, seen, 1 + n % 3),
            ).lastrowid
            conn.execute("INSERT INTO story_tags (kind, tag_id, story_id) VALUES ('party', ?, ?)",
                         ("OLD" if n < 300 else "NEW", story))
    return db


@pytest.mark.parametrize("order", list(queries.ORDERS))
def test_a_tags_pane_reads_as_far_as_its_page_however_old_its_stories(db_path, monkeypatch, order):
    """The pane of a tag whose stories are all older than 300 others costs what the pane
    of a tag with those newest stories costs, page after page, in every order; walking the
    stories' date index and keeping the tagged ones read all 300 first."""
    monkeypatch.setattr(queries, "FREQUENT_TAG_STORIES", 0)  # both tags walk an index: no list to sort
    db = _stories_of_two_ages(db_path)

    def pages(tag_id):
        first = queries.latest_stories(db, "party", tag_id, limit=20, order=order)
        second = queries.latest_stories(db, "party", tag_id, limit=20, order=order,
                                        before=queries.page_key(first[-1], order))
        assert len(first) == len(second) == 20 and not {r.id for r in first} & {r.id for r in second}
        assert all(row.tags[0].tag_id == tag_id for row in first + second)

    old, new = vm_steps(db, lambda: pages("OLD"), 100), vm_steps(db, lambda: pages("NEW"), 100)
    assert old <= 2 * new + 5, (old, new)
    traced: list[str] = []
    db.set_trace_callback(traced.append)
    pages("OLD")
    db.set_trace_callback(None)
    for sql, plan in plans(db_path, [s for s in traced if "ORDER BY" in s and "LIMIT" in s]).items():
        assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), (sql, plan)
