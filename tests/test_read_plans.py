"""No read the dashboard makes scans `articles`: every statement the real app runs while
it is used (panes, an article, search with and without a filter, the sidebar, the status
line) is traced, and SQLite's plan for each must reach articles through an index, by key,
or from the search index, never by walking the table or its date index past the page."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input, Select

from negotiation_watch.store.db import connection, queries
from negotiation_watch.tui.screens.search import SearchScreen
from negotiation_watch.tui.widgets.article_list import ArticleList

import tui_fixture
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
        await pilot.press("escape", "slash")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        screen.query_one("#query", Input).value = "talks"
        await pilot.press("enter")
        await settle(pilot)
        screen.query_one("#filter", Select).value = "party:RUS"
        await settle(pilot)
        assert screen.query_one("#results", ArticleList).source.tag_id == "RUS"
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
    for read in ("FROM tag_totals", "FROM tag_days", "FROM article_totals", "articles_fts MATCH", "a.id IN"):
        assert read in joined, f"the dashboard never ran a read with {read!r}: the walk-through missed a screen"
    assert scans(db_path, statements) == {}


async def test_no_read_scans_articles_for_frequent_tags_either(db_path, monkeypatch):
    """Panes list stories now, so a frequent tag's pane walks the stories' date index, not
    the articles'. (That walk still reads far when a frequent tag's stories are all old:
    issue 19's open item, on the smaller stories table.)"""
    tui_fixture.build(db_path)
    monkeypatch.setattr(queries, "FREQUENT_TAG_ROWS", 0)  # every tag counts as frequent
    monkeypatch.setattr(queries, "FREQUENT_TAG_STORIES", 0)
    statements = await dashboard_statements(db_path, monkeypatch)
    assert scans(db_path, statements) == {}
