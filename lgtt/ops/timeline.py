"""`lgtt timeline`: one entry per checkpoint of a namespace, oldest first, built from bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from lgtt import oldformat
from lgtt.errors import NotFound
from lgtt.nextnodes import (
    ENTRY_UNKNOWN,
    START,
    Triggers,
    entry_from_task_paths,
    inferred_triggers,
    needs_values,
    next_nodes,
    thread_entry,
)
from lgtt.ops.channels import written_keys
from lgtt.refs import short_id
from lgtt.store.base import Bookkeeping, Store
from lgtt.tasks import NULL_TASK_ID, task_ids, task_statuses


@dataclass
class TimelineEntry:
    index: int
    checkpoint_id: str
    parent_id: str | None
    step: int | None
    source: str
    created_at: str
    next: list[str]
    nodes: list[str]
    changed: list[str]
    interrupts: int = 0
    errors: int = 0
    branch: int = 0
    on_head_path: bool = False
    children: int = 0
    subgraphs: list[dict[str, Any]] = field(default_factory=list)
    next_incomplete: bool = False  # a pre-1.0 checkpoint whose next node(s) only the graph knows
    undecodable: bool = False  # the row cannot be read: no next, nodes or changed keys for it
    damage: str | None = None  # why (not in the JSON row; `lgtt check` details it)

    @property
    def short_id(self) -> str:
        return short_id(self.checkpoint_id)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("damage")
        d["short_id"] = self.short_id
        return d


@dataclass
class Timeline:
    thread_id: str
    ns: str
    entries: list[TimelineEntry]
    notes: list[str] = field(default_factory=list)

    @property
    def head(self) -> TimelineEntry:
        return self.entries[-1]

    @property
    def branches(self) -> int:
        return 1 + max((e.branch for e in self.entries), default=0)

    def damage_warning(self) -> str | None:
        """One warning line when some rows cannot be read."""
        bad = [e for e in self.entries if e.undecodable]
        if not bad:
            return None
        shown = ", ".join(f"{e.index} ({e.short_id})" for e in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        return (f"thread {self.thread_id!r}: {len(bad)} checkpoint(s) cannot be read, marked undecodable: {shown}; "
                f"run `lgtt check {self.thread_id}` for details")

    def page(self, limit: int | None) -> tuple[list[TimelineEntry], int]:
        """The newest `limit` entries (all when None) and how many are hidden."""
        if limit is None or limit >= len(self.entries):
            return self.entries, 0
        return self.entries[len(self.entries) - limit :], len(self.entries) - limit


def build_timeline(store: Store, thread_id: str, ns: str = "", triggers: Triggers | None = None,
                   graph: Any = None, rows: list[Bookkeeping] | None = None) -> Timeline:
    """Every checkpoint of `thread_id` in namespace `ns` with next, producers, changed keys and branches.
    `graph` (the (sub)graph writing `ns`) migrates checkpoints of older formats as LangGraph does;
    `rows`: the namespace's bookkeeping when already read. Damaged rows are kept, marked `undecodable`."""
    rows = store.bookkeeping(thread_id, ns) if rows is None else rows
    if not rows:
        if store.thread_exists(thread_id):
            raise NotFound(f"thread {thread_id!r} has no checkpoints in namespace {ns!r}", f"see `lgtt timeline {thread_id}`")
        raise NotFound(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
    # The head's next must be exact; other rows need values only for joins / Send packets.
    store.complete(thread_id, [r for r in rows if needs_values(r)] + [rows[-1]])
    if any(oldformat.is_old(r) for r in rows):
        from lgtt.ops.oldtasks import prover

        oldformat.upgrade(rows, graph, prove=prover(store, thread_id, rows))
    special = store.special_writes(thread_id, ns, [r.checkpoint_id for r in rows])
    by_id = {r.checkpoint_id: r for r in rows}
    entry = _entry(store, thread_id, ns, rows) if triggers is None else None
    nexts = {r.checkpoint_id: [] if r.damage else next_nodes(r, triggers, entry) for r in rows}
    entries = []
    first_child: dict[str, str] = {}
    branch_of: dict[str, int] = {}
    children: dict[str, int] = {}
    branches = 0
    for i, r in enumerate(rows):
        parent = by_id.get(r.parent_id) if r.parent_id else None
        versus: Any = parent  # what `changed` compares with
        if parent is not None and r.parent_id not in branch_of:
            parent = None  # a parent link to itself or to a later checkpoint (a cycle): `lgtt check` reports it
            versus = _recorded_parent(r)
        if parent is None:
            branch = 0 if i == 0 else (branches := branches + 1)
        elif r.parent_id in first_child:
            branches += 1
            branch = branches
        else:
            first_child[r.parent_id] = r.checkpoint_id
            branch = branch_of[r.parent_id]
        branch_of[r.checkpoint_id] = branch
        if r.parent_id:
            children[r.parent_id] = children.get(r.parent_id, 0) + 1
        interrupts, errors = _task_counts(r, nexts[r.checkpoint_id], special.get(r.checkpoint_id, []), ns,
                                          triggers, entry)
        entries.append(TimelineEntry(
            index=i,
            checkpoint_id=r.checkpoint_id,
            parent_id=r.parent_id,
            step=r.step,
            source=r.source,
            created_at=r.ts,
            next=nexts[r.checkpoint_id],
            nodes=[] if r.damage else _producers(r, parent, nexts),
            changed=[] if r.damage else written_keys(
                r, versus, [c for t, c in special.get(r.checkpoint_id, []) if t == NULL_TASK_ID]),
            interrupts=interrupts,
            errors=errors,
            branch=branch,
            next_incomplete=bool(r.unknown_successors),
            undecodable=r.damage is not None,
            damage=r.damage,
        ))
    head_path = set()
    cid: str | None = rows[-1].checkpoint_id
    while cid and cid in by_id and cid not in head_path:
        head_path.add(cid)
        cid = by_id[cid].parent_id
    subgraphs = _subgraphs_by_root(store, thread_id) if ns == "" else {}
    for e in entries:
        e.on_head_path = e.checkpoint_id in head_path
        e.children = children.get(e.checkpoint_id, 0)
        e.subgraphs = subgraphs.get(e.checkpoint_id, [])
    notes = [ENTRY_UNKNOWN] if triggers is None and entry is None and any(START in e.next for e in entries) else []
    return Timeline(thread_id, ns, entries, notes)


def _recorded_parent(row: Bookkeeping) -> Any:
    """Stand-in for the parent of a row whose parent link loops: the row's versions without the
    channels it recorded as updated (None, all keys changed, when it recorded none)."""
    if row.updated_channels is None:
        return None
    return SimpleNamespace(channel_versions={c: v for c, v in row.channel_versions.items()
                                             if c not in row.updated_channels})


def _entry(store: Store, thread_id: str, ns: str, rows: list[Bookkeeping]) -> str | None:
    """The node `__start__` triggers (see `thread_entry`), else as a first step's write names it."""
    entry = thread_entry(rows)
    for r in rows:
        if entry is not None:
            break
        if START in r.channel_versions:
            entry = entry_from_task_paths(store.task_paths(thread_id, ns, r.checkpoint_id))
    return entry


def _task_counts(row: Bookkeeping, names: list[str], writes: list[tuple[str, str]], ns: str,
                 triggers: Triggers | None, entry: str | None) -> tuple[int, int]:
    """Interrupts and errors of this checkpoint's own tasks, as `show` lists them (writes of other
    task ids, e.g. a functional `@task` call's, belong to no task of the step)."""
    if not writes or not names:
        return 0, 0
    statuses = task_statuses(writes)
    trig = triggers if triggers is not None else inferred_triggers(row.channel_versions, entry)
    mine = [statuses[t] for t in task_ids(row, names, trig, ns) if t in statuses]
    return sum(len(s.interrupts) for s in mine), sum(1 for s in mine if s.error is not None)


def _producers(row: Bookkeeping, parent: Bookkeeping | None, nexts: dict[str, list[str]]) -> list[str]:
    """The node(s) whose writes made this checkpoint."""
    if row.source == "loop" and parent is not None:
        return list(dict.fromkeys(nexts[parent.checkpoint_id]))
    if row.source == "update":
        before = parent.versions_seen if parent is not None else {}
        return [n for n, seen in row.versions_seen.items() if before.get(n) != seen]
    return []


def _subgraphs_by_root(store: Store, thread_id: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for ns, (count, root) in sorted(store.namespaces(thread_id).items()):
        out.setdefault(root or "", []).append({"ns": ns, "checkpoints": count})
    return out
