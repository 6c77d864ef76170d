"""A party's or track's timeline (enter in the sidebar): 90 days of articles as a chart,
the stories day by day below it, newest first, and the parties most involved.

The chart is Textual's own Sparkline with a scale, dates and figures drawn beside it:
at 80x24 textual-plotext's axes took a third of the chart's width and height, and its
ticks fell on fractions of an article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Sparkline, Static
from textual.worker import get_current_worker

from negotiation_watch.store.briefs.chronology import Brief, Entry, Subject, most_involved, read_brief
from negotiation_watch.store.db import queries
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.format import plain, safe
from negotiation_watch.tui.names import display_name, short_label
from negotiation_watch.tui.widgets.article_list import Source
from negotiation_watch.tui.widgets.cursor_list import CursorList
from negotiation_watch.tui.widgets.link_keys import OpensLinks, link_bindings
from negotiation_watch.tui.widgets.key_bar import KeyBar

DAYS = 90
MOST_STORIES = 1000  # the newest stories listed; the chart still counts every article
INVOLVED = 8


@dataclass
class TimelineData:
    counts: list[int]  # articles per day, oldest first
    brief: Brief


def load_timeline(db, kind: str, tag_id: str, today: date) -> TimelineData:
    """The chart's daily counts and the stories of the last DAYS days (from a worker)."""
    counts = queries.daily_counts(db, kind, tag_id, days=DAYS, end=today)
    since = today - timedelta(days=DAYS - 1)
    brief = read_brief(db, Subject(kind, tag_id), names=display_name, since=since, until=today, limit=MOST_STORIES)
    return TimelineData(counts, brief)


@dataclass
class StoryRow:
    """A story in the list; the first of its day also carries the day and its count."""

    entry: Entry
    day_label: str = ""
    day_stories: int = 0


DAY_COLUMN = 12


