"""export / import / copy: threads as JSON Lines of stored rows, between any SQLite and Postgres.

A file is a header record, then each thread's checkpoint records (namespace and id order, each
followed by its writes), then an `end` record with the counts and the SHA-256 of the body. Values
travel as the stored bytes with their serde type tag: never decoded, never re-encoded.
"""

from __future__ import annotations

import hashlib
import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import orjson

from lgtt.errors import LgttError, NotFound
from lgtt.store.transfer import for_file

FORMAT = "lgtt-export"
VERSION = 1
PACKAGES = ("langgraph", "langgraph-checkpoint", "langgraph-checkpoint-sqlite", "langgraph-checkpoint-postgres")
CHECKPOINT_KEYS = {"thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id"}
WRITE_KEYS = {"thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "task_path", "idx", "channel", "value"}


@dataclass
class ThreadCount:
    thread_id: str
    checkpoints: int = 0
    writes: int = 0
    source_thread_id: str | None = None


@dataclass
class TransferResult:
    """What export, import or copy moved."""

    action: str
    target: str | None
    threads: list[ThreadCount] = field(default_factory=list)
    bytes: int = 0

    @property
    def checkpoints(self) -> int:
        return sum(t.checkpoints for t in self.threads)

    @property
    def writes(self) -> int:
        return sum(t.writes for t in self.threads)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "target": self.target, "checkpoints": self.checkpoints,
                "writes": self.writes, "bytes": self.bytes, "threads": [asdict(t) for t in self.threads]}


def _dumps(rec: dict[str, Any]) -> bytes:
    return orjson.dumps(rec, option=orjson.OPT_SORT_KEYS) + b"\n"


def _packages() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("lgtt", *PACKAGES):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


# -- reading a store -----------------------------------------------------------------------------
def _backend(store: Any) -> Any:
    source = store.transfer() if hasattr(store, "transfer") else None
    if source is None:
        raise LgttError("export and copy read SQLite and Postgres databases", "pass --db PATH|postgresql://…")
    return source


def thread_records(store: Any, thread_id: str, redact: Sequence[str] = (), *,
                   as_stored: bool = False) -> Iterator[dict[str, Any]]:
    """One thread's records, values as stored bytes, with the `redact`ed state keys' values left out.
    `as_stored`: the target is of the source's kind, so rows may travel whole (copy)."""
    source = _backend(store)
    rows = source.export_thread(thread_id, as_stored=True) if as_stored else source.export_thread(thread_id)
    drop = set(redact)
    for rec in rows:
        if drop:
            if rec["record"] == "write" and rec["channel"] in drop:
                continue
            if rec["record"] == "checkpoint" and "values" in rec:
                rec["values"] = {k: v for k, v in rec["values"].items() if k not in drop}
            elif rec["record"] == "checkpoint":
                raise LgttError(f"thread {thread_id!r} is encrypted: --redact cannot reach inside it",
                                "export it without --redact, or decrypt it with your app first")
        yield rec


def export_threads(store: Any, thread_ids: Sequence[str], out: IO[bytes], *, redact: Sequence[str] = (),
                   progress: Callable[[str], None] | None = None) -> TransferResult:
    """Write the threads to `out` as an export file (streaming: memory does not grow with them)."""
    missing = [t for t in thread_ids if not store.thread_exists(t)]
    if missing:
        raise NotFound(f"thread {missing[0]!r} not found", "list threads with `lgtt threads`")
    if not thread_ids:
        raise LgttError("no threads to export", "name THREAD(s) or pass --where KEY=VALUE")
    header = {"record": "header", "format": FORMAT, "version": VERSION, "packages": _packages(),
              "source": {"backend": store.kind, "db": store.display},
              "types": _backend(store).value_types(thread_ids),
              "threads": list(thread_ids), "redacted": sorted(set(redact)),
              "exported_at": datetime.now(timezone.utc).isoformat()}
    result = TransferResult("export", None)
    digest = hashlib.sha256()
    line = _dumps(header)
    out.write(line)
    result.bytes += len(line)
    for tid in thread_ids:
        count = ThreadCount(tid)
        for rec in thread_records(store, tid, redact):
            line = _dumps(for_file(rec))
            digest.update(line)
            out.write(line)
            result.bytes += len(line)
            if rec["record"] == "checkpoint":
                count.checkpoints += 1
            else:
                count.writes += 1
            if progress:
                progress(tid)
        result.threads.append(count)
    end = {"record": "end", "threads": len(thread_ids), "checkpoints": result.checkpoints,
           "writes": result.writes, "sha256": digest.hexdigest()}
    line = _dumps(end)
    out.write(line)
    result.bytes += len(line)
    return result


