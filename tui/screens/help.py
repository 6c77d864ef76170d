"""Help (?): every key, read from the bindings themselves so it can never fall out of date."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from negotiation_watch.tui.widgets.key_bar import KeyBar


def binding_sections() -> list[tuple[str, list[Binding]]]:
    """(where, bindings) for every place that declares keys."""
    from negotiation_watch.tui.app import NegotiationWatchApp
    from negotiation_watch.tui.screens.add_feed import AddFeedScreen
    from negotiation_watch.tui.screens.article import ArticleScreen
    from negotiation_watch.tui.screens.confirm import ConfirmScreen
    from negotiation_watch.tui.screens.dashboard import DashboardScreen
    from negotiation_watch.tui.screens.feeds import FeedsScreen
    from negotiation_watch.tui.screens.interactions import CellArticlesScreen
    from negotiation_watch.tui.screens.matrix import MatrixScreen
    from negotiation_watch.tui.screens.brief_saved import BriefSavedScreen
    from negotiation_watch.tui.screens.search import SearchScreen
    from negotiation_watch.tui.screens.story import StoryScreen
    from negotiation_watch.tui.screens.timeline import StoryList, TimelineScreen
    from negotiation_watch.tui.widgets.article_list import ArticleList
    from negotiation_watch.tui.widgets.cursor_list import CursorList
    from negotiation_watch.tui.widgets.interaction_list import InteractionList
    from negotiation_watch.tui.widgets.matrix_grid import MatrixGrid
    from negotiation_watch.tui.widgets.sidebar import Sidebar
    from negotiation_watch.tui.widgets.story_articles import StoryArticles

    return [
        ("Everywhere", [*NegotiationWatchApp.BINDINGS,
                        Binding("ctrl+p", "command_palette", "Command palette: every action by name")]),
        ("Dashboard", DashboardScreen.BINDINGS),
        ("Lists (panes, sidebar, results)", CursorList.BINDINGS),
        ("Panes and results", ArticleList.BINDINGS),
        ("Sidebar", Sidebar.BINDINGS),
        ("Story", [*StoryScreen.BINDINGS, *StoryArticles.BINDINGS]),
        ("Article", ArticleScreen.BINDINGS),
        ("Search", SearchScreen.BINDINGS),
        ("Who talks to whom (w)", [*MatrixScreen.BINDINGS, *MatrixGrid.BINDINGS]),
        ("Articles behind a cell", [*CellArticlesScreen.BINDINGS, *InteractionList.BINDINGS]),
        ("Timeline", [*TimelineScreen.BINDINGS, *StoryList.BINDINGS]),
        ("Brief written", BriefSavedScreen.BINDINGS),
        ("Feeds", FeedsScreen.BINDINGS),
        ("Add feed", AddFeedScreen.BINDINGS),
        ("Questions", ConfirmScreen.BINDINGS),
        ("Help", HelpScreen.BINDINGS),
    ]


# The sections whose keys are live at the same moment (the app's, a screen's, the focused
# widget's and the classes it inherits from): a key given twice within one of these
# reaches only one of its bindings.
TOGETHER = [
    ("Everywhere", "Dashboard", "Lists (panes, sidebar, results)", "Panes and results"),
    ("Everywhere", "Dashboard", "Lists (panes, sidebar, results)", "Sidebar"),
    ("Everywhere", "Search", "Lists (panes, sidebar, results)", "Panes and results"),
    ("Everywhere", "Story", "Lists (panes, sidebar, results)"),
    ("Everywhere", "Article"),
    ("Everywhere", "Who talks to whom (w)"),
    ("Everywhere", "Articles behind a cell", "Lists (panes, sidebar, results)"),
    ("Everywhere", "Timeline", "Lists (panes, sidebar, results)"),
    ("Everywhere", "Brief written"),
    ("Everywhere", "Feeds"),
    ("Everywhere", "Add feed"),
    ("Everywhere", "Questions"),
    ("Everywhere", "Help"),
]


def binding_ids() -> set[str]:
    """Every binding's name: what [keys] in config.toml can give other keys."""
    return {binding.id for _, bindings in binding_sections() for binding in bindings if binding.id}


