"""Search (/) and single-tag lists: full-text search, optionally within one party or track."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from rich.text import Text
from textual.widgets import Input, Select, Static
from textual.worker import get_current_worker

from negotiation_watch.store.db import queries
from negotiation_watch.tui.data import parse_pin, pin_key, with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.names import display_name
from negotiation_watch.tui.widgets.article_list import ArticleList, Source
from negotiation_watch.tui.widgets.clean_input import CleanInput
from negotiation_watch.tui.widgets.key_bar import KeyBar

TYPING_PAUSE = 0.25  # search once the user stops typing for this long
SORT_KEY = "search"  # the results' order (S) is kept for every search, not per query


class SearchScreen(ReportsWorkerErrors, Screen):
    """Type words (every word must match, as a prefix); pick a party or track to narrow."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="search.back"),
        Binding("ctrl+f", "focus_query", "Edit search", id="search.focus-query"),
        Binding("down", "focus_results", "To results", show=False, id="search.results"),
        Binding("e", "export_brief", "Brief", tooltip="Export the brief of these results (from the results list)",
                id="search.export-brief"),
        Binding("ctrl+s", "pin_search", "Pin search", tooltip="Pin this search, with its filter, as a pane",
                id="search.pin"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source = Source()
        self._typing_timer = None
        self._filters_from: list | None = None  # the counts the filter options were built from
        self._focus_results_when_loaded = False
        self._counted: tuple[Source, int] | None = None  # the last exact count, shown while counting again

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield CleanInput(self.source.query, placeholder="Search titles and summaries…", id="query")
            yield Select([], prompt="Any party/track", id="filter")
        yield Static("", id="search-note")
        yield ArticleList(self.app.db_path, self.source, self.app.today,
                          order=self.app.sort_order(self.source, SORT_KEY), search_sort_key=SORT_KEY, id="results")
        yield KeyBar()

    def on_mount(self) -> None:
        app = self.app
        for signal, callback in ((app.data_changed_signal, self.data_changed),
                                 (app.names_changed_signal, self.names_changed),
                                 (app.counts_changed_signal, self.counts_changed),
                                 (app.article_read_signal, self.article_read),
                                 (app.story_read_signal, self.story_read)):
            signal.subscribe(self, lambda data, callback=callback: self._if_open(callback, data))

    def _if_open(self, callback, data) -> None:
        """The app keeps this screen when it is closed: only an open one follows the data."""
        if self in self.app.screen_stack:
            callback(data)

    def prepare(self, source: Source) -> None:
        """Show `source` next time the screen appears (the app keeps one search screen)."""
        if not self.is_mounted:
            self.source = source  # compose starts with it
            return
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#query", Input).value = source.query
            select = self.query_one("#filter", Select)
            select.value = pin_key(source.kind, source.tag_id) if source.kind else Select.NULL
        self._show(source)

    def on_screen_resume(self) -> None:
        self.load_filters()
        self._set_title()
        if self.source.kind and not self.source.query:
            self.set_focus(self.query_one(ArticleList))
        else:
            self.set_focus(self.query_one("#query", Input))

    def load_filters(self) -> None:
        """The filter lists every party and track the dashboard counted (no query of its own)."""
        counts = self.app.tag_counts
        if counts is self._filters_from:
            return
        self._filters_from = counts
        options = [
            (f"{'◆' if c.kind == 'track' else '●'} {display_name(c.kind, c.tag_id)} ({c.articles})",
             pin_key(c.kind, c.tag_id))
            for c in sorted(counts, key=lambda c: (c.kind != "track", display_name(c.kind, c.tag_id).lower()))
        ]
        select = self.query_one("#filter", Select)
        with self.prevent(Select.Changed):
            select.set_options(options)
            if self.source.kind:
                select.value = pin_key(self.source.kind, self.source.tag_id)

    def _set_title(self) -> None:
        results = self.query_one(ArticleList)
        results.border_title = self.source.title
        count = ""
        if self.source.query and results.loaded and results.total is not None:
            total, more = results.total, results.total_more
            if more and self._counts_exactly(results) and self._counted and self._counted[0] == self.source:
                total, more = self._counted[1], False
            count = f"{total:,}{'+' if more else ''} match{'' if total == 1 else 'es'}"
        results.border_subtitle = " · ".join(part for part in (count, results.view_note) if part)
        self._set_note(results)

    def _set_note(self, results: ArticleList) -> None:
        """A line above the results when there is nothing to list: why, and what to try."""
        note = self.query_one("#search-note", Static)
        text = None
        if results.problem:
            text = Text(results.problem, style="bold red")
        elif self.source.query and results.loaded and not results.rows:
            text = Text("No matches for ")
            text.append(self.source.query, style="bold")  # the user's words, never markup
            text.append(" — fewer words, or no party/track filter, find more."
                        if self.source.kind or len(self.source.query.split()) > 1 else ".")
        note.update(text or "")
        note.display = text is not None

    def _show(self, source: Source) -> None:
        """Point the results at a new query or filter and load its first page."""
        if source == self.source:
            return
        self.source = source
        self.query_one(ArticleList).show(source, self.app.sort_order(source, SORT_KEY))
        self._set_title()

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self._focus_results_when_loaded = False  # still typing: the results can wait for enter
        if self._typing_timer is not None:
            self._typing_timer.stop()
        self._typing_timer = self.set_timer(TYPING_PAUSE, self._search_as_typed)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        if self._typing_timer is not None:
            self._typing_timer.stop()
        self._search_now()
        results = self.query_one(ArticleList)
        if results.loaded:  # already showing this search (typed, then a pause)
            self.set_focus(results)
        else:
            # Focus moves with the results: moved now, its restyle and frame would hold up
            # the query's start, and the results would come a frame later.
            self._focus_results_when_loaded = True

    @on(ArticleList.ViewChanged, "#results")
    def _view_changed(self) -> None:
        self._set_title()

    @on(ArticleList.Loaded, "#results")
    def _results_loaded(self) -> None:
        self._set_title()
        results = self.query_one(ArticleList)
        if results.total_more and self._counts_exactly(results):
            self._count_matches(self.source)
        if self._focus_results_when_loaded:
            self._focus_results_when_loaded = False
            self.set_focus(self.query_one(ArticleList))

    def _counts_exactly(self, results: ArticleList) -> bool:
        """A search over everything is counted in full after its first page (from the search
        index alone); within a party or track, or unread only, counting would mean reading
        every match, so those say "3,000+"."""
        return bool(self.source.query) and not self.source.kind and not results.unread_only

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_matches(self, source: Source) -> None:
        count = with_db(self.app.db_path, queries.match_count, source.query)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_count, source, count)

    def _show_count(self, source: Source, count: int) -> None:
        self._counted = (source, count)
        self._set_title()

    def _search_as_typed(self) -> None:
        """Search once typing pauses, but not for a single letter: as a prefix it would
        match most of the index, so one letter waits for the next, or for enter."""
        if len(self.query_one("#query", Input).value.strip()) == 1:
            return
        self._search_now()

    def _search_now(self) -> None:
        query = self.query_one("#query", Input).value.strip()
        self._show(Source(self.source.kind, self.source.tag_id, query))

    @on(Select.Changed, "#filter")
    def _filtered(self, event: Select.Changed) -> None:
        pin = parse_pin(event.value) if isinstance(event.value, str) else None
        kind, tag_id = pin if pin else (None, None)
        self._show(Source(kind, tag_id, self.source.query))

    @on(ArticleList.Open)
    def _open(self, event: ArticleList.Open) -> None:
        self.app.open_story(event.story)

    def action_export_brief(self) -> None:
        """The brief of the search (within its party or track), or of the party's or track's list."""
        from negotiation_watch.store.briefs.chronology import Subject

        source = self.source
        if not source.query and not source.kind:
            self.notify("Type a search or pick a party or track first.", severity="warning")
            return
        self.app.export_brief(Subject(source.kind, source.tag_id, source.query))

    def action_pin_search(self) -> None:
        """Keep this search (query and party/track filter) as a dashboard pane, live like the others."""
        from negotiation_watch.tui.screens.dashboard import DashboardScreen

        self._search_now()
        if not self.source.query:
            self.notify("Type a search first; a party or track alone is pinned from the sidebar with p.")
            return
        next(s for s in self.app.screen_stack if isinstance(s, DashboardScreen)).pin(self.source)

    def action_focus_query(self) -> None:
        self.set_focus(self.query_one("#query", Input))

    def action_focus_results(self) -> None:
        self.set_focus(self.query_one(ArticleList))

    def names_changed(self, _: None = None) -> None:
        self._set_title()
        self._filters_from = None
        self.load_filters()
        self.query_one(ArticleList).redraw()

    def data_changed(self, _: None = None) -> None:
        self.query_one(ArticleList).reload()

    def counts_changed(self, _: None = None) -> None:
        self.load_filters()

    def article_read(self, article_id: int) -> None:
        self.query_one(ArticleList).mark_read(article_id)

    def story_read(self, story_id: int) -> None:
        self.query_one(ArticleList).mark_story_read(story_id)