# -- reading a file ------------------------------------------------------------------------------
def _bad(path: str, lineno: int, problem: str) -> LgttError:
    return LgttError(f"{path}: line {lineno}: {problem}; nothing was imported",
                     "export the thread again (`lgtt export THREAD -o FILE`)")


def check_file(path: str) -> dict[str, Any]:
    """Read the whole file once and check it: header, format version, record shapes, order
    (each write after its checkpoint, each parent before its child, threads contiguous), counts and
    checksum. Returns the header. Raises before anything is written."""
    p = Path(path)
    if not p.is_file():
        raise LgttError(f"export file not found: {path}", "pass the file `lgtt export -o FILE` wrote")
    digest = hashlib.sha256()
    header: dict[str, Any] | None = None
    end: dict[str, Any] | None = None
    seen: set[tuple[str, str, str]] = set()
    parents_later: list[tuple[int, tuple[str, str, str]]] = []
    done_threads: set[str] = set()
    current: str | None = None
    counts = {"checkpoint": 0, "write": 0}
    with p.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            if end is not None:
                raise _bad(path, lineno, "records after the end record")
            if not line.endswith(b"\n"):
                raise _bad(path, lineno, "the file is truncated (its last line is incomplete)")
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise _bad(path, lineno, f"not JSON ({exc})") from None
            kind = rec.get("record") if isinstance(rec, dict) else None
            if header is None:
                header = _check_header(path, rec)
                continue
            if kind == "end":
                end = rec
                continue
            if kind not in counts:
                raise _bad(path, lineno, f"unknown record {kind!r}")
            need = CHECKPOINT_KEYS if kind == "checkpoint" else WRITE_KEYS
            if not need <= rec.keys():
                raise _bad(path, lineno, f"a {kind} record lacks {sorted(need - rec.keys())}")
            digest.update(line)
            counts[kind] += 1
            tid = rec["thread_id"]
            if tid != current:
                if tid in done_threads:
                    raise _bad(path, lineno, f"thread {tid!r} continues after another thread began (reordered)")
                if current is not None:
                    done_threads.add(current)
                current = tid
            key = (tid, rec["checkpoint_ns"], rec["checkpoint_id"])
            if kind == "checkpoint":
                if not (("values" in rec and "checkpoint" in rec) or "raw" in rec):
                    raise _bad(path, lineno, "a checkpoint record carries no values")
                parent = rec["parent_checkpoint_id"]
                if parent is not None and (tid, rec["checkpoint_ns"], parent) not in seen:
                    parents_later.append((lineno, (tid, rec["checkpoint_ns"], parent)))
                seen.add(key)
            elif key not in seen:
                raise _bad(path, lineno, f"a write for checkpoint {rec['checkpoint_id']} that comes before it "
                                         "or is not in the file")
    if header is None:
        raise LgttError(f"{path} is empty", "pass the file `lgtt export -o FILE` wrote")
    if end is None:
        raise _bad(path, lineno, "the file is truncated (no end record)")
    for lineno, key in parents_later:
        if key in seen:
            raise _bad(path, lineno, f"checkpoint {key[2]} comes after its child (reordered)")
    expected = (end.get("checkpoints"), end.get("writes"), end.get("sha256"))
    if expected != (counts["checkpoint"], counts["write"], digest.hexdigest()):
        raise LgttError(f"{path}: its records do not match its end record (edited or damaged); nothing was imported",
                        "export the thread again (`lgtt export THREAD -o FILE`)")
    return header


def _check_header(path: str, rec: Any) -> dict[str, Any]:
    if not isinstance(rec, dict) or rec.get("record") != "header" or rec.get("format") != FORMAT:
        raise LgttError(f"{path} is not an lgtt export file", "pass the file `lgtt export -o FILE` wrote")
    version = rec.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise LgttError(f"{path} is in export format {version!r}, newer than this lgtt reads ({VERSION})",
                        "upgrade lgtt (pip install -U lgtt)")
    return rec


