"""o and c on any list whose rows are articles or stories: open the selected row's link
in the browser, or copy it, so the keys do the same in a pane, a story or a timeline."""

from __future__ import annotations

from textual.binding import Binding


def link_bindings(prefix: str) -> list[Binding]:
    """The two keys, named `prefix`.open-link and `prefix`.copy-link for [keys]."""
    return [
        Binding("o", "open_link", "Open link", tooltip="Open the article's link in the browser", show=False,
                id=f"{prefix}.open-link"),
        Binding("c", "copy_link", "Copy link", tooltip="Copy the article's link", show=False,
                id=f"{prefix}.copy-link"),
    ]


class OpensLinks:
    """For a CursorList: its subclass says which link a row stands for in `row_url`."""

    def row_url(self, row) -> str | None:
        raise NotImplementedError

    def action_open_link(self) -> None:
        if self.current is not None:
            self.app.open_link(self.row_url(self.current))

    def action_copy_link(self) -> None:
        if self.current is not None:
            self.app.copy_link(self.row_url(self.current))
