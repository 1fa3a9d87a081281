"""`prune` and `delete`: which checkpoints go, decided inside each thread's write transaction.

The plan of a thread is computed from its rows as the transaction sees them (SQLite: BEGIN
IMMEDIATE; Postgres: REPEATABLE READ), and deletion goes by explicit (namespace, checkpoint id)
pairs, so a checkpoint the app commits meanwhile is never deleted. Writes are deleted only with
the checkpoint they belong to (never as "orphans": a run stores a step's writes just before its
checkpoint). Whole threads are batched per transaction, so a crash leaves every thread pruned or
untouched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from lgtt.errors import LgttError, NotFound, UsageError
from lgtt.store.base import CheckpointRow, Deletion, PruneBackend

__all__ = ["CheckpointRow", "Deletion", "PruneResult", "ThreadPlan", "delete", "plan_thread", "prune"]

BATCH_SECONDS = 0.25  # a transaction holds whole threads, committed about this often
BATCH_THREADS = 500
MANY_THREADS = 200  # threads per statement (and per transaction) where the backend batches them


@dataclass
class ThreadPlan:
    """What a prune or delete does (did) to one thread."""

    thread_id: str
    checkpoints: int
    deleted: int
    kept: int
    writes: int
    blobs: int
    bytes_freed: int
    kept_for_deps: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "checkpoints": self.checkpoints, "deleted": self.deleted,
                "kept": self.kept, "kept_for_dependencies": self.kept_for_deps, "writes_deleted": self.writes,
                "blobs_deleted": self.blobs, "bytes_freed": self.bytes_freed}


@dataclass
class PruneResult:
    """The whole run: per-thread plans and database size before/after."""

    action: str  # "prune" | "delete"
    dry_run: bool
    threads: list[ThreadPlan] = field(default_factory=list)
    bytes_before: int = 0
    bytes_after: int = 0
    vacuum: str | None = None  # None, "vacuum", "vacuum full"
    backend: str = ""
    free_bytes_after: int | None = None  # SQLite: free pages in the file afterwards (None: Postgres)

    @property
    def suggest_vacuum(self) -> bool:
        """Whether --vacuum would give back a good share of the file (a quarter of it or 64 MiB)."""
        if self.vacuum or not self.bytes_before or self.backend == "memory":
            return False
        free = self.bytes_freed if self.dry_run or self.free_bytes_after is None else self.free_bytes_after
        return free >= min(self.bytes_before // 4, 64 << 20) and free > 0

    @property
    def checkpoints_deleted(self) -> int:
        return sum(t.deleted for t in self.threads)

    @property
    def writes_deleted(self) -> int:
        return sum(t.writes for t in self.threads)

    @property
    def blobs_deleted(self) -> int:
        return sum(t.blobs for t in self.threads)

    @property
    def bytes_freed(self) -> int:
        return sum(t.bytes_freed for t in self.threads)

    def to_json(self, per_thread: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action, "dry_run": self.dry_run, "threads": len(self.threads),
            "threads_changed": sum(1 for t in self.threads if t.deleted),
            "checkpoints_deleted": self.checkpoints_deleted, "writes_deleted": self.writes_deleted,
            "blobs_deleted": self.blobs_deleted, "bytes_freed": self.bytes_freed,
            "bytes_before": self.bytes_before, "bytes_after": self.bytes_after, "vacuum": self.vacuum,
            "free_bytes_after": self.free_bytes_after, "suggest_vacuum": self.suggest_vacuum,
        }
        if per_thread:
            out["per_thread"] = [t.to_json() for t in self.threads]
        return out


# -- options ---------------------------------------------------------------------------------------
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """'30d', '12h', '90m' -> timedelta."""
    m = _AGE.match(text or "")
    if not m:
        raise UsageError(f"bad --older-than {text!r}", "use a number with d, h or m, e.g. 30d, 12h, 90m")
    try:
        age = timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
        datetime.now(timezone.utc) - age  # noqa: B018 - the cutoff must be a date the calendar holds
    except OverflowError:
        raise UsageError(f"--older-than {text} reaches back before year 1",
                         "use a smaller age, e.g. 3650d for ten years") from None
    return age


def _parse_ts(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# -- planning --------------------------------------------------------------------------------------
def plan_thread(rows: Sequence[CheckpointRow], keep: int | None, cutoff: datetime | None) -> Deletion:
    """Which checkpoints of one thread go.

    Root namespace: all but the newest `keep` (by id, across branches), and with `cutoff` only
    those whose ts is older (the newest is never deleted by age). Then what kept checkpoints need
    comes back: DeltaChannel ancestors back to the snapshot, the parent holding a pre-v4
    checkpoint's pending sends. Subgraph-call namespaces (`node:task`) go with the deleted root
    checkpoint they started from; a `checkpointer=True` subgraph's namespace is left alone.
    """
    by_key = {(r.ns, r.checkpoint_id): r for r in rows}
    root_ids = sorted((r.checkpoint_id for r in rows if r.ns == ""), reverse=True)
    cand: set[str] = set()
    for i, cid in enumerate(root_ids):
        if keep is not None and i < keep:
            continue
        if cutoff is not None:
            if i == 0:
                continue
            dt = _parse_ts(by_key[("", cid)].ts)
            if dt is None or dt >= cutoff:
                continue
        cand.add(cid)
    stack = [cid for cid in root_ids if cid not in cand]
    rescued = 0
    while stack:
        r = by_key[("", stack.pop())]
        if r.parent_id is None or r.parent_id not in cand:
            continue
        if r.delta:  # DeltaChannel: rebuilt from ancestors' writes back to the snapshot
            cand.discard(r.parent_id)
            stack.append(r.parent_id)
            rescued += 1
        elif r.v is None or r.v < 4:  # pre-v4: pending sends live in the parent's writes
            cand.discard(r.parent_id)
            rescued += 1
    deleted = {("", cid) for cid in cand}
    for r in rows:
        if r.ns and ":" in r.ns and r.root in cand:
            deleted.add((r.ns, r.checkpoint_id))
    orphaned = {k for k, r in by_key.items()
                if k not in deleted and r.parent_id is not None and (r.ns, r.parent_id) in deleted}
    return Deletion(len(rows), deleted, orphaned, sum(by_key[k].size for k in deleted), rescued)


# -- running ---------------------------------------------------------------------------------------
def open_backend(store: Any, *, read_only: bool = False) -> PruneBackend:
    """The store's prune backend; `read_only` (a dry run) reads on the store's read-only connection, taking no write lock."""
    backend = store.pruner(read_only=read_only)
    if backend is None:
        raise LgttError(f"prune and delete need a SQLite or PostgreSQL database or an InMemorySaver, not a {store.kind} store",
                        "pass --db PATH|postgresql://… (other savers have no safe bulk delete here)")
    return backend


def _in_transaction(backend: PruneBackend, work: Callable[[], list[ThreadPlan]],
                    retry: Callable[[BaseException], bool]) -> list[ThreadPlan]:
    """`work()` in one transaction, redone (5 tries in all) when a concurrent writer changed a row it read (Postgres)."""
    for attempt in range(5):
        try:
            with backend.transaction():
                return work()
        except Exception as exc:
            if attempt == 4 or not retry(exc):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _batches(threads: Sequence[str], work: Callable[[str], ThreadPlan], backend: PruneBackend,
             progress: Callable[[int], None] | None, retry: Callable[[BaseException], bool]) -> list[ThreadPlan]:
    """Run `work` on whole threads, several per transaction, committed every BATCH_SECONDS."""
    done: list[ThreadPlan] = []
    i = 0
    while i < len(threads):
        def batch(start: int = i) -> list[ThreadPlan]:
            out: list[ThreadPlan] = []
            t0 = time.perf_counter()
            j = start
            while j < len(threads) and (j == start or (time.perf_counter() - t0 < BATCH_SECONDS
                                                       and j - start < BATCH_THREADS)):
                out.append(work(threads[j]))
                j += 1
            return out

        plans = _in_transaction(backend, batch, retry)
        done.extend(plans)
        i += len(plans)
        if progress:
            progress(len(plans))
    return done


def _many_batches(threads: Sequence[str], many: Callable[[list[str]], list[ThreadPlan]], backend: PruneBackend,
                  progress: Callable[[int], None] | None, retry: Callable[[BaseException], bool]) -> list[ThreadPlan]:
    """`_batches` for backends that plan and apply MANY_THREADS threads per statement, one transaction each."""
    done: list[ThreadPlan] = []
    for i in range(0, len(threads), MANY_THREADS):
        chunk = list(threads[i:i + MANY_THREADS])
        batch = _in_transaction(backend, lambda chunk=chunk: many(chunk), retry)
        done.extend(batch)
        if progress:
            progress(len(batch))
    return done


def _retryable(exc: BaseException) -> bool:
    name = type(exc).__name__
    return name in ("SerializationFailure", "DeadlockDetected")


def _require_migrated(store: Any, dry_run: bool) -> None:
    """A database LangGraph has not migrated yet is never written (a dry run is a read)."""
    if not dry_run and hasattr(store, "require_migrated"):
        store.require_migrated()


def prune(store: Any, threads: Sequence[str] = (), *, keep: int | None = None, older_than: str | None = None,
          dry_run: bool = False, vacuum: bool = False, vacuum_full: bool = False,
          progress: Callable[[int], Callable[[int], None]] | None = None) -> PruneResult:
    if keep is None and older_than is None:
        raise UsageError("prune needs --keep N and/or --older-than AGE", "e.g. lgtt prune --keep 10")
    if keep is not None and keep < 1:
        raise UsageError("--keep must be at least 1", "use `lgtt delete THREAD` to delete whole threads")
    cutoff = datetime.now(timezone.utc) - parse_age(older_than) if older_than is not None else None
    _require_migrated(store, dry_run)
    backend = open_backend(store, read_only=dry_run)
    try:
        targets = _targets(backend, threads)

        def plan(tid: str, d: Deletion, stats: tuple[int, int, int]) -> ThreadPlan:
            writes, extra_bytes, blobs = stats
            return ThreadPlan(tid, d.total, len(d.deleted), d.total - len(d.deleted), writes, blobs,
                              d.bytes + extra_bytes, d.kept_for_deps)

        def work(tid: str) -> ThreadPlan:
            d = plan_thread(backend.thread_rows(tid), keep, cutoff)
            return plan(tid, d, backend.apply(tid, d, dry_run))

        many = None
        if hasattr(backend, "apply_many"):  # a batch of threads in a few statements, not a few per thread
            def many(tids: list[str]) -> list[ThreadPlan]:
                rows = backend.thread_rows_many(tids)
                items = [(t, plan_thread(rows[t], keep, cutoff), rows[t]) for t in tids]
                return [plan(t, d, st) for (t, d, _), st in zip(items, backend.apply_many(items, dry_run), strict=True)]

        return _run("prune", backend, targets, work, dry_run, vacuum, vacuum_full, progress, many)
    finally:
        backend.close()


def delete(store: Any, threads: Iterable[str], *, dry_run: bool = False, vacuum: bool = False,
           vacuum_full: bool = False,
           progress: Callable[[int], Callable[[int], None]] | None = None) -> PruneResult:
    _require_migrated(store, dry_run)
    backend = open_backend(store, read_only=dry_run)
    try:
        targets = list(dict.fromkeys(threads))
        if not targets:
            raise UsageError("no threads to delete", "name threads or select them with --where KEY=VALUE")
        missing = [t for t in targets if not backend.thread_exists(t)]
        if missing:
            raise NotFound(f"thread {missing[0]!r} not found" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                           "nothing was deleted; list threads with `lgtt threads`")

        def work(tid: str) -> ThreadPlan:
            n, w, blobs, nbytes = backend.delete_thread(tid, dry_run)
            return ThreadPlan(tid, n, n, 0, w, blobs, nbytes)

        return _run("delete", backend, targets, work, dry_run, vacuum, vacuum_full, progress)
    finally:
        backend.close()


def _targets(backend: PruneBackend, threads: Sequence[str]) -> list[str]:
    if not threads:
        return sorted(backend.all_threads())
    targets = list(dict.fromkeys(threads))
    missing = [t for t in targets if not backend.thread_exists(t)]
    if missing:
        raise NotFound(f"thread {missing[0]!r} not found" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                       "nothing was pruned; list threads with `lgtt threads`")
    return targets


def _run(action: str, backend: PruneBackend, targets: list[str], work: Callable[[str], ThreadPlan],
         dry_run: bool, vacuum: bool, vacuum_full: bool,
         progress: Callable[[int], Callable[[int], None]] | None,
         many: Callable[[list[str]], list[ThreadPlan]] | None = None) -> PruneResult:
    if backend.kind == "memory" and (vacuum or vacuum_full):
        raise UsageError("vacuum applies to SQLite and PostgreSQL files",
                         "an in-memory saver frees the space as soon as the rows go; drop the vacuum option")
    result = PruneResult(action, dry_run, backend=backend.kind)
    result.bytes_before = backend.size()
    tick = progress(len(targets)) if progress else None
    if many is not None:
        result.threads = _many_batches(targets, many, backend, tick, _retryable)
    else:
        result.threads = _batches(targets, work, backend, tick, _retryable)
    if not dry_run:
        backend.finish()
    if not dry_run and (vacuum or vacuum_full):
        backend.vacuum(vacuum_full)
        result.vacuum = "vacuum full" if vacuum_full else "vacuum"
    result.bytes_after = backend.size()
    result.free_bytes_after = backend.free_bytes()
    return result
