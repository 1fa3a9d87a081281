"""Postgres rows in and out of lgtt's backend-neutral transfer records (export, import, copy).

PostgresSaver keeps primitives (None, bool, int, float, str) inline in the checkpoint's jsonb and
every other value as a `checkpoint_blobs` row shared by version; a DeltaChannel snapshot is a blob
plus an inline `true`. A record carries each checkpoint's values whole (the SQLite shape), as
msgpack bytes, so both backends export the same file for the same thread.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lgtt.errors import LgttError
from lgtt.store import msgsplit
from lgtt.store.transfer import EMPTY, merge_rows, stored

CHECKPOINT_ROWS_SQL = """
SELECT c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint, c.metadata,
       b.channels, b.types, b.blobs
FROM checkpoints c
LEFT JOIN LATERAL (
    SELECT array_agg(v.key) AS channels, array_agg(bl.type) AS types, array_agg(bl.blob) AS blobs
    FROM jsonb_each_text(c.checkpoint -> 'channel_versions') v
    -- one primary-key lookup per channel: a plain join here is planned as a hash of every blob of
    -- the thread, built again for each checkpoint (quadratic)
    CROSS JOIN LATERAL (
        SELECT x.type, x.blob FROM checkpoint_blobs x
        WHERE x.thread_id = c.thread_id AND x.checkpoint_ns = c.checkpoint_ns
          AND x.channel = v.key AND x.version = v.value AND x.type <> 'empty' AND x.blob IS NOT NULL
        OFFSET 0  -- keeps the planner from flattening this back into that hash join
    ) bl
) b ON true
WHERE c.thread_id = %s
ORDER BY c.checkpoint_ns COLLATE "C", c.checkpoint_id COLLATE "C"
"""
WRITE_ROWS_SQL = """
SELECT checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob
FROM checkpoint_writes WHERE thread_id = %s
ORDER BY checkpoint_ns COLLATE "C", checkpoint_id COLLATE "C", task_id COLLATE "C", idx
"""
TYPES_SQL = """
SELECT DISTINCT type FROM checkpoint_blobs WHERE thread_id = ANY(%(ids)s) AND type <> 'empty'
UNION SELECT DISTINCT type FROM checkpoint_writes WHERE thread_id = ANY(%(ids)s)
"""
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = %s LIMIT 1"
INSERT_CHECKPOINT_SQL = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
VALUES (%s, %s, %s, %s, %s, %s)
"""
INSERT_BLOB_SQL = """
INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
"""
INSERT_WRITE_SQL = """
INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
LZ4_SQL = "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
STRAY_ROWS_SQL = """
SELECT 1 WHERE EXISTS (SELECT 1 FROM checkpoint_blobs WHERE thread_id = %s)
            OR EXISTS (SELECT 1 FROM checkpoint_writes WHERE thread_id = %s)
"""
COPY_BLOBS_SQL = ("COPY checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) "
                  "FROM STDIN (FORMAT BINARY)")
COPY_CHECKPOINTS_SQL = ("COPY checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, "
                        "metadata) FROM STDIN (FORMAT BINARY)")
COPY_WRITES_SQL = ("COPY checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, "
                   "type, blob) FROM STDIN (FORMAT BINARY)")
BLOB_TYPES = ["text", "text", "text", "text", "text", "bytea"]
CHECKPOINT_TYPES = ["text", "text", "text", "text", "jsonb", "jsonb"]
WRITE_TYPES = ["text", "text", "text", "text", "text", "int4", "text", "text", "bytea"]
BATCH = 200  # export: rows per server-side cursor fetch
BATCH_BYTES = 8 << 20  # import: rows per COPY, so memory stays flat however long the thread
BATCH_ROWS = 2000
EMPTY_LIST = b"\x90"  # msgpack of []


def value_types(conn: Any, thread_ids: Sequence[str]) -> list[str]:
    types = {r["type"] for r in conn.execute(TYPES_SQL, {"ids": list(thread_ids)})}
    return sorted(types | {"msgpack"} - {None})


def export_thread(conn: Any, thread_id: str) -> Iterator[dict[str, Any]]:
    """The thread's records, streamed through server-side cursors in one read-only transaction."""
    with conn.transaction():
        # binary results: bytea arrives as bytes (as text it is hex, twice the size to send and decode)
        with conn.cursor(name="lgtt_export_checkpoints", binary=True) as ccur, \
                conn.cursor(name="lgtt_export_writes", binary=True) as wcur:
            ccur.itersize = wcur.itersize = BATCH
            ccur.execute(CHECKPOINT_ROWS_SQL, (thread_id,))
            wcur.execute(WRITE_ROWS_SQL, (thread_id,))
            checkpoints = (_checkpoint_record(thread_id, r) for r in ccur)
            writes = (_write_record(thread_id, r) for r in wcur)
            yield from merge_rows(checkpoints, writes)


