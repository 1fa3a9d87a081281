"""The timeline pane: the checkpoint tree of one thread; Enter folds/unfolds subgraph runs.
The table is virtual: a row's cells are built when it is drawn."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from lgtt.render.tuirows import COLUMNS, HEADERS, Row, column_widths, row_cells
from lgtt.tui.virtual_table import VirtualTable


class TimelinePane(Vertical):
    class Picked(Message):
        """The cursor moved onto a row."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class Toggle(Message):
        """Enter on a row: fold or unfold its subgraph runs."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self._at: dict[str, int] = {}
        self._expanded: set[int] = set()
        self._mark: str | None = None

    def compose(self) -> ComposeResult:
        yield VirtualTable(HEADERS, flex=COLUMNS.index("changed"), id="timeline-table")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def _cells(self, i: int) -> list:
        r = self.rows[i]
        return row_cells(r, expanded=not r.ns and r.index in self._expanded, marked=r.key == self._mark)

    def show_rows(self, rows: list[Row], expanded: set[int], mark: str | None, keep: str | None) -> None:
        """Replace the rows; the cursor goes to `keep` (a row key) or the last row."""
        self.rows, self._expanded, self._mark = rows, set(expanded), mark
        self._at = {r.key: i for i, r in enumerate(rows)}
        at = self._at.get(keep) if keep else None
        self.table.set_rows(len(rows), self._cells, column_widths(rows), cursor=len(rows) - 1 if at is None else at)

    def set_mark(self, mark: str | None) -> None:
        """Draw the mark flag on row key `mark` (None: no mark)."""
        old, self._mark = self._mark, mark
        for key in (old, mark):
            if key in self._at:
                self.table.refresh_row(self._at[key])

    def select(self, key: str) -> bool:
        i = self._at.get(key)
        if i is None:
            return False
        self.table.move_cursor(row=i)
        return True

    def index_of(self, key: str) -> int | None:
        return self._at.get(key)

    def current(self) -> Row | None:
        i = self.table.cursor_row
        return self.rows[i] if self.rows and 0 <= i < len(self.rows) else None

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Picked(row))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Toggle(row))
