"""The status line: last fetch, feed health, articles stored and fetch progress."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from negotiation_watch.store.db.queries import Stats
from negotiation_watch.tui.format import ago


class StatusLine(Static):
    """One line of figures, redrawn whenever the store reports or the app's progress changes."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.stats: Stats | None = None

    def on_mount(self) -> None:
        self.watch(self.app, "fetch_progress", self._progress_changed, init=False)
        self.watch(self.app, "retag_progress", self._progress_changed, init=False)

    def _progress_changed(self) -> None:
        self.update(self._text(self.app.clock()))

    def show(self, stats: Stats | None = None, *, now: datetime) -> None:
        if stats is not None:
            self.stats = stats
        self.update(self._text(now))

    def _text(self, now: datetime) -> Text:
        text = Text()
        activity = self.app.activity()
        if activity:
            text.append(activity, style="bold yellow")
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
