"""Postgres side of `prune` and `delete`, on the writer's connection (`PostgresWriter.conn`).

Each transaction is REPEATABLE READ, as `PostgresSaver.prune` runs: every statement sees one
snapshot, so what a run commits meanwhile is neither seen nor deleted. Rows go by explicit keys;
a blob goes only when a deleted checkpoint referenced its version and no remaining checkpoint of
the thread and namespace does (blobs referenced by nothing, e.g. stored just before their
checkpoint, are never touched).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lgtt.store.base import CheckpointRow, Deletion

SNAPSHOT_SQL = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
ALL_THREADS_SQL = "SELECT DISTINCT thread_id FROM checkpoints"
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = %s LIMIT 1"
ROWS_SQL = """
SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint ->> 'ts' AS ts,
       CASE WHEN jsonb_typeof(checkpoint -> 'v') = 'number' THEN (checkpoint ->> 'v')::int END AS v,
       metadata -> 'parents' ->> '' AS root,
       CASE WHEN jsonb_typeof(metadata) = 'object'  -- metadata that is not an object: keep its ancestors
            THEN coalesce(metadata -> 'counters_since_delta_snapshot', '{}'::jsonb) <> '{}'::jsonb ELSE true END AS delta,
       pg_column_size(checkpoint) + coalesce(pg_column_size(metadata), 0) AS size,
       checkpoint -> 'channel_versions' AS versions
FROM checkpoints WHERE thread_id = %s
"""
KEYS = "unnest(%(ns)s::text[], %(ids)s::text[]) AS k(ns, id)"
WRITES_STATS_SQL = f"""
SELECT count(*) AS n, coalesce(sum(length(w.blob)), 0) AS bytes
FROM checkpoint_writes w JOIN {KEYS} ON w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id
WHERE w.thread_id = %(thread)s
"""
DELETE_WRITES_SQL = f"""
DELETE FROM checkpoint_writes w USING {KEYS}
WHERE w.thread_id = %(thread)s AND w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id
"""
DELETE_CHECKPOINTS_SQL = f"""
DELETE FROM checkpoints c USING {KEYS}
WHERE c.thread_id = %(thread)s AND c.checkpoint_ns = k.ns AND c.checkpoint_id = k.id
"""
NULL_PARENTS_SQL = f"""
UPDATE checkpoints c SET parent_checkpoint_id = NULL FROM {KEYS}
WHERE c.thread_id = %(thread)s AND c.checkpoint_ns = k.ns AND c.checkpoint_id = k.id
"""
BLOB_KEYS = "unnest(%(ns)s::text[], %(ch)s::text[], %(ver)s::text[]) AS k(ns, ch, ver)"
BLOBS_STATS_SQL = f"""
SELECT count(*) AS n, coalesce(sum(length(b.blob)), 0) AS bytes
FROM checkpoint_blobs b JOIN {BLOB_KEYS} ON b.checkpoint_ns = k.ns AND b.channel = k.ch AND b.version = k.ver
WHERE b.thread_id = %(thread)s
"""
DELETE_BLOBS_SQL = f"""
DELETE FROM checkpoint_blobs b USING {BLOB_KEYS}
WHERE b.thread_id = %(thread)s AND b.checkpoint_ns = k.ns AND b.channel = k.ch AND b.version = k.ver
"""
THREAD_STATS_SQL = """
SELECT (SELECT count(*) FROM checkpoints WHERE thread_id = %(t)s) AS n,
       (SELECT coalesce(sum(pg_column_size(checkpoint) + coalesce(pg_column_size(metadata), 0)), 0)
        FROM checkpoints WHERE thread_id = %(t)s) AS cbytes,
       (SELECT count(*) FROM checkpoint_writes WHERE thread_id = %(t)s) AS w,
       (SELECT coalesce(sum(length(blob)), 0) FROM checkpoint_writes WHERE thread_id = %(t)s) AS wbytes,
       (SELECT count(*) FROM checkpoint_blobs WHERE thread_id = %(t)s) AS b,
       (SELECT coalesce(sum(length(blob)), 0) FROM checkpoint_blobs WHERE thread_id = %(t)s) AS bbytes
