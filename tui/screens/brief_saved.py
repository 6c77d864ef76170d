"""After e: where the brief was written, and the offer to copy it to the clipboard."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class BriefSavedScreen(ModalScreen[None]):
    """A small dialog: the file's path, c to copy the brief, escape or enter to close."""

    BINDINGS = [
        Binding("c", "copy", "Copy to clipboard", id="brief-saved.copy"),
        Binding("escape,enter", "app.pop_screen", "Close", id="brief-saved.close"),
    ]

    def __init__(self, path: Path, text: str, stories: int) -> None:
        super().__init__()
        self.path, self.text, self.stories = path, text, stories

    def compose(self) -> ComposeResult:
        with Vertical(id="brief-saved"):
            message = Text()
            message.append(f"Brief of {self.stories} stor{'y' if self.stories == 1 else 'ies'} written to\n")
            message.append(str(self.path), style="bold")
            yield Static(message, id="brief-saved-path")
            yield Static(Text("c copy it to the clipboard · escape close", style="dim"), id="brief-saved-keys")

    def action_copy(self) -> None:
        """Through the terminal (OSC 52): works over ssh too, where the terminal allows it."""
        self.app.copy_to_clipboard(self.text)
        self.app.notify(f"Copied the brief ({len(self.text):,} characters) to the clipboard.")
        self.app.pop_screen()
