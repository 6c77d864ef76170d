"""An Input that never holds control, bidi or zero-width characters."""

from __future__ import annotations

from textual.widgets import Input

from negotiation_watch.tui.format import safe


class CleanInput(Input):
    """A pasted address or query may carry escape sequences: whether typed, pasted or set,
    they are dropped before the field draws or uses its value."""

    def validate_value(self, value: str) -> str:
        return safe(value)
