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


def inferred_triggers(channels: Iterable[str], entry: str | None = None) -> dict[str, tuple[str, ...]]:
    """Node -> trigger channels, from the channel names LangGraph's StateGraph creates (every
    StateGraph node has a `branch:to:X` trigger, a node behind a waiting edge also its `join:`
    channel). `entry`: the node `__start__` triggers (a functional API entrypoint's name)."""
    nodes: dict[str, set[str]] = {}
    for chan in channels:
        if chan == START:
            nodes.setdefault(entry or START, set()).add(chan)
        elif chan.startswith(BRANCH):
            nodes.setdefault(chan[len(BRANCH) :], set()).add(chan)
        elif chan.startswith(JOIN) and chan.count(":") >= 2:
            target = chan.rsplit(":", 1)[1]
            nodes.setdefault(target, set()).update((chan, BRANCH + target))
    return {name: tuple(sorted(nodes[name])) for name in sorted(nodes)}


ENTRY_UNKNOWN = ("the graph's entry point is not recorded yet: with the functional API (@entrypoint) `next` is the "
                 "entrypoint's name, not __start__, and the values are its return value; pass --graph to know")
FUNCTIONAL_CHANNELS = ("__end__", "__previous__")
NOT_NODES = ("__input__", "__interrupt__")


def thread_entry(rows: Iterable[Bookkeeping]) -> str | None:
    """The node `__start__` triggers, as recorded in any checkpoint's `versions_seen`:
    `__start__` for a StateGraph, the entrypoint's name for the functional API; None when no
    checkpoint tells."""
    for row in rows:
        for name, seen in row.versions_seen.items():
            if name not in NOT_NODES and START in (seen or {}):
                return name
    return None


def entry_from_task_paths(paths: Iterable[str]) -> str | None:
    """The entry node named by a pending write's task path `~__pregel_pull, NAME` of the first step."""
    for path in paths:
        parts = [p.strip() for p in (path or "").split(",")]
        if len(parts) == 2 and parts[0] == "~__pregel_pull":
            return parts[1]
    return None


def is_functional(row: Bookkeeping, entry: str | None) -> bool:
    return (entry is not None and entry != START) or any(c in row.channel_versions for c in FUNCTIONAL_CHANNELS)


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
    if chan.startswith(BRANCH):  # a deferred node's LastValueAfterFinish holds (value, finished)
        value = row.internal.get(chan)
        if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], bool):
            return value[1]
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


def next_nodes(row: Bookkeeping, triggers: Triggers | None = None, entry: str | None = None) -> list[str]:
    """The node names of the tasks that run from `row`, as `StateSnapshot.next` lists them.
    `entry` (without the graph): the node `__start__` triggers, see `thread_entry`."""
    sends = send_targets(row)
    if triggers is None:
        triggers = inferred_triggers(row.channel_versions, entry)
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
