"""Does a graph match a thread? Compare what the thread recorded with the graph's channels and nodes.

Bookkeeping only (no values decoded). A thread recorded by another graph is told by:
- a state key (a channel in `channel_versions`) the graph has no channel for (a node name is
  accepted too: databases before checkpoint v4 kept one trigger channel per node);
- a node the thread ran that the graph does not have: `branch:to:X` / `join:…:X` channels, a
  `versions_seen` entry with versions (a `@task` has an empty one), a subgraph namespace `X:…`.
A graph with more keys or nodes than the thread used matches (the app grew), never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lgtt.errors import LgttError

BRANCH, JOIN, START_OLD = "branch:to:", "join:", "start:"


@dataclass
class Mismatch:
    """What a thread recorded that the graph does not have."""

    thread_id: str
    keys: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.keys or self.nodes)

    def what(self) -> str:
        parts = []
        if self.keys:
            parts.append("state keys not in the graph: " + _names(self.keys))
        if self.nodes:
            parts.append("nodes not in the graph: " + _names(self.nodes))
        return "; ".join(parts)

    def warning(self) -> str:
        return (f"the graph does not match thread {self.thread_id!r} ({self.what()}); values, next and tasks "
                "shown through it may be wrong: pass the graph that wrote this thread")

    def refusal(self) -> LgttError:
        return LgttError(f"the graph does not match thread {self.thread_id!r} ({self.what()}); nothing was written",
                         "pass the graph that wrote this thread (check --graph, LGTT_GRAPH, langgraph.json), "
                         "or --force to write with this one anyway")


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def graph_mismatch(graph: Any, thread_id: str, rows: Iterable[Any], namespaces: Iterable[str] = ()) -> Mismatch:
    """Compare a thread's root-namespace bookkeeping rows (and its subgraph namespaces) with `graph`."""
    channels = set(getattr(graph, "channels", {}) or {})
    nodes = set(getattr(graph, "nodes", {}) or {})
    keys: set[str] = set()
    ran: set[str] = set()
    for row in rows:
        if getattr(row, "damage", None):
            continue
        for chan in row.channel_versions:
            _classify(str(chan), keys, ran)
        for name, seen in row.versions_seen.items():
            if isinstance(seen, Mapping) and seen and not str(name).startswith("__"):
                ran.add(str(name))
    for ns in namespaces:
        ran.add(ns.split("|", 1)[0].split(":", 1)[0])
    return Mismatch(thread_id, sorted(k for k in keys if k not in channels and k not in nodes),
                    sorted(n for n in ran if n not in nodes and not n.startswith("__")))


def _classify(chan: str, keys: set[str], ran: set[str]) -> None:
    if chan.startswith("__"):
        return
    if chan.startswith(BRANCH):
        ran.add(chan[len(BRANCH):])
    elif chan.startswith(JOIN) and chan.count(":") >= 2:
        sources, target = chan[len(JOIN):].rsplit(":", 1)
        ran.add(target)
        ran.update(s for s in sources.split("+") if s)
    elif chan.startswith(START_OLD):
        ran.add(chan[len(START_OLD):])
    elif ":" in chan:  # other internal channels of older formats (branch:A:cond:B, …): not state keys
        return
    else:
        keys.add(chan)
