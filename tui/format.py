"""Turning stored values into short display text; feed text always stays plain Text."""

from __future__ import annotations

from datetime import date, datetime

from rich.cells import cell_len
from rich.text import Text

from negotiation_watch.store.times import from_iso

SPARK_BARS = "▁▂▃▄▅▆▇█"


def short_time(published: str, today: date) -> str:
    """"14:05" today, "27 Jan 14:05" this year, "27 Jan 2021" before."""
    moment = from_iso(published)
    if moment is None:
        return "?"
    if moment.date() == today:
        return moment.strftime("%H:%M")
    if moment.year == today.year:
        return moment.strftime("%d %b %H:%M")
    return moment.strftime("%d %b %Y")


def long_time(value: str | None) -> str:
    """A stored UTC time in full, or a dash when there is none."""
    moment = from_iso(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def ago(value: str | None, now: datetime) -> str:
    """How long ago (or, for a future time, in how long): "5 min ago", "in 12 min"; a time
    on another day than today shows its date ("27 Jan 14:05"), never "3 d ago" alone."""
    moment = from_iso(value)
    if moment is None:
        return "never"
    if moment.date() != now.date():
        return short_time(value, now.date())
    seconds = (now - moment).total_seconds()
    amount = _span(abs(seconds))
    if amount == "now":
        return "just now"
    return f"{amount} ago" if seconds >= 0 else f"in {amount}"


def _span(seconds: float) -> str:
    if seconds < 45:
        return "now"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def shorten_middle(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut in the middle: an address keeps its scheme and
    host at the start and, with a little more room, its file name at the end."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…" if width == 1 else ""
    room = width - 1
    head = _fit(text, room * 2 // 5)
    return f"{head}…{keep_end(text, room - cell_len(head))}"


def keep_end(text: str, width: int) -> str:
    """The longest end of `text` within `width` cells."""
    return _fit(text[::-1], width)[::-1]


def _fit(text: str, width: int) -> str:
    """The longest start of `text` within `width` cells (wide characters count two)."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[:index]
    return text


def sparkline(counts: list[int], width: int) -> Text:
    """Bars for counts (oldest first) squeezed into `width` cells; empty days stay low and dim."""
    if width <= 0 or not counts:
        return Text()
    buckets = _resample(counts, width)
    peak = max(buckets) or 1
    text = Text()
    for value in buckets:
        if value == 0:
            text.append("▁", style="dim")
        else:
            text.append(SPARK_BARS[min(7, round(value / peak * 7))], style="green")
    return text


def _resample(counts: list[int], width: int) -> list[int]:
    """Sum neighbouring days so that the series fits in `width` cells."""
    if len(counts) <= width:
        return counts
    size = len(counts) / width
    return [sum(counts[round(i * size): round((i + 1) * size)]) for i in range(width)]


# The store cleans feed text on the way in; this second guard keeps a database written by
# anything else from sending escape sequences to the terminal.
_CONTROLS = {code: None for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
# Bidi overrides and isolates reorder what the terminal shows; zero-width marks hide text.
_CONTROLS.update({code: None for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})
_CONTROLS.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})
_MULTILINE_CONTROLS = {**_CONTROLS, ord("\n"): "\n"}


def safe(text: str | None, *, multiline: bool = False) -> str:
    """Feed text with every control, bidi and zero-width character removed (newlines kept when asked)."""
    return (text or "").translate(_MULTILINE_CONTROLS if multiline else _CONTROLS)


def plain(text: str | None, style: str = "") -> Text:
    """One line of feed text: a Text built from the cleaned string, never parsed as markup."""
    return Text(safe(text), style=style, no_wrap=True)
