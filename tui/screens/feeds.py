"""Every feed with its health; add, remove, pause/resume and refetch."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from negotiation_watch.store.db import feed_rows
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.format import ago, long_time, safe
from negotiation_watch.tui.screens.confirm import ConfirmScreen
from negotiation_watch.tui.widgets.feed_list import FeedHeader, FeedList, next_due, status_cell
from negotiation_watch.tui.widgets.key_bar import KeyBar

class FeedsScreen(ReportsWorkerErrors, Screen):
    """One line per feed (title, address, health, articles, next due, error), the
    selected feed in full below; refreshed whenever the store changes."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="feeds.back"),
        Binding("d,delete", "remove", "Remove", id="feeds.remove"),
        Binding("space", "pause", "Pause/resume", id="feeds.pause"),
        Binding("r", "refetch", "Refetch feed", id="feeds.refetch"),
        Binding("p", "pin_folder", "Pin folder", tooltip="Pin this feed's folder as a dashboard pane",
                show=False, id="feeds.pin-folder"),
        Binding("A", "mark_read", "Mark feed read", tooltip="Mark every article of this feed read",
                show=False, id="feeds.mark-read"),
        Binding("j", "move(1)", "Down", show=False, id="feeds.down"),
        Binding("k", "move(-1)", "Up", show=False, id="feeds.up"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="feeds.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="feeds.page-down"),
        Binding("home,g", "first", "First feed", show=False, id="feeds.first"),
        Binding("end,G", "last", "Last feed", show=False, id="feeds.last"),
    ]

    def compose(self) -> ComposeResult:
        feed_list = FeedList(id="feeds")
        yield FeedHeader(feed_list, id="feeds-header")
        yield feed_list
        yield Static(id="feed-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#feed-detail", Static).border_title = "Feed"
        self.load()
        self.app.data_changed_signal.subscribe(self, self.data_changed)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        feeds = with_db(self.app.db_path, feed_rows.list_feeds)
        self.app.call_from_thread(self._show, feeds)

    def _show(self, feeds: list[dict]) -> None:
        feed_list = self.query_one(FeedList)
        current = feed_list.current
        feed_list.show(feeds, current["id"] if current else None)
        self.query_one(FeedHeader).refresh()  # an error column may have come or gone
        if not feeds:
            self.query_one("#feed-detail", Static).update("No feeds yet: press a to add one.")
        self._show_detail()

    @property
    def current(self) -> dict | None:
        return self.query_one(FeedList).current

    @on(FeedList.Highlighted)
    def _show_detail(self) -> None:
        feed = self.current
        if feed is not None:
            self.query_one("#feed-detail", Static).update(detail(feed, self.app.clock()))

    def data_changed(self, _: None = None) -> None:
        self.load()

    # ------------------------------------------------------------------ actions

    def action_move(self, step: int) -> None:
        feed_list = self.query_one(FeedList)
        feed_list.action_cursor_down() if step > 0 else feed_list.action_cursor_up()

    def action_page(self, step: int) -> None:
        feed_list = self.query_one(FeedList)
        feed_list.action_page_down() if step > 0 else feed_list.action_page_up()

    def action_first(self) -> None:
        self.query_one(FeedList).action_first()

    def action_last(self) -> None:
        self.query_one(FeedList).action_last()

    def action_remove(self) -> None:
        feed = self.current
        if feed is None:
            return
        question = Text("Remove ")
        question.append(safe(feed["title"] or feed["url"]), style="bold")
        question.append(f" and its {feed['article_count']:,} stored articles?")
        self.app.push_screen(ConfirmScreen(question), lambda yes: yes and self._write(feed_rows.remove_feed, feed["id"]))

    def action_pin_folder(self) -> None:
        from negotiation_watch.tui.screens.dashboard import DashboardScreen
        from negotiation_watch.tui.widgets.article_list import Source

        feed = self.current
        if feed is None:
            return
        if not feed["folder"]:
            self.notify("This feed is in no folder (folders come from an imported OPML file).")
            return
        next(s for s in self.app.screen_stack if isinstance(s, DashboardScreen)).pin(Source(folder=feed["folder"]))

    def action_mark_read(self) -> None:
        feed = self.current
        if feed is not None:
            self.app.mark_all_read(f"in {safe(feed['title'] or feed['url'])}", feed_id=feed["id"])

    def action_pause(self) -> None:
        feed = self.current
        if feed is not None:
            self._write(feed_rows.set_feed_paused, feed["id"], not feed["paused"])

    def action_refetch(self) -> None:
        feed = self.current
        if feed is not None:
            self._refetch(feed["id"])

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, action, *args) -> None:
        with_db(self.app.db_path, action, *args)
        self.app.call_from_thread(self.app.data_changed_signal.publish, None)  # at once, not at the next poll

    @work(thread=True, group="write", exit_on_error=False)
    def _refetch(self, feed_id: int) -> None:
        with_db(self.app.db_path, feed_rows.set_feed_due_now, feed_id)
        self.app.call_from_thread(self.app.start_fetch, force=False)


def detail(feed: dict, now) -> Table:
    """Everything about one feed, each value whole: a long address or error wraps under itself."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # an address has no spaces to wrap at
    grid.add_row("Title", Text(safe(feed["title"]) or "(none yet: it comes with the first fetch)"))
    grid.add_row("Address", Text(safe(feed["url"])))
    if feed["folder"]:
        grid.add_row("Folder", Text(safe(feed["folder"])))
    health = status_cell(feed, now, 0)
    health.append(f" · last fetch {ago(feed['last_fetch'], now)} · last success {ago(feed['last_ok'], now)}",
                  style="")
    grid.add_row("Status", health)
    due = next_due(feed, now) + ("" if feed["paused"] else f" ({long_time(feed['next_fetch_due'])})")
    grid.add_row("Articles", Text(f"{feed['article_count']:,} stored · next fetch {due}"))
    if feed["last_error"]:
        grid.add_row(Text("Last error", style="bold red"), Text(safe(feed["last_error"]), style="red"))
    return grid
