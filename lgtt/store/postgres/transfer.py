"""Postgres rows in and out of lgtt's backend-neutral transfer records (export, import, copy).

PostgresSaver keeps primitives (None, bool, int, float, str) inline in the checkpoint's jsonb and
every other value as a `checkpoint_blobs` row shared by version; a DeltaChannel snapshot is a blob
plus an inline `true`. A record carries each checkpoint's values whole (the SQLite shape), as
msgpack bytes, so both backends export the same file for the same thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lgtt.store import msgsplit
from lgtt.store.transfer import b64, merge_rows, unb64

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
BATCH = 200
EMPTY_LIST = b"\x90"  # msgpack of []


def value_types(conn: Any, thread_ids: Sequence[str]) -> list[str]:
    types = {r["type"] for r in conn.execute(TYPES_SQL, {"ids": list(thread_ids)})}
    return sorted(types | {"msgpack"} - {None})


def export_thread(conn: Any, thread_id: str) -> Iterator[dict[str, Any]]:
    """The thread's records, streamed through server-side cursors in one read-only transaction."""
    with conn.transaction():
        with conn.cursor(name="lgtt_export_checkpoints") as ccur, conn.cursor(name="lgtt_export_writes") as wcur:
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
        values[chan] = [type_, b64(bytes(blob))]
    for chan, value in inline.items():
        if chan not in values:  # an inline `true` beside a blob marks a DeltaChannel snapshot
            values[chan] = ["msgpack", b64(msgsplit.pack_primitive(value))]
    return {"record": "checkpoint", "thread_id": thread_id, "checkpoint_ns": r["checkpoint_ns"],
            "checkpoint_id": r["checkpoint_id"], "parent_checkpoint_id": r["parent_checkpoint_id"],
            "checkpoint": fields, "values": dict(sorted(values.items())), "metadata": r["metadata"]}


def _write_record(thread_id: str, r: dict[str, Any]) -> dict[str, Any]:
    blob = r["blob"]
    return {"record": "write", "thread_id": thread_id, "checkpoint_ns": r["checkpoint_ns"],
            "checkpoint_id": r["checkpoint_id"], "task_id": r["task_id"], "task_path": r["task_path"] or "",
            "idx": r["idx"], "channel": r["channel"],
            "value": [r["type"], b64(bytes(blob)) if blob is not None else None]}


def thread_exists(conn: Any, thread_id: str) -> bool:
    return conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None


def import_thread(conn: Any, thread_id: str, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Insert one thread's records as PostgresSaver would have stored them (caller holds the
    transaction). Returns (checkpoints, writes)."""
    from psycopg.types.json import Jsonb

    from lgtt.errors import LgttError

    n_cp = n_w = 0
    with conn.pipeline(), conn.cursor() as cur:  # statements go out without waiting for each reply
        for rec in records:
            if rec["record"] == "write":
                type_, value = rec["value"]
                cur.execute(INSERT_WRITE_SQL, (thread_id, rec["checkpoint_ns"], rec["checkpoint_id"], rec["task_id"],
                                               rec["task_path"], rec["idx"], rec["channel"], type_,
                                               unb64(value) if value is not None else None))
                n_w += 1
                continue
            if "raw" in rec:
                raise LgttError(
                    f"checkpoint {rec['checkpoint_id']} is stored whole as {rec['raw'][0]!r} (encrypted, another "
                    "serializer, or bytes that do not decode), which Postgres keeps per value",
                    "encrypted or damaged threads move only between databases of the same kind (`lgtt check` names damage)",
                )
            if any(unb64(data) != EMPTY_LIST for _, data in (rec.get("raw_fields") or {}).values()):
                raise LgttError(
                    f"checkpoint {rec['checkpoint_id']} keeps Send packets inline (SQLite, checkpoint format before "
                    "v4), which Postgres keeps in the parent's writes",
                    "copy the thread into a SQLite database instead",
                )
            ns = rec["checkpoint_ns"]
            checkpoint = dict(rec["checkpoint"])
            versions = checkpoint.get("channel_versions") or {}
            inline: dict[str, Any] = {}
            blobs = []
            for chan, (type_, data) in rec["values"].items():
                raw = unb64(data)
                if type_ == "msgpack":
                    is_prim, value = msgsplit.primitive(raw)
                    if is_prim:
                        inline[chan] = value
                        continue
                    if msgsplit.is_delta_snapshot(raw):
                        inline[chan] = True
                if chan not in versions:
                    raise LgttError(f"checkpoint {rec['checkpoint_id']}: channel {chan!r} has a value but no version",
                                    "the export file is damaged; export the thread again")
                blobs.append((thread_id, ns, chan, str(versions[chan]), type_, raw))
            if blobs:
                cur.executemany(INSERT_BLOB_SQL, blobs)
            checkpoint["channel_values"] = inline
            metadata = rec.get("metadata")
            if "metadata_raw" in rec:
                raise LgttError(f"checkpoint {rec['checkpoint_id']}: its metadata is not JSON, which Postgres cannot store",
                                "repair the row in the source (see `lgtt check`) or leave that thread out")
            cur.execute(INSERT_CHECKPOINT_SQL, (thread_id, ns, rec["checkpoint_id"], rec["parent_checkpoint_id"],
                                                Jsonb(checkpoint), Jsonb(metadata) if metadata is not None else None))
            n_cp += 1
    return n_cp, n_w


class Source:
    """What export and copy read of a PostgresStore."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def export_thread(self, thread_id: str) -> Iterator[dict[str, Any]]:
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
        yield
