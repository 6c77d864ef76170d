"""One story: the event's newest title, when and how widely it was reported, its parties
and tracks, and every article of it; enter opens one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from negotiation_watch.store.db import queries, writes
from negotiation_watch.tui.errors import ReportsWorkerErrors
from negotiation_watch.tui.format import long_time, plain
from negotiation_watch.tui.names import display_name
from negotiation_watch.tui.widgets.key_bar import KeyBar
from negotiation_watch.tui.widgets.story_articles import StoryArticles


def load_story(db, story_id: int) -> queries.StoryDetail | None:
    """The story with its articles, all marked read on the way (opening it is reading it)."""
    story = queries.get_story(db, story_id)
    if story is not None and story.unread:
        writes.set_story_read(db, story_id, True)
        story.unread = 0
        for article in story.articles:
            article.is_read = True
    return story


class StoryScreen(ReportsWorkerErrors, Screen):
    """Opened with enter on a story of several articles; the app keeps one and refills it."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="story-screen.back")]

    def __init__(self) -> None:
        super().__init__()
        self.story_id = 0
        self.story: queries.StoryDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="story-title", classes="title")
        yield Static(id="story-meta", classes="meta")
        yield Static(id="story-tags", classes="meta")
        yield StoryArticles(self.app.today, id="story-articles")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(StoryArticles).border_title = "Articles, newest first"
        self.app.article_read_signal.subscribe(self, self.article_read)
        self.app.names_changed_signal.subscribe(self, lambda _: self._show(self.story))
        self._show(self.story)

    def show(self, story_id: int, story: queries.StoryDetail | None) -> None:
        """Fill the screen with another story."""
        self.story_id, self.story = story_id, story
        if self.is_mounted:
            self._show(story)

    def _show(self, story: queries.StoryDetail | None) -> None:
        self.story = story
        articles = self.query_one(StoryArticles)
        if story is None:
            self.query_one("#story-title", Static).update(Text("This story is no longer stored (its feeds were removed)."))
            articles.set_rows([])
            return
        self.app.story_read_signal.publish(story.id)
        self.query_one("#story-title", Static).update(plain(story.title))
        count = len(story.articles)
        meta = f"{count} article{'s' if count != 1 else ''} from {story.outlets} outlet{'s' if story.outlets != 1 else ''}"
        meta += f" · {long_time(story.first_seen)}"
        if story.last_seen != story.first_seen:
            meta += f" to {long_time(story.last_seen)}"
        self.query_one("#story-meta", Static).update(Text(meta))
        self.query_one("#story-tags", Static).update(_tag_line(story.tags))
        articles.set_rows(story.articles, from_top=True)
        self.set_focus(articles)

    @on(StoryArticles.Open)
    def _open(self, event: StoryArticles.Open) -> None:
        self.app.open_article(event.article_id)

    def article_read(self, article_id: int) -> None:
        self.query_one(StoryArticles).mark_read(article_id)


def _tag_line(tags: list[queries.TagLabel]) -> Text:
    """Tracks, then parties, by their display names."""
    line = Text()
    for label in tags:
        if line:
            line.append(" · ")
        line.append(display_name(label.kind, label.tag_id), style="bold" if label.kind == "track" else "")
    return line
