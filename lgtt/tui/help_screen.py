"""`?`: every key of the app."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("↑ ↓  j k", "move in the focused list"),
    ("g  G", "first / last row"),
    ("Enter", "threads: open the thread; timeline: unfold / fold its subgraph runs"),
    ("Tab  shift+Tab", "next / previous pane"),
    ("1-6", "detail tab: State, Diff, Tasks & writes, Metadata, JSON, Graph"),
    ("e", "State tab: draw 100 more of the earlier messages (the newest 100 are drawn first)"),
    ("d", "Diff tab: selected vs its parent, or marked → selected when a mark is set"),
    ("m", "mark / unmark the selected checkpoint (any thread)"),
    ("/", "filter threads by id or KEY=VALUE metadata"),
    ("y", "copy the selected checkpoint id (OSC 52)"),
    ("f", "fork at the selected checkpoint (new thread id, editable state)"),
    ("r", "resume the open thread (answers for pending interrupts)"),
    ("R", "replay from the selected checkpoint into a new fork"),
    ("F", "pause / resume live follow"),
    ("?", "this help"),
    ("q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(title="lgtt ui keys", title_justify="left", show_header=False, expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        for key, does in KEYS:
            table.add_row(key, does)
        with VerticalScroll(classes="dialog wide"):
            yield Static(table, id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
