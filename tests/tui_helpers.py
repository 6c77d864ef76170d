"""Helpers shared by the dashboard tests: building the app, waiting for it, reading the screen."""

from __future__ import annotations

import asyncio
import time

from negotiation_watch.tui.app import NegotiationWatchApp
from negotiation_watch.tui.screens.dashboard import DashboardScreen
from negotiation_watch.tui.widgets.article_list import ArticleList

import tui_fixture


def make_app(db_path, *, live: bool = False) -> NegotiationWatchApp:
    return NegotiationWatchApp(db_path, clock=tui_fixture.frozen_clock, live=live)


async def settle(pilot, rounds: int = 4) -> None:
    """Let chained workers (counts -> panes -> pages) finish; only for apps with live=False."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_until(pilot, predicate, timeout: float = 5.0) -> float:
    """Pump the app until predicate() holds; returns the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)
    return time.monotonic() - start


def dashboard(app) -> DashboardScreen:
    return next(s for s in app.screen_stack if isinstance(s, DashboardScreen))


def panes(app) -> list[ArticleList]:
    return dashboard(app).panes


def widget_lines(widget) -> list[str]:
    """The text a line-API widget draws, line by line, as the terminal would get it."""
    return ["".join(segment.text for segment in widget.render_line(y)) for y in range(widget.size.height)]


def titles(pane: ArticleList) -> list[str]:
    return [row.title for row in pane.rows]


async def in_thread(function, *args):
    return await asyncio.to_thread(function, *args)
