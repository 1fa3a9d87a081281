"""The fork dialog: the new thread id and the checkpoint's values as editable JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea


@dataclass
class ForkRequest:
    to: str
    updates: dict[str, Any]


def edited_keys(before: dict[str, Any], text: str) -> dict[str, Any]:
    """The keys whose JSON changed (as `lgtt fork --edit` computes them); ValueError when bad."""
    after = json.loads(text)
    if not isinstance(after, dict):
        raise ValueError("the values must stay a JSON object")
    removed = sorted(set(before) - set(after))
    if removed:
        raise ValueError(f"keys cannot be removed by an edit: {', '.join(removed)}; set them to null instead")
    return {k: v for k, v in after.items() if before.get(k, object()) != v}


class ForkScreen(ModalScreen["ForkRequest | None"]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Fork")]

    def __init__(self, source: str, default_to: str, values: dict[str, Any], can_edit: bool) -> None:
        super().__init__()
        self.source, self.default_to, self.values, self.can_edit = source, default_to, values, can_edit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(f"Fork {self.source}", "bold"), classes="dialog-title")
            yield Static(Text("new thread id:"))
            yield Input(self.default_to, id="fork-to")
            hint = ("state (edit the JSON; changed keys go through the graph's update_state, as `lgtt fork --set`):"
                    if self.can_edit else "state (read-only: edits need --graph):")
            yield Static(Text(hint))
            yield TextArea(json.dumps(self.values, indent=2, ensure_ascii=False), id="fork-values",
                           read_only=not self.can_edit, soft_wrap=True)
            yield Static("", id="fork-error")
            with Horizontal(classes="buttons"):
                yield Button("Fork… (ctrl+s)", variant="warning", id="ok")
                yield Button("Cancel (esc)", variant="primary", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#fork-to", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#fork-values", TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        to = self.query_one("#fork-to", Input).value.strip()
        error = self.query_one("#fork-error", Static)
        if not to:
            error.update(Text("the new thread id cannot be empty", "red"))
            return
        try:
            updates = edited_keys(self.values, self.query_one("#fork-values", TextArea).text)
        except ValueError as exc:
            error.update(Text(f"not applied: {exc}", "red"))
            return
        self.dismiss(ForkRequest(to, updates))
