"""`check`: a read-only integrity report of a checkpoint database.

Every checkpoint, write (and Postgres blob) must decode with the strict serializer; parent
links resolve within their thread and namespace; writes (and blobs) belong to a checkpoint;
blobs that checkpoints reference exist; DeltaChannel chains reach a snapshot; with the graph,
each thread's head rebuilds through `graph.get_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from lgtt.errors import LgttError, NotFound

LIVE_NOTE = ("on a live database a run's newest writes (and blobs) are stored just before their checkpoint: "
             "re-run check to confirm orphans")

# What to do, per kind of problem.
ADVICE = {
    "undecodable": "the row is damaged or written by another serializer; restore it from a backup or delete the thread",
    "bad_metadata": "LangGraph expects a JSON object here (step, source, parents); restore the row from a backup",
    "bad_version": "LangGraph compares these versions to decide what runs next; restore the row from a backup",
    "parent_cycle": "following parent links never reaches the first checkpoint; history and time travel through "
                    "these checkpoints are wrong; restore the parent links from a backup",
    "dangling_parent": "its parent was deleted (partial prune?); history before it is lost, "
                       "time travel past it is impossible",
    "orphan_writes": "pending writes with no checkpoint (partial delete?); they are never read and can be deleted",
    "orphan_blobs": "blob rows no checkpoint references; they are never read and can be deleted",
    "missing_blob": "LangGraph silently drops this value (get_state rebuilds it from ancestors or leaves it out); "
                    "restore the blob from a backup",
    "delta_chain_broken": "a DeltaChannel value is rebuilt from ancestors back to a snapshot, and they are gone: "
                          "the value silently comes back empty or partial",
    "rebuild_failed": "graph.get_state raised on the thread's head; see the error",
    "graph_mismatch": "this thread was written by another graph (or an older version of it): values, next and "
                      "tasks shown through this graph may be wrong, and lgtt refuses to write with it",
    "hidden_writes": "RedisSaver's get_tuple skips them (its put_writes raced the checkpoint's put, which cleared "
                     "has_writes): LangGraph runs those tasks again on resume",
    "dangling_latest": "get_state(thread) finds no checkpoint through it and answers as if the namespace were empty",
    "missing_latest": "get_state(thread) answers as if the namespace were empty; its next put writes the pointer again",
}


def is_internal(channel: str) -> bool:
    return channel.startswith(("__", "branch:", "join:"))


@dataclass
class Problem:
    kind: str
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str | None
    detail: str

    def line(self) -> str:
        where = f"thread {self.thread_id}"
        if self.checkpoint_ns:
            where += f" ns {self.checkpoint_ns}"
        if self.checkpoint_id:
            where += f" checkpoint {self.checkpoint_id}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class CheckReport:
    threads: int = 0
    checkpoints: int = 0
    writes: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "threads": self.threads, "checkpoints": self.checkpoints,
                "problems": [asdict(p) for p in self.problems], "notes": self.notes}


class _Collector:
    """Receives the facts a backend reads for one thread at a time and turns them into problems."""

    def __init__(self, report: CheckReport, progress: Any = None) -> None:
        self.report = report
        self.progress = progress  # advance(n): one tick per checkpoint read
        self._reset()

    def _reset(self) -> None:
        # (ns, id) -> (parent, keys with counters_since_delta_snapshot, keys holding a snapshot)
        self.rows: dict[tuple[str, str], tuple[str | None, set[str], set[str]]] = {}
        self.writes: dict[tuple[str, str], int] = {}

    def add(self, kind: str, thread_id: str, ns: str, cid: str | None, detail: str) -> None:
        self.report.problems.append(Problem(kind, thread_id, ns, cid, f"{detail}; {ADVICE[kind]}"))

    # -- called by the backends ---------------------------------------------------
    def checkpoint(self, thread_id: str, ns: str, cid: str, parent: str | None, metadata: dict[str, Any],
                   snapshots: set[str]) -> None:
        counters = metadata.get("counters_since_delta_snapshot") or {}
        self.rows[(ns, cid)] = (parent, set(counters) if isinstance(counters, dict) else set(), snapshots)
        if self.progress is not None:
            self.progress(1)

    def write(self, thread_id: str, ns: str, cid: str) -> None:
        self.writes[(ns, cid)] = self.writes.get((ns, cid), 0) + 1

    def undecodable(self, thread_id: str, ns: str, cid: str | None, what: str, detail: str) -> None:
        self.add("undecodable", thread_id, ns, cid, f"{what} does not decode: {detail}")

    def bad_metadata(self, thread_id: str, ns: str, cid: str, detail: str) -> None:
        self.add("bad_metadata", thread_id, ns, cid, detail)

    def bad_version(self, thread_id: str, ns: str, cid: str, detail: str) -> None:
        self.add("bad_version", thread_id, ns, cid, detail)

    def missing_blob(self, thread_id: str, ns: str, cid: str, what: list[str]) -> None:
        self.add("missing_blob", thread_id, ns, cid, f"referenced blob missing: {', '.join(what)}")

    def orphan_blobs(self, thread_id: str, ns: str, what: list[str]) -> None:
        shown = ", ".join(what[:5]) + (f", … ({len(what)} in all)" if len(what) > 5 else "")
        self.add("orphan_blobs", thread_id, ns, None, f"{len(what)} blob row(s) no checkpoint references: {shown}")

    # -- after each thread ------------------------------------------------------
    def finish_thread(self, thread_id: str) -> None:
        rows, report = self.rows, self.report
        report.threads += 1
        report.checkpoints += len(rows)
        report.writes += sum(self.writes.values())
        for (ns, cid), (parent, _, _) in rows.items():
            if parent is not None and (ns, parent) not in rows:
                self.add("dangling_parent", thread_id, ns, cid, f"parent checkpoint {parent} does not exist")
        self._cycles(thread_id)
        for (ns, cid), n in self.writes.items():
            if (ns, cid) not in rows:
                self.add("orphan_writes", thread_id, ns, cid, f"{n} write(s) belong to this checkpoint, which does not exist")
        self._delta_chains(thread_id)
        self._reset()

    def _cycles(self, thread_id: str) -> None:
        """Parent links that loop (a checkpoint its own parent, or A -> B -> A): one problem per loop."""
        rows = self.rows
        done: set[tuple[str, str]] = set()
        for start in sorted(rows):
            path: list[tuple[str, str]] = []
            on_path: set[tuple[str, str]] = set()
            cur: tuple[str, str] | None = start
            while cur is not None and cur in rows and cur not in done:
                if cur in on_path:
                    loop = path[path.index(cur):]
                    ns, first = min(loop)
                    if len(loop) == 1:
                        detail = "the checkpoint is its own parent"
                    else:
                        chain = " -> ".join(c for _, c in loop[loop.index((ns, first)):] + loop[: loop.index((ns, first))])
                        detail = f"parent links loop through {len(loop)} checkpoints: {chain} -> {first}"
                    self.add("parent_cycle", thread_id, ns, first, detail)
                    break
                path.append(cur)
                on_path.add(cur)
                parent = rows[cur][0]
                cur = (cur[0], parent) if parent is not None else None
            done |= on_path

    def _delta_chains(self, thread_id: str) -> None:
        """Each checkpoint counting deltas for a key must reach a snapshot of it, or the thread's start."""
        rows = self.rows
        memo: dict[tuple[str, str, str], str | None] = {}  # (ns, id, key) -> where its chain breaks
        broken: dict[tuple[str, str, str], set[str]] = {}  # (ns, break point, key) -> affected ids
        for (ns, cid), (_, counters, _) in rows.items():
            for key in counters:
                path: list[str] = []
                cur: str | None = cid
                brk: str | None = None
                walked: set[str] = set()
                while cur is not None and cur not in walked:  # a parent cycle is reported by _cycles
                    if (ns, cur, key) in memo:
                        brk = memo[(ns, cur, key)]
                        break
                    row = rows.get((ns, cur))
                    if row is None:  # the parent of path[-1] is gone before a snapshot was reached
                        brk = path[-1]
                        break
                    path.append(cur)
                    walked.add(cur)
                    if key in row[2]:
                        break
                    cur = row[0]
                for p in path:
                    memo[(ns, p, key)] = brk
                if brk is not None:
                    broken.setdefault((ns, brk, key), set()).add(cid)
        for (ns, brk, key), affected in broken.items():
            parent = rows[(ns, brk)][0]
            self.add("delta_chain_broken", thread_id, ns, brk,
                     f"DeltaChannel {key!r}: the chain back to its snapshot breaks at missing parent {parent} "
                     f"({len(affected)} checkpoint(s) affected)")


