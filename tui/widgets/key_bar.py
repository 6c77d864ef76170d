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
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or self.app.get_key_display(binding)
            text.append(f" {key} ", style="bold reverse" if active.enabled else "dim reverse")
            text.append(f" {binding.description}  ", style="" if active.enabled else "dim")
        text.append(" ^p ", style="bold reverse")
        text.append(" palette")
        self._text = text
        self.refresh()  # same size every time: no layout pass needed

    def render(self) -> Text:
        return self._text
