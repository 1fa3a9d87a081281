"""Rich renderables for the `lgtt ui` detail tabs (state as a chat, tasks, metadata); layout only."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lgtt.jsonform import to_jsonable
from lgtt.refs import short_id

# C0/C1 control characters except newline and tab: checkpoint data must never drive the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ROLE_STYLE = {"human": "bold cyan", "ai": "bold green", "tool": "bold magenta", "system": "bold yellow"}
CHAT_LIMIT = 100  # newest messages drawn; the JSON tab holds them all
VALUE_LIMIT = 2000


def clean(text: Any) -> str:
    """`text` as a string with control characters shown as `?` (no escapes reach the terminal)."""
    return _CONTROL.sub("?", text if isinstance(text, str) else str(text))


def _json(value: Any, limit: int | None = VALUE_LIMIT) -> str:
    text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, default=str)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more chars: JSON tab]"
    return clean(text)


def is_message(value: Any) -> bool:
    d = to_jsonable(value) if not isinstance(value, dict) else value
    return isinstance(d, dict) and "content" in d and "type" in d


def is_message_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(is_message(m) for m in value[:3])


def message_block(msg: Any) -> Text:
    """One chat message: role, name, id, content, tool calls."""
    d = msg if isinstance(msg, dict) else to_jsonable(msg)
    role = str(d.get("type", "?"))
    out = Text()
    out.append(clean(role), ROLE_STYLE.get(role, "bold"))
    if d.get("name"):
        out.append(f" {clean(d['name'])}", "bold")
    if d.get("tool_call_id"):
        out.append(f" (for call {clean(d['tool_call_id'])})", "dim")
    if d.get("id"):
        out.append(f"  id={clean(d['id'])}", "dim")
    content = d.get("content")
    body = content if isinstance(content, str) else _json(content)
    if body:
        out.append("\n" + clean(body))
    for call in d.get("tool_calls") or []:
        name = call.get("name", "?") if isinstance(call, dict) else "?"
        args = call.get("args", {}) if isinstance(call, dict) else call
        out.append("\n  → tool call ", "magenta")
        out.append(clean(name), "bold magenta")
        out.append(f" {_json(args, 400)}")
        if isinstance(call, dict) and call.get("id"):
            out.append(f"  id={clean(call['id'])}", "dim")
    return out


def chat_view(messages: list[Any], limit: int = CHAT_LIMIT) -> list[RenderableType]:
    """The newest `limit` messages as a chat, with a line saying how many earlier ones are not drawn."""
    out: list[RenderableType] = []
    hidden = max(0, len(messages) - limit)
    if hidden:
        out.append(Text(f"… {hidden} earlier message(s) not drawn here (e draws more; the JSON tab has all "
                        f"{len(messages)})", "dim italic"))
    for i, m in enumerate(messages[hidden:], start=hidden):
        block = Text(f"[{i}] ", "dim")
        block.append_text(message_block(m))
        out.append(block)
        out.append(Text(""))
    return out


def state_view(view: Any, limit: int = CHAT_LIMIT) -> Group:
    """A checkpoint's values: message lists as a chat, every other key as JSON."""
    kind = "live view" if view.live else "as recorded"
    parts: list[RenderableType] = [Text.assemble(
        (f"#{view.index} {short_id(view.checkpoint_id)}", "bold"), f"  ({kind})  step {view.metadata.get('step')}",
        f"  ns {clean(view.ns)}" if view.ns else "")]
    for key, value in view.values.items():
        parts.append(Text(clean(key), "bold underline"))
        if is_message_list(value):
            parts.append(Text(f"{len(value)} message(s)", "dim"))
            parts.extend(chat_view(value, limit))
        else:
            parts.append(Text(_json(value)))
    for key in view.not_rebuilt:
        parts.append(Text(f"{clean(key)}: DeltaChannel value not rebuilt without --graph", "yellow"))
    if not view.values and not view.not_rebuilt:
        parts.append(Text("(empty state)", "dim"))
    parts.extend(Text("note: " + clean(n), "yellow") for n in view.notes)
    return Group(*parts)


def tasks_view(view: Any) -> Group:
    """next, tasks (errors with their full text, interrupts with payloads), pending writes."""
    parts: list[RenderableType] = [Text("next: " + (clean(", ".join(view.next)) if view.next else "(nothing: done)"), "bold")]
    if not view.tasks:
        parts.append(Text("no tasks", "dim"))
    for task in view.tasks:
        state = "error" if task.error else "interrupted" if task.interrupts else "done" if task.done else "to run"
        style = {"error": "bold red", "interrupted": "bold yellow", "done": "green"}.get(state, "cyan")
        line = Text.assemble(("task ", "bold"), (clean(task.name), "bold"), "  ", (state, style), f"  id={clean(task.id or '?')}")
        parts.append(line)
        if task.error:
            parts.append(Text(clean(task.error), "red"))
        for intr in task.interrupts:
            parts.append(Text(f"  interrupt id={clean(intr.get('id'))}", "yellow"))
            parts.append(Text(_json(intr.get("value"))))
    if view.pending_writes:
        table = Table(title="pending writes", title_justify="left", expand=True)
        for col in ("task", "channel", "value"):
            table.add_column(col, overflow="fold")
        for w in view.pending_writes:
            table.add_row(Text(clean(w["task_id"][:8])), Text(clean(w["channel"])), Text(_json(w["value"], 400)))
        parts.append(table)
    else:
        parts.append(Text("no pending writes", "dim"))
    return Group(*parts)


def metadata_view(view: Any) -> Group:
    parts: list[RenderableType] = [
        Text(f"checkpoint {clean(view.checkpoint_id)}"),
        Text(f"parent     {clean(view.parent_id or '-')}"),
        Text(f"created    {clean(view.created_at)}"),
        Text(f"namespace  {clean(view.ns) or '(root)'}"),
        Text(_json(view.metadata, None)),
    ]
    return Group(*parts)


def graph_view(shape: Any, ran: list[str]) -> Group:
    """The graph's nodes and edges; nodes that ran at the selected step marked."""
    parts: list[RenderableType] = [Text("nodes (● ran at this step)", "bold")]
    for node in shape.nodes:
        mark = "●" if node in ran else "○"
        parts.append(Text(f" {mark} {clean(node)}", "bold green" if node in ran else ""))
    parts.append(Text("edges", "bold"))
    for e in shape.edges:
        arrow = "-.->" if e.conditional else "--->"
        label = f"  [{clean(e.data)}]" if e.data else ""
        parts.append(Text(f"  {clean(e.source)} {arrow} {clean(e.target)}{label}"))
    return Group(*parts)