"""
DELETE_THREAD_SQL = (
    "DELETE FROM checkpoint_writes WHERE thread_id = %(t)s",
    "DELETE FROM checkpoint_blobs WHERE thread_id = %(t)s",
    "DELETE FROM checkpoints WHERE thread_id = %(t)s",
)
SIZE_SQL = """
SELECT coalesce(pg_total_relation_size(to_regclass('checkpoints')), 0)
     + coalesce(pg_total_relation_size(to_regclass('checkpoint_writes')), 0)
     + coalesce(pg_total_relation_size(to_regclass('checkpoint_blobs')), 0) AS bytes
"""
VACUUM_SQL = "VACUUM (ANALYZE) checkpoints, checkpoint_writes, checkpoint_blobs"
VACUUM_FULL_SQL = "VACUUM (FULL, ANALYZE) checkpoints, checkpoint_writes, checkpoint_blobs"


# Many threads at once (one statement per step for a whole batch, not per thread).
ROWS_MANY_SQL = ROWS_SQL.replace("SELECT checkpoint_ns,", "SELECT thread_id, checkpoint_ns,", 1) \
    .replace("WHERE thread_id = %s", "WHERE thread_id = ANY(%s::text[])")
MANY_KEYS = "unnest(%(t)s::text[], %(ns)s::text[], %(ids)s::text[]) AS k(t, ns, id)"
WRITES_STATS_MANY_SQL = f"""
SELECT k.t AS thread_id, count(*) AS n, coalesce(sum(length(w.blob)), 0) AS bytes
FROM {MANY_KEYS} JOIN checkpoint_writes w ON w.thread_id = k.t AND w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id
GROUP BY k.t
"""
DELETE_WRITES_MANY_SQL = f"""
DELETE FROM checkpoint_writes w USING {MANY_KEYS}
WHERE w.thread_id = k.t AND w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id
"""
DELETE_CHECKPOINTS_MANY_SQL = f"""
DELETE FROM checkpoints c USING {MANY_KEYS}
WHERE c.thread_id = k.t AND c.checkpoint_ns = k.ns AND c.checkpoint_id = k.id
"""
NULL_PARENTS_MANY_SQL = f"""
UPDATE checkpoints c SET parent_checkpoint_id = NULL FROM {MANY_KEYS}
WHERE c.thread_id = k.t AND c.checkpoint_ns = k.ns AND c.checkpoint_id = k.id
"""
MANY_BLOB_KEYS = "unnest(%(t)s::text[], %(ns)s::text[], %(ch)s::text[], %(ver)s::text[]) AS k(t, ns, ch, ver)"
BLOBS_STATS_MANY_SQL = f"""
SELECT k.t AS thread_id, count(*) AS n, coalesce(sum(length(b.blob)), 0) AS bytes
FROM {MANY_BLOB_KEYS} JOIN checkpoint_blobs b ON b.thread_id = k.t AND b.checkpoint_ns = k.ns AND b.channel = k.ch
    AND b.version = k.ver
