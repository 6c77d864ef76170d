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
        """Activity, last fetch, feed health, articles; the last fetch goes first when the
        line would not fit (at 80 columns during a fetch of a thousand feeds)."""
        parts = []
        activity = self.app.activity()
        if activity:
            parts.append(Text(activity, style="bold yellow"))
        stats = self.stats
        if stats is None:
            return Text(" · ").join([*parts, Text("loading…")])
        last_fetch = Text(f"last fetch {ago(stats.last_fetch, now)}")
        feeds = Text(f"feeds {stats.feeds_ok} ok")
        if stats.feeds_failing:
            feeds.append(f", {stats.feeds_failing} failing", style="bold red")
        if stats.feeds_paused:
            feeds.append(f", {stats.feeds_paused} paused")
        articles = Text(f"{stats.articles:,} articles ({stats.unread:,} unread)")
        line = Text(" · ").join([*parts, last_fetch, feeds, articles])
        if line.cell_len > self.content_region.width > 0:
            line = Text(" · ").join([*parts, feeds, articles])
        return line
