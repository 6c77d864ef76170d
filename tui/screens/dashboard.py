"""The dashboard: the sidebar of tracks and parties, a grid of pinned panes, the status line."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from math import ceil

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from negotiation_watch.store.db import queries
from negotiation_watch.tui.data import parse_source_pin, source_pin, with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.widgets.article_list import ArticleList, Source
from negotiation_watch.tui.widgets.clean_input import CleanInput
from negotiation_watch.tui.widgets.key_bar import KeyBar
from negotiation_watch.tui.widgets.sidebar import Sidebar
from negotiation_watch.tui.widgets.status_line import StatusLine

DEFAULT_TRACKS = 3
DEFAULT_PARTIES = 3
MIN_DEFAULT_PANES = 4
# The sparklines are read again at once when the article total or the day changes; a
# commit that changes neither (read marks, a fetch that found nothing new) reuses them,
# and a re-tag, which moves tags without changing the total, shows within this long.
SPARKLINES_MAX_AGE = 30.0  # seconds


def _jump_bindings() -> list[Binding]:
    return [
        Binding(str(n), f"jump({n})", "Pane" if n == 1 else f"Pane {n}", show=n == 1,
                key_display="1-9" if n == 1 else None, tooltip="Jump to pane 1-9", id=f"dashboard.jump-{n}")
        for n in range(1, 10)
    ]


class DashboardScreen(ReportsWorkerErrors, Screen):
    """Everything at a glance; kept alive under the other screens."""

    BINDINGS = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="dashboard.next-pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False, id="dashboard.previous-pane"),
        Binding("left,h", "move(-1)", "Pane left", show=False, priority=True, id="dashboard.left"),
        Binding("right,l", "move(1)", "Pane right", show=False, priority=True, id="dashboard.right"),
        Binding("n", "next_unread", "Next unread", tooltip="Next unread article, across the panes",
                show=False, id="dashboard.next-unread"),
        Binding("p", "pin", "Pin", tooltip="Pin or unpin the party/track under the cursor, or this pane",
                id="dashboard.pin"),
        Binding("e", "export_brief", "Brief", tooltip="Export the brief of this pane or the party/track under the cursor",
                id="dashboard.export-brief"),
        Binding("escape", "clear_filter", "Clear filter", tooltip="Clear the sidebar's filter", show=False,
                id="dashboard.clear-filter"),
        *_jump_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[queries.TagCount] | None = None
        self._first_run = False
        self.daily: dict[tuple[str, str], list[int]] = {}
        self._sparklines: Sparklines | None = None
        self.pinned: list[Source] = []  # the panes: parties, tracks and saved searches
        self.stats: queries.Stats | None = None
        self._panes_shown = False

    def compose(self) -> ComposeResult:
        if self.app.read_only:
            yield Static(f"Read-only: {self.app.db_path} cannot be written. Reading only: no fetching, "
                         "and read marks are not kept.", id="read-only", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="side"):  # the sidebar's filter field is mounted above it when asked for
                yield Sidebar(id="sidebar")
            yield Grid(id="panes")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.border_title = "Tracks & parties"
        sidebar.border_subtitle = "stories  unread●"  # what the two counts on each line are (README: stories, unread stories)
        self.pinned = self._configured_pins()
        # defaults come once the counts say what is active, and only if the user never chose
        self._first_run = self.app.settings.pinned is None
        if self.pinned:
            self._show_panes()
        self.load_overview()
        self.app.data_changed_signal.subscribe(self, self.data_changed)
        self.app.names_changed_signal.subscribe(self, self.names_changed)
        self.app.article_read_signal.subscribe(self, self.article_read)
        self.app.story_read_signal.subscribe(self, self.story_read)

    # ------------------------------------------------------------------ data

    def _configured_pins(self) -> list[Source]:
        pins = [parse_source_pin(text) for text in self.app.settings.pinned or []]
        return list(dict.fromkeys(pin for pin in pins if pin))

    @work(thread=True, exclusive=True, group="overview", exit_on_error=False)
    def load_overview(self) -> None:
        """Counts, sparklines and status figures: three small reads on one connection
        (each a table kept by triggers), shown together in one repaint."""
        counts, sparklines, stats = with_db(self.app.db_path, _overview, self.app.today(), self._sparklines)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_overview, counts, sparklines, stats)

    def _show_overview(self, counts, sparklines: "Sparklines", stats) -> None:
        self._sparklines = sparklines
        self.daily = sparklines.daily
        self.stats = stats
        self._show_stats(stats)
        self._show_counts(counts)
        for hint in self.query("#panes > .hint").results(Static):
            hint.update(self._hint())

    def _show_counts(self, counts: list[queries.TagCount]) -> None:
        self.counts = counts
        self.app.tag_counts = counts  # the search screen's filter list reuses them
        self.app.counts_changed_signal.publish(None)
        if self._first_run:
            # pin the most active for this session, so panes do not reshuffle as counts
            # change; config.toml is written only when the user pins or unpins
            self.pinned = [Source(kind, tag_id) for kind, tag_id in default_pins(counts)]
            if self.pinned:
                self._first_run = False
            self._show_panes()
        self._refresh_sidebar()
        self._refresh_titles()

    def _show_stats(self, stats: queries.Stats) -> None:
        self.query_one(StatusLine).show(stats, now=self.app.clock())

    def _refresh_sidebar(self) -> None:
        if self.counts is not None:
            tags = {(pin.kind, pin.tag_id) for pin in self.pinned if pin.kind and not pin.query}
            self.query_one(Sidebar).show(self.counts, self.daily, tags)

    def data_changed(self, _: None = None) -> None:
        """Something was written: refresh the counts and every pane."""
        self.load_overview()
        for pane in self.panes:
            pane.reload()

    def names_changed(self, _: None = None) -> None:
        self._refresh_titles()
        self._refresh_sidebar()
        for pane in self.panes:
            pane.redraw()

    # ------------------------------------------------------------------ panes

    @property
    def panes(self) -> list[ArticleList]:
        # a pane being unpinned stays in the DOM until its removal is processed; it must not
        # count for numbering or focus meanwhile
        return [pane for pane in self.query_one("#panes", Grid).query_children(ArticleList)
                if not pane.has_class("-leaving")]

    def _show_panes(self) -> None:
        """Make the grid hold exactly one pane per pinned party or track, in pinned order."""
        grid = self.query_one("#panes", Grid)
        wanted = list(self.pinned)
        existing = {pane.source: pane for pane in self.panes}
        for source, pane in existing.items():
            if source not in wanted:
                pane.add_class("-leaving")
                pane.remove()
        grid.query_children(".hint").remove()
        # pins are only ever appended or removed, so kept panes are already in order
        added = [
            ArticleList(self.app.db_path, source, self.app.today, load_on_mount=False,
                        order=self.app.sort_order(source), classes="pane")
            for source in wanted if source not in existing
        ]
        if added:
            grid.mount(*added)
            self._load_first_pages(added)
        if not wanted:
            grid.mount(Static(self._hint(), classes="hint"))
        self._layout_grid(len(wanted))
        self._refresh_titles()
        # the first panes shown take focus; after that it stays where the user put it
        if wanted and (self.focused is None or not self._panes_shown):
            self._panes_shown = True
            self.call_after_refresh(self.action_jump, 1)

    def _hint(self) -> str:
        """What an empty grid tells the user to do next."""
        if self.counts:
            return "Nothing pinned.\nPick a party or track in the sidebar (h, then j/k) and press p."
        if self.stats and self.stats.feeds and not self.stats.articles:
            feeds = f"{self.stats.feeds} feed{'' if self.stats.feeds == 1 else 's'}"
            if self.stats.feeds_failing:
                return f"No articles yet: {self.stats.feeds_failing} of your {feeds} could not be fetched.\n" \
                       "F shows why; r tries again."
            return f"No articles yet: your {feeds} have not been fetched.\nPress r to fetch them now, F to see them."
        return "No articles yet.\nPress a to add a feed, r to fetch, F to see your feeds."

    @work(thread=True, group="first-pages", exit_on_error=False)
    def _load_first_pages(self, panes: list[ArticleList]) -> None:
        """New panes' first pages, read at once on a connection each and shown in one
        repaint (a worker per pane made as many repaints, each waiting on the others).
        Read at once, a cold start's disk reads overlap: one after another, six panes
        waited a second at a million articles."""
        with ThreadPoolExecutor(max_workers=len(panes) or 1, thread_name_prefix="first-page") as pool:
            pages = list(pool.map(lambda pane: with_db(self.app.db_path, pane.first_page), panes))
        self.app.call_from_thread(self._show_first_pages, panes, pages)

    def _show_first_pages(self, panes: list[ArticleList], pages: list) -> None:
        for pane, rows in zip(panes, pages):
            if pane.is_attached and not pane.has_class("-leaving"):
                pane.show_first_page(rows)

    def _layout_grid(self, count: int) -> None:
        grid = self.query_one("#panes", Grid)
        columns = 1 if count <= 1 else 2 if count <= 4 or self.size.width < 140 and count <= 6 else 3
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = max(1, ceil(count / columns))

    def _refresh_titles(self) -> None:
        unread = {(c.kind, c.tag_id): c.unread_stories for c in self.counts or []}
        for number, pane in enumerate(self.panes, 1):
            source = pane.source
            pane.border_title = f"{number} {source.title}"
            count = None if source.query else unread.get((source.kind, source.tag_id))
            pane.border_subtitle = pane.fitted_subtitle([f"{count} unread"] if count else [])

    def _save_pins(self) -> None:
        self.app.settings.pinned = [source_pin(pin) for pin in self.pinned]
        self.app.save_pins()

    # ------------------------------------------------------------------ actions

    def action_pin(self) -> None:
        """Pin or unpin the party/track under the sidebar cursor, or unpin the focused pane."""
        focused = self.focused
        if isinstance(focused, Sidebar):
            entry = focused.current
            if entry is None or entry.heading:
                return
            key = Source(entry.kind, entry.tag_id)
        elif isinstance(focused, ArticleList):
            key = focused.source
        else:
            return
        if key in self.pinned:
            index = self.pinned.index(key)
            self.pinned.remove(key)
            self.notify(f"Unpinned {key.title}", markup=False)
            if isinstance(focused, ArticleList):  # its neighbour takes its place, or the sidebar
                self._focus_after_unpin(index)
        else:
            self.pin(key)
            return
        self._save_pins()
        self._show_panes()
        self._refresh_sidebar()

    def action_export_brief(self) -> None:
        """The brief of the focused pane, or of the sidebar's party or track."""
        from negotiation_watch.store.briefs.chronology import Subject

        focused = self.focused
        if isinstance(focused, Sidebar) and focused.current is not None and not focused.current.heading:
            self.app.export_brief(Subject(focused.current.kind, focused.current.tag_id))
        elif isinstance(focused, ArticleList):  # a party's, a track's or a pinned search's pane
            source = focused.source
            self.app.export_brief(Subject(source.kind, source.tag_id, source.query))
        else:
            self.notify("Move to a pane, or to a party or track in the sidebar, then press e.", severity="warning")

    def pin(self, source: Source) -> None:
        """Add a pane for `source` (a party, a track, or a search the search screen saves)."""
        if source in self.pinned:
            self.notify(f"{source.title} is already pane {self.pinned.index(source) + 1}", markup=False)
            return
        self.pinned.append(source)
        self._first_run = False  # the user chose: automatic pins no longer replace theirs
        self.notify(f"Pinned {source.title}", markup=False)
        self._save_pins()
        self._show_panes()
        self._refresh_sidebar()

    def _focus_after_unpin(self, index: int) -> None:
        """Focus the pane that moves into an unpinned pane's place (or the one before it),
        the sidebar when none is left: never the first pane by default."""
        others = [pane for pane in self.panes if pane is not self.focused]
        self.set_focus(others[min(index, len(others) - 1)] if others else self.query_one(Sidebar))

    def action_next_unread(self) -> None:
        """The next unread row after the cursor: in this pane, then the panes after it,
        then round to the panes before (rows already loaded; a pane pages in as you go)."""
        panes = self.panes
        if not panes:
            return
        start = panes.index(self.focused) if self.focused in panes else 0
        order = panes[start:] + panes[:start] + [panes[start]]
        for turn, pane in enumerate(order):
            after = pane.cursor if turn == 0 and self.focused is pane else -1
            rows = range(after + 1, len(pane.rows)) if turn < len(order) - 1 else range(0, max(0, pane.cursor))
            found = next((i for i in rows if not pane.rows[i].is_read), None)
            if found is not None:
                self.set_focus(pane)
                pane.cursor = found
                return
        self.notify("No unread articles in the panes.")

    def action_jump(self, number: int) -> None:
        panes = self.panes
        if 1 <= number <= len(panes):
            self.set_focus(panes[number - 1])  # at once: a key typed right after goes there

    def action_move(self, step: int) -> None:
        """Left/right in the grid's row; left of the first column is the sidebar."""
        panes, sidebar = self.panes, self.query_one(Sidebar)
        if not panes:
            return
        if self.focused not in panes:
            if step > 0:
                self.set_focus(panes[0])
            return
        index = panes.index(self.focused)
        columns = self.query_one("#panes", Grid).styles.grid_size_columns or 1
        column = index % columns
        if step < 0:
            self.set_focus(sidebar if column == 0 else panes[index - 1])
        elif column + 1 < columns and index + 1 < len(panes):
            self.set_focus(panes[index + 1])

    # ------------------------------------------------------------------ messages

    @on(ArticleList.Open)
    def open_story(self, event: ArticleList.Open) -> None:
        self.app.open_story(event.story)

    @on(Sidebar.FilterAsked)
    def ask_filter(self) -> None:
        """The filter field, made on demand: a hidden one could take the focus at start."""
        fields = self.query("#sidebar-filter").results(Input)
        field = next(fields, None)
        if field is None:
            field = CleanInput(placeholder="filter: type a name", id="sidebar-filter")
            self.query_one("#side").mount(field, before=0)
        self.set_focus(field)  # at once: the letters typed right after must land in it

    @on(Input.Changed, "#sidebar-filter")
    def filter_sidebar(self, event: Input.Changed) -> None:
        self.query_one(Sidebar).set_filter(event.value)

    @on(Input.Submitted, "#sidebar-filter")
    def filter_done(self) -> None:
        """Enter: back to the list, the filter kept and the cursor on its first match."""
        self.set_focus(self.query_one(Sidebar))

    def action_clear_filter(self) -> None:
        field = next(self.query("#sidebar-filter").results(Input), None)
        if field is not None:
            field.remove()
            self.query_one(Sidebar).set_filter("")
            self.set_focus(self.query_one(Sidebar))

    @on(ArticleList.ViewChanged)
    def view_changed(self) -> None:
        self._refresh_titles()

    @on(Sidebar.Open)
    def open_tag(self, event: Sidebar.Open) -> None:
        self.app.open_timeline(event.kind, event.tag_id)

    def on_resize(self) -> None:
        self._layout_grid(len(self.pinned))

    def article_read(self, article_id: int) -> None:
        for pane in self.panes:
            pane.mark_read(article_id)

    def story_read(self, story_id: int) -> None:
        for pane in self.panes:
            pane.mark_story_read(story_id)


