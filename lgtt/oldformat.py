"""Checkpoints written by LangGraph before 1.x (format v1-v3), read the way LangGraph 1.x reads them.

LangGraph 1.x migrates such a checkpoint when it loads it (`Pregel._migrate_checkpoint`,
`CompiledStateGraph._migrate_checkpoint`, and the Postgres saver's `_migrate_pending_sends`):

- before v4, Send packets were not a channel: they are the checkpoint's `pending_sends`
  (SQLite, stored inline) or the parent checkpoint's `__pregel_tasks` writes (Postgres); 1.x
  moves them into the `__pregel_tasks` channel at the highest version of the checkpoint;
- before v3, nodes were triggered by `start:NODE`, `branch:SRC:COND:NODE` and by a channel named
  after each node (written with the node's name when it finishes, i.e. `'write_draft':
  'write_draft'` among the values); 1.x renames them all to `branch:to:NODE`, following the
  graph's edges for the node-named channels, and drops the node-named channels' values.

`upgrade` applies the same migration to lgtt's Bookkeeping. With the graph it calls the graph's
own `_migrate_checkpoint`. Without it, node-named channels are recognised by their names being
nodes of the checkpoint (`versions_seen` keys; LangGraph forbids a node named like a state key),
and the node(s) each one triggers are learnt from the thread's history (a node that saw channel
`A` in `versions_seen` follows `A`). A successor that never ran in the thread cannot be known
without the graph; `unknown_successors` names the nodes whose successors are missing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lgtt.store.base import TASKS, Bookkeeping

START = "__start__"
INTERRUPT = "__interrupt__"
BRANCH_TO = "branch:to:"
_PRESENT = object()  # stands in for a channel value the migration only moves around


def is_old(row: Bookkeeping) -> bool:
    """True for checkpoints LangGraph 1.x migrates on load (format before v4)."""
    return 0 < row.v < 4 or row.pending_sends is not None


def node_channels(row: Bookkeeping) -> set[str]:
    """The node-named trigger channels of a pre-v3 checkpoint (internal, not state keys)."""
    if row.v >= 3:
        return set()
    nodes = {n for n in row.versions_seen if not n.startswith("__")}
    return {c for c in row.channel_versions if c in nodes}


def learnt_edges(rows: Iterable[Bookkeeping]) -> dict[str, set[str]]:
    """Node -> the nodes its node-named channel triggers, from every row's `versions_seen`."""
    edges: dict[str, set[str]] = {}
    for row in rows:
        if row.v >= 3:
            continue
        nodes = {n for n in row.versions_seen if not n.startswith("__")}
        for node, seen in row.versions_seen.items():
            if node.startswith("__"):  # __interrupt__ / __start__ bookkeeping, not a successor
                continue
            for chan in seen:
                if chan in nodes:
                    edges.setdefault(chan, set()).add(node)
    return edges


def graph_edges(graph: Any) -> dict[str, set[str]] | None:
    """The plain edges of a StateGraph (what 1.x follows for node-named channels), if it has any."""
    builder = getattr(graph, "builder", None)
    if builder is None or not hasattr(builder, "edges"):
        return None
    out: dict[str, set[str]] = {}
    for start, end in builder.edges:
        if start != START and end != "__end__":
            out.setdefault(start, set()).add(end)
    return out


# (row before migration, node channels whose successors are unknown) -> proven edges channel -> nodes
Prover = Callable[[Bookkeeping, list[str]], dict[str, set[str]]]


