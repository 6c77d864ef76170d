"""A pane of stories: newest first, a page at a time, new arrivals briefly highlighted.

Each row is a story (store.queries.StoryRow): one event however many outlets reported it,
drawn with its newest title, time, outlet, "+N outlets" and the union of its tags. Read
marks, opening, sorting, unread-only and paging all work on stories; a story of one
article opens that article; o and c use the story's newest article's link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from negotiation_watch.store.db import queries, writes
from negotiation_watch.store.db.queries import StoryRow
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.format import plain, short_time
from negotiation_watch.tui.names import display_name, short_label
from negotiation_watch.tui.widgets.cursor_list import CursorList
from negotiation_watch.tui.widgets.link_keys import OpensLinks, link_bindings

PAGE = 60
HIGHLIGHT_SECONDS = 4.0


@dataclass(frozen=True)
class Source:
    """What a pane shows: one party or track, or search results (both optional)."""

    kind: str | None = None
    tag_id: str | None = None
    query: str = ""
    folder: str = ""  # only the articles of this feed folder's feeds (an OPML folder)

    @property
    def title(self) -> str:
        if self.folder:
            return f"Folder {self.folder}"
        if not (self.kind and self.tag_id):
            return f"“{self.query}”" if self.query else "All articles"
        name = display_name(self.kind, self.tag_id)
        return f"“{self.query}” in {name}" if self.query else name


class ArticleList(OpensLinks, CursorList[StoryRow]):
    """Two lines per story: the title, then time, outlet, other outlets and the other tags."""

    DEFAULT_CSS = """
    ArticleList > .cursor-list--cursor { background: $block-cursor-background; }
    ArticleList > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    ArticleList > .article-list--new { background: $warning 30%; }
    ArticleList > .article-list--unread { text-style: bold; }
    ArticleList > .article-list--marker { color: $accent; }
    ArticleList > .article-list--read { color: $text-muted; }
    ArticleList > .article-list--party { color: $text-accent; }
    ArticleList > .article-list--track { color: $text-secondary; }
    ArticleList > .article-list--meta { color: $text-muted; }
    ArticleList > .article-list--match { text-style: bold underline; color: $text-warning; }
    ArticleList > .article-list--outlets { color: $text-warning; }
    """

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "article-list--new", "article-list--unread", "article-list--read", "article-list--marker",
        "article-list--party", "article-list--track", "article-list--meta", "article-list--match",
        "article-list--outlets",
    }

    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="Open the story (or its only article)", id="article.open"),
        Binding("u", "toggle_read", "Read", tooltip="Mark the story read or unread", id="article.toggle-read"),
        *link_bindings("article"),
        Binding("A", "mark_all_read", "Mark all read", tooltip="Mark every article of this pane or search read",
                show=False, id="article.mark-all-read"),
        Binding("U", "toggle_unread_only", "Unread only", tooltip="Show only unread stories, or all again",
                show=False, id="article.unread-only"),
        Binding("S", "cycle_order", "Sort",
                tooltip="Sort: newest, oldest, most outlets; results: best match, newest, most outlets",
                show=False, id="article.sort"),
    ]

    class Open(Message):
        """The user asked to read a story."""

        def __init__(self, story: StoryRow) -> None:
            super().__init__()
            self.story = story

    class ViewChanged(Message):
        """The list's order, unread-only filter or width changed: its owner retitles it."""

        def __init__(self, article_list: "ArticleList") -> None:
            super().__init__()
            self.article_list = article_list

        @property
        def control(self) -> "ArticleList":
            return self.article_list

    class Loaded(Message):
        """A query finished and the rows are on screen."""

        def __init__(self, article_list: "ArticleList") -> None:
            super().__init__()
            self.article_list = article_list

        @property
        def control(self) -> "ArticleList":
            return self.article_list

    def __init__(
        self,
        db_path: Path,
        source: Source,
        today: Callable[[], date],
        *,
        load_on_mount: bool = True,
        order: str = "newest",
        search_sort_key: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.db_path = db_path
        self.source = source
        self.order = order  # one of orders_for(source)
        self.search_sort_key = search_sort_key  # where its searches' order is kept (else each source's own)
        self.unread_only = False
        self.total: int | None = None  # a search's matching articles
        self.total_more = False  # at least `total` match (more than one window of them)
        self.after = None  # where the next page starts (queries.page_key or a SearchMark); None: no more
        self.problem: str | None = None  # why the search could not run
        self.today = today
        self.load_on_mount = load_on_mount  # False: the owner hands in the first page (show_first_page)
        self.loaded = False  # the first page arrived
        self.exhausted = False  # no older rows left to page in
        self.new_ids: set[int] = set()

    def row_key(self, row: StoryRow) -> int:
        return row.id

    def row_signature(self, row: StoryRow):
        # a story that gained an article keeps its id but not its look
        return row.id, row.is_read, row.id in self.new_ids, row.title, row.outlets, len(row.tags)

    # ------------------------------------------------------------------ loading

    def on_mount(self) -> None:
        if self.load_on_mount:
            self.reload()

    def first_page(self, db) -> "Page":
        """The page this list opens with (from a worker thread, on the caller's connection)."""
        return self._query(db, PAGE, None)

    def show_first_page(self, page: "Page") -> None:
        """Show a page that first_page read."""
        self._show_page(page)

    def show(self, source: Source, order: str | None = None) -> None:
        """Switch to another source (and order). Its first page replaces the rows on screen
        when it arrives: emptying the list first cost a frame of its own, and a layout pass
        as the scrollbar went and came back."""
        self.source = source
        self.order = order or self.order
        self.loaded = False
        self.new_ids.clear()
        self.workers.cancel_group(self, "more")  # an older page of the old source
        self._load(PAGE)

    def reload(self) -> None:
        """Query again as many rows as are shown (at least a page); new ids are highlighted."""
        self._load(max(PAGE, len(self.rows)))

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, limit: int) -> None:
        try:
            page = with_db(self.db_path, self._query, limit, None)
        except queries.SearchSyntaxError as exc:  # the user's FTS5 syntax: said where they typed it
            page, self.problem = Page([], None, 0), str(exc)
        else:
            self.problem = None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_page, page)

    @work(thread=True, exclusive=True, group="more", exit_on_error=False)
    def _load_more(self, after) -> None:
        page = with_db(self.db_path, self._query, PAGE, after)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._append, page)

    def _query(self, db, limit: int, after) -> "Page":
        """`limit` rows from the top, or a page on from `after`; for a search, its count too."""
        kind, tag_id, query = self.source.kind, self.source.tag_id, self.source.query
        if query:
            found = queries.search_stories(db, query, kind, tag_id, limit=limit, unread_only=self.unread_only,
                                           order=self.order, after=after)
            return Page(found.rows, found.after, found.matches, found.more_than)
        rows = queries.latest_stories(db, kind, tag_id, limit=limit, before=after, order=self.order,
                                      unread_only=self.unread_only, folder=self.source.folder)
        return Page(rows, queries.page_key(rows[-1], self.order) if len(rows) == limit else None)

    def _show_page(self, page: "Page") -> None:
        self.total, self.total_more = page.total, page.total_more
        self._replace(page.rows, page.after)

    def _replace(self, rows: list[StoryRow], after) -> None:
        if self.loaded and not self.source.query and self.order == "newest":
            # newer than the top row: a new story, or one that gained an article
            top = self.rows[0] if self.rows else None
            fresh = {row.id for row in rows if top is None or _newer(row, top)}
            if fresh:
                self.new_ids |= fresh
                self.set_timer(HIGHLIGHT_SECONDS, lambda: self._fade(fresh))
        current = self.current if self.loaded else None  # another source starts at its top
        self.after = after
        self.exhausted = after is None
        self.set_rows(rows, keep_key=current.id if current else None, from_top=not self.loaded)
        self.loaded = True
        self.post_message(self.Loaded(self))

    def _append(self, page: "Page") -> None:
        known = {row.id for row in self.rows}  # a story can come again in a search's next window
        self.after = page.after
        self.exhausted = page.after is None
        added = [row for row in page.rows if row.id not in known]
        if added:
            current = self.current
            self.set_rows(self.rows + added, keep_key=current.id if current else None)

    def _fade(self, ids: set[int]) -> None:
        self.new_ids -= ids
        self.refresh()  # the rows' signatures changed, so they are drawn afresh

    def on_cursor_list_near_end(self, event: CursorList.NearEnd) -> None:
        event.stop()
        if not self.loaded or self.exhausted or not self.rows:
            return
        self._load_more(self.after)

    # ------------------------------------------------------------------ drawing

    def row_lines(self, row: StoryRow, width: int, selected: bool) -> list[Text]:
        style = self.style
        title = Text()
        title.append("  " if row.is_read else "● ", style=style("article-list--marker"))
        state = "article-list--read" if row.is_read else "article-list--unread"
        title.append_text(plain(row.title, style=style(state)))
        if self.source.query:
            mark_terms(title, search_terms(self.source.query), style("article-list--match"))
        meta = Text("  ")
        meta.append(short_time(row.published, self.today()), style=style("article-list--meta"))
        meta.append(" ")
        source = plain(row.feed_title, style=style("article-list--meta"))
        others = f" +{row.outlets - 1} outlet{'s' if row.outlets > 2 else ''}" if row.outlets > 1 else ""
        room = width - meta.cell_len - 1  # the line's last cell: the ellipsis when tags follow
        if others and room - len(others) < 6:  # a narrow pane (80 columns): the count alone still shows
            others = f" +{row.outlets - 1}"
        # leave room for the other outlets, which must show, and the tags
        wanted = max(10 - len(others) // 4, width // 3 - len(others) // 2)
        if others:  # never pushed off the line: the outlet's name gives way first
            wanted = max(1, min(wanted, room - len(others)))
        source.truncate(wanted, overflow="ellipsis")
        meta.append_text(source)
        meta.append(others, style=style("article-list--outlets"))
        for label in row.tags:
            if label.kind == self.source.kind and label.tag_id == self.source.tag_id:
                continue
            meta.append(" ")
            meta.append(short_label(label.kind, label.tag_id), style=style(f"article-list--{label.kind}"))
        lines = [title, meta]
        if row.id in self.new_ids and not selected:
            for line in lines:
                line.stylize_before(style("article-list--new"))
        return lines

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Open(self.current))

    def row_url(self, row: StoryRow) -> str | None:
        return row.url

    @property
    def view_note(self) -> str:
        """What the owner adds to the title when the view is not the default one."""
        return self._view_note(ORDER_NAMES)

    def _view_note(self, names: dict[str, str]) -> str:
        notes = [] if self.order == orders_for(self.source)[0] else [names[self.order]]
        return " · ".join(notes + (["unread only"] if self.unread_only else []))

    def fitted_subtitle(self, notes: list[str]) -> str:
        """The owner's `notes` (an unread count) and the view's note, as the bottom border
        holds them: the orders' short names when the long ones would be cut, then without
        the owner's notes (a pane at 80 columns has about 20 cells)."""
        room = self.outer_size.width - 6  # the corners, a rule each side and a space around
        tries = [[*notes, self.view_note], [*notes, self._view_note(SHORT_ORDER_NAMES)],
                 [self._view_note(SHORT_ORDER_NAMES)]]
        subtitles = [" · ".join(part for part in parts if part) for parts in tries]
        if room <= 0:  # not laid out yet: it is fitted again once it is
            return subtitles[0]
        return next((text for text in subtitles if cell_len(text) <= room), subtitles[-1])

    def action_mark_all_read(self) -> None:
        source = self.source
        if source.folder:
            self.app.mark_all_read(f"in folder {source.folder}", folder=source.folder)
            return
        where = f"matching “{source.query}”" if source.query else "in every feed"
        if source.kind and source.tag_id:
            where = f"{where} in {display_name(source.kind, source.tag_id)}" if source.query else \
                f"in {display_name(source.kind, source.tag_id)}"
        self.app.mark_all_read(where, kind=source.kind, tag_id=source.tag_id, query=source.query)

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self._changed_view()

    def action_cycle_order(self) -> None:
        names = orders_for(self.source)
        self.order = names[(names.index(self.order) + 1) % len(names)] if self.order in names else names[0]
        self.app.remember_sort(self.source, self.order, self.search_sort_key)
        self._changed_view()

    def on_resize(self) -> None:
        self.post_message(self.ViewChanged(self))  # its title is fitted to the width (CursorList's own runs too)

    def _changed_view(self) -> None:
        """Start again from the top of the new view, and let the owner retitle."""
        self.loaded = False
        self.new_ids.clear()
        self.workers.cancel_group(self, "more")
        self._load(PAGE)
        self.post_message(self.ViewChanged(self))

    def action_toggle_read(self) -> None:
        row = self.current
        if row is None:
            return
        row.is_read = not row.is_read
        self.refresh_row(self.cursor)
        self._save_read(row.id, row.is_read)

    @work(thread=True, group="write", exit_on_error=False)
    def _save_read(self, story_id: int, read: bool) -> None:
        with_db(self.db_path, writes.set_story_read, story_id, read)

    def mark_read(self, article_id: int) -> None:
        """Show the story of one article as read when the article was its only one (the
        article screen already stored it; a bigger story is read on the story screen)."""
        for index, row in enumerate(self.rows):
            if row.lead_id == article_id and row.articles == 1 and not row.is_read:
                row.is_read = True
                self.refresh_row(index)

    def mark_story_read(self, story_id: int) -> None:
        """Show a story as read (the story screen already stored it)."""
        for index, row in enumerate(self.rows):
            if row.id == story_id and not row.is_read:
                row.is_read = True
                self.refresh_row(index)