@dataclass(frozen=True)
class Sparklines:
    """The sidebar's daily counts, with the article total and day they were read for."""

    daily: dict[tuple[str, str], list[int]]
    articles: int
    today: date
    read_at: float  # time.monotonic()

    def still_good(self, articles: int, today: date) -> bool:
        return (articles, today) == (self.articles, self.today) and time.monotonic() - self.read_at < SPARKLINES_MAX_AGE


def _overview(db, today: date, kept: Sparklines | None) -> tuple:
    """Counts, sparklines and status figures; the sparklines, the dearest of the three
    (30 days of every tag), are reused while they are still good."""
    stats = queries.stats(db)
    if kept is None or not kept.still_good(stats.articles, today):
        kept = Sparklines(queries.daily_counts_all(db, end=today), stats.articles, today, time.monotonic())
    return queries.tag_counts(db), kept, stats


def default_pins(counts: list[queries.TagCount]) -> list[tuple[str, str]]:
    """First run: the most active tracks and parties, four to six panes."""
    tracks = [(c.kind, c.tag_id) for c in counts if c.kind == "track"]
    parties = [(c.kind, c.tag_id) for c in counts if c.kind == "party"]
    chosen = tracks[:DEFAULT_TRACKS] + parties[:DEFAULT_PARTIES]
    extra = tracks[DEFAULT_TRACKS:] + parties[DEFAULT_PARTIES:]
    chosen += extra[: max(0, MIN_DEFAULT_PANES - len(chosen))]
    return chosen
