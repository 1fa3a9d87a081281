"""`lgtt fork`: a new thread holding the source's path up to REF, plus a fresh head to resume from.

The path (first checkpoint → REF, following parent links) is copied row for row in one
transaction: checkpoint ids are kept, only the thread id changes, with the writes and the
subgraph namespaces of every copied checkpoint except REF. REF's own pending writes (but for
the null task's `Command(update=…)` writes, which go onto the fork head: they are the step's input,
applied by LangGraph's replay too) and its tasks' subgraph namespaces are left behind, so resuming the fork re-runs REF's tasks (an
interrupt there fires again). On top goes a `source="fork"` checkpoint holding REF's state
(as LangGraph's replay writes), and state edits are applied to it by the graph's own
`update_state` inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base.id import uuid6

from lgtt.errors import LgttError, NotFound, UsageError
from lgtt.ops.channels import is_internal
from lgtt.refs import resolve

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
    checkpoint_ns: str = ""  # where checkpoint_id lives: "" or the subgraph namespace of `fork --ns`
    root_checkpoint_id: str | None = None  # the new thread's root-namespace head

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


def default_target(thread_id: str, index: int, ns: str = "") -> str:
    if ns:
        from lgtt.graphs import graph_namespace

        return f"{thread_id}_branch_{graph_namespace(ns).replace('|', '.')}_{index}"
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


def fork_head(raw: tuple[Any, ...], *, writer: Any, new_id: str) -> tuple[Any, Any]:
    """REF's stored checkpoint turned into the fork checkpoint, without decoding state values."""
    _, type_, stored, _ = raw
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    cp = writer.checkpoint_map(type_, stored)
    cp["id"], cp["ts"] = new_id, now
    cp.setdefault("versions_seen", {})[INTERRUPT] = dict(cp.get("channel_versions") or {})
    return writer.stored_checkpoint(type_, cp)


def _refuse_old_postgres_sends(db: Any, thread_id: str, ref_id: str, index: int, ns: str = "") -> None:
    """A Postgres checkpoint before format v4 keeps its Send packets in its parent's writes, which
    the fork head (a child of REF) cannot reach: refuse rather than drop them."""
    if not getattr(db.store, "sends_in_parent_writes", False):
        return
    row = next((r for r in db.store.bookkeeping(thread_id, ns) if r.checkpoint_id == ref_id), None)
    if row is not None and row.v < 4 and row.pending_sends:
        raise LgttError(f"checkpoint {index} of {thread_id!r} was written by LangGraph before 1.0 and waits on "
                        f"{len(row.pending_sends)} Send task(s) stored in its parent's writes, which a fork head cannot carry",
                        "fork from the checkpoint before it (its step re-sends them), or replay in place with "
                        f"`lgtt --graph … resume {thread_id} --from {index}`")


def fork(db: Any, thread_id: str, ref: str, *, to: str | None = None, updates: dict[str, Any] | None = None,
         as_node: str | None = None, ns: str = "", force: bool = False) -> ForkResult:
    """Fork `thread_id` at `ref` (a checkpoint of namespace `ns`) into a new thread; see the module docstring."""
    index, ref_id = resolve_in_ns(db, thread_id, ref, ns)
    target = to or default_target(thread_id, index, ns)
    if target == thread_id:
        raise UsageError("the fork must be a new thread", "choose another --to")
    target_graph = edit_target(db.graph, ns) if (updates or as_node) else None
    check_edits(target_graph, updates, as_node)
    _refuse_old_postgres_sends(db, thread_id, ref_id, index, ns)
    if db.graph is not None:  # edits go through the graph: a graph for another thread never writes
        db.check_graph(thread_id, write=bool(updates or as_node), force=force)
        if updates or as_node:  # update_state re-encodes REF's values: every stored type must come back
            db.check_types(thread_id, index, what=f"editing a fork of {thread_id!r}", ns=ns)
    writer = db.store.writer()
    try:
        with writer.transaction():
            if hasattr(writer, "lock_thread"):
                writer.lock_thread(target)
            if writer.thread_exists(target):
                raise LgttError(f"thread {target!r} already exists", "choose another name with --to (lgtt never overwrites a thread)")
            raw = writer.raw_checkpoint(thread_id, ns, ref_id)
            meta = dict(raw[3])
            levels = fork_levels(thread_id, ns, ref_id, meta)
            copied = writer.copy_rows(thread_id, target, *rows_to_copy(writer, thread_id, levels))
            fork_id = str(uuid6(clock_seq=meta.get("step") if isinstance(meta.get("step"), int) else None))
            type_, stored = fork_head(raw, writer=writer, new_id=fork_id)
            origin = {"thread_id": thread_id, "checkpoint_id": ref_id, "index": index}
            if ns:
                origin["checkpoint_ns"] = ns
            meta.update(source="fork", **{FORK_KEY: origin})
            if not ns:
                meta["parents"] = {}
            writer.insert_raw(target, ns, fork_id, ref_id, type_, stored, meta)
            # REF's Command(update=…) writes are input to the step from REF: LangGraph's replay applies them
            writer.copy_null_writes(thread_id, target, ns, ref_id, fork_id)
            head_id = fork_id
            if updates or as_node:
                from lgtt.graphs import with_saver

                app = with_saver(db.graph, writer.tx_saver())
                conf = {"configurable": {"thread_id": target, "checkpoint_ns": ns, "checkpoint_id": fork_id}}
                try:
                    new = app.update_state(conf, updates or None, as_node=as_node)
                except Exception as exc:
                    raise LgttError(f"the graph rejected the edit: {type(exc).__name__}: {exc}", "nothing was written; fix the values") from None
                head_id = new["configurable"]["checkpoint_id"]
    finally:
        writer.close()
    view = db.show(target, head_id, ns)
    return ForkResult(
        thread_id=target, checkpoint_id=head_id, fork_checkpoint_id=fork_id,
        forked_from={"thread_id": thread_id, "checkpoint_id": ref_id, "index": index},
        copied=copied, step=view.metadata.get("step"), next=view.next, edited=sorted(updates or {}),
        checkpoint_ns=ns, root_checkpoint_id=levels[0][1] if ns else head_id,
    )


