"""The threads pane: newest first, status coloured, `/` filters by id or KEY=VALUE metadata."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from lgtt.render.tuirows import thread_cells
from lgtt.tui.nav_table import NavTable


class ThreadsPane(Vertical):
    """Filter box over a table of threads; posts Open when Enter picks a thread."""

    class Open(Message):
        def __init__(self, thread_id: str) -> None:
            super().__init__()
            self.thread_id = thread_id

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ id or KEY=VALUE", id="thread-filter")
        table = NavTable(id="threads-table")
        table.add_columns("thread", "status", "cps", "updated")
        yield table

    @property
    def table(self) -> NavTable:
        return self.query_one(NavTable)

    def show_threads(self, rows: list[Any], keep: str | None) -> None:
        """Replace the rows (newest first), keeping the cursor on thread `keep` when it is there."""
        table = self.table
        current = keep or self.selected()
        table.clear()
        for t in rows:
            table.add_row(*thread_cells(t), key=t.thread_id)
        if current:
            table.select_key(current)
        self.border_subtitle = f"{len(rows)} thread(s)"

    def selected(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    def on_data_table_row_selected(self, event: NavTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Open(event.row_key.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()