def file_records(path: str) -> Iterator[dict[str, Any]]:
    """The records of a checked file, header and end left out."""
    with open(path, "rb") as f:
        next(f)
        for line in f:
            rec = orjson.loads(line)
            if rec["record"] != "end":
                yield rec


# -- writing a store -----------------------------------------------------------------------------
def write_records(target: Any, records: Iterable[dict[str, Any]], thread_ids: Sequence[str],
                  rename: str | None, action: str, redacted: Sequence[str] = ()) -> TransferResult:
    """Write grouped thread records into `target`, refusing existing threads before writing any.
    `redacted`: state keys whose values the records leave out (the export header says which)."""
    if rename is not None and len(thread_ids) != 1:
        raise LgttError(f"--as renames one thread, and there are {len(thread_ids)}", "import or copy one thread at a time")
    names = {t: (rename if rename is not None else t) for t in thread_ids}
    for new in names.values():
        target.refuse_existing(new)
    result = TransferResult(action, target.display)
    for tid, group in itertools.groupby(records, key=lambda r: r["thread_id"]):
        new = names.get(tid)
        if new is None:
            raise LgttError(f"the records hold thread {tid!r}, which the header does not list",
                            "export the thread again")
        cps, ws = target.write_thread(new, group, redacted)
        result.threads.append(ThreadCount(new, cps, ws, tid if new != tid else None))
    return result


def import_file(path: str, into: str, *, rename: str | None = None) -> TransferResult:
    """Check `path` whole, then write its threads into `into` (one transaction per thread)."""
    from lgtt.store.transfer_target import Target

    header = check_file(path)
    target = Target(into)
    try:
        return write_records(target, file_records(path), header.get("threads") or [], rename, "import",
                             header.get("redacted") or [])
    finally:
        target.close()


def copy_threads(store: Any, thread_ids: Sequence[str], to: str, *, rename: str | None = None) -> TransferResult:
    """Export piped into import, without a file."""
    missing = [t for t in thread_ids if not store.thread_exists(t)]
    if missing:
        raise NotFound(f"thread {missing[0]!r} not found", "list threads with `lgtt threads`")
    if not thread_ids:
        raise LgttError("no threads to copy", "name THREAD(s) or pass --where KEY=VALUE")
    _backend(store)  # refuse a source that cannot be read before the target is set up
    from lgtt.store.transfer_target import Target

    target = Target(to)
    try:
        same = target.kind == store.kind  # rows travel whole between databases of one kind
        records = itertools.chain.from_iterable(thread_records(store, t, as_stored=same) for t in thread_ids)
        with read_ahead(records) as ahead:
            return write_records(target, ahead, thread_ids, rename, "copy")
    finally:
        target.close()


class read_ahead:
    """`records` read by a second thread into a bounded queue, so that the source's reads (and the
    server's work behind them) overlap the target's writes; a context manager that stops and joins
    the reader, closing `records` in its thread, however the writing ends."""

    CHUNK = 32  # records per queue item
    DEPTH = 4  # queue items: at most (DEPTH + 2) * CHUNK records in memory

    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self.records = records
        self.queue: queue.Queue[tuple[list[dict[str, Any]], BaseException | None, bool]] = queue.Queue(self.DEPTH)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, name="lgtt-copy-reader", daemon=True)

    def _put(self, item: tuple[list[dict[str, Any]], BaseException | None, bool]) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            chunk: list[dict[str, Any]] = []
            for rec in self.records:
                chunk.append(rec)
                if len(chunk) >= self.CHUNK:
                    if not self._put((chunk, None, False)):
                        return
                    chunk = []
            self._put((chunk, None, True))
        except BaseException as exc:  # noqa: BLE001  handed to the writing thread, raised there
            self._put(([], exc, True))
        finally:
            close = getattr(self.records, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            chunk, exc, last = self.queue.get()
            yield from chunk
            if exc is not None:
                raise exc
            if last:
                return

    def __enter__(self) -> read_ahead:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
