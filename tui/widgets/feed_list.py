"""The feeds screen's list: one line per feed, in columns laid out for the width at hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from negotiation_watch.store.times import from_iso
from negotiation_watch.tui.format import ago, keep_end, safe, shorten_middle
from negotiation_watch.tui.widgets.cursor_list import CursorList

WIDE = 110  # from this width on, errors get a column of their own
MIN_FEED = 24  # the feed column (title, then address) never gets narrower than this
MIN_URL = 14  # nor the address within it, when a title shares the column
MIN_END = 10  # an address shows its host whole only if this much of its end still fits


@dataclass(frozen=True)
class Column:
    """A column's heading, its width in cells and how its cell is drawn from a feed row."""

    name: str
    width: int
    cell: Callable[[dict, datetime, int], Text]
    right: bool = False


def status_cell(feed: dict, _now: datetime, _width: int) -> Text:
    """The feed's health word (a list_feeds row); a healthy feed shows how its last fetch went."""
    health = feed["health"]
    if health == "failing":
        return Text(f"failing ×{feed['consecutive_errors']}", style="bold red")
    if health == "ok":
        return Text(safe(feed["last_status"] or "ok"), style="green")
    return Text(health, style="yellow" if health == "paused" else "cyan")


def feed_cell(title_width: int) -> Callable[[dict, datetime, int], Text]:
    """The title first, padded to `title_width` so the addresses line up, then the address
    without its scheme, shortened in its middle; the address alone when the feed has no
    title yet. Both always show, however long either is."""

    def cell(feed: dict, _now: datetime, width: int) -> Text:
        url = _without_scheme(safe(feed["url"]))
        title = safe(feed["title"])
        if not title:
            return Text(_short_address(url, width))
        room = min(title_width, width - 2 - min(len(url), max(MIN_URL, width * 2 // 5)))
        text = Text(title, style="bold")
        text.truncate(max(1, room), overflow="ellipsis", pad=True)
        text.append("  ")
        text.append(_short_address(url, width - text.cell_len), style="dim")
        return text

    return cell


def _without_scheme(url: str) -> str:
    """An address as a glance needs it: its host or path first (the panel has it whole)."""
    for scheme in ("https://", "http://", "file://"):
        if url.startswith(scheme):
            return url[len(scheme):]
    return url


def _short_address(url: str, width: int) -> str:
    """`url` (without its scheme) in `width` cells: its whole host name when that leaves
    room for some of the end, otherwise cut in the middle like any text."""
    host, slash, rest = url.partition("/")
    if cell_len(url) <= width or not (host and slash) or cell_len(host) + 2 + MIN_END > width:
        return shorten_middle(url, width)
    head = host + "/"
    return head + "…" + keep_end(rest, width - cell_len(head) - 1)


def articles_cell(feed: dict, _now: datetime, _width: int) -> Text:
    return Text(f"{feed['article_count']:,}")


def next_due_cell(feed: dict, now: datetime, _width: int) -> Text:
    return Text(next_due(feed, now))


def next_due(feed: dict, now: datetime) -> str:
    """"paused", "due now" (waiting for the next run, or in this one), or "in 12 min"."""
    if feed["paused"]:
        return "paused"
    due = from_iso(feed["next_fetch_due"])
    return "due now" if due is None or due <= now else ago(feed["next_fetch_due"], now)


def error_cell(feed: dict, _now: datetime, _width: int) -> Text:
    return Text(safe(feed["last_error"]), style="red")


def layout(width: int, with_errors: bool, title_width: int) -> list[Column]:
    """The columns for `width` cells. Status, articles and next due keep their widths; the
    feed column takes what is left, sharing it with an error column when a feed has an
    error and the screen is wide (narrower, "failing" says it and the panel has it all)."""
    fixed = [Column("Status", 11, status_cell), Column("Articles", 8, articles_cell, right=True),
             Column("Next due", 10, next_due_cell)]
    with_errors = with_errors and width >= WIDE
    spaces = len(fixed) + 1 + with_errors  # one before each column
    rest = max(MIN_FEED, width - sum(column.width for column in fixed) - spaces)
    feed_width = max(MIN_FEED, rest * 3 // 5) if with_errors else rest
    feed = Column("Feed", feed_width, feed_cell(title_width))
    errors = [Column("Last error", rest - feed_width, error_cell)] if with_errors and rest > feed_width else []
    return [feed, *fixed, *errors]


def line(columns: list[Column], texts: list[Text]) -> Text:
    """Cells side by side, each cut or padded to its column."""
    joined = Text()
    for column, text in zip(columns, texts):
        text.no_wrap = True
        if column.right:
            text.align("right", column.width)
        else:
            text.truncate(column.width, overflow="ellipsis", pad=True)
        joined.append(" ")
        joined.append_text(text)
    return joined


class FeedList(CursorList[dict]):
    """Every feed (list_feeds rows), one a line: 1,000 feeds cost what a screenful does."""

    ROW_HEIGHT = 1

    DEFAULT_CSS = """
    FeedList { scrollbar-gutter: stable; }
    FeedList > .cursor-list--cursor { background: $block-cursor-background; }
    FeedList > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    """

    with_errors = False  # does any feed have an error (and so the list an error column)
    title_width = 0  # the longest title's: the addresses after the titles line up

    def show(self, feeds: list[dict], keep_id: int | None) -> None:
        self.with_errors = any(feed["last_error"] for feed in feeds)
        self.title_width = max((cell_len(safe(feed["title"])) for feed in feeds), default=0)
        self.set_rows(feeds, keep_key=keep_id)

    def row_key(self, feed: dict) -> int:
        return feed["id"]

    def row_signature(self, feed: dict):
        return tuple(feed.values()), self.with_errors, self.title_width

    def columns(self, width: int) -> list[Column]:
        return layout(width, self.with_errors, self.title_width)

    def row_lines(self, feed: dict, width: int, selected: bool) -> list[Text]:
        now = self.app.clock()
        columns = self.columns(width)
        return [line(columns, [column.cell(feed, now, column.width) for column in columns])]


class FeedHeader(Widget):
    """The column headings, laid out as the list below lays out its lines."""

    DEFAULT_CSS = """
    FeedHeader { height: 1; text-style: bold; color: $text-muted; }
    """

    def __init__(self, feed_list: FeedList, **kwargs) -> None:
        super().__init__(**kwargs)
        self.feed_list = feed_list

    def render(self) -> Text:
        columns = self.feed_list.columns(self.feed_list.scrollable_content_region.width)
        return line(columns, [Text(column.name) for column in columns])
