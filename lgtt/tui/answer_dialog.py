"""The resume dialog: one JSON answer per pending interrupt (payload shown above it)."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from lgtt.render.detail import clean


class AnswerScreen(ModalScreen["dict[str, Any] | None"]):
    """Dismisses with {interrupt id: answer} (answers parsed as JSON), or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, thread_id: str, interrupts: list[dict[str, Any]]) -> None:
        super().__init__()
        self.thread_id, self.interrupts = thread_id, interrupts

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text(f"Answer the interrupt(s) of {self.thread_id}", "bold"), classes="dialog-title")
            for n, intr in enumerate(self.interrupts):
                payload = json.dumps(intr.get("value"), indent=2, ensure_ascii=False, default=str)
                yield Static(Text(clean(f"interrupt {intr.get('id')}:\n{payload}")))
                yield Input(placeholder='answer as JSON, e.g. "yes" or {"approved": true}', id=f"answer-{n}")
            yield Static("", id="answer-error")
            with Horizontal(classes="buttons"):
                yield Button("Next", variant="warning", id="ok")
                yield Button("Cancel (esc)", variant="primary", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answer-0", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit(self) -> None:
        answers: dict[str, Any] = {}
        for n, intr in enumerate(self.interrupts):
            raw = self.query_one(f"#answer-{n}", Input).value
            try:
                answers[intr["id"]] = json.loads(raw)
            except ValueError:
                self.query_one("#answer-error", Static).update(
                    Text(f"answer {n + 1} is not JSON (quote strings: \"yes\")", "red"))
                return
        self.dismiss(answers)
