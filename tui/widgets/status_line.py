"""The status line: last fetch, feed health, articles stored and fetch progress."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from negotiation_watch.store.db import Stats
from negotiation_watch.tui.format import ago


class StatusLine(Static):
    """One line of figures, redrawn whenever the store or the fetcher reports."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.stats: Stats | None = None
        self.activity: str | None = None  # what the fetcher is doing

    def show(self, stats: Stats | None = None, activity: str | None = None, *, now: datetime) -> None:
        if stats is not None:
            self.stats = stats
        self.activity = activity
        self.update(self._text(now))

    def _text(self, now: datetime) -> Text:
        text = Text()
        if self.activity:
            text.append(self.activity, style="bold yellow")
            text.append(" · ")
        stats = self.stats
        if stats is None:
            text.append("loading…")
            return text
        text.append(f"last fetch {ago(stats.last_fetch, now)} · ")
        text.append(f"feeds {stats.feeds_ok} ok")
        if stats.feeds_failing:
            text.append(f", {stats.feeds_failing} failing", style="bold red")
        if stats.feeds_paused:
            text.append(f", {stats.feeds_paused} paused")
        text.append(f" · {stats.articles:,} articles ({stats.unread:,} unread)")
        return text
