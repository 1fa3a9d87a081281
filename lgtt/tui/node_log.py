"""The node log pane: each node of a resume or replay as it finishes (duration, changed keys)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from lgtt.render.detail import clean


class NodeLog(RichLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, highlight=False, wrap=True, max_lines=2000, **kwargs)
        self.lines_text: list[str] = []

    def note(self, text: str, style: str = "") -> None:
        self.lines_text.append(text)
        self.write(Text(clean(text), style))

    def step(self, record) -> None:
        """One StepRecord from lgtt.ops.resume."""
        state = "error" if record.error else "interrupted" if record.interrupted else "ok"
        line = f"{record.node}  {record.duration * 1000:.0f} ms  {state}"
        if record.changed:
            line += "  changed " + ", ".join(record.changed)
        if record.error:
            line += f"  {record.error}"
        self.note(line, "red" if record.error else "yellow" if record.interrupted else "green")
