"""`lgtt show`: one checkpoint's state, next, tasks, interrupts and pending writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from langgraph.checkpoint.serde.types import _DeltaSnapshot

from lgtt import oldformat
from lgtt.errors import LgttError, NotFound, UsageError
from lgtt.jsonform import to_jsonable
from lgtt.nextnodes import (
    ENTRY_UNKNOWN,
    START,
    entry_from_task_paths,
    inferred_triggers,
    is_functional,
    next_nodes,
    thread_entry,
)
from lgtt.ops.channels import is_internal
from lgtt.store.base import Store
from lgtt.store.common import describe, from_decoded, read_metadata, version_problem
from lgtt.tasks import TaskStatus, null_writes, task_hash, task_ids, task_statuses

__all__ = ["CheckpointView", "TaskView", "show_checkpoint", "task_hash"]
END = "__end__"


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
    values: Any  # a dict of state keys; the functional API's value as it is (None before a return)
    next: list[str]
    metadata: dict[str, Any]
    tasks: list[TaskView]
    interrupts: list[dict[str, Any]]
    pending_writes: list[dict[str, Any]]
    internal: dict[str, Any] = field(default_factory=dict)
    not_rebuilt: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    book: Any = field(default=None, repr=False)  # the checkpoint's Bookkeeping (what its step wrote)

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
    try:
        return _show(store, thread_id, index, cid, live=live, ns=ns, graph=graph, json_values=json_values)
    except LgttError as exc:
        if isinstance(exc, (NotFound, UsageError, Unreadable)) or "encrypt" in exc.message or "decrypt" in exc.message:
            raise
        raise unreadable(thread_id, ns, cid, exc.message) from None
    except Exception as exc:  # damaged bytes, metadata or versions: name the checkpoint
        if type(exc).__module__.partition(".")[0] in ("sqlite3", "psycopg"):
            raise  # the database itself failed (timeout, connection): cli.handled says so
        raise unreadable(thread_id, ns, cid, describe(exc)) from None


class Unreadable(LgttError):
    """A checkpoint whose stored bytes, metadata or versions do not decode."""


def unreadable(thread_id: str, ns: str, cid: str, why: str) -> LgttError:
    where = f"thread {thread_id!r}" + (f" ns {ns!r}" if ns else "")
    return Unreadable(f"checkpoint {cid} of {where} cannot be read ({why})",
                     f"run `lgtt check {thread_id}` for details; other checkpoints can still be shown")


def _show(store: Store, thread_id: str, index: int, cid: str, *, live: bool, ns: str, graph: Any,
          json_values: bool) -> CheckpointView:
    tup = store.get_tuple(thread_id, ns, cid, json_values=json_values and graph is None)
    if tup is None:
        raise NotFound(f"checkpoint {cid} of thread {thread_id!r} disappeared", "the database changed meanwhile; retry")
    problem = version_problem(tup.checkpoint.get("v"), tup.checkpoint.get("channel_versions"),
                              tup.checkpoint.get("versions_seen"))
    if problem is None and tup.metadata is not None and not isinstance(tup.metadata, dict):
        problem = read_metadata(orjson.dumps(tup.metadata))[1]
    if problem:
        raise unreadable(thread_id, ns, cid, problem)
    raw_values = tup.checkpoint.get("channel_values") or {}
    internal = {k: v for k, v in raw_values.items() if is_internal(k)}
    writes = [
        {"task_id": t, "channel": c, "value": to_jsonable(v)} for t, c, v in tup.pending_writes or []
    ]
    if graph is not None:
        view = _with_graph(store, graph, tup, thread_id, ns, index, live, internal, writes)
    else:
        view = _without_graph(store, tup, thread_id, ns, index, live, internal, writes)
    stray = oldformat.stray_interrupts(tup.checkpoint, tup.pending_writes or [], [t.id for t in view.tasks])
    if stray:
        view.interrupts += [_interrupt_json(i) for i in stray]
        view.notes.append(oldformat.STRAY_NOTE)
    if (expiry := getattr(store, "expiry_note", None)) and (note := expiry(thread_id, ns, cid)):
        view.notes.append(note)  # a store whose keys can expire (Redis TTL)
    return view


def _with_graph(store: Store, graph: Any, tup: Any, thread_id: str, ns: str, index: int, live: bool,
                internal: dict[str, Any], writes: list[dict[str, Any]]) -> CheckpointView:
    from langgraph.pregel._task_status import read_task_statuses

    from lgtt.graphs import with_saver

    app = with_saver(graph, store.saver())
    conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
    if not live:
        conf["checkpoint_id"] = tup.config["configurable"]["checkpoint_id"]
    snap = app.get_state({"configurable": conf})
    statuses = read_task_statuses(tup.pending_writes or [])
    tasks = []
    for t in snap.tasks:
        st = statuses.get(t.id)
        tasks.append(TaskView(
            id=t.id, name=t.name, error=None if t.error is None else str(t.error),
            interrupts=[_interrupt_json(i) for i in t.interrupts],
            done=st is not None and st.finished and t.error is None,
        ))
    parent = snap.parent_config["configurable"].get("checkpoint_id") if snap.parent_config else None
    values = dict(snap.values) if isinstance(snap.values, dict) else snap.values
    return CheckpointView(
        thread_id=thread_id, ns=ns, checkpoint_id=snap.config["configurable"]["checkpoint_id"],
        index=index, parent_id=parent, created_at=snap.created_at or "", live=live,
        values=values, next=list(snap.next), metadata=dict(snap.metadata or {}), tasks=tasks,
        interrupts=[_interrupt_json(i) for i in snap.interrupts], pending_writes=writes, internal=internal,
        book=_book(tup, ns),
    )


def _book(tup: Any, ns: str) -> Any:
    parent = tup.parent_config["configurable"].get("checkpoint_id") if tup.parent_config else None
    return from_decoded(tup.checkpoint, tup.config["configurable"]["checkpoint_id"], parent, ns, dict(tup.metadata or {}))


def _entry(store: Store, thread_id: str, ns: str, book: Any) -> str | None:
    """The node `__start__` triggers (StateGraph: `__start__`, functional API: the entrypoint)."""
    entry = thread_entry([book])
    if entry is None and START in book.channel_versions:
        entry = entry_from_task_paths(store.task_paths(thread_id, ns, book.checkpoint_id))
        if entry is None:
            entry = thread_entry(store.bookkeeping(thread_id, ns))
    return entry


def _without_graph(store: Store, tup: Any, thread_id: str, ns: str, index: int, live: bool,
                   internal: dict[str, Any], writes: list[dict[str, Any]]) -> CheckpointView:
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
    entry = _entry(store, thread_id, ns, book)
    names = next_nodes(book, entry=entry)
    pending = tup.pending_writes or []
    notes = [old_note] if old_note else []
    if entry is None and START in names:
        notes.append(ENTRY_UNKNOWN)
    functional = is_functional(book, entry)
    raw = cp.get("channel_values") or {}
    values: Any
    if functional:
        values = raw.get(END)
    else:
        values = {k: (v.value if isinstance(v, _DeltaSnapshot) else v) for k, v in raw.items()
                  if not is_internal(k) and k not in hidden}
    applied = []
    for chan, value in null_writes(pending):  # Command(update=…): LangGraph applies them to this snapshot
        if functional and chan == END:
            values = value
        elif not functional and not is_internal(chan):
            applied.append(chan)
            values[chan] = value
    if applied:
        notes.append(f"{', '.join(sorted(set(applied)))}: written by Command(update=…) at this checkpoint and shown "
                     "as written; if the key has a reducer, pass --graph to see it applied")
    not_rebuilt = sorted(k for k in (meta.get("counters_since_delta_snapshot") or {})
                         if isinstance(values, dict) and k not in values)
    triggers = inferred_triggers(book.channel_versions, entry)
    tasks = _tasks(book, names, pending, ns, triggers, live)
    if not_rebuilt:
        notes.append(f"{', '.join(not_rebuilt)}: DeltaChannel value not rebuilt (stored as deltas); pass --graph to rebuild")
    finished = [t for t in tasks if t.done]
    if live and finished:
        notes.append("values are as recorded at this checkpoint; pass --graph to see the finished tasks' writes applied")
    shown_next = [t.name for t in tasks if not t.finished] if live else names
    interrupts = [i for t in tasks for i in t.interrupts]
    if entry is None and START in names:  # the entrypoint's task id is unknown: every interrupt written, once
        interrupts = list({i["id"]: i for i in _all_interrupts(pending)}.values())
    return CheckpointView(
        thread_id=thread_id, ns=ns, checkpoint_id=cid, index=index, parent_id=parent,
        created_at=str(cp.get("ts", "")), live=live, values=values, next=shown_next, metadata=meta,
        tasks=[t.view for t in tasks], interrupts=interrupts, pending_writes=writes, internal=internal,
        not_rebuilt=not_rebuilt, notes=notes, book=book,
    )


@dataclass
class _Task:
    view: TaskView
    finished: bool

    @property
    def done(self) -> bool:
        return self.view.done

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def interrupts(self) -> list[dict[str, Any]]:
        return self.view.interrupts


def _tasks(book: Any, names: list[str], pending: list[tuple[str, str, Any]], ns: str,
           triggers: Any, live: bool) -> list[_Task]:
    """Tasks of the step from `next` and the pending writes (ids as LangGraph derives them; live:
    only the interrupts still waiting, as LangGraph's live view)."""
    statuses = task_statuses(pending)
    out = []
    for tid, name in zip(task_ids(book, names, triggers, ns), names, strict=True):
        st = statuses.get(tid, TaskStatus())
        error = None if st.error is None else str(st.error)
        intr = st.pending_interrupts if live else st.interrupts
        view = TaskView(id=tid, name=name, error=error, interrupts=[_interrupt_json(i) for i in intr],
                        done=st.finished and error is None)
        out.append(_Task(view, st.finished))
    return out


def _all_interrupts(pending: list[tuple[str, str, Any]]) -> list[dict[str, Any]]:
    statuses = task_statuses(pending)
    return [_interrupt_json(i) for st in statuses.values() for i in st.pending_interrupts]


def _interrupt_json(intr: Any) -> dict[str, Any]:
    if isinstance(intr, dict) and "value" in intr:  # decoded in JSON form
        return {"id": intr.get("id"), "value": to_jsonable(intr["value"])}
    return {"id": getattr(intr, "id", None), "value": to_jsonable(getattr(intr, "value", intr))}