def check(store: Any, threads: Sequence[str] = (), graph: Any = None, progress: Any = None,
          mismatch: Any = None) -> CheckReport:
    """`mismatch(thread_id)`: what the thread recorded that the graph does not have (graph_mismatch)."""
    health, extra = _backend(store)
    if threads:
        for t in threads:
            if not health.thread_known(store, t):
                raise NotFound(f"thread {t!r} not found", "list threads with `lgtt threads`")
        ids = list(dict.fromkeys(threads))
    report = CheckReport()
    collector = _Collector(report, progress)
    if not threads and hasattr(health, "check_all"):  # one streamed pass; ids kept only when needed after
        keep = mismatch is not None or graph is not None
        ids = []
        for tid in health.check_all(store, collector, *extra):
            collector.finish_thread(tid)
            if keep:
                ids.append(tid)
    else:
        ids = ids if threads else health.check_thread_ids(store)
        for tid in ids:
            health.check_thread(store, tid, collector, *extra)
            collector.finish_thread(tid)
    if mismatch is not None:
        for tid in ids:
            found = mismatch(tid)
            if found:
                collector.add("graph_mismatch", tid, "", None, f"the graph does not match the thread: {found.what()}")
    if graph is not None:
        _rebuild(store, graph, ids, collector)
    if any(p.kind in ("orphan_writes", "orphan_blobs") for p in report.problems):
        report.notes.append(LIVE_NOTE)
    return report


def _rebuild(store: Any, graph: Any, ids: Sequence[str], collector: _Collector) -> None:
    from lgtt.graphs import with_saver

    app = with_saver(graph, store.saver())
    for tid in ids:
        if not store.thread_exists(tid):
            continue
        try:
            app.get_state({"configurable": {"thread_id": tid}})
        except Exception as exc:
            collector.add("rebuild_failed", tid, "", None,
                          f"graph.get_state raised {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def _backend(store: Any) -> tuple[Any, tuple[Any, ...]]:
    health = store.health()
    if health is None:
        raise LgttError(f"this command reads the tables directly and does not support a {store.kind} store",
                        "pass --db with a SQLite path or a postgresql:// URL")
    return health, (is_internal,)