class StoryList(OpensLinks, CursorList[StoryRow]):
    """Stories newest first, the day in a column at the left of each day's first story:
    time and headline, then outlets and the other parties and tracks."""

    DEFAULT_CSS = """
    StoryList > .cursor-list--cursor { background: $block-cursor-background; }
    StoryList > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    StoryList > .story-list--day { text-style: bold; color: $primary; }
    StoryList > .story-list--meta { color: $text-muted; }
    StoryList > .story-list--party { color: $text-accent; }
    """

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {"story-list--day", "story-list--meta", "story-list--party"}

    BINDINGS = link_bindings("timeline")  # the story's first article, the one enter opens

    def __init__(self, subject: tuple[str, str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.subject = subject

    def row_key(self, row: StoryRow):
        return row.entry.story

    def row_url(self, row: StoryRow) -> str | None:
        return row.entry.sources[0].url

    def row_signature(self, row: StoryRow):
        return (row.entry.story, row.day_label, row.day_stories)

    def row_lines(self, row: StoryRow, width: int, selected: bool) -> list[Text]:
        style = self.style
        entry = row.entry
        count = f"{row.day_stories} stor{'y' if row.day_stories == 1 else 'ies'}" if row.day_label else ""
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{row.day_label:<{DAY_COLUMN}}", style=style("story-list--day"))
        title.append(f"{entry.published[11:16]} ", style=style("story-list--meta"))
        title.append_text(plain(entry.headline))
        meta = Text(no_wrap=True, overflow="ellipsis")
        meta.append(f"{count:<{DAY_COLUMN + 6}}", style=style("story-list--meta"))
        outlets = plain(", ".join(source.outlet for source in entry.sources), style=style("story-list--meta"))
        outlets.truncate(max(10, width // 3), overflow="ellipsis")
        meta.append_text(outlets)
        for kind, tags in (("party", entry.parties), ("track", entry.tracks)):
            for named in tags:
                if (kind, named.id) != self.subject:
                    meta.append(" ")
                    meta.append(short_label(kind, named.id), style=style("story-list--party"))
        return [title, meta]


def story_rows(brief: Brief, today: date) -> list[StoryRow]:
    """The brief's stories newest first, each day's first one labelled with the day."""
    rows: list[StoryRow] = []
    for day, entries in reversed(list(brief.by_day())):
        moment = date.fromisoformat(day)
        label = moment.strftime("%a %-d %b" if moment.year == today.year else "%-d %b %Y")
        newest_first = entries[::-1]
        rows.append(StoryRow(newest_first[0], label, len(entries)))
        rows.extend(StoryRow(entry) for entry in newest_first[1:])
    return rows


class TimelineScreen(ReportsWorkerErrors, Screen):
    """Opened from the sidebar with enter; one per party or track, made afresh each time."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="timeline.back"),
        Binding("enter", "open", "Open", tooltip="Open the story's first article", id="timeline.open"),
        Binding("e", "export", "Brief", tooltip="Export these 90 days as a brief (format and folder from config)",
                id="timeline.export-brief"),
        Binding("s", "articles", "Articles", tooltip="Every article of this party or track, newest first",
                id="timeline.articles"),
    ]

    def __init__(self, kind: str, tag_id: str) -> None:
        super().__init__()
        self.kind, self.tag_id = kind, tag_id
        self.data: TimelineData | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-title")
        with Horizontal(id="timeline-chart"):
            yield Static(id="timeline-scale")
            with Vertical(id="timeline-plot"):
                yield Sparkline([], id="timeline-spark")
                yield Static(id="timeline-axis")
            yield Static(id="timeline-legend")
        with Horizontal(id="timeline-body"):
            yield StoryList((self.kind, self.tag_id), id="timeline-stories")
            yield Static(id="timeline-involved")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(StoryList).border_title = "Stories day by day"
        self.query_one("#timeline-involved", Static).border_title = "Most involved"
        self._show_title()
        self.load()
        self.app.data_changed_signal.subscribe(self, lambda _: self.load())
        self.app.names_changed_signal.subscribe(self, lambda _: self._redraw())

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False)
    def load(self) -> None:
        data = with_db(self.app.db_path, load_timeline, self.kind, self.tag_id, self.app.today())
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, data)

    def _show(self, data: TimelineData) -> None:
        self.data = data
        stories = self.query_one(StoryList)
        current = stories.current  # new stories arriving keep the cursor where it was
        rows = story_rows(data.brief, self.app.today())
        stories.set_rows(rows, keep_key=stories.row_key(current) if current else None, from_top=current is None)
        self._redraw()
        self.set_focus(stories)

    def _redraw(self) -> None:
        self._show_title()
        if self.data is None:
            return
        self._show_chart(self.data.counts)
        self._show_involved(self.data.brief.entries)
        self.query_one(StoryList).redraw()

    def _show_title(self) -> None:
        title = Text()
        title.append("◆ " if self.kind == "track" else "● ", style="bold")
        title.append(safe(display_name(self.kind, self.tag_id)), style="bold")
        title.append(f"  {self.kind} · last {DAYS} days", style="dim")
        if self.data is not None:
            articles = sum(self.data.counts)
            stories = len(self.data.brief.entries)
            more = "+" if self.data.brief.truncated else ""
            title.append(f" · {articles:,} article{'' if articles == 1 else 's'}, {stories:,}{more} "
                         f"stor{'y' if stories == 1 and not more else 'ies'}", style="dim")
        self.query_one("#timeline-title", Static).update(title)

    def _show_chart(self, counts: list[int]) -> None:
        """One bar a day when the screen is wide enough, else one per two days, so that
        every bar stands for the same span; dates under it, the scale beside it."""
        plot_width = max(10, self.size.width - 6 - 22)  # the scale's and the legend's columns
        per_bar = 1 if plot_width >= DAYS else 2
        bars = [sum(counts[i:i + per_bar]) for i in range(0, len(counts), per_bar)]
        spark = self.query_one("#timeline-spark", Sparkline)
        spark.data = bars
        self.query_one("#timeline-plot").styles.width = len(bars)
        peak = max(bars, default=0)
        self.query_one("#timeline-scale", Static).update(Text(f"{peak:>4}\n\n\n\n{0:>4}", style="dim"))
        self.query_one("#timeline-axis", Static).update(_axis(self.app.today(), len(bars), per_bar))
        self.query_one("#timeline-legend", Static).update(_legend(counts, self.app.today(), per_bar))

    def on_resize(self) -> None:
        """Wider or narrower: a bar a day or one per two days, as fits."""
        if self.data is not None:
            self._show_chart(self.data.counts)

    def _show_involved(self, entries: list[Entry]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for kind, heading in (("party", "Parties"), ("track", "Tracks")):
            leave_out = self.tag_id if kind == self.kind else None
            ranked = most_involved(entries, kind, leave_out=leave_out, top=INVOLVED if kind == "party" else 4)
            if not ranked:
                continue
            text.append(f"{heading}\n", style="bold")
            for named, count in ranked:
                text.append(f"{count:>4} ", style="dim")
                text.append_text(plain(named.name))
                text.append("\n")
        if not text:
            text.append("No stories in these days.", style="dim")
        self.query_one("#timeline-involved", Static).update(text)

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        row = self.query_one(StoryList).current
        if row is not None:
            self.app.open_article(row.entry.sources[0].article_id)

    def action_export(self) -> None:
        today = self.app.today()
        self.app.export_brief(Subject(self.kind, self.tag_id), since=today - timedelta(days=DAYS - 1))

    def action_articles(self) -> None:
        self.app.open_list(Source(self.kind, self.tag_id))


def _axis(today: date, bars: int, per_bar: int) -> Text:
    """First, middle and last day under the chart."""
    first = today - timedelta(days=bars * per_bar - 1)
    middle = first + (today - first) / 2
    labels = [first.strftime("%-d %b"), middle.strftime("%-d %b"), today.strftime("%-d %b")]
    gap = max(1, (bars - sum(map(len, labels))) // 2)
    line = labels[0] + " " * gap + labels[1]
    line += " " * max(1, bars - len(line) - len(labels[2])) + labels[2]
    return Text(line, style="dim", no_wrap=True)


def _legend(counts: list[int], today: date, per_bar: int) -> Text:
    """The figures beside the chart: the busiest day and what a bar stands for."""
    text = Text(style="dim")
    if any(counts):
        busiest = max(range(len(counts)), key=lambda i: (counts[i], i))
        day = today - timedelta(days=len(counts) - 1 - busiest)
        amount = counts[busiest]
        text.append(f"busiest: {day.strftime('%-d %b')}\n{amount} article{'' if amount == 1 else 's'}\n")
    text.append("a bar: one day" if per_bar == 1 else "a bar: two days")
    return text
