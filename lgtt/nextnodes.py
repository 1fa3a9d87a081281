"""`next` from a checkpoint's bookkeeping, the way LangGraph's `prepare_next_tasks` decides it.

A node runs from a checkpoint when one of its trigger channels holds a value and has
a newer version than the node last saw (`versions_seen`); Send packets waiting in
`__pregel_tasks` run first, in order. With the user's graph, node order and triggers
are the graph's own; without it they are inferred from LangGraph's channel naming
(`branch:to:X`, `join:A+B:X`, `__start__`) and nodes are listed in sorted order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lgtt.store.base import TASKS, Bookkeeping

START = "__start__"
BRANCH = "branch:to:"
JOIN = "join:"

Triggers = Mapping[str, Sequence[str]]


def inferred_triggers(channels: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Node -> trigger channels, from the channel names LangGraph's StateGraph creates."""
    nodes: dict[str, set[str]] = {}
    for chan in channels:
        if chan == START:
            nodes.setdefault(START, set()).add(chan)
        elif chan.startswith(BRANCH):
            nodes.setdefault(chan[len(BRANCH) :], set()).add(chan)
        elif chan.startswith(JOIN) and chan.count(":") >= 2:
            nodes.setdefault(chan.rsplit(":", 1)[1], set()).add(chan)
    return {name: tuple(sorted(nodes[name])) for name in sorted(nodes)}


def graph_triggers(graph: Any) -> dict[str, tuple[str, ...]]:
    """Node -> trigger channels of a compiled graph, in the graph's own node order."""
    return {name: tuple(node.triggers) for name, node in graph.nodes.items()}


def needs_values(row: Bookkeeping) -> bool:
    """True when `next` cannot be told from versions and `updated_channels` alone."""
    if row.present is not None:
        return False
    if row.updated_channels is None:
        return True
    if any(c.startswith(JOIN) for c in row.channel_versions):
        return True
    return TASKS in row.updated_channels


def _available(chan: str, row: Bookkeeping) -> bool:
    if row.present is None:  # fast path: an ephemeral trigger holds a value iff written this step
        return chan in (row.updated_channels or ())
    if chan not in row.present:
        return False
    if chan.startswith(JOIN):
        return _barrier_complete(chan, row.internal.get(chan))
    return True


def _barrier_complete(chan: str, value: Any) -> bool:
    """NamedBarrierValue is available when every named source has written."""
    names = set(chan.split(":")[1].split("+"))
    finished = True
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], bool):
        value, finished = value  # NamedBarrierValueAfterFinish: (seen, finished)
    return finished and set(value or ()) == names


def _newer(version: Any, seen: Any) -> bool:
    if seen is None:
        return True
    try:
        return version > seen
    except TypeError:
        return str(version) > str(seen)


def send_targets(row: Bookkeeping) -> list[str]:
    """Node names of the Send packets waiting in `__pregel_tasks`, in order."""
    out = []
    for packet in row.internal.get(TASKS) or ():
        node = getattr(packet, "node", None)
        if node is None and isinstance(packet, dict):
            node = packet.get("node")
        if node is None and isinstance(packet, (list, tuple)) and packet:
            node = packet[0]
        if node is not None:
            out.append(str(node))
    return out


def next_nodes(row: Bookkeeping, triggers: Triggers | None = None) -> list[str]:
    """The node names of the tasks that run from `row`, as `StateSnapshot.next` lists them."""
    sends = send_targets(row)
    if triggers is None:
        triggers = inferred_triggers(row.channel_versions)
    else:  # LangGraph drops packets addressed to nodes the graph does not have
        sends = [n for n in sends if n in triggers]
    out = list(sends)
    if not row.channel_versions:
        return out
    for name, chans in triggers.items():
        seen = row.versions_seen.get(name)
        for chan in chans:
            if chan not in row.channel_versions and seen is not None:
                continue
            if not _available(chan, row):
                continue
            version = row.channel_versions.get(chan)
            if seen is None or (version is not None and _newer(version, seen.get(chan))):
                out.append(name)
                break
    return out
