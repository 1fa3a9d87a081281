"""Lines for `lgtt timeline --follow`: one per new checkpoint, status changes, subgraph growth."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from lgtt.escape import json_safe, visible


def _safe(text: Any) -> str:
    """Checkpoint text with control and format characters (ESC, C1, bidi overrides…) shown as escapes."""
    return visible(str(text), one_line=True)


def event_line(event: Any) -> str:
    if event.kind == "subgraph":
        return f"       subgraph {_safe(event.ns)}: {event.checkpoints} checkpoints"
    e = event.entry
    if event.kind == "status":
        return f"{e.index:>5}  {e.short_id}  now {event.status}"
    flags = ["undecodable"] if getattr(e, "undecodable", False) else []
    if e.interrupts:
        flags.append(f"interrupt×{e.interrupts}" if e.interrupts > 1 else "interrupt")
    if e.errors:
        flags.append("error")
    parts = [f"{e.index:>5}", e.short_id, f"step {e.step if e.step is not None else '-'}", _safe(e.source),
             _safe(", ".join(e.nodes)) or "-"]
    if e.changed:
        parts.append("changed: " + _safe(", ".join(e.changed)))
    if e.next:
        parts.append("next: " + _safe(", ".join(e.next)))
    if flags:
        parts.append("[" + ", ".join(flags) + "]")
    if event.status:
        parts.append(f"({event.status})")
    return "  ".join(parts)


def printer(as_json: bool):
    """A callback printing each event as it comes (one JSON object per line with --json)."""

    def emit(event: Any) -> None:
        if as_json:
            sys.stdout.write(json_safe(orjson.dumps(event.to_json()).decode()) + "\n")
        else:
            sys.stdout.write(event_line(event) + "\n")
        sys.stdout.flush()

    return emit
