"""The sidebar: every track and party with its story and unread story counts and 30-day activity."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from negotiation_watch.tui.format import sparkline
from negotiation_watch.tui.names import display_name
from negotiation_watch.tui.widgets.cursor_list import CursorList

SPARK_DAYS = 30  # store.daily_counts_all's default window


@dataclass
class Entry:
    """A sidebar row: a section heading, or one party or track."""

    kind: str
    tag_id: str = ""
    stories: int = 0
    unread: int = 0  # unread stories
    daily: list[int] = field(default_factory=list)
    pinned: bool = False
    heading: str = ""


class Sidebar(CursorList[Entry]):
    """Tracks first, then parties, each most active first."""

    DEFAULT_CSS = """
    Sidebar > .cursor-list--cursor { background: $block-cursor-background; }
    Sidebar > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    Sidebar > .sidebar--heading { text-style: bold; color: $primary; }
    Sidebar > .sidebar--count { color: $text-muted; }
    Sidebar > .sidebar--unread { color: $accent; text-style: bold; }
    Sidebar > .sidebar--pin { color: $warning; }
    """

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "sidebar--heading", "sidebar--count", "sidebar--unread", "sidebar--pin",
    }

    BINDINGS = [
        Binding("enter", "open", "Timeline", tooltip="This party's or track's timeline: 90 days, day by day",
                id="sidebar.open"),
        Binding("f", "filter", "Filter", tooltip="Type to filter the parties and tracks by name", show=False,
                id="sidebar.filter"),
    ]

    class FilterAsked(Message):
        """The user wants to type a filter (the screen owns the field they type in)."""

    class Open(Message):
        """Show the timeline of a party or track."""

        def __init__(self, kind: str, tag_id: str) -> None:
            super().__init__()
            self.kind = kind
            self.tag_id = tag_id

    count_widths = (1, 1)
    filter_text = ""  # only entries whose name or id holds this (any case) are listed
    _shown: tuple = ((), {}, set())  # what show() was last given, to filter again without a query

    def row_key(self, entry: Entry):
        return (entry.kind, entry.tag_id, entry.heading)

    def row_signature(self, entry: Entry):
        return (*self.row_key(entry), entry.stories, entry.unread, entry.pinned, tuple(entry.daily),
                self.count_widths)

    def row_selectable(self, entry: Entry) -> bool:
        return not entry.heading

    def show(self, counts, daily: dict[tuple[str, str], list[int]], pinned: set[tuple[str, str]]) -> None:
        """Fill from store.tag_counts rows, daily counts per (kind, id) and the pinned set;
        most stories first, equal counts by name."""
        self._shown = (counts, daily, pinned)
        current = self.current
        entries: list[Entry] = []
        wanted = self.filter_text.casefold()
        for kind, heading in (("track", "Tracks"), ("party", "Parties")):
            section = [
                # once the sparklines are in, a party quiet all month gets a flat line
                Entry(c.kind, c.tag_id, c.stories, c.unread_stories,
                      daily.get((c.kind, c.tag_id), [0] * SPARK_DAYS) if daily else [],
                      (c.kind, c.tag_id) in pinned)
                for c in counts
                if c.kind == kind and (not wanted or wanted in f"{display_name(c.kind, c.tag_id)} {c.tag_id}".casefold())
            ]
            section.sort(key=lambda e: (-e.stories, display_name(e.kind, e.tag_id).casefold()))
            if section:
                entries.append(Entry(kind, heading=heading))
                entries.extend(section)
        if wanted and not entries:
            entries.append(Entry("", heading="Nothing matches"))
        # counts line up in columns just wide enough for the largest figures
        self.count_widths = (
            len(str(max((c.stories for c in counts), default=0))),
            len(str(max((c.unread_stories for c in counts), default=0))),
        )
        self.set_rows(entries, keep_key=self.row_key(current) if current else None)

    def set_filter(self, text: str) -> None:
        """List only the entries matching `text`, the cursor on the first of them."""
        self.filter_text = text.strip()
        self.show(*self._shown)
        self.cursor = self._nearest_selectable(0)

    def action_filter(self) -> None:
        self.post_message(self.FilterAsked())

    def row_lines(self, entry: Entry, width: int, selected: bool) -> list[Text]:
        style = self.style
        if entry.heading:
            return [Text(entry.heading.upper(), style=style("sidebar--heading")), Text("─" * width, style="dim")]
        stories_width, unread_width = self.count_widths
        counts = Text()
        counts.append(f" {entry.stories:>{stories_width}}", style=style("sidebar--count"))
        unread = f" {entry.unread:>{unread_width}}●" if entry.unread else " " * (unread_width + 2)
        counts.append(unread, style=style("sidebar--unread"))
        name_width = max(1, width - 2 - counts.cell_len)
        name = Text(display_name(entry.kind, entry.tag_id), no_wrap=True)
        name.truncate(name_width, overflow="ellipsis", pad=True)
        line = Text()
        line.append("★ " if entry.pinned else "  ", style=style("sidebar--pin"))
        line.append_text(name)
        line.append_text(counts)
        return [line, Text("  ").append_text(sparkline(entry.daily, width - 2))]

    def action_open(self) -> None:
        entry = self.current
        if entry is not None and not entry.heading:
            self.post_message(self.Open(entry.kind, entry.tag_id))
