"""LangChain messages as people read them: role, name, content, tool calls, id (one per line)."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from lgtt.ops.diff import message_label

MAX_CONTENT = 400
ROLE_STYLE = {"human": "cyan", "ai": "green", "system": "magenta", "tool": "yellow"}
DETAIL_KEYS = ("additional_kwargs", "response_metadata")  # shown only with --full


def is_message_dict(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("type"), str) and "content" in item


def is_message_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(is_message_dict(x) for x in value)


def _short(text: str, full: bool) -> str:
    return text if full or len(text) <= MAX_CONTENT else text[: MAX_CONTENT - 1] + f"… [{len(text) - MAX_CONTENT} more chars, --full]"


def message_text(messages: list[dict[str, Any]], full: bool) -> Text:
    """`[0] HumanMessage id=h1 (name ada): "hi"`, tool calls under their message."""
    out = Text()
    for i, msg in enumerate(messages):
        if i:
            out.append("\n")
        kind = str(msg.get("type", "")).removesuffix("Chunk").lower()
        out.append(f"[{i}] ", "dim")
        out.append(message_label(msg), ROLE_STYLE.get(kind, "bold"))
        if msg.get("name"):
            out.append(f" name={msg['name']}")
        if msg.get("tool_call_id"):
            out.append(f" tool_call_id={msg['tool_call_id']}", "dim")
        content = msg.get("content")
        shown = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, default=str)
        out.append(": ")
        out.append(json.dumps(_short(shown, full), ensure_ascii=False))
        for call in msg.get("tool_calls") or []:
            args = json.dumps(call.get("args"), ensure_ascii=False, default=str)
            out.append(f"\n    → {call.get('name')}({_short(args, full)}) id={call.get('id')}", "yellow")
        if full:
            for key in DETAIL_KEYS:
                if msg.get(key):
                    out.append(f"\n    {key}: {json.dumps(msg[key], ensure_ascii=False, default=str)}", "dim")
    return out
