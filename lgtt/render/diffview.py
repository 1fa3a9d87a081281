"""Rich output for `lgtt diff` and `lgtt compare`; layout only, no logic."""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from lgtt.escape import visible
from lgtt.ops.diff import message_label
from lgtt.refs import short_id
from lgtt.render.console import safe

STYLE = {"+": "green", "-": "red", "~": "yellow", "=": "dim"}
MAX_INLINE = 80
MAX_VALUE = 400


def _short(value: Any, full: bool = False) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if not full and len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + "…"
    return text


def _message_line(kind: str, path: str, msg: dict[str, Any], full: bool) -> Text:
    content = msg.get("content")
    shown = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, default=str)
    if not full and len(shown) > MAX_VALUE:
        shown = shown[: MAX_VALUE - 1] + "…"
    line = safe(f"{kind} ", STYLE[kind])
    line.append(visible(f"{path} "), "dim")
    line.append(visible(f"{message_label(msg)}: "), STYLE[kind] + " bold")
    line.append(visible(json.dumps(shown, ensure_ascii=False)))
    return line


def _text_diff(path: str, old: str, new: str, label: str) -> list[RenderableType]:
    head = safe("~ ", STYLE["~"])
    head.append(visible(path), "bold")
    if label:
        head.append(visible(f"  ({label})"), "dim")
    out: list[RenderableType] = [head]
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), "old", "new", lineterm="", n=2):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else \
            "cyan" if line.startswith("@@") else ""
        out.append(safe("    " + line, style))
    return out


def change_lines(changes: list[Any], full: bool = False) -> list[RenderableType]:
    out: list[RenderableType] = []
    for c in changes:
        whole_message = c.message is not None and (c.new is c.message or c.old is c.message)
        if whole_message:
            out.append(_message_line(c.kind, c.path, c.message, full))
            continue
        label = message_label(c.message) if c.message is not None else ""
        if c.kind == "~" and isinstance(c.old, str) and isinstance(c.new, str) and (
                len(c.old) > MAX_INLINE or len(c.new) > MAX_INLINE or "\n" in c.old + c.new):
            out.extend(_text_diff(c.path, c.old, c.new, label))
            continue
        line = safe(f"{c.kind} ", STYLE[c.kind])
        line.append(visible(c.path or "(value)"), "bold")
        if label:
            line.append(visible(f"  ({label})"), "dim")
        line.append(": ")
        if c.kind == "=":
            line.append(visible(_short(c.new, full)))
            line.append("  (written, same value)", "dim")
        elif c.kind == "~":
            line.append(visible(_short(c.old, full)), "red")
            line.append(" → ")
            line.append(visible(_short(c.new, full)), "green")
        else:
            line.append(visible(_short(c.new if c.kind == "+" else c.old, full)), STYLE[c.kind])
        out.append(line)
    return out


def _side(side: Any) -> str:
    if side.checkpoint_id is None:
        return f"{side.thread_id} (empty state)"
    return f"{side.thread_id} #{side.index} {short_id(side.checkpoint_id)}"


def diff_view(d: Any, full: bool = False) -> Group:
    parts: list[RenderableType] = [safe(f"diff {_side(d.a)} → {_side(d.b)}", "bold")]
    parts.extend(change_lines(d.changes, full))
    parts.extend(safe(f"note: {n}", "dim italic") for n in d.notes)
    parts.append(safe(d.summary, "bold" if d.changes else "green"))
    return Group(*parts)


def compare_view(c: Any, full: bool = False) -> Group:
    parts: list[RenderableType] = [safe(f"compare {c.a.thread_id} ({c.a.length} checkpoints on its path) with "
                                        f"{c.b.thread_id} ({c.b.length})", "bold")]
    same = f", {c.same_ids} of them the very same checkpoints" if c.same_ids else ""
    parts.append(safe(f"common prefix: {c.common} checkpoint(s){same}"))
    if c.identical:
        parts.append(safe("the two paths are identical (same values and next at every position)", "green"))
    else:
        ids = " / ".join(short_id(i) if i else "(end)" for i in c.divergence_ids)
        parts.append(safe(f"diverge at position {c.common}: {ids}", "magenta bold"))
    for p in (c.a, c.b):
        nodes = ", ".join(p.nodes) or "(nothing)"
        parts.append(safe(f"{p.thread_id} after it: {p.steps} checkpoint(s), nodes {nodes}; status {p.status}"))
    if c.at_divergence is not None:
        parts.append(safe(f"at the divergence point ({c.at_divergence.summary}):", "bold"))
        parts.extend(change_lines(c.at_divergence.changes, full))
    parts.append(safe(f"at the heads ({c.at_heads.summary}):", "bold"))
    parts.extend(change_lines(c.at_heads.changes, full))
    notes = c.notes + sorted(set((c.at_divergence.notes if c.at_divergence else []) + c.at_heads.notes))
    parts.extend(safe(f"note: {n}", "dim italic") for n in notes)
    return Group(*parts)
