"""Telling the user's state keys from LangGraph's internal channels."""

from __future__ import annotations

INTERNAL_PREFIXES = ("__", "branch:", "join:", "start:")


def is_internal(channel: str) -> bool:
    """LangGraph's bookkeeping channels: `__start__`, `__pregel_tasks`, `branch:to:X`, `join:…`."""
    return channel.startswith(INTERNAL_PREFIXES)


def user_keys(channels) -> list[str]:
    return [c for c in channels if not is_internal(c)]
