"""A scrolling list with a cursor that draws only the visible rows (Textual's line API)."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from negotiation_watch.tui.errors import ReportsWorkerErrors

Row = TypeVar("Row")


class CursorList(ReportsWorkerErrors, ScrollView, Generic[Row], can_focus=True):
    """Rows of a fixed height; subclasses say how a row looks in `row_lines`.

    Holding a page of rows and drawing only the lines on screen keeps a list of any
    length as cheap as the part of it you can see.
    """

    ROW_HEIGHT = 2

    DEFAULT_CSS = """
    CursorList { overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1; }
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
    ]

    COMPONENT_CLASSES = {"cursor-list--cursor", "cursor-list--cursor-blurred"}

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, cursor_list: "CursorList", row) -> None:
            super().__init__()
            self.cursor_list = cursor_list
            self.row = row

        @property
        def control(self) -> "CursorList":
            return self.cursor_list

    class NearEnd(Message):
        """The cursor came close to the last row: time to fetch the next page."""

        def __init__(self, cursor_list: "CursorList") -> None:
            super().__init__()
            self.cursor_list = cursor_list

        @property
        def control(self) -> "CursorList":
            return self.cursor_list

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: list[Row] = []
        self._strips: dict = {}  # drawn lines of a row by (row signature, width, cursor state)

    # ------------------------------------------------------------------ what subclasses give

    def row_lines(self, row: Row, width: int, selected: bool) -> list[Text]:
        """The ROW_HEIGHT lines that draw one row."""
        raise NotImplementedError

    def row_selectable(self, row: Row) -> bool:
        return True

    def style(self, name: str):
        """A component class's own style (colour, bold) without the widget's background,
        so that the cursor's background shows through it."""
        return self.get_component_rich_style(name, partial=True)

    # ------------------------------------------------------------------ data

    def set_rows(self, rows: list[Row], *, keep_key=None, from_top: bool = False) -> None:
        """Replace the rows; keep the cursor on the row whose `row_key` is `keep_key`, or
        put it on the first row (`from_top`), or leave it where it is."""
        index = self._index_of(keep_key, rows) if keep_key is not None else (0 if from_top else None)
        if rows == self.rows and index in (None, self.cursor):
            return  # a refresh that found what is shown (another process's commit touched other rows)
        self.rows = rows
        self._strips.clear()
        self._set_virtual_size()
        self.cursor = self._nearest_selectable(index if index is not None else min(self.cursor, len(rows) - 1))
        self.refresh()

    def row_key(self, row: Row):
        return id(row)

    def row_signature(self, row: Row):
        """Everything a row's drawing depends on: drawn lines are reused while it is unchanged."""
        return self.row_key(row)

    def _index_of(self, key, rows: list[Row] | None = None) -> int | None:
        for index, row in enumerate(self.rows if rows is None else rows):
            if self.row_key(row) == key:
                return index
        return None

    @property
    def current(self) -> Row | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def _set_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) * self.ROW_HEIGHT)

    def on_resize(self) -> None:
        self._set_virtual_size()
        self._scroll_to_cursor(animate=False)

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        index, part = divmod(line, self.ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        selected = index == self.cursor
        key = (self.row_signature(row), width, selected, selected and self.has_focus)
        strips = self._strips.get(key)
        if strips is None:
            strips = self._draw(row, width, selected)
            if len(self._strips) > 1000:  # a few screens' worth; old rows are cheap to redraw
                self._strips.clear()
            self._strips[key] = strips
        return strips[part]

    def _draw(self, row: Row, width: int, selected: bool) -> list[Strip]:
        """Every line of a row at once: row_lines makes them all in one go anyway."""
        cursor_style = None
        if selected:
            name = "cursor-list--cursor" if self.has_focus else "cursor-list--cursor-blurred"
            cursor_style = self.get_component_rich_style(name)
        strips = []
        for text in self.row_lines(row, width, selected):
            text.truncate(width, overflow="ellipsis", pad=True)
            if cursor_style is not None:
                text.stylize_before(cursor_style)
            strips.append(Strip(text.render(self.app.console), width).apply_style(self.rich_style))
        return strips

    def redraw(self) -> None:
        """Forget drawn lines (names or colours changed) and repaint."""
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def refresh_row(self, index: int) -> None:
        """Repaint one row only (cursor moves and read marks touch two rows, not the list)."""
        if 0 <= index < len(self.rows):
            self.refresh_lines(index * self.ROW_HEIGHT, self.ROW_HEIGHT)

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh_row(old)
        self.refresh_row(new)
        self.post_message(self.Highlighted(self, self.current))
        if self.rows and new >= len(self.rows) - 5:
            self.post_message(self.NearEnd(self))

    def on_focus(self) -> None:
        self.refresh_row(self.cursor)

    def on_blur(self) -> None:
        self.refresh_row(self.cursor)

    def _scroll_to_cursor(self, animate: bool = False) -> None:
        if not self.rows or self.cursor < 0:
            return
        region = Region(0, self.cursor * self.ROW_HEIGHT, 1, self.ROW_HEIGHT)
        self.scroll_to_region(region, animate=animate, force=True, immediate=True)

    # ------------------------------------------------------------------ moving

    def _nearest_selectable(self, index: int, step: int = 1) -> int:
        """The selectable row nearest `index`, looking first in the direction of `step`."""
        count = len(self.rows)
        if not count:
            return -1
        index = max(0, min(index, count - 1))
        ahead = range(index, count) if step > 0 else range(index, -1, -1)
        behind = range(index, -1, -1) if step > 0 else range(index, count)
        for candidate in (*ahead, *behind):
            if self.row_selectable(self.rows[candidate]):
                return candidate
        return -1

    def _move(self, delta: int) -> None:
        if not self.rows:
            return
        step = 1 if delta > 0 else -1
        target = self._nearest_selectable(self.cursor + delta, step)
        if target != -1:
            self.cursor = target

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self.scrollable_content_region.height // self.ROW_HEIGHT))

    def action_page_down(self) -> None:
        self._move(max(1, self.scrollable_content_region.height // self.ROW_HEIGHT))

    def action_first(self) -> None:
        self.cursor = self._nearest_selectable(0, 1)

    def action_last(self) -> None:
        self.cursor = self._nearest_selectable(len(self.rows) - 1, -1)

    def on_click(self, event) -> None:
        index = (event.y + int(self.scroll_offset.y)) // self.ROW_HEIGHT
        if 0 <= index < len(self.rows) and self.row_selectable(self.rows[index]):
            self.cursor = index