@dataclass
class Page:
    """Rows read for a list, where the next page starts (None: nothing more) and, for a
    search, how many articles match (`total_more`: at least that many)."""

    rows: list[StoryRow]
    after: object
    total: int | None = None
    total_more: bool = False


# How each order reads in a list's title.
ORDER_NAMES = {"newest": "newest first", "oldest": "oldest first", "outlets": "most outlets first",
               "relevance": "best match first"}
SHORT_ORDER_NAMES = {"newest": "newest", "oldest": "oldest", "outlets": "most outlets", "relevance": "best match"}


def orders_for(source: Source) -> tuple[str, ...]:
    """The orders a list of `source` can take, its default first: search results rank by
    relevance first, panes show the newest first."""
    return queries.SEARCH_ORDERS if source.query else tuple(queries.ORDERS)


def search_terms(query: str) -> list[str]:
    """The words of a search, without FTS5's operators and punctuation: what rows highlight."""
    words = re.findall(r"\w+", query.replace("title:", " ").replace("summary:", " "))
    return [w for w in words if w not in ("AND", "OR", "NOT", "NEAR")]


def mark_terms(text: Text, terms: list[str], style) -> None:
    """Style every word of `text` that starts with one of `terms` (as FTS5 matched them)."""
    if not terms:
        return
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\w*", re.IGNORECASE)
    for found in pattern.finditer(text.plain):
        text.stylize(style, found.start(), found.end())


def _newer(row: StoryRow, than: StoryRow) -> bool:
    return (row.published, row.id) > (than.published, than.id)
