"""`lgtt fork`: a new thread holding the source's path up to REF, plus a fresh head to resume from.

The path (first checkpoint → REF, following parent links) is copied row for row in one
transaction: checkpoint ids are kept, only the thread id changes, with the writes and the
subgraph namespaces of every copied checkpoint except REF. REF's own pending writes and its
tasks' subgraph namespaces are left behind, so resuming the fork re-runs REF's tasks (an
interrupt there fires again). On top goes a `source="fork"` checkpoint holding REF's state
(as LangGraph's replay writes), and state edits are applied to it by the graph's own
`update_state` inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import msgpack
from langgraph.checkpoint.base.id import uuid6

from lgtt.errors import LgttError, UsageError
from lgtt.ops.channels import is_internal

INTERRUPT = "__interrupt__"
FORK_KEY = "lgtt_fork"


@dataclass
class ForkResult:
    thread_id: str
    checkpoint_id: str  # the head a resume starts from (after any edit)
    fork_checkpoint_id: str  # the source="fork" checkpoint marking the branch point
    forked_from: dict[str, Any]
    copied: int
    step: int | None
    next: list[str]
    edited: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def state_keys(graph: Any) -> set[str]:
    """The user state keys of a compiled graph (its channels, less LangGraph's own)."""
    return {k for k in graph.channels if not is_internal(k)}


def check_edits(graph: Any, updates: dict[str, Any] | None, as_node: str | None) -> None:
    """Refuse edits LangGraph would silently accept or half-apply, before anything is written."""
    if (updates or as_node) and graph is None:
        raise LgttError("editing state needs the graph", "pass --graph path/to/file.py:graph (or set LGTT_GRAPH)")
    if updates:
        unknown = sorted(set(updates) - state_keys(graph))
        if unknown:
            raise UsageError(f"not state keys: {', '.join(unknown)}", f"state keys are: {', '.join(sorted(state_keys(graph)))}")
    if as_node is not None and as_node not in graph.nodes:
        raise UsageError(f"--as-node {as_node!r} is not a node of the graph",
                         f"nodes: {', '.join(n for n in graph.nodes if not n.startswith('__'))}")


def default_target(thread_id: str, index: int) -> str:
    return f"{thread_id}_branch_{index}"


def ancestors(links: dict[str, str | None], ref_id: str) -> list[str]:
    """REF and its ancestors, oldest first (the branch REF is on, not its siblings)."""
    path: list[str] = []
    seen: set[str] = set()
    cur: str | None = ref_id
    while cur is not None and cur in links and cur not in seen:
        path.append(cur)
        seen.add(cur)
        cur = links[cur]
    return path[::-1]


def fork_head(raw: tuple[Any, ...], *, kind: str, serde: Any, new_id: str) -> tuple[Any, Any]:
    """REF's stored checkpoint turned into the fork checkpoint, without decoding state values."""
    _, type_, stored, _ = raw
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    if kind == "sqlite":
        inner, plain = serde.unwrap((type_, stored))
        if inner != "msgpack":
            raise LgttError(f"cannot fork a checkpoint stored as {type_!r}", "only msgpack checkpoints (LangGraph >= 0.2) can be forked")
        cp = msgpack.unpackb(plain, raw=False, strict_map_key=False)
    else:
        cp = dict(stored)
    cp["id"], cp["ts"] = new_id, now
    cp.setdefault("versions_seen", {})[INTERRUPT] = dict(cp.get("channel_versions") or {})
    if kind == "sqlite":
        return serde.wrap(("msgpack", msgpack.packb(cp, use_bin_type=True)), like=type_)
    return type_, cp


def fork(db: Any, thread_id: str, ref: str, *, to: str | None = None, updates: dict[str, Any] | None = None,
         as_node: str | None = None) -> ForkResult:
    """Fork `thread_id` at `ref` into a new thread; see the module docstring."""
    index, ref_id = db.resolve(thread_id, ref)
    target = to or default_target(thread_id, index)
    if target == thread_id:
        raise UsageError("the fork must be a new thread", "choose another --to")
    check_edits(db.graph, updates, as_node)
    writer = db.store.writer()
    try:
        with writer.transaction():
            if hasattr(writer, "lock_thread"):
                writer.lock_thread(target)
            if writer.thread_exists(target):
                raise LgttError(f"thread {target!r} already exists", "choose another name with --to (lgtt never overwrites a thread)")
            path = ancestors(writer.parent_links(thread_id), ref_id)
            before = set(path) - {ref_id}
            owned = [(ns, cid) for ns, cid, meta in writer.namespace_rows(thread_id)
                     if ((meta or {}).get("parents") or {}).get("") in before]
            copied = writer.copy_rows(thread_id, target, [("", c) for c in path] + owned,
                                      [("", c) for c in path if c != ref_id] + owned)
            raw = writer.raw_checkpoint(thread_id, "", ref_id)
            meta = dict(raw[3])
            fork_id = str(uuid6(clock_seq=meta.get("step") if isinstance(meta.get("step"), int) else None))
            type_, stored = fork_head(raw, kind=db.store.kind, serde=writer.serde, new_id=fork_id)
            meta.update(source="fork", parents={}, **{FORK_KEY: {"thread_id": thread_id, "checkpoint_id": ref_id, "index": index}})
            writer.insert_raw(target, "", fork_id, ref_id, type_, stored, meta)
            head_id = fork_id
            if updates or as_node:
                from lgtt.graphs import with_saver

                app = with_saver(db.graph, writer.tx_saver())
                conf = {"configurable": {"thread_id": target, "checkpoint_ns": "", "checkpoint_id": fork_id}}
                try:
                    new = app.update_state(conf, updates or None, as_node=as_node)
                except Exception as exc:
                    raise LgttError(f"the graph rejected the edit: {type(exc).__name__}: {exc}", "nothing was written; fix the values") from None
                head_id = new["configurable"]["checkpoint_id"]
    finally:
        writer.close()
    view = db.show(target, head_id)
    return ForkResult(
        thread_id=target, checkpoint_id=head_id, fork_checkpoint_id=fork_id,
        forked_from={"thread_id": thread_id, "checkpoint_id": ref_id, "index": index},
        copied=copied, step=view.metadata.get("step"), next=view.next, edited=sorted(updates or {}),
    )