def upgrade(rows: Sequence[Bookkeeping], graph: Any = None, history: Iterable[Bookkeeping] | None = None,
            prove: Prover | None = None) -> None:
    """Migrate, in place, every row LangGraph 1.x would migrate. `history`: the rows of the
    thread to learn edges from without the graph (default: `rows`); `prove`: finds successors
    the history does not show from the row's stored writes (see lgtt/ops/oldtasks.py)."""
    old = [r for r in rows if is_old(r)]
    if not old:
        return
    edges: dict[str, set[str]] | None = None
    parents: set[str | None] = set()
    terminal: set[str] = set()
    if graph is None or not hasattr(graph, "_migrate_checkpoint"):
        known = list(rows if history is None else history)
        edges = learnt_edges(known)
        parents = {r.parent_id for r in known}
        terminal = terminal_nodes(known, edges)
    for row in old:
        _move_pending_sends(row)
        if row.v >= 3 or not row.channel_versions:
            continue
        if edges is None:
            _migrate_with_graph(row, graph)
            continue
        before = copy.deepcopy(row) if prove is not None else None
        row.unknown_successors = _migrate_channels(row, edges, row.checkpoint_id in parents, terminal)
        if before is not None and row.unknown_successors:
            proven = prove(before, row.unknown_successors)
            if proven:
                merged = {k: set(v) for k, v in edges.items()}
                for k, v in proven.items():
                    merged.setdefault(k, set()).update(v)
                for name in ("channel_versions", "versions_seen", "present", "internal"):
                    setattr(row, name, getattr(before, name))
                row.unknown_successors = _migrate_channels(row, merged, row.checkpoint_id in parents, terminal)


def _move_pending_sends(row: Bookkeeping) -> None:
    sends, row.pending_sends = row.pending_sends, None
    if not sends or row.v >= 4:
        return
    row.internal[TASKS] = list(sends)
    row.channel_versions[TASKS] = max(row.channel_versions.values())
    if row.present is not None:
        row.present.add(TASKS)


def _migrate_with_graph(row: Bookkeeping, graph: Any) -> None:
    """LangGraph's own migration on a stand-in checkpoint holding only what Bookkeeping has."""
    present = row.present if row.present is not None else set(row.channel_versions)
    values = {c: row.internal.get(c, _PRESENT) for c in present}
    checkpoint = {"v": row.v, "id": row.checkpoint_id, "ts": row.ts, "channel_values": values,
                  "channel_versions": row.channel_versions, "versions_seen": row.versions_seen}
    graph._migrate_checkpoint(checkpoint)
    values = checkpoint["channel_values"]
    row.channel_versions = checkpoint["channel_versions"]
    row.versions_seen = checkpoint["versions_seen"]
    if row.present is not None:
        row.present = set(values)
    row.internal = {k: v for k, v in values.items() if v is not _PRESENT}


def _rename(row: Bookkeeping, old: str, new: str, values: dict[str, Any], targets: Sequence[str]) -> None:
    """One old channel becomes `new` (1.x keeps the higher version, moves seen entries and the value)."""
    version = row.channel_versions[old]
    row.channel_versions[new] = max(row.channel_versions[new], version) if new in row.channel_versions else version
    for target in targets:
        for seen in (row.versions_seen.get(target, {}), row.versions_seen.get(INTERRUPT, {})):
            if old in seen:
                s = seen.pop(old)
                seen[new] = max(s, seen[new]) if new in seen else s
    if new not in values and old in values:
        values[new] = values[old]


def terminal_nodes(rows: Sequence[Bookkeeping], edges: dict[str, set[str]]) -> set[str]:
    """Nodes proven to have no plain successor: their channel held a value at a checkpoint whose
    next step ran (a `loop` child) or was discarded by new input (an `input` child marks the
    discarded tasks as seen), and no node ever saw it."""
    by_parent: dict[str | None, list[Bookkeeping]] = {}
    for r in rows:
        if r.source in ("loop", "input"):
            by_parent.setdefault(r.parent_id, []).append(r)
    out: set[str] = set()
    for r in rows:
        if r.present is not None and r.checkpoint_id in by_parent:
            out.update(k for k in node_channels(r) if k in r.present and not edges.get(k))
    return out


