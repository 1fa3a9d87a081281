"""Telling the user's state keys from LangGraph's internal channels, and which keys a step wrote."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

INTERNAL_PREFIXES = ("__", "branch:", "join:", "start:")
ROOT = "(value)"  # the functional API's state is one value: "changed" names it so
END = "__end__"
FUNCTIONAL_CHANNELS = (END, "__previous__")


def is_internal(channel: str) -> bool:
    """LangGraph's bookkeeping channels: `__start__`, `__pregel_tasks`, `branch:to:X`, `join:…`."""
    return channel.startswith(INTERNAL_PREFIXES)


def user_keys(channels) -> list[str]:
    return [c for c in channels if not is_internal(c)]


def written_keys(row: Any, parent: Any, null_channels: Iterable[str] = ()) -> list[str]:
    """The one definition of "changed" that `timeline` lists and `diff THREAD REF` shows: the state
    keys whose channel version differs from the parent checkpoint's (all keys when there is no
    parent), plus the keys of this checkpoint's own `Command(update=…)` writes, which LangGraph
    applies to its snapshot. Versions, not `updated_channels`: a `durability="exit"` checkpoint
    follows several steps, a `__copy__` fork repeats a sibling, not its parent. A key written with
    the value it had is in it (diff shows it as `=`, a JSON Patch `test`). For the functional API
    the one value is `ROOT`."""
    before = parent.channel_versions if parent is not None else {}
    chans = [c for c, v in row.channel_versions.items() if before.get(c) != v]
    chans += [c for c in null_channels if c not in chans]
    if any(c in row.channel_versions for c in FUNCTIONAL_CHANNELS):
        return [ROOT] if END in chans else []
    return [c for c in chans if not is_internal(c)]
