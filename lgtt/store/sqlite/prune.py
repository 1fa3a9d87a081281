"""SQLite side of `prune` and `delete`: reads a thread's rows and deletes by explicit (ns, id) pairs.

Every function takes the writer's connection (`SqliteWriter.conn`) and runs inside the caller's
`BEGIN IMMEDIATE` transaction, so what it reads is what it deletes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lgtt.store import scan
from lgtt.store.base import CheckpointRow, Deletion

ALL_THREADS_SQL = "SELECT DISTINCT thread_id FROM checkpoints"
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1"
# v, ts and id sit at the start of the msgpack map: 256 bytes hold them.
ROWS_SQL = """
SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, substr(checkpoint, 1, 256),
       CASE WHEN json_valid(CAST(metadata AS TEXT)) THEN json_extract(CAST(metadata AS TEXT), '$.parents.""') END,
       CASE WHEN json_valid(CAST(metadata AS TEXT)) THEN json_extract(CAST(metadata AS TEXT), '$.counters_since_delta_snapshot')
            ELSE 'unreadable' END,
       length(checkpoint) + coalesce(length(metadata), 0)
FROM checkpoints WHERE thread_id = ?
"""
# Metadata that is not JSON (json_extract would fail the whole thread) reads as "may depend on its
# ancestors" (counters 'unreadable'): its parents are kept, as for a DeltaChannel checkpoint.
# (ns, id) pairs arrive as one JSON array: no temp tables, no parameter limits.
PAIRS = "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
WRITES_STATS_SQL = f"""
SELECT count(*), coalesce(sum(length(value)), 0) FROM writes
WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})
"""
DELETE_WRITES_SQL = f"DELETE FROM writes WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})"
DELETE_CHECKPOINTS_SQL = f"DELETE FROM checkpoints WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})"
NULL_PARENTS_SQL = f"""
UPDATE checkpoints SET parent_checkpoint_id = NULL
WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})
"""
THREAD_STATS_SQL = """
SELECT (SELECT count(*) FROM checkpoints WHERE thread_id = ?),
       (SELECT coalesce(sum(length(checkpoint) + coalesce(length(metadata), 0)), 0) FROM checkpoints WHERE thread_id = ?),
       (SELECT count(*) FROM writes WHERE thread_id = ?),
       (SELECT coalesce(sum(length(value)), 0) FROM writes WHERE thread_id = ?)
"""
DELETE_THREAD_SQL = ("DELETE FROM writes WHERE thread_id = ?", "DELETE FROM checkpoints WHERE thread_id = ?")


def all_threads(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(ALL_THREADS_SQL)]


def thread_exists(conn: sqlite3.Connection, thread_id: str) -> bool:
    return conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None


def thread_rows(conn: sqlite3.Connection, thread_id: str) -> list[CheckpointRow]:
    out = []
    for ns, cid, parent, type_, head, root, counters, size in conn.execute(ROWS_SQL, (thread_id,)):
        ts = v = None
        if type_ == "msgpack" and head:
            try:
                fields = scan.head_fields(head)
                ts, v = fields.get("ts"), fields.get("v")
            except Exception:  # truncated or unexpected layout: unknown ts, treated as old format
                pass
        out.append(CheckpointRow(ns, cid, parent, ts if isinstance(ts, str) else None,
                                 v if isinstance(v, int) and not isinstance(v, bool) else None,
                                 root if isinstance(root, str) else None,
                                 bool(counters and counters != "{}"), size or 0))
    return out


def _pairs(keys: Sequence[tuple[str, str]]) -> str:
    return json.dumps(list(keys))


def apply(conn: sqlite3.Connection, thread_id: str, d: Deletion, dry_run: bool) -> tuple[int, int, int]:
    """Delete `d` (unless dry_run): (writes, write bytes, blobs) it removes."""
    pairs = _pairs(sorted(d.deleted))
    writes, wbytes = conn.execute(WRITES_STATS_SQL, (thread_id, pairs)).fetchone()
    if not dry_run and d.deleted:
        conn.execute(DELETE_WRITES_SQL, (thread_id, pairs))
        conn.execute(DELETE_CHECKPOINTS_SQL, (thread_id, pairs))
        if d.orphaned:
            conn.execute(NULL_PARENTS_SQL, (thread_id, _pairs(sorted(d.orphaned))))
    return writes, wbytes, 0


def delete_thread(conn: sqlite3.Connection, thread_id: str, dry_run: bool) -> tuple[int, int, int, int]:
    """(checkpoints, writes, blobs, bytes) of the whole thread, deleted unless dry_run."""
    n, cbytes, w, wbytes = conn.execute(THREAD_STATS_SQL, (thread_id,) * 4).fetchone()
    if not dry_run:
        for sql in DELETE_THREAD_SQL:
            conn.execute(sql, (thread_id,))
    return n, w, 0, cbytes + wbytes


def size(path: str) -> int:
    """Bytes on disk: the database file and its WAL."""
    return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))


def checkpoint_wal(conn: sqlite3.Connection) -> None:
    """Copy the WAL into the file and truncate it, so file + WAL is no bigger than before a prune
    (without it the WAL keeps every page the deletes touched). A busy reader only delays this."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def free_bytes(conn: sqlite3.Connection) -> int:
    """Bytes of free pages inside the file (reused by new rows; VACUUM returns them to the OS)."""
    (pages,) = conn.execute("PRAGMA freelist_count").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    return pages * page_size


def vacuum(conn: sqlite3.Connection, full: bool = False) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class ReadSnapshot:
    """A dry run's transactions: a read snapshot (deferred BEGIN) on the store's read-only connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:  # the store owns the connection
        pass


class SqlitePrune:
    """The PruneBackend of a SQLite file (see lgtt.ops.prune): one writer connection, or the
    store's read-only one on a dry run."""

    kind = "sqlite"

    def __init__(self, store: Any, read_only: bool = False) -> None:
        from lgtt.store.sqlite.write import SqliteWriter, ensure_writable

        self.path = store.path
        if not read_only:
            ensure_writable(store.path)
        self.writer = ReadSnapshot(store.conn) if read_only else SqliteWriter(store.path, store.serde, store.has_task_path)
        self.conn = self.writer.conn

    def all_threads(self) -> list[str]: return all_threads(self.conn)
    def thread_exists(self, t: str) -> bool: return thread_exists(self.conn, t)
    def transaction(self) -> Any: return self.writer.transaction()
    def thread_rows(self, t: str) -> list[CheckpointRow]: return thread_rows(self.conn, t)
    def apply(self, t: str, d: Deletion, dry_run: bool) -> tuple[int, int, int]: return apply(self.conn, t, d, dry_run)
    def delete_thread(self, t: str, dry_run: bool) -> tuple[int, int, int, int]: return delete_thread(self.conn, t, dry_run)
    def size(self) -> int: return size(self.path)
    def finish(self) -> None: checkpoint_wal(self.conn)
    def free_bytes(self) -> int | None: return free_bytes(self.conn)
    def vacuum(self, full: bool) -> None: vacuum(self.conn, full)
    def close(self) -> None: self.writer.close()