def _migrate_channels(row: Bookkeeping, edges: dict[str, set[str]], has_child: bool,
                      terminal: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """CompiledStateGraph._migrate_checkpoint without the graph; returns the nodes whose successors
    are unknown: a node-named channel holding a value, with no successor seen in the history and
    not proven terminal, on a checkpoint with no child (a child would show the successor running)."""
    present = row.present if row.present is not None else set(row.channel_versions)
    values = {c: row.internal.get(c, _PRESENT) for c in present}
    for k in list(row.channel_versions):
        if k.startswith("start:") or (k.startswith("branch:") and k.count(":") == 3 and not k.startswith(BRANCH_TO)):
            node = k.split(":")[-1]
            if node.startswith("__"):  # not a node (END): LangGraph leaves such a channel as it is
                continue
            _rename(row, k, BRANCH_TO + node, values, [node])
            del row.channel_versions[k]
            values.pop(k, None)
    unknown = []
    nodes = node_channels(row)
    for k in sorted(nodes):
        targets = sorted(edges.get(k, ()))
        if not targets and k in values and not has_child and k not in terminal:
            unknown.append(k)
        for target in targets:
            _rename(row, k, BRANCH_TO + target, values, [target])
        del row.channel_versions[k]
        values.pop(k, None)
        row.versions_seen.get(INTERRUPT, {}).pop(k, None)
    if row.present is not None:
        row.present = set(values)
    row.internal = {k: v for k, v in values.items() if v is not _PRESENT}
    return unknown


def named_nodes(rows: Iterable[Bookkeeping]) -> set[str]:
    """Node names the rows mention: `versions_seen` keys and the nodes in old channel names."""
    out: set[str] = set()
    for row in rows:
        out.update(n for n in row.versions_seen if not n.startswith("__"))
        for chan in row.channel_versions:
            if chan.startswith(("start:", "branch:")):
                out.add(chan.rsplit(":", 1)[1])
            elif chan.startswith("join:") and chan.count(":") >= 2:
                _, sources, target = chan.split(":", 2)
                out.update(sources.split("+"))
                out.add(target)
    return out


def note(row: Bookkeeping, graph: Any = None) -> str | None:
    """What the user should know about an old-format checkpoint, or None."""
    if not is_old(row) and row.v >= 4:
        return None
    parts = [f"checkpoint written by LangGraph before 1.0 (format v{row.v}); read as LangGraph 1.x migrates it"]
    if row.unknown_successors and graph is None:
        parts.append(f"which node(s) follow {', '.join(row.unknown_successors)} is recorded only in the graph: "
                     "`next` may be incomplete; pass --graph for the exact answer")
    return "; ".join(parts)


def stray_interrupts(checkpoint: dict[str, Any], pending: Sequence[tuple[str, str, Any]],
                     task_ids: Iterable[str | None]) -> list[Any]:
    """Interrupts an older LangGraph stored for tasks whose ids LangGraph 1.x computes differently
    (it derives task ids from the migrated channel names), so 1.x attaches them to no task; the
    thread still waits for an answer, and `Command(resume=…)` still reaches the node."""
    if int(checkpoint.get("v", 4) or 0) >= 4:
        return []
    ids = set(task_ids)
    out: list[Any] = []
    for task_id, chan, value in pending:
        if chan == INTERRUPT and task_id not in ids:  # before 1.0 one Interrupt, since then a list
            out += list(value) if isinstance(value, (list, tuple)) else [value]
    return out


STRAY_NOTE = ("the interrupt was stored by LangGraph before 1.0 under a task id LangGraph 1.x no longer "
              "computes: 1.x lists it under no task, and resuming re-runs this step's tasks "
              "(`resume --answer` passes the answer, as `Command(resume=…)` does)")


UNKNOWN = "unknown"


def status(computed: str, head: Bookkeeping) -> str:
    """`unknown` instead of `done` when a pre-1.0 head's next node(s) only the graph knows."""
    return UNKNOWN if computed == "done" and head.unknown_successors else computed
