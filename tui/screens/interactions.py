"""The articles behind one cell of the who-talks-to-whom matrix, newest first."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from negotiation_watch.store.db import queries
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.names import display_name
from negotiation_watch.tui.widgets.interaction_list import InteractionList
from negotiation_watch.tui.widgets.key_bar import KeyBar


class CellArticlesScreen(ReportsWorkerErrors, Screen):
    """Opened with enter on a cell: between two parties, or one party's in one track."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="cell-articles.back")]

    def __init__(self, party: str, other: str, *, by_track: bool, days: int,
                 action: str | None = None, track: str | None = None) -> None:
        super().__init__()
        self.party, self.other, self.by_track = party, other, by_track
        self.days, self.action, self.track = days, action, track

    def compose(self) -> ComposeResult:
        yield Static(self._heading(), id="cell-heading")
        yield InteractionList(self.app.today, id="cell-articles")
        yield KeyBar()

    def _heading(self) -> str:
        other = display_name("track", self.other) if self.by_track else display_name("party", self.other)
        words = f"{display_name('party', self.party)} {'in' if self.by_track else '→'} {other}"
        if self.action:
            words += f" · {self.action}"
        if self.track and not self.by_track:
            words += f" · {display_name('track', self.track)}"
        return f"{words} · last {self.days} days"

    def on_mount(self) -> None:
        self.query_one(InteractionList).focus()
        self.load()
        self.app.article_read_signal.subscribe(self, lambda article_id: self.query_one(InteractionList).mark_read(article_id))

    @work(thread=True, exclusive=True, group="cell", exit_on_error=False)
    def load(self) -> None:
        rows = with_db(self.app.db_path, lambda db: queries.cell_articles(
            db, self.party, self.other, by_track=self.by_track, days=self.days, end=self.app.today(),
            action=self.action, track=self.track))
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[queries.InteractionArticle]) -> None:
        self.query_one(InteractionList).set_rows(rows, from_top=True)
        count = f"{len(rows)} article{'' if len(rows) == 1 else 's'}"
        self.query_one("#cell-heading", Static).update(f"{self._heading()} · {count}")

    @on(InteractionList.Open)
    def _open(self, event: InteractionList.Open) -> None:
        self.app.open_article(event.item.article.id, event.item.interaction)
