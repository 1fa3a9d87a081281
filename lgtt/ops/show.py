"""`lgtt show`: one checkpoint's state, next, tasks, interrupts and pending writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from langgraph.checkpoint.serde.types import _DeltaSnapshot

from lgtt import oldformat
from lgtt.errors import NotFound
from lgtt.jsonform import to_jsonable
from lgtt.nextnodes import next_nodes
from lgtt.ops.channels import is_internal
from lgtt.store.base import ERROR, INTERRUPT, RESUME, Store
from lgtt.store.common import from_decoded


@dataclass
class TaskView:
    id: str | None
    name: str
    error: str | None = None
    interrupts: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CheckpointView:
    thread_id: str
    ns: str
    checkpoint_id: str
    index: int
    parent_id: str | None
    created_at: str
    live: bool
    values: dict[str, Any]
    next: list[str]
    metadata: dict[str, Any]
    tasks: list[TaskView]
    interrupts: list[dict[str, Any]]
    pending_writes: list[dict[str, Any]]
    internal: dict[str, Any] = field(default_factory=dict)
    not_rebuilt: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self, *, internal: bool = False) -> dict[str, Any]:
        d = {
            "thread_id": self.thread_id,
            "checkpoint_ns": self.ns,
            "checkpoint_id": self.checkpoint_id,
            "index": self.index,
            "parent_id": self.parent_id,
            "created_at": self.created_at,
            "live": self.live,
            "values": to_jsonable(self.values),
            "next": list(self.next),
            "metadata": to_jsonable(self.metadata),
            "tasks": [t.to_json() for t in self.tasks],
            "interrupts": self.interrupts,
            "pending_writes": self.pending_writes,
            "not_rebuilt": self.not_rebuilt,
            "notes": self.notes,
        }
        if internal:
            d["internal"] = to_jsonable(self.internal)
        return d


def show_checkpoint(store: Store, thread_id: str, index: int, ids: list[str], *, live: bool,
                    ns: str = "", graph: Any = None, json_values: bool = False) -> CheckpointView:
    """The checkpoint at `index` of `ids`: LangGraph's live view when `live`, else as recorded.
    `json_values` (without a graph): values decoded straight to their JSON form (faster)."""
    cid = ids[index]
    tup = store.get_tuple(thread_id, ns, cid, json_values=json_values and graph is None)
    if tup is None:
        raise NotFound(f"checkpoint {cid} of thread {thread_id!r} disappeared", "the database changed meanwhile; retry")
    raw_values = tup.checkpoint.get("channel_values") or {}
    internal = {k: v for k, v in raw_values.items() if is_internal(k)}
    writes = [
        {"task_id": t, "channel": c, "value": to_jsonable(v)} for t, c, v in tup.pending_writes or []
    ]
    if graph is not None:
        view = _with_graph(store, graph, tup, thread_id, ns, index, live, internal, writes)
    else:
        view = _without_graph(tup, thread_id, ns, index, live, internal, writes, store)
    stray = oldformat.stray_interrupts(tup.checkpoint, tup.pending_writes or [], [t.id for t in view.tasks])
    if stray:
        view.interrupts += [_interrupt_json(i) for i in stray]
        view.notes.append(oldformat.STRAY_NOTE)
    return view


def _with_graph(store: Store, graph: Any, tup: Any, thread_id: str, ns: str, index: int, live: bool,
                internal: dict[str, Any], writes: list[dict[str, Any]]) -> CheckpointView:
    from lgtt.graphs import with_saver

    app = with_saver(graph, store.saver())
    conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
    if not live:
        conf["checkpoint_id"] = tup.config["configurable"]["checkpoint_id"]
    snap = app.get_state({"configurable": conf})
    values = snap.values if isinstance(snap.values, dict) else {"__root__": snap.values}
    tasks = [
        TaskView(
            id=t.id, name=t.name, error=None if t.error is None else str(t.error),
            interrupts=[_interrupt_json(i) for i in t.interrupts],
            done=t.result is not None and t.error is None and not t.interrupts,
        )
        for t in snap.tasks
    ]
    parent = snap.parent_config["configurable"].get("checkpoint_id") if snap.parent_config else None
    return CheckpointView(
        thread_id=thread_id, ns=ns, checkpoint_id=snap.config["configurable"]["checkpoint_id"],
        index=index, parent_id=parent, created_at=snap.created_at or "", live=live,
        values=dict(values), next=list(snap.next), metadata=dict(snap.metadata or {}), tasks=tasks,
        interrupts=[_interrupt_json(i) for i in snap.interrupts], pending_writes=writes, internal=internal,
    )


def _without_graph(tup: Any, thread_id: str, ns: str, index: int, live: bool,
                   internal: dict[str, Any], writes: list[dict[str, Any]], store: Store) -> CheckpointView:
    cp = tup.checkpoint
    cid = tup.config["configurable"]["checkpoint_id"]
    parent = tup.parent_config["configurable"].get("checkpoint_id") if tup.parent_config else None
    meta = dict(tup.metadata or {})
    book = from_decoded(cp, cid, parent, ns, meta)
    old_note = None
    hidden = oldformat.node_channels(book)
    if oldformat.is_old(book):
        internal.update({k: v for k, v in (cp.get("channel_values") or {}).items() if k in hidden})
        from lgtt.ops.oldtasks import prover

        history = store.bookkeeping(thread_id, ns) if book.v < 3 else []
        store.complete(thread_id, history)
        oldformat.upgrade([book], history=history or None, prove=prover(store, thread_id, history))
        old_note = oldformat.note(book)
    names = next_nodes(book)
    values: dict[str, Any] = {}
    for key, value in (cp.get("channel_values") or {}).items():
        if not is_internal(key) and key not in hidden:
            values[key] = value.value if isinstance(value, _DeltaSnapshot) else value
    not_rebuilt = sorted(k for k in (meta.get("counters_since_delta_snapshot") or {}) if k not in values)
    tasks = _tasks(book, names, tup.pending_writes or [], ns)
    notes = [old_note] if old_note else []
    if not_rebuilt:
        notes.append(f"{', '.join(not_rebuilt)}: DeltaChannel value not rebuilt (stored as deltas); pass --graph to rebuild")
    finished = [t for t in tasks if t.done]
    if live and finished:
        notes.append("values are as recorded at this checkpoint; pass --graph to see the finished tasks' writes applied")
    shown_next = [t.name for t in tasks if not t.done] if live else names
    interrupts = [i for t in tasks for i in t.interrupts]
    return CheckpointView(
        thread_id=thread_id, ns=ns, checkpoint_id=cid, index=index, parent_id=parent,
        created_at=str(cp.get("ts", "")), live=live, values=values, next=shown_next, metadata=meta,
        tasks=tasks, interrupts=interrupts, pending_writes=writes, internal=internal,
        not_rebuilt=not_rebuilt, notes=notes,
    )


def _tasks(book: Any, names: list[str], pending: list[tuple[str, str, Any]], ns: str) -> list[TaskView]:
    """Tasks of the step from `next` and the pending writes (ids as LangGraph derives them)."""
    by_id: dict[str, list[tuple[str, Any]]] = {}
    for task_id, chan, value in pending:
        by_id.setdefault(task_id, []).append((chan, value))
    sends = [n for n in names]
    push_count = len(book.internal.get("__pregel_tasks") or ())
    out = []
    for i, name in enumerate(sends):
        push_idx = i if i < push_count else None
        tid = _task_id(book, name, ns, push_idx)
        got = by_id.get(tid, []) if tid else []
        chans = [c for c, _ in got]
        interrupts = [_interrupt_json(i) for c, v in got if c == INTERRUPT for i in (v or [])]
        error = next((str(v) for c, v in got if c == ERROR), None)
        done = bool(got) and error is None and INTERRUPT not in chans and RESUME not in chans
        out.append(TaskView(id=tid, name=name, error=error, interrupts=interrupts, done=done))
    return out


def task_hash(v: int, namespace: bytes, *parts: str) -> str:
    """LangGraph's task-id hash (`_xxhash_str` for v > 1 checkpoints, else `_uuid5_str`, in
    langgraph.pregel._algo). Mirrored because importing langgraph.pregel costs ~0.4 s per
    command; tests check both agree."""
    data = b"".join(p.encode() for p in parts)
    if v > 1:
        from xxhash import xxh3_128_hexdigest

        hexd = xxh3_128_hexdigest(namespace + data)
    else:
        from hashlib import sha1

        sha = sha1(namespace, usedforsecurity=False)
        sha.update(data)
        hexd = sha.hexdigest()
    return f"{hexd[:8]}-{hexd[8:12]}-{hexd[12:16]}-{hexd[16:20]}-{hexd[20:32]}"


def _task_id(book: Any, name: str, ns: str, push_idx: int | None) -> str | None:
    func = partial(task_hash, book.v)
    id_bytes = bytes.fromhex(book.checkpoint_id.replace("-", ""))
    task_ns = f"{ns}|{name}" if ns else name
    step = str((book.step if book.step is not None else -1) + 1)
    if push_idx is not None:
        return func(id_bytes, task_ns, step, name, "__pregel_push", str(push_idx))
    triggers = sorted(c for c in book.channel_versions if c == f"branch:to:{name}" or
                      (c.startswith("join:") and c.rsplit(":", 1)[1] == name) or
                      (name == "__start__" and c == "__start__"))
    return func(id_bytes, task_ns, step, name, "__pregel_pull", *triggers)


def _interrupt_json(intr: Any) -> dict[str, Any]:
    if isinstance(intr, dict) and "value" in intr:  # decoded in JSON form
        return {"id": intr.get("id"), "value": to_jsonable(intr["value"])}
    return {"id": getattr(intr, "id", None), "value": to_jsonable(getattr(intr, "value", intr))}
