"""The timeline pane: the checkpoint tree of one thread; Enter folds/unfolds subgraph runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from lgtt.render.tuirows import COLUMNS, Row, row_cells
from lgtt.tui.nav_table import NavTable


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
        self._by_key: dict[str, Row] = {}

    def compose(self) -> ComposeResult:
        table = NavTable(id="timeline-table")
        table.add_columns(*COLUMNS)
        yield table

    @property
    def table(self) -> NavTable:
        return self.query_one(NavTable)

    def show_rows(self, rows: list[Row], expanded: set[int], mark: str | None, keep: str | None) -> None:
        """Replace the rows; the cursor goes to `keep` (a row key) or the last row."""
        table = self.table
        self.rows = rows
        self._by_key = {r.key: r for r in rows}
        table.clear()
        table.add_rows([row_cells(r, expanded=not r.ns and r.index in expanded, marked=r.key == mark) for r in rows])
        # add_rows gives generated keys; keep our own order mapping instead
        if not (keep and self.select(keep)) and rows:
            table.move_cursor(row=len(rows) - 1)

    def select(self, key: str) -> bool:
        for i, r in enumerate(self.rows):
            if r.key == key:
                self.table.move_cursor(row=i)
                return True
        return False

    def current(self) -> Row | None:
        i = self.table.cursor_row
        return self.rows[i] if self.rows and 0 <= i < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: NavTable.RowHighlighted) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Picked(row))

    def on_data_table_row_selected(self, event: NavTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.Toggle(row))
