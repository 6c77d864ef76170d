"""The footer: the keys that apply where you are, drawn as one line of text.

Textual's Footer rebuilds a widget per key on every focus change, which costs more
than the rest of a pane switch together; one Static updated in place is enough here.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """Redrawn whenever the screen's active bindings change (focus moved, screen pushed)."""

    _text = Text()
    _keys: list[tuple[str, str, bool, bool]] = []

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._draw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self._draw()

    def _draw(self) -> None:
        keys: list[tuple[str, str, bool, bool]] = []  # (key, description, enabled, app-wide)
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key_display or self.app.get_key_display(binding), binding.description,
                         active.enabled, active.node is self.app))
        self._keys = keys
        self._text = _fitted(keys, self.size.width)
        self.refresh()  # same size every time: no layout pass needed

    def on_resize(self) -> None:
        self._text = _fitted(self._keys, self.size.width)
        self.refresh()

    def render(self) -> Text:
        return self._text


KEPT = ("?", "^p")  # help and the palette lead to every other key: the last to go when narrow
# (spaces between keys, spaces between a key's cap and its name), roomiest first; the
# closest keeps every key of the dashboard (Who talks to whom included) at 120 columns
TIGHTER = ((2, 1), (1, 1), (0, 1), (0, 0))


def _fitted(keys: list[tuple[str, str, bool, bool]], width: int) -> Text:
    """The keys as roomily as `width` allows: spaced out, then closer together (at the
    closest each name follows its key's cap: "[ w ]Who talks to whom"), then without some:
    the app-wide ones first, then this screen's from the end (help and the palette always
    stay)."""
    keys = [*keys, ("^p", "palette", True, True)]
    for gap, pad in TIGHTER:  # with no gap the reversed keys still mark where each starts
        text = _bar(keys, gap, pad)
        if text.cell_len <= width or width <= 0:
            return text
    while text.cell_len > width:
        droppable = [index for index, key in enumerate(keys) if key[0] not in KEPT]
        if not droppable:
            break
        app_wide = [index for index in droppable if keys[index][3]]
        keys.pop((app_wide or droppable)[-1])
        text = _bar(keys, gap, pad)
    return text


def _bar(keys: list[tuple[str, str, bool, bool]], gap: int, pad: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for number, (key, description, enabled, _app_wide) in enumerate(keys):
        if number:
            text.append(" " * gap)
        text.append(f" {key} ", style="bold reverse" if enabled else "dim reverse")
        text.append(" " * pad + description, style="" if enabled else "dim")
    return text