def key_clashes(keymap: dict[str, str]) -> list[str]:
    """Keys that `keymap` gives two bindings live at the same moment (TOGETHER: a list's
    own and the pane's, the app's and a screen's), where only one of them can win: one
    line each, for clashes that involve a binding the user gave new keys."""
    sections = dict(binding_sections())
    lines = []
    for names in TOGETHER:
        owners: dict[str, list[str]] = {}
        for binding in [binding for name in names for binding in sections[name]]:
            for key in _key_list(binding, keymap):
                owners.setdefault(key, []).append(binding.id or binding.action)
        for key, ids in owners.items():
            if len(ids) > 1 and any(binding_id in keymap for binding_id in ids):
                line = f"{key} is both {' and '.join(ids)}"
                if line not in lines:
                    lines.append(line)
    return lines


def _key_list(binding: Binding, keymap: dict[str, str]) -> list[str]:
    return [key.strip() for key in keymap.get(binding.id or "", binding.key).split(",")]


def _keys(binding: Binding, keymap: dict[str, str]) -> str:
    remapped = keymap.get(binding.id or "")
    if binding.key_display and "-" in binding.key_display and not remapped:
        return binding.key_display
    names = {"question_mark": "?", "slash": "/", "shift+tab": "shift+tab"}
    return " ".join(names.get(key, key) for key in _key_list(binding, keymap))


KEY_COLUMN = 16


def help_text(keymap: dict[str, str] | None = None, width: int | None = None, console=None) -> Text:
    """Each place's keys under its heading (as `keymap`, the [keys] settings, has them);
    a binding's tooltip is its longer explanation, and its name is what [keys] uses.
    Given a `width` (and the console to measure with), a long explanation wraps under
    itself, so the keys stay a clean column at 80 (plain Text: a table per section made
    help take half as long again to open)."""
    keymap = keymap or {}
    text = Text()
    for where, bindings in binding_sections():
        text.append(f"{where}\n", style="bold underline")
        for binding in bindings:
            if binding.key_display == "1-9" or not binding.action.startswith("jump("):
                explained = Text(binding.tooltip or binding.description)
                if binding.id:
                    # the nine jumps share one line: their names run jump-1 to jump-9
                    name = binding.id.replace("-1", "-1…9") if binding.key_display == "1-9" else binding.id
                    explained.append(f"  {name}", style="dim")
                text.append(f"  {_keys(binding, keymap):<{KEY_COLUMN}}", style="bold cyan")
                if width is not None:
                    explained = Text("\n" + " " * (KEY_COLUMN + 2)).join(
                        explained.wrap(console, max(20, width - KEY_COLUMN - 2)))
                text.append_text(explained)
                text.append("\n")
        text.append("\n")
    return text


class HelpText(Static):
    """The help, wrapped for the width it has."""

    _width = 0

    def on_resize(self) -> None:
        if self.size.width != self._width:  # a new height alone changes nothing
            self._width = self.size.width
            self.update(help_text(self.app.settings.keys, self._width, self.app.console))


class HelpScreen(Screen):
    """A scrolling list of keys by where they apply."""

    BINDINGS = [
        Binding("escape,question_mark", "app.pop_screen", "Back", id="help.back"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="help.up"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page-up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="help.page-down"),
        Binding("home,g", "top", "Top", show=False, id="help.first"),
        Binding("end,G", "bottom", "Bottom", show=False, id="help.last"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield HelpText()
        yield KeyBar()

    def action_scroll(self, step: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        view = self.query_one("#help", VerticalScroll)
        view.scroll_relative(y=step * max(1, view.size.height - 1), animate=False)

    def action_top(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_end(animate=False)
