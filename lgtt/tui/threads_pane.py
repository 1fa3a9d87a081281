"""The threads pane: newest first, status coloured, `/` filters by id or KEY=VALUE metadata."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from lgtt.render.tuirows import thread_cells
from lgtt.tui.virtual_table import VirtualTable


class ThreadsPane(Vertical):
    """Filter box over a (virtual) table of threads; posts Open when Enter picks a thread."""

    class Open(Message):
        def __init__(self, thread_id: str) -> None:
            super().__init__()
            self.thread_id = thread_id

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ id or KEY=VALUE", id="thread-filter")
        yield VirtualTable(("thread", "status", "cps", "updated"), flex=0, id="threads-table")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def show_threads(self, rows: list[Any], keep: str | None) -> None:
        """Replace the rows (newest first), keeping the cursor on thread `keep` when it is there."""
        current = keep or self.selected()
        ids = [t.thread_id for t in rows]
        self.rows = rows
        at = ids.index(current) if current in ids else None
        widths = [max([cell_len(t.thread_id) for t in rows] + [6]), max([len(t.status) for t in rows] + [6]),
                  max([len(str(t.checkpoints)) for t in rows] + [3]), 11]
        self.table.set_rows(len(rows), lambda i: thread_cells(self.rows[i]), widths,
                            cursor=self.table.cursor_row if at is None else at)
        self.border_subtitle = f"{len(rows)} thread(s)"

    def selected(self) -> str | None:
        i = self.table.cursor_row
        return self.rows[i].thread_id if 0 <= i < len(self.rows) else None

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        event.stop()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        thread = self.selected()
        if thread is not None:
            self.post_message(self.Open(thread))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()
