"""The articles of one story: outlet, time and title of each, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from negotiation_watch.store.db.queries import ArticleRow
from negotiation_watch.tui.format import plain, short_time
from negotiation_watch.tui.widgets.cursor_list import CursorList
from negotiation_watch.tui.widgets.link_keys import OpensLinks, link_bindings


class StoryArticles(OpensLinks, CursorList[ArticleRow]):
    """Two lines per article: its title, then its time and outlet."""

    DEFAULT_CSS = """
    StoryArticles > .cursor-list--cursor { background: $block-cursor-background; }
    StoryArticles > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    StoryArticles > .story-articles--unread { text-style: bold; }
    StoryArticles > .story-articles--marker { color: $accent; }
    StoryArticles > .story-articles--read { color: $text-muted; }
    StoryArticles > .story-articles--outlet { color: $text-accent; }
    StoryArticles > .story-articles--meta { color: $text-muted; }
    """

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "story-articles--unread", "story-articles--read", "story-articles--marker",
        "story-articles--outlet", "story-articles--meta",
    }

    BINDINGS = [Binding("enter", "open", "Open", tooltip="Open the article", id="story.open-article"),
                *link_bindings("story")]

    class Open(Message):
        """The user asked to read one article of the story."""

        def __init__(self, article_id: int) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(self, today: Callable[[], date], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today

    def row_key(self, row: ArticleRow) -> int:
        return row.id

    def row_url(self, row: ArticleRow) -> str | None:
        return row.url

    def row_signature(self, row: ArticleRow):
        return row.id, row.is_read

    def row_lines(self, row: ArticleRow, width: int, selected: bool) -> list[Text]:
        style = self.style
        title = Text()
        title.append("  " if row.is_read else "● ", style=style("story-articles--marker"))
        title.append_text(plain(row.title, style=style("story-articles--read" if row.is_read else "story-articles--unread")))
        meta = Text("  ")
        meta.append(short_time(row.published, self.today()), style=style("story-articles--meta"))
        meta.append(" ")
        meta.append_text(plain(row.feed_title, style=style("story-articles--outlet")))
        return [title, meta]

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Open(self.current.id))

    def mark_read(self, article_id: int) -> None:
        """Show an article as read (the article screen already stored it)."""
        for index, row in enumerate(self.rows):
            if row.id == article_id and not row.is_read:
                row.is_read = True
                self.refresh_row(index)
