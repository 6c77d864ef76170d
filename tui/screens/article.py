"""One article: its text with the evidence for every tag highlighted, its tags and link."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from negotiation_watch.store.db import connection, queries, writes
from negotiation_watch.tui.data import with_db
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.evidence import (
    SUMMARY_FIELDS,
    focus_span,
    highlight,
    interaction_lines,
    interaction_spans,
    spans_for,
    tag_lines,
)
from negotiation_watch.tui.format import long_time, plain, safe
from negotiation_watch.tui.widgets.key_bar import KeyBar


def load_article(db, article_id: int) -> queries.ArticleDetail | None:
    """The article with its evidence, marked read on the way (opening it is reading it)."""
    article = queries.get_article(db, article_id)
    if article is not None and not article.is_read and not connection.is_read_only(db):
        writes.set_read(db, article.id, True)
        article.is_read = True
    return article


class ArticleScreen(ReportsWorkerErrors, Screen):
    """Opened from any pane with enter; reading it marks it read."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="article-screen.back"),
        Binding("o", "open_link", "Open in browser", id="article-screen.open-link"),
        Binding("c", "copy_link", "Copy link", id="article-screen.copy-link"),
        Binding("u", "toggle_read", "Read/unread", id="article-screen.toggle-read"),
        Binding("e", "export_brief", "Brief", tooltip="Export this story's brief", id="article-screen.export-brief"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="article-screen.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="article-screen.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.article_id = 0
        self.article: queries.ArticleDetail | None = None
        self.focus: dict | None = None  # the interaction whose sentence is highlighted

    def show(self, article_id: int, article: queries.ArticleDetail | None, focus: dict | None = None) -> None:
        """Fill the screen with another article (the app keeps one article screen); `focus`
        is an interaction (from the matrix) whose sentence gets a background."""
        self.article_id, self.article, self.focus = article_id, article, focus
        if self.is_mounted:
            self._show(article)
            self.query_one("#article", VerticalScroll).scroll_home(animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="article"):
            yield Static(id="title", classes="title")
            yield Static(id="meta", classes="meta")
            yield Static(id="tags-heading", classes="section")
            yield Static(id="tags")
            yield Static(id="interactions-heading", classes="section")
            yield Static(id="interactions")
            yield Static(id="summary", classes="summary")
            yield Static(id="link", classes="meta")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show(self.article)

    def _show(self, article: queries.ArticleDetail | None) -> None:
        self.article = article
        if article is None:
            self.query_one("#title", Static).update(Text("This article is no longer stored (its feed was removed)."))
            return
        self.app.article_read_signal.publish(article.id)
        title_spans = spans_for(article.evidence, ("title",), article.title)
        title_spans += interaction_spans(article.interactions, ("title",), article.title)
        self.query_one("#title", Static).update(
            highlight(article.title, sorted(title_spans, key=_span_order), multiline=False,
                      focus=focus_span(self.focus, ("title",), article.title))
        )
        evidence = article.evidence
        self.query_one("#meta", Static).update(self._meta(article))
        heading = "Parties and tracks" if evidence else "No parties or tracks found"
        self.query_one("#tags-heading", Static).update(heading)
        self.query_one("#tags", Static).update(Text("\n").join(tag_lines(evidence)))
        interactions = article.interactions
        self.query_one("#interactions-heading", Static).update(
            "Interactions" if interactions else "No interactions between parties found")
        self.query_one("#interactions", Static).update(Text("\n").join(interaction_lines(interactions)))
        summary = article.summary or "(no summary in the feed)"
        summary_spans = spans_for(evidence, SUMMARY_FIELDS, summary) + interaction_spans(interactions, SUMMARY_FIELDS,
                                                                                         summary)
        focus = focus_span(self.focus, SUMMARY_FIELDS, summary)
        self.query_one("#summary", Static).update(
            highlight(summary, sorted(summary_spans, key=_span_order), focus=focus))
        if focus is not None:  # the sentence the reader came for, in view
            self.call_after_refresh(self.query_one("#summary", Static).scroll_visible, animate=False)
        link = Text()
        link.append("link  ", style="dim")
        link.append_text(plain(article.url or "none", style="underline" if article.url else ""))
        self.query_one("#link", Static).update(link)

    def _meta(self, article: queries.ArticleDetail) -> Text:
        text = Text()
        text.append_text(plain(article.feed_title, style="bold"))
        if article.also_in:
            text.append(" · also in ")
            text.append_text(plain(", ".join(article.also_in)))
        text.append(f" · published {long_time(article.published)}")
        if article.date_estimated:
            text.append(" (estimated)")
        text.append(f" · fetched {long_time(article.fetched)}")
        if article.author:
            text.append(f" · by {safe(article.author)}")
        return text

    def action_scroll(self, step: int) -> None:
        self.query_one("#article", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_open_link(self) -> None:
        self.app.open_link(self.article.url if self.article else None)

    def action_copy_link(self) -> None:
        self.app.copy_link(self.article.url if self.article else None)

    def action_export_brief(self) -> None:
        from negotiation_watch.store.briefs.chronology import Subject

        if self.article is not None:
            self.app.export_brief(Subject(article_id=self.article.id))

    def action_toggle_read(self) -> None:
        if self.article is None:
            return
        self.article.is_read = not self.article.is_read
        self._save_read(self.article.id, self.article.is_read)
        self.notify("Marked read" if self.article.is_read else "Marked unread")

    @work(thread=True, group="write", exit_on_error=False)
    def _save_read(self, article_id: int, read: bool) -> None:
        with_db(self.app.db_path, writes.set_read, article_id, read)


def _span_order(span: dict) -> tuple[int, int]:
    return span["start"], -span["end"]
