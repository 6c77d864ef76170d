"""Every feed with its health; add, remove, pause/resume and refetch."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from negotiation_watch.store.db import feed_rows
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.format import ago, plain, safe
from negotiation_watch.tui.screens.confirm import ConfirmScreen
from negotiation_watch.tui.widgets.key_bar import KeyBar

COLUMNS = ("Feed", "Status", "Last fetch", "Articles", "Next due", "Error")
ERROR_WIDTH = 40  # the full error is under the table


class FeedsScreen(ReportsWorkerErrors, Screen):
    """A small table (one row per feed) refreshed whenever the store changes."""

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
        yield DataTable(id="feeds", cursor_type="row", zebra_stripes=True)
        yield Static(id="feed-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.feeds: dict[int, dict] = {}
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.load()
        self.app.data_changed_signal.subscribe(self, self.data_changed)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        feeds = with_db(self.app.db_path, feed_rows.list_feeds)
        self.app.call_from_thread(self._show, feeds)

    def _show(self, feeds: list[dict]) -> None:
        table = self.query_one(DataTable)
        current = self.current
        now = self.app.clock()
        self.feeds = {feed["id"]: feed for feed in feeds}
        with self.app.batch_update():
            table.clear()
            for feed in feeds:
                table.add_row(
                    plain(feed["title"] or feed["url"]),
                    _status(feed),
                    ago(feed["last_fetch"], now),
                    Text(f"{feed['article_count']:,}", justify="right"),
                    "paused" if feed["paused"] else ago(feed["next_fetch_due"], now),
                    _short_error(feed["last_error"]),
                    key=str(feed["id"]),
                )
            if current is not None and current["id"] in self.feeds:
                table.move_cursor(row=table.get_row_index(str(current["id"])))
        if not feeds:
            self.query_one("#feed-detail", Static).update("No feeds yet: press a to add one.")
        self._show_detail()

    @property
    def current(self) -> dict | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.feeds.get(int(key))

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        feed = self.current
        if feed is None:
            return
        detail = Text()
        detail.append("URL  ", style="bold")
        detail.append(safe(feed["url"]))
        if feed["folder"]:
            detail.append("  Folder  ", style="bold")
            detail.append(safe(feed["folder"]))
        if feed["last_error"]:
            detail.append("\nError  ", style="bold red")
            detail.append(safe(feed["last_error"]))
        if feed["last_ok"]:
            detail.append(f"\nLast success  {ago(feed['last_ok'], self.app.clock())}")
        self.query_one("#feed-detail", Static).update(detail)

    def data_changed(self, _: None = None) -> None:
        self.load()

    # ------------------------------------------------------------------ actions

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_page(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.action_page_down() if step > 0 else table.action_page_up()

    def action_first(self) -> None:
        self.query_one(DataTable).move_cursor(row=0)

    def action_last(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.row_count - 1)

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


def _status(feed: dict) -> Text:
    """The feed's health word (a list_feeds row); a healthy feed shows how its last fetch went."""
    health = feed["health"]
    if health == "failing":
        return Text(f"failing ×{feed['consecutive_errors']}", style="bold red")
    if health == "ok":
        return Text(safe(feed["last_status"] or "ok"), style="green")
    return Text(health, style="yellow" if health == "paused" else "cyan")


def _short_error(error: str | None) -> Text:
    text = Text(safe(error), style="red", no_wrap=True)
    text.truncate(ERROR_WIDTH, overflow="ellipsis")
    return text