def _checkpoint_record(thread_id: str, r: dict[str, Any]) -> dict[str, Any]:
    fields = dict(r["checkpoint"])
    inline = fields.pop("channel_values", None) or {}
    values: dict[str, list[Any]] = {}
    for chan, type_, blob in zip(r["channels"] or (), r["types"] or (), r["blobs"] or (), strict=True):
        values[chan] = [type_, blob]
    for chan, value in inline.items():
        if chan not in values:  # an inline `true` beside a blob marks a DeltaChannel snapshot
            values[chan] = ["msgpack", msgsplit.pack_primitive(value)]
    return {"record": "checkpoint", "thread_id": thread_id, "checkpoint_ns": r["checkpoint_ns"],
            "checkpoint_id": r["checkpoint_id"], "parent_checkpoint_id": r["parent_checkpoint_id"],
            "checkpoint": fields, "values": dict(sorted(values.items())), "metadata": r["metadata"]}


def _write_record(thread_id: str, r: dict[str, Any]) -> dict[str, Any]:
    return {"record": "write", "thread_id": thread_id, "checkpoint_ns": r["checkpoint_ns"],
            "checkpoint_id": r["checkpoint_id"], "task_id": r["task_id"], "task_path": r["task_path"] or "",
            "idx": r["idx"], "channel": r["channel"], "value": [r["type"], r["blob"]]}


def thread_exists(conn: Any, thread_id: str) -> bool:
    return conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None


def import_thread(conn: Any, thread_id: str, records: Iterable[dict[str, Any]],
                  redacted: Collection[str] = ()) -> tuple[int, int]:
    """Insert one thread's records as PostgresSaver would have stored them (caller holds the
    transaction): binary COPY in batches of about BATCH_BYTES, or pipelined INSERTs ... ON CONFLICT
    when rows of the thread are already there (blobs or writes left without their checkpoint).
    A `redacted` key's versions get PostgresSaver's `empty` blob rows. Returns (checkpoints, writes)."""
    batch = _Batch(thread_id, set(redacted), copy=conn.execute(STRAY_ROWS_SQL, (thread_id,) * 2).fetchone() is None)
    n_cp = n_w = 0
    for rec in records:
        if rec["record"] == "write":
            batch.write(rec)
            n_w += 1
        else:
            batch.checkpoint(rec)
            n_cp += 1
        if batch.size >= BATCH_BYTES or batch.rows >= BATCH_ROWS:
            batch.flush(conn)
    batch.flush(conn)
    return n_cp, n_w