GROUP BY k.t
"""
DELETE_BLOBS_MANY_SQL = f"""
DELETE FROM checkpoint_blobs b USING {MANY_BLOB_KEYS}
WHERE b.thread_id = k.t AND b.checkpoint_ns = k.ns AND b.channel = k.ch AND b.version = k.ver
"""


def thread_rows_many(conn: Any, thread_ids: list[str]) -> dict[str, list[CheckpointRow]]:
    out: dict[str, list[CheckpointRow]] = {t: [] for t in thread_ids}
    for r in conn.execute(ROWS_MANY_SQL, (thread_ids,)):
        out[r["thread_id"]].append(CheckpointRow(
            r["checkpoint_ns"], r["checkpoint_id"], r["parent_checkpoint_id"], r["ts"], r["v"], r["root"],
            bool(r["delta"]), r["size"] or 0, r["versions"] or {}))
    return out


def _many(pairs: list[tuple[str, tuple[str, str]]]) -> dict[str, Any]:
    ordered = sorted(pairs)
    return {"t": [t for t, _ in ordered], "ns": [k[0] for _, k in ordered], "ids": [k[1] for _, k in ordered]}


def apply_many(conn: Any, items: list[tuple[str, Deletion, list[CheckpointRow]]],
               dry_run: bool) -> list[tuple[int, int, int]]:
    """`apply` for a batch of threads in a few statements: per thread (writes, bytes, blobs)."""
    deleted = [(t, k) for t, d, _ in items for k in d.deleted]
    if not deleted:
        return [(0, 0, 0) for _ in items]
    keys = _many(deleted)
    writes = {r["thread_id"]: (r["n"], int(r["bytes"])) for r in conn.execute(WRITES_STATS_MANY_SQL, keys, prepare=False)}
    garbage = sorted((t, g) for t, d, rows in items if d.deleted for g in garbage_blobs(rows, d.deleted))
    bkeys = {"t": [t for t, _ in garbage], "ns": [g[0] for _, g in garbage], "ch": [g[1] for _, g in garbage],
             "ver": [g[2] for _, g in garbage]}
    blobs = {r["thread_id"]: (r["n"], int(r["bytes"]))
             for r in conn.execute(BLOBS_STATS_MANY_SQL, bkeys, prepare=False)} if garbage else {}
    if not dry_run:
        conn.execute(DELETE_WRITES_MANY_SQL, keys, prepare=False)
        conn.execute(DELETE_CHECKPOINTS_MANY_SQL, keys, prepare=False)
        orphaned = [(t, k) for t, d, _ in items for k in d.orphaned]
        if orphaned:
            conn.execute(NULL_PARENTS_MANY_SQL, _many(orphaned), prepare=False)
        if garbage:
            conn.execute(DELETE_BLOBS_MANY_SQL, bkeys, prepare=False)
    out = []
    for t, _, _ in items:
        wn, wb = writes.get(t, (0, 0))
        bn, bb = blobs.get(t, (0, 0))
        out.append((wn, wb + bb, bn))
    return out


@contextmanager
def transaction(writer: Any) -> Iterator[None]:
    """One REPEATABLE READ transaction (the isolation level has to be its first statement)."""
    with writer.transaction():
        writer.conn.execute(SNAPSHOT_SQL)
        yield


def all_threads(conn: Any) -> list[str]:
    return [r["thread_id"] for r in conn.execute(ALL_THREADS_SQL)]


def thread_exists(conn: Any, thread_id: str) -> bool:
    return bool(conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchall())


def thread_rows(conn: Any, thread_id: str) -> list[CheckpointRow]:
    return [CheckpointRow(r["checkpoint_ns"], r["checkpoint_id"], r["parent_checkpoint_id"], r["ts"], r["v"],
                          r["root"], bool(r["delta"]), r["size"] or 0, r["versions"] or {})
            for r in conn.execute(ROWS_SQL, (thread_id,))]


def _keys(thread_id: str, pairs: set[tuple[str, str]]) -> dict[str, Any]:
    ordered = sorted(pairs)
    return {"thread": thread_id, "ns": [p[0] for p in ordered], "ids": [p[1] for p in ordered]}


def garbage_blobs(rows: list[CheckpointRow], deleted: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(ns, channel, version) a deleted checkpoint referenced and no remaining one does."""
    freed: set[tuple[str, str, str]] = set()
    kept: set[tuple[str, str, str]] = set()
    for r in rows:
        target = freed if (r.ns, r.checkpoint_id) in deleted else kept
        for ch, ver in (r.versions or {}).items():
            target.add((r.ns, ch, str(ver)))
    return freed - kept