def resolve_in_ns(db: Any, thread_id: str, ref: str, ns: str) -> tuple[int, str]:
    """REF among the checkpoints of namespace `ns`, with an error naming the namespace."""
    if not ns:
        return db.resolve(thread_id, ref)
    if not db.store.thread_exists(thread_id):
        raise NotFound(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
    ids = db.store.checkpoint_ids(thread_id, ns)
    if not ids:
        raise NotFound(f"{ns!r} is not a subgraph namespace of thread {thread_id!r}",
                       f"see the namespaces with `lgtt timeline {thread_id}` (subgraph column)")
    try:
        i = resolve(str(ref), ids, thread_id)
    except NotFound as exc:
        raise NotFound(f"{exc.message}, in namespace {ns!r}",
                       f"REF must be a checkpoint of that namespace: see `lgtt timeline {thread_id} --ns '{ns}'`") from None
    return i, ids[i]


def fork_levels(thread_id: str, ns: str, ref_id: str, meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(namespace, head) from the root down to `ns`: each enclosing namespace is copied up to the
    checkpoint that ran the next one (`metadata.parents`), `ns` itself up to REF."""
    if not ns:
        return [("", ref_id)]
    parents = meta.get("parents") or {}
    parts = ns.split("|")
    levels = []
    for depth in range(len(parts)):
        outer = "|".join(parts[:depth])
        if outer not in parents:
            raise LgttError(f"checkpoint {ref_id} of namespace {ns!r} does not record the {outer or 'root'} checkpoint that ran it",
                            "it was written by a LangGraph too old for `fork --ns`; fork the root namespace instead")
        levels.append((outer, str(parents[outer])))
    levels.append((ns, ref_id))
    return levels


def rows_to_copy(writer: Any, thread_id: str, levels: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (ns, checkpoint id) rows to copy and those whose writes go too.

    Each level's path (its first checkpoint -> its head, by parent links) with the writes of all
    but the head. Any other namespace goes whole with the step that ran it: its innermost
    enclosing level's checkpoint it records (`metadata.parents`) is on that level's path before
    the head (a subgraph run that finished earlier). A `checkpointer=True` subgraph's namespace
    (no task ids, so no ':') spans runs: its checkpoints older than that level's head go, as
    LangGraph's replay from the head loads the newest of them.
    """
    checkpoints: list[tuple[str, str]] = []
    writes: list[tuple[str, str]] = []
    before: dict[str, set[str]] = {}
    for ns, head in levels:
        path = ancestors(writer.parent_links(thread_id, ns), head)
        checkpoints += [(ns, c) for c in path]
        writes += [(ns, c) for c in path if c != head]
        before[ns] = set(path) - {head}
    names = [ns for ns, _ in levels]
    heads = dict(levels)
    for ns, cid, meta in writer.namespace_rows(thread_id):
        if ns in before:
            continue
        outer = max((n for n in names if n == "" or ns.startswith(n + "|")), key=len)
        if ":" not in ns:
            carried = cid < heads[outer]
        else:
            carried = ((meta or {}).get("parents") or {}).get(outer) in before[outer]
        if carried:
            checkpoints.append((ns, cid))
            writes.append((ns, cid))
    return checkpoints, writes


def edit_target(graph: Any, ns: str) -> Any:
    """The (sub)graph whose state an edit at namespace `ns` changes."""
    if graph is None or not ns:
        return graph
    from lgtt.graphs import graph_namespace, subgraph_for

    sub = subgraph_for(graph, ns)
    if sub is None:
        raise LgttError(f"the graph declares no subgraph at {graph_namespace(ns)!r}",
                        "pass the graph that ran this thread (its subgraph nodes must be compiled graphs)")
    return sub