class _Batch:
    """Target rows of the three tables, written together when big enough."""

    def __init__(self, thread_id: str, redacted: set[str], copy: bool) -> None:
        self.thread_id, self.redacted, self.copy = thread_id, redacted, copy
        self.blobs: list[tuple[Any, ...]] = []
        self.checkpoints: list[tuple[Any, ...]] = []
        self.writes: list[tuple[Any, ...]] = []
        self.seen: set[tuple[str, str, str]] = set()  # blob keys written (a version is shared by checkpoints)
        self.size = self.rows = 0

    def write(self, rec: dict[str, Any]) -> None:
        type_, value = rec["value"]
        value = stored(value) if value is not None else None
        self.writes.append((self.thread_id, rec["checkpoint_ns"], rec["checkpoint_id"], rec["task_id"],
                            rec["task_path"], rec["idx"], rec["channel"], type_, value))
        self.size += len(value or b"")
        self.rows += 1

    def checkpoint(self, rec: dict[str, Any]) -> None:
        cid = rec["checkpoint_id"]
        if "raw" in rec:
            raise LgttError(
                f"checkpoint {cid} is stored whole as {rec['raw'][0]!r} (encrypted, another "
                "serializer, or bytes that do not decode), which Postgres keeps per value",
                "encrypted or damaged threads move only between databases of the same kind (`lgtt check` names damage)",
            )
        if any(stored(data) != EMPTY_LIST for _, data in (rec.get("raw_fields") or {}).values()):
            raise LgttError(
                f"checkpoint {cid} keeps Send packets inline (SQLite, checkpoint format before "
                "v4), which Postgres keeps in the parent's writes",
                "copy the thread into a SQLite database instead",
            )
        if "metadata_raw" in rec:
            raise LgttError(f"checkpoint {cid}: its metadata is not JSON, which Postgres cannot store",
                            "repair the row in the source (see `lgtt check`) or leave that thread out")
        ns = rec["checkpoint_ns"]
        checkpoint = dict(rec["checkpoint"])
        versions = checkpoint.get("channel_versions") or {}
        inline: dict[str, Any] = {}
        for chan, (type_, data) in rec["values"].items():
            raw = stored(data)
            if type_ == "msgpack":
                is_prim, value = msgsplit.primitive(raw)
                if is_prim:
                    inline[chan] = value
                    continue
                if msgsplit.is_delta_snapshot(raw):
                    inline[chan] = True
            if chan not in versions:
                raise LgttError(f"checkpoint {cid}: channel {chan!r} has a value but no version",
                                "the export file is damaged; export the thread again")
            self._blob(ns, chan, str(versions[chan]), type_, raw)
        for chan in self.redacted & versions.keys():
            if chan not in rec["values"]:
                self._blob(ns, chan, str(versions[chan]), EMPTY, None)
        checkpoint["channel_values"] = inline
        metadata = rec.get("metadata")
        self.checkpoints.append((self.thread_id, ns, cid, rec["parent_checkpoint_id"], checkpoint,
                                 metadata if metadata is not None else {}))
        self.rows += 1

    def _blob(self, ns: str, chan: str, version: str, type_: str, raw: bytes | None) -> None:
        key = (ns, chan, version)
        if key in self.seen:
            return
        self.seen.add(key)
        self.blobs.append((self.thread_id, ns, chan, version, type_, raw))
        self.size += len(raw or b"")
        self.rows += 1

    def flush(self, conn: Any) -> None:
        from psycopg.types.json import Jsonb

        if self.copy:
            for sql, types, rows in ((COPY_BLOBS_SQL, BLOB_TYPES, self.blobs),
                                     (COPY_CHECKPOINTS_SQL, CHECKPOINT_TYPES, self.checkpoints),
                                     (COPY_WRITES_SQL, WRITE_TYPES, self.writes)):
                if rows:
                    with conn.cursor() as cur, cur.copy(sql) as cp:
                        cp.set_types(types)
                        for row in rows:
                            cp.write_row(row)
        else:
            with conn.pipeline(), conn.cursor() as cur:  # statements go out without waiting for each reply
                if self.blobs:
                    cur.executemany(INSERT_BLOB_SQL, self.blobs)
                if self.checkpoints:
                    cur.executemany(INSERT_CHECKPOINT_SQL, [(*r[:4], Jsonb(r[4]), Jsonb(r[5])) for r in self.checkpoints])
                if self.writes:
                    cur.executemany(INSERT_WRITE_SQL, self.writes)
        self.blobs.clear()
        self.checkpoints.clear()
        self.writes.clear()
        self.size = self.rows = 0


class Source:
    """What export and copy read of a PostgresStore."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def export_thread(self, thread_id: str, as_stored: bool = False) -> Iterator[dict[str, Any]]:
        """`as_stored` changes nothing: a Postgres checkpoint is several rows, rebuilt on import."""
        return export_thread(self.store.conn, thread_id)

    def value_types(self, thread_ids: Sequence[str]) -> list[str]:
        return value_types(self.store.conn, thread_ids)


def open_target(url: str) -> Any:
    """A read-write connection to `url`, its tables set up by PostgresSaver's own `setup()`."""
    from langgraph.checkpoint.postgres import PostgresSaver

    from lgtt.store.postgres.connect import connect

    conn = connect(url, read_only=False)
    PostgresSaver(conn).setup()
    return conn


@contextmanager
def target_transaction(conn: Any, thread_id: str) -> Iterator[None]:
    """One transaction for one imported thread, under a per-thread advisory lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (thread_id,))
        if conn.execute(LZ4_SQL).fetchone() is not None:
            # TOAST compression of the big values: lz4 is several times faster than the default pglz
            # (this transaction only; a column's own SET COMPRESSION still wins; reads are unchanged)
            conn.execute("SET LOCAL default_toast_compression = lz4")
        yield
