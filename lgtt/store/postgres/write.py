"""Postgres writes: copying a thread's path for `fork`, in one transaction, as raw rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.postgres import PostgresSaver

from lgtt.store.base import DictCheckpoints
from lgtt.store.postgres.connect import connect

PATH_LINKS_SQL = "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = %s"
NS_ROWS_SQL = "SELECT checkpoint_ns, checkpoint_id, metadata FROM checkpoints WHERE thread_id = %s AND checkpoint_ns <> ''"
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = %s LIMIT 1"
LOCK_THREAD_SQL = "SELECT pg_advisory_xact_lock(hashtext(%s))"
COPY_CHECKPOINTS_SQL = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
SELECT %(dst)s, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.type, c.checkpoint, c.metadata
FROM checkpoints c JOIN unnest(%(ns)s::text[], %(ids)s::text[]) AS k(ns, id)
    ON c.checkpoint_ns = k.ns AND c.checkpoint_id = k.id
WHERE c.thread_id = %(src)s
"""
COPY_WRITES_SQL = """
INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
SELECT %(dst)s, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.task_path, w.idx, w.channel, w.type, w.blob
FROM checkpoint_writes w JOIN unnest(%(ns)s::text[], %(ids)s::text[]) AS k(ns, id)
    ON w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id
WHERE w.thread_id = %(src)s
"""
# A Command(update=…)'s writes (the null task's, less control writes), moved onto the fork head.
COPY_NULL_WRITES_SQL = """
INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
SELECT %(dst)s, checkpoint_ns, %(head)s, task_id, task_path, idx, channel, type, blob
FROM checkpoint_writes WHERE thread_id = %(src)s AND checkpoint_ns = %(ns)s AND checkpoint_id = %(ref)s
  AND task_id = '00000000-0000-0000-0000-000000000000'
  AND channel NOT IN ('__error__', '__interrupt__', '__resume__', '__error_source_node__')
"""
# Blobs are shared by version: copy each (ns, channel, version) the copied checkpoints reference.
COPY_BLOBS_SQL = """
INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
SELECT %(dst)s, b.checkpoint_ns, b.channel, b.version, b.type, b.blob
FROM (
    SELECT DISTINCT c.checkpoint_ns, v.key, v.value
    FROM checkpoints c CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') v
    WHERE c.thread_id = %(dst)s
) r
JOIN checkpoint_blobs b ON b.thread_id = %(src)s AND b.checkpoint_ns = r.checkpoint_ns
    AND b.channel = r.key AND b.version = r.value
"""
ROW_SQL = """
SELECT parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints
WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = %s
"""
INSERT_CHECKPOINT_SQL = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""


class PostgresWriter(DictCheckpoints):
    """Transactions that change a PostgresSaver database (never runs setup or migrations)."""

    def __init__(self, url: str, serde: Any) -> None:
        self.conn = connect(url, read_only=False)
        self.serde = serde

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def lock_thread(self, thread_id: str) -> None:
        """Serialise writers of one thread id until the transaction ends."""
        self.conn.execute(LOCK_THREAD_SQL, (thread_id,))

    def thread_exists(self, thread_id: str) -> bool:
        return bool(self.conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchall())

    def parent_links(self, thread_id: str, ns: str = "") -> dict[str, str | None]:
        return {r["checkpoint_id"]: r["parent_checkpoint_id"] for r in self.conn.execute(PATH_LINKS_SQL, (thread_id, ns))}

    def namespace_rows(self, thread_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(r["checkpoint_ns"], r["checkpoint_id"], r["metadata"] or {}) for r in self.conn.execute(NS_ROWS_SQL, (thread_id,))]

    def copy_rows(self, src: str, dst: str, checkpoints: Sequence[tuple[str, str]], writes: Sequence[tuple[str, str]]) -> int:
        """Copy checkpoints, their writes and the blobs they reference from `src` to `dst`."""
        def keys(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
            return {"src": src, "dst": dst, "ns": [p[0] for p in pairs], "ids": [p[1] for p in pairs]}

        n = self.conn.execute(COPY_CHECKPOINTS_SQL, keys(checkpoints)).rowcount
        self.conn.execute(COPY_WRITES_SQL, keys(writes))
        self.conn.execute(COPY_BLOBS_SQL, {"src": src, "dst": dst})
        return n

    def copy_null_writes(self, src: str, dst: str, ns: str, ref_id: str, head_id: str) -> int:
        """REF's Command(update=…) writes, byte for byte, as pending writes of the fork head."""
        return self.conn.execute(COPY_NULL_WRITES_SQL, {"dst": dst, "head": head_id, "src": src, "ns": ns,
                                                        "ref": ref_id}).rowcount

    def raw_checkpoint(self, thread_id: str, ns: str, checkpoint_id: str) -> tuple[str | None, str | None, dict[str, Any], dict[str, Any]]:
        r = self.conn.execute(ROW_SQL, (thread_id, ns, checkpoint_id)).fetchone()
        return r["parent_checkpoint_id"], r["type"], r["checkpoint"], r["metadata"] or {}

    def insert_raw(self, thread_id: str, ns: str, checkpoint_id: str, parent: str | None,
                   type_: str | None, checkpoint: dict[str, Any], metadata: dict[str, Any]) -> None:
        from psycopg.types.json import Jsonb

        self.conn.execute(INSERT_CHECKPOINT_SQL, (thread_id, ns, checkpoint_id, parent, type_, Jsonb(checkpoint), Jsonb(metadata)))

    def tx_saver(self) -> PostgresSaver:
        """The official saver on this connection: inside `transaction()` its writes join it."""
        return PostgresSaver(self.conn, serde=self.serde)

    def close(self) -> None:
        self.conn.close()
