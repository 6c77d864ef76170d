"""A grid of counts with a cursor over its cells: rows and columns labelled, cells shaded."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from negotiation_watch.store.db.queries import Matrix
from negotiation_watch.tui.names import display_name, short_label

CELL = 6  # columns per cell: a label of five, counts up to 99999, and a space
# Background by share of the busiest cell, lightest for the most: one glance finds the hot pairs.
SHADES = ("on #203a2c", "on #2d6a4f", "on #40916c", "black on #74c69d", "black on #b7e4c7")


def shade(count: int, peak: int) -> str:
    """The style of a cell holding `count` when the busiest holds `peak`."""
    if count <= 0 or peak <= 0:
        return "dim"
    level = min(len(SHADES) - 1, (count * len(SHADES) - 1) // peak)
    return SHADES[level]


class MatrixGrid(Widget, can_focus=True):
    """Draws the part of a Matrix that fits, keeping the cursor's cell in view; its border's
    subtitle says which rows and columns are shown when some are not."""

    DEFAULT_CSS = """
    MatrixGrid { height: 1fr; }
    MatrixGrid > .matrix-grid--cursor { background: $accent; color: $text; text-style: bold; }
    MatrixGrid > .matrix-grid--heading { color: $text-accent; text-style: bold; }
    """

    COMPONENT_CLASSES = {"matrix-grid--cursor", "matrix-grid--heading"}

    BINDINGS = [
        Binding("up,k", "move(-1, 0)", "Up", show=False, id="matrix.up"),
        Binding("down,j", "move(1, 0)", "Down", show=False, id="matrix.down"),
        Binding("left,h", "move(0, -1)", "Left", show=False, id="matrix.left"),
        Binding("right,l", "move(0, 1)", "Right", show=False, id="matrix.right"),
        Binding("home,g", "first", "First cell", show=False, id="matrix.first"),
        Binding("end,G", "last", "Last cell", show=False, id="matrix.last"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="matrix.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="matrix.page-down"),
        Binding("enter", "choose", "Articles", tooltip="List the articles behind the cell", id="matrix.open"),
    ]

    cursor: reactive[tuple[int, int]] = reactive((0, 0), always_update=True, init=False)

    class Moved(Message):
        """The cursor is on another cell (row id, column id, count)."""

        def __init__(self, grid: "MatrixGrid", row: str | None, column: str | None, count: int) -> None:
            super().__init__()
            self.grid, self.row, self.column, self.count = grid, row, column, count

        @property
        def control(self) -> "MatrixGrid":
            return self.grid

    class Chosen(Message):
        """Enter on a cell that holds articles."""

        def __init__(self, grid: "MatrixGrid", row: str, column: str) -> None:
            super().__init__()
            self.grid, self.row, self.column = grid, row, column

        @property
        def control(self) -> "MatrixGrid":
            return self.grid

    def __init__(self, row_kind: str, column_kind: str, *, label_width: int = 9,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.row_kind, self.column_kind, self.label_width = row_kind, column_kind, label_width
        self.matrix = Matrix([], [], {})
        self.empty_text = "Loading…"
        self._top = 0  # first row and column drawn
        self._left = 0

    # ------------------------------------------------------------------ data

    def show(self, matrix: Matrix, empty_text: str) -> None:
        """Draw another matrix; the cursor stays on the same pair when both are still there."""
        row, column = self.current
        self.matrix, self.empty_text = matrix, empty_text
        if row in matrix.rows and column in matrix.columns:
            self.cursor = (matrix.rows.index(row), matrix.columns.index(column))
        else:
            self.cursor = _busiest(matrix)
        self.refresh()

    @property
    def current(self) -> tuple[str | None, str | None]:
        r, c = self.cursor
        rows, columns = self.matrix.rows, self.matrix.columns
        return (rows[r] if r < len(rows) else None, columns[c] if c < len(columns) else None)

    # ------------------------------------------------------------------ drawing

    def _fits(self) -> tuple[int, int]:
        """Rows and columns of cells that fit in the widget."""
        width, height = self.content_size.width, self.content_size.height
        return max(1, height - 1), max(1, (width - self.label_width - 1) // CELL)

    def _keep_in_view(self) -> None:
        rows, columns = self._fits()
        r, c = self.cursor
        self._top = min(max(self._top, r - rows + 1), r)
        self._left = min(max(self._left, c - columns + 1), c)

    def render(self) -> Text:
        matrix = self.matrix
        if not matrix.rows or not matrix.columns:
            return Text(self.empty_text, style="dim")
        self._keep_in_view()
        fit_rows, fit_columns = self._fits()
        rows = matrix.rows[self._top:self._top + fit_rows]
        columns = matrix.columns[self._left:self._left + fit_columns]
        heading = self.get_component_rich_style("matrix-grid--heading", partial=True)
        cursor_style = self.get_component_rich_style("matrix-grid--cursor", partial=True)
        r_at, c_at = self.cursor
        out = Text(no_wrap=True, overflow="crop")
        out.append(" " * (self.label_width + 1))
        for c, column in enumerate(columns, self._left):
            label = _fit(short_label(self.column_kind, column), CELL - 1).rjust(CELL - 1) + " "
            out.append(label, style=heading if c == c_at else "bold")
        peak = matrix.peak
        for r, row in enumerate(rows, self._top):
            out.append("\n")
            label = _fit(short_label(self.row_kind, row), self.label_width).ljust(self.label_width) + " "
            out.append(label, style=heading if r == r_at else "bold")
            for c, column in enumerate(columns, self._left):
                count = matrix.count(row, column)
                text = (str(count) if count else "·").rjust(CELL - 1) + " "
                if r == r_at and c == c_at and self.has_focus:
                    out.append(text, style=cursor_style)
                elif r == r_at and c == c_at:
                    out.append(text, style=f"{shade(count, peak)} underline")
                else:
                    out.append(text, style=shade(count, peak))
        return out

    def _note_window(self) -> None:
        """Name the rows and columns drawn when the grid holds more ("columns 8–14 of 15"):
        the cells off screen are often the ones asked about. Set before the grid is drawn,
        as the border is drawn apart from its content."""
        self._keep_in_view()
        fit_rows, fit_columns = self._fits()
        parts = [
            f"{axis} {first + 1}–{min(total, first + fit)} of {total}"
            for axis, first, fit, total in (
                ("rows", self._top, fit_rows, len(self.matrix.rows)),
                ("columns", self._left, fit_columns, len(self.matrix.columns)),
            )
            if fit < total
        ]
        self.border_subtitle = " · ".join(parts) or None

    def on_focus(self) -> None:
        self.refresh()
        self._announce()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._note_window()
        self.refresh()

    # ------------------------------------------------------------------ moving

    def watch_cursor(self) -> None:
        self._note_window()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        row, column = self.current
        count = self.matrix.count(row, column) if row and column else 0
        self.post_message(self.Moved(self, row, column, count))

    def action_move(self, rows: int, columns: int) -> None:
        r, c = self.cursor
        last_row, last_column = len(self.matrix.rows) - 1, len(self.matrix.columns) - 1
        if last_row < 0 or last_column < 0:
            return
        self.cursor = (max(0, min(last_row, r + rows)), max(0, min(last_column, c + columns)))

    def action_first(self) -> None:
        self.cursor = (0, 0)

    def action_last(self) -> None:
        self.action_move(len(self.matrix.rows), len(self.matrix.columns))  # the edges hold it at the last cell

    def action_page(self, pages: int) -> None:
        """Up or down by the rows on screen, as a list's page keys move."""
        self.action_move(pages * self._fits()[0], 0)

    def action_choose(self) -> None:
        row, column = self.current
        if row and column and self.matrix.count(row, column):
            self.post_message(self.Chosen(self, row, column))

    def describe(self, row: str | None, column: str | None, count: int) -> str:
        """The cell in words, for the line under the grids."""
        if not row or not column:
            return ""
        name_row, name_column = display_name(self.row_kind, row), display_name(self.column_kind, column)
        articles = f"{count} interaction{'' if count == 1 else 's'}"
        more = " (enter lists them)" if count else ""
        if self.row_kind == self.column_kind:
            return f"{name_row} → {name_column}: {articles}{more}"
        party, track = (name_column, name_row) if self.row_kind == "track" else (name_row, name_column)
        return f"{party} in {track}: {articles}{more}"


def _busiest(matrix: Matrix) -> tuple[int, int]:
    """Where the cursor starts: the cell with the most articles (the first, on ties)."""
    if not matrix.cells:
        return 0, 0
    row, column = max(matrix.cells, key=lambda key: (matrix.cells[key], -matrix.rows.index(key[0]),
                                                     -matrix.columns.index(key[1])))
    return matrix.rows.index(row), matrix.columns.index(column)


def _fit(label: str, width: int) -> str:
    return label if len(label) <= width else label[:width - 1] + "…"
