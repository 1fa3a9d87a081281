"""Live lines for `lgtt resume`: each node as it finishes, then the outcome."""

from __future__ import annotations

import json
import sys
from typing import Any

from lgtt.escape import visible
from lgtt.render.console import SafeConsole

_out = SafeConsole()


def step_line(step: Any) -> None:
    """One line per finished node: name, duration, keys it changed (plain when piped)."""
    mark = "✗" if step.error else "⏸" if step.interrupted else "✓"
    changed = f"  changed: {', '.join(step.changed)}" if step.changed else ""
    text = f"  {mark} {step.node}  {step.duration:.3f}s{changed}"
    try:
        if sys.stdout.isatty():
            _out.print(text, style="red" if step.error else "yellow" if step.interrupted else "green")
        else:
            print(visible(text), flush=True)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): the run itself goes on
        pass


def running(label: str = "running the graph…") -> Any:
    """A spinner under the step lines on a terminal; nothing when piped."""
    import contextlib

    return _out.status(label) if sys.stdout.isatty() else contextlib.nullcontext()


def ask_interrupt(interrupt: dict[str, Any]) -> Any:
    """Show an interrupt's payload and read the answer (JSON, or plain text)."""
    import typer

    _out.print(f"interrupt {interrupt['id']}:", style="bold yellow")
    _out.print(json.dumps(interrupt["value"], indent=2, ensure_ascii=False))
    from lgtt.answers import BrokenJson, parse_answer

    while True:
        raw = typer.prompt("answer (JSON or text)")
        try:
            return parse_answer(raw)[0]
        except BrokenJson as exc:  # `{"ok": tru` is a typo, not a string answer: ask again
            _out.print(f"that is not valid JSON ({exc}); type it again (text not starting with {{ [ \" is sent as a string)",
                       style="red", markup=False)


def outcome(result: Any, resume_cmd: str) -> None:
    """The final lines: done / interrupted / stopped / failed / nothing to resume."""
    if result.action == "nothing to resume":
        _out.print(f"nothing to resume: thread {result.thread_id} is done (pass --input to start a new run)")
        return
    head = f"thread {result.thread_id} at checkpoint {result.checkpoint_id}"
    if result.status == "done":
        _out.print(f"done: {head}", style="bold green")
    elif result.status == "interrupted":
        _out.print(f"interrupted again: {head}", style="bold yellow")
        for i in result.interrupts:
            _out.print(f"  {i['id']}: {json.dumps(i['value'], ensure_ascii=False)}")
        _out.print(f"answer with: {resume_cmd} --answer JSON")
    elif result.status == "pending":
        _out.print(f"stopped before {', '.join(result.next)}: {head}", style="bold cyan")
        _out.print(f"continue with: {resume_cmd}")
    else:
        print(visible(f"failed: {result.error}"), file=sys.stderr)
        print(visible(f"stopped at checkpoint {result.checkpoint_id}; fix the code, then retry with: {resume_cmd}"),
              file=sys.stderr)
