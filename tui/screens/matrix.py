"""Who talks to whom (w): a party x party matrix of interactions beside a party x track one."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from negotiation_watch.store.db import queries
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.names import display_name
from negotiation_watch.tui.widgets.key_bar import KeyBar
from negotiation_watch.tui.widgets.matrix_grid import MatrixGrid

WINDOWS = (30, 7, 90, 365)  # days; the first is where the screen opens


class MatrixScreen(ReportsWorkerErrors, Screen):
    """Counts the interactions the window's articles state, filterable by action and track;
    one kept by the app, its counts read again only when the window or the data change."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="matrix-screen.back"),
        Binding("d", "window", "Window", tooltip="Change the window: 30, 7, 90 or 365 days", id="matrix-screen.window"),
        Binding("f", "action_filter", "Action", tooltip="Show one action only (meet, reject...), or all",
                id="matrix-screen.action"),
        Binding("t", "track_filter", "Track", tooltip="Show one track only, or all", id="matrix-screen.track"),
        Binding("tab", "app.focus_next", "Other matrix", show=False, id="matrix-screen.next"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days = WINDOWS[0]
        self.action: str | None = None
        self.track: str | None = None
        self.counts: list[queries.InteractionCount] | None = None  # the window's counts, None until read
        self._stale = False  # data changed while the screen was closed
        self.actions: list[str] = []
        self.tracks: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="matrix-filters")
        with Horizontal(id="matrices"):
            yield MatrixGrid("party", "party", id="pairs")
            yield MatrixGrid("track", "party", label_width=14, id="formats")
        yield Static(id="matrix-cell")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#pairs").border_title = "Who acts on whom (row → column)"
        self.query_one("#formats").border_title = "Parties in tracks"
        self._show_filters()
        self.load()
        self.app.data_changed_signal.subscribe(self, lambda _: self._data_changed())
        self.app.names_changed_signal.subscribe(self, lambda _: self._redraw())

    def on_screen_resume(self) -> None:
        """The app keeps this screen: what changed while it was closed is read on return."""
        if self._stale:
            self._stale = False
            self.load()

    def _data_changed(self) -> None:
        if self in self.app.screen_stack:
            self.load()
        else:
            self._stale = True

    # ------------------------------------------------------------------ data

    @work(thread=True, exclusive=True, group="matrix", exit_on_error=False)
    def load(self) -> None:
        """The window's interactions, read once; the filters then work on them in memory."""
        counts = with_db(self.app.db_path, queries.interaction_counts, days=self.days, end=self.app.today())
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, counts)

    def _loaded(self, counts: list[queries.InteractionCount]) -> None:
        self.counts = counts
        self.actions, self.tracks = queries.facet_values(counts)
        self._redraw()

    def _redraw(self) -> None:
        self._show_filters()
        if self.counts is None:
            return
        empty = f"No interactions between parties in the last {self.days} days" + self._filter_words() + "."
        pairs = queries.party_matrix(self.counts, action=self.action, track=self.track)
        formats = queries.party_track_matrix(self.counts, action=self.action)
        if self.track is not None:
            formats = _only_row(formats, self.track)
        self.query_one("#pairs", MatrixGrid).show(pairs, empty)
        self.query_one("#formats", MatrixGrid).show(_transposed(formats), empty)
        if self.focused is None:
            self.set_focus(self.query_one("#pairs", MatrixGrid))

    def _filter_words(self) -> str:
        words = f" for {self.action}" if self.action else ""
        return words + (f" in {display_name('track', self.track)}" if self.track else "")

    def _show_filters(self) -> None:
        line = f"Last {self.days} days · action: {self.action or 'all'} · track: "
        line += display_name("track", self.track) if self.track else "all"
        if self.counts is not None:
            shown = sum(c.articles for c in queries.filter_counts(self.counts, self.action, self.track))
            line += f" · {shown:,} interactions"
        self.query_one("#matrix-filters", Static).update(line)

    # ------------------------------------------------------------------ actions

    def action_window(self) -> None:
        self.days = WINDOWS[(WINDOWS.index(self.days) + 1) % len(WINDOWS)]
        self._show_filters()
        self.load()

    def action_action_filter(self) -> None:
        self.action = _next_choice(self.actions, self.action)
        self._redraw()

    def action_track_filter(self) -> None:
        self.track = _next_choice(self.tracks, self.track)
        self._redraw()

    @on(MatrixGrid.Moved)
    def _moved(self, event: MatrixGrid.Moved) -> None:
        if event.grid.has_focus:
            self.query_one("#matrix-cell", Static).update(event.grid.describe(event.row, event.column, event.count))

    @on(MatrixGrid.Chosen)
    def _chosen(self, event: MatrixGrid.Chosen) -> None:
        from negotiation_watch.tui.screens.interactions import CellArticlesScreen

        window = {"days": self.days, "action": self.action}
        if event.grid.id == "pairs":
            cell = CellArticlesScreen(event.row, event.column, by_track=False, track=self.track, **window)
        else:  # the formats grid shows tracks as rows: its cell is (track, party)
            cell = CellArticlesScreen(event.column, event.row, by_track=True, **window)
        self.app.push_screen(cell)


def _next_choice(choices: list[str], current: str | None) -> str | None:
    """The next value after `current`, then None (all) after the last."""
    options: list[str | None] = [None, *choices]
    index = options.index(current) if current in options else 0
    return options[(index + 1) % len(options)]


def _transposed(matrix: queries.Matrix) -> queries.Matrix:
    """Tracks as rows (their names are long), parties as columns."""
    return queries.Matrix(matrix.columns, matrix.rows, {(c, r): n for (r, c), n in matrix.cells.items()})


def _only_row(matrix: queries.Matrix, track: str) -> queries.Matrix:
    """The party x track matrix narrowed to one track (the track filter)."""
    cells = {k: v for k, v in matrix.cells.items() if k[1] == track}
    parties = [p for p in matrix.rows if (p, track) in cells]
    return queries.Matrix(parties, [track] if cells else [], cells)