def apply(conn: Any, thread_id: str, d: Deletion, dry_run: bool, rows: list[CheckpointRow] | None = None) -> tuple[int, int, int]:
    """Delete `d` and the blobs only it used (unless dry_run): (writes, bytes of writes and blobs, blobs)."""
    if not d.deleted:
        return 0, 0, 0
    keys = _keys(thread_id, d.deleted)
    w = conn.execute(WRITES_STATS_SQL, keys, prepare=False).fetchone()
    garbage = sorted(garbage_blobs(rows or [], d.deleted)) if rows is not None else []
    bkeys = {"thread": thread_id, "ns": [g[0] for g in garbage], "ch": [g[1] for g in garbage],
             "ver": [g[2] for g in garbage]}
    b = conn.execute(BLOBS_STATS_SQL, bkeys, prepare=False).fetchone() if garbage else {"n": 0, "bytes": 0}
    if not dry_run:
        conn.execute(DELETE_WRITES_SQL, keys, prepare=False)
        conn.execute(DELETE_CHECKPOINTS_SQL, keys, prepare=False)
        if d.orphaned:
            conn.execute(NULL_PARENTS_SQL, _keys(thread_id, d.orphaned), prepare=False)
        if garbage:
            conn.execute(DELETE_BLOBS_SQL, bkeys, prepare=False)
    return w["n"], int(w["bytes"]) + int(b["bytes"]), b["n"]


def delete_thread(conn: Any, thread_id: str, dry_run: bool) -> tuple[int, int, int, int]:
    """(checkpoints, writes, blobs, bytes) of the whole thread, deleted unless dry_run."""
    s = conn.execute(THREAD_STATS_SQL, {"t": thread_id}).fetchone()
    if not dry_run:
        for sql in DELETE_THREAD_SQL:
            conn.execute(sql, {"t": thread_id})
    return s["n"], s["w"], s["b"], int(s["cbytes"]) + int(s["wbytes"]) + int(s["bbytes"])


def size(conn: Any) -> int:
    return int(conn.execute(SIZE_SQL).fetchone()["bytes"])


def vacuum(conn: Any, full: bool = False) -> None:
    """Plain VACUUM (space reusable, the app keeps writing) or VACUUM FULL (locks the tables)."""
    conn.execute(VACUUM_FULL_SQL if full else VACUUM_SQL)


class ReadSession:
    """A dry run's transactions on the store's read-only session."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def close(self) -> None:  # the store owns the connection
        pass


class PostgresPrune:
    """The PruneBackend of a Postgres database (see lgtt.ops.prune)."""

    kind = "postgres"

    def __init__(self, store: Any, read_only: bool = False) -> None:
        from lgtt.store.postgres.write import PostgresWriter

        if not read_only:
            store.ensure_writable()
        self.writer = ReadSession(store.conn) if read_only else PostgresWriter(store.url, store.serde)
        self.conn = self.writer.conn
        self._rows: list[CheckpointRow] | None = None

    def all_threads(self) -> list[str]: return all_threads(self.conn)
    def thread_exists(self, t: str) -> bool: return thread_exists(self.conn, t)
    def transaction(self) -> Any: return transaction(self.writer)

    def thread_rows(self, t: str) -> list[CheckpointRow]:
        self._rows = thread_rows(self.conn, t)
        return self._rows

    def apply(self, t: str, d: Deletion, dry_run: bool) -> tuple[int, int, int]: return apply(self.conn, t, d, dry_run, self._rows)
    def thread_rows_many(self, ts: list[str]) -> dict[str, list[CheckpointRow]]: return thread_rows_many(self.conn, ts)

    def apply_many(self, items: list[tuple[str, Deletion, list[CheckpointRow]]], dry_run: bool) -> list[tuple[int, int, int]]:
        return apply_many(self.conn, items, dry_run)
    def delete_thread(self, t: str, dry_run: bool) -> tuple[int, int, int, int]: return delete_thread(self.conn, t, dry_run)
    def size(self) -> int: return size(self.conn)
    def finish(self) -> None: pass
    def free_bytes(self) -> int | None: return None
    def vacuum(self, full: bool) -> None: vacuum(self.conn, full)
    def close(self) -> None: self.writer.close()
