"""The articles behind a matrix cell: title, then time, source and the interaction's sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from negotiation_watch.store.db.queries import InteractionArticle
from negotiation_watch.tui.evidence import sentence_text
from negotiation_watch.tui.format import plain, short_time
from negotiation_watch.tui.widgets.cursor_list import CursorList
from negotiation_watch.tui.widgets.link_keys import OpensLinks, link_bindings


class InteractionList(OpensLinks, CursorList[InteractionArticle]):
    """Two lines per article; enter opens it with the interaction's sentence highlighted."""

    DEFAULT_CSS = """
    InteractionList > .cursor-list--cursor { background: $block-cursor-background; }
    InteractionList > .cursor-list--cursor-blurred { background: $block-cursor-blurred-background; }
    InteractionList > .interaction-list--unread { text-style: bold; }
    InteractionList > .interaction-list--read { color: $text-muted; }
    InteractionList > .interaction-list--meta { color: $text-muted; }
    InteractionList > .interaction-list--action { color: $text-warning; text-style: bold; }
    """

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "interaction-list--unread", "interaction-list--read", "interaction-list--meta", "interaction-list--action",
    }

    BINDINGS = [Binding("enter", "open", "Open", tooltip="Open the article at the interaction", id="interactions.open"),
                *link_bindings("interactions")]

    class Open(Message):
        def __init__(self, item: InteractionArticle) -> None:
            super().__init__()
            self.item = item

    def __init__(self, today: Callable[[], date], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today

    def row_key(self, row: InteractionArticle) -> int:
        return row.article.id

    def row_url(self, row: InteractionArticle) -> str | None:
        return row.article.url

    def row_signature(self, row: InteractionArticle):
        return row.article.id, row.article.is_read

    def row_lines(self, row: InteractionArticle, width: int, selected: bool) -> list[Text]:
        style = self.style
        article, interaction = row.article, row.interaction
        title = Text("  " if article.is_read else "● ")
        state = "interaction-list--read" if article.is_read else "interaction-list--unread"
        title.append_text(plain(article.title, style=style(state)))
        meta = Text("  ")
        meta.append(short_time(article.published, self.today()), style=style("interaction-list--meta"))
        meta.append(" ")
        source = plain(article.feed_title, style=style("interaction-list--meta"))
        source.truncate(max(8, width // 5), overflow="ellipsis")
        meta.append_text(source)
        meta.append(f"  {interaction['source']} {interaction['action']} {interaction['target']}  ",
                    style=style("interaction-list--action"))
        meta.append_text(sentence_text(interaction))
        return [title, meta]

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Open(self.current))

    def mark_read(self, article_id: int) -> None:
        for index, row in enumerate(self.rows):
            if row.article.id == article_id and not row.article.is_read:
                row.article.is_read = True
                self.refresh_row(index)
