"""SQLite rows in and out of lgtt's backend-neutral transfer records (export, import, copy)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lgtt.errors import LgttError
from lgtt.store import msgsplit
from lgtt.store.transfer import merge_rows, stored

# Byte order (BINARY collation) for ns and ids, as Postgres exports with COLLATE "C".
CHECKPOINT_ROWS_SQL = """
SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM checkpoints WHERE thread_id = ? ORDER BY checkpoint_ns, checkpoint_id
"""
WRITE_ROWS_SQL = """
SELECT checkpoint_ns, checkpoint_id, task_id, {task_path}, idx, channel, type, value
FROM writes WHERE thread_id = ? ORDER BY checkpoint_ns, checkpoint_id, task_id, idx
"""
TYPES_SQL = """
SELECT type FROM checkpoints WHERE thread_id IN (SELECT value FROM json_each(?))
UNION SELECT type FROM writes WHERE thread_id IN (SELECT value FROM json_each(?))
"""
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1"
INSERT_CHECKPOINT_SQL = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""
INSERT_WRITE_SQL = """
INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
BATCH_BYTES = 8 << 20  # rows per executemany: memory stays flat however long the thread
BATCH_ROWS = 1000


def value_types(conn: sqlite3.Connection, thread_ids: Sequence[str]) -> list[str]:
    ids = json.dumps(list(thread_ids))
    return sorted(t for (t,) in conn.execute(TYPES_SQL, (ids, ids)) if t is not None)


def export_thread(conn: sqlite3.Connection, thread_id: str, has_task_path: bool = True,
                  as_stored: bool = False) -> Iterator[dict[str, Any]]:
    """The thread's checkpoint and write records (values as stored bytes), each checkpoint
    followed by its writes. `as_stored`: every checkpoint row whole, for a SQLite target."""
    checkpoints = (_checkpoint_record(thread_id, *row, as_stored=as_stored)
                   for row in conn.execute(CHECKPOINT_ROWS_SQL, (thread_id,)))
    sql = WRITE_ROWS_SQL.format(task_path="task_path" if has_task_path else "''")
    writes = (_write_record(thread_id, *row) for row in conn.execute(sql, (thread_id,)))
    return merge_rows(checkpoints, writes)


def _checkpoint_record(thread_id: str, ns: str, cid: str, parent: str | None, type_: str | None,
                       blob: bytes, metadata: bytes | str | None, as_stored: bool = False) -> dict[str, Any]:
    rec: dict[str, Any] = {"record": "checkpoint", "thread_id": thread_id, "checkpoint_ns": ns,
                           "checkpoint_id": cid, "parent_checkpoint_id": parent}
    split = None
    if type_ == "msgpack" and blob is not None and not as_stored:
        try:
            split = msgsplit.split(blob)
        except Exception:  # noqa: BLE001  a damaged row (`lgtt check` names it) is kept as stored
            split = None
    if split is not None:
        fields, raw_fields, values = split
        rec["checkpoint"] = fields
        if raw_fields:  # pending_sends of formats before v4: Send packets kept as stored
            rec["raw_fields"] = {k: ["msgpack", v] for k, v in raw_fields.items()}
        rec["values"] = {chan: ["msgpack", raw] for chan, raw in sorted(values.items())}
    else:  # encrypted, another serializer or damaged: the row as stored, readable only by the same backend
        rec["raw"] = [type_, bytes(blob or b"")]
    rec.update(_metadata_field(metadata))
    return rec


def _metadata_field(metadata: bytes | str | None) -> dict[str, Any]:
    if metadata is None:
        return {"metadata": None}
    text = metadata.decode("utf-8", "replace") if isinstance(metadata, bytes) else metadata
    try:
        return {"metadata": json.loads(text)}
    except ValueError:
        return {"metadata_raw": text}


def _write_record(thread_id: str, ns: str, cid: str, task_id: str, task_path: str, idx: int,
                  channel: str, type_: str | None, value: bytes | None) -> dict[str, Any]:
    return {"record": "write", "thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": cid,
            "task_id": task_id, "task_path": task_path or "", "idx": idx, "channel": channel,
            "value": [type_, value]}


def thread_exists(conn: sqlite3.Connection, thread_id: str) -> bool:
    return conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None


def import_thread(conn: sqlite3.Connection, thread_id: str, records: Iterable[dict[str, Any]],
                  redacted: Collection[str] = ()) -> tuple[int, int]:
    """Insert one thread's records as SqliteSaver would have stored them (caller holds the
    transaction), in batches of about BATCH_BYTES. Returns (checkpoints, writes)."""
    n_cp = n_w = size = 0
    cps: list[tuple[Any, ...]] = []
    ws: list[tuple[Any, ...]] = []
    for rec in records:
        if rec["record"] == "checkpoint":
            type_, blob = _checkpoint_blob(rec)
            cps.append((thread_id, rec["checkpoint_ns"], rec["checkpoint_id"], rec["parent_checkpoint_id"],
                        type_, blob, _metadata_bytes(rec)))
            n_cp += 1
            size += len(blob)
        else:
            type_, value = rec["value"]
            value = stored(value) if value is not None else None
            ws.append((thread_id, rec["checkpoint_ns"], rec["checkpoint_id"], rec["task_id"],
                       rec["task_path"], rec["idx"], rec["channel"], type_, value))
            n_w += 1
            size += len(value or b"")
        if size >= BATCH_BYTES or len(cps) + len(ws) >= BATCH_ROWS:
            _flush(conn, cps, ws)
            size = 0
    _flush(conn, cps, ws)
    return n_cp, n_w


def _flush(conn: sqlite3.Connection, cps: list[tuple[Any, ...]], ws: list[tuple[Any, ...]]) -> None:
    if cps:
        conn.executemany(INSERT_CHECKPOINT_SQL, cps)
        cps.clear()
    if ws:
        conn.executemany(INSERT_WRITE_SQL, ws)
        ws.clear()


def _checkpoint_blob(rec: dict[str, Any]) -> tuple[str, bytes]:
    if "raw" in rec:
        type_, data = rec["raw"]
        return type_, stored(data)
    values: dict[str, bytes] = {}
    for chan, (type_, data) in rec["values"].items():
        if type_ != "msgpack":
            raise LgttError(
                f"checkpoint {rec['checkpoint_id']}: channel {chan!r} is stored as {type_!r}, which SQLite "
                "cannot hold inside a plain msgpack checkpoint",
                "encrypted threads move only between databases of the same kind",
            )
        values[chan] = stored(data)
    raw_fields = {k: stored(data) for k, (_, data) in (rec.get("raw_fields") or {}).items()}
    return "msgpack", msgsplit.join(rec["checkpoint"], values, raw_fields)


def _metadata_bytes(rec: dict[str, Any]) -> bytes | None:
    if "metadata_raw" in rec:
        return rec["metadata_raw"].encode("utf-8")
    if rec["metadata"] is None:
        return None
    return json.dumps(rec["metadata"], ensure_ascii=False).encode("utf-8", "ignore")


class Source:
    """What export and copy read of a SqliteStore."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def export_thread(self, thread_id: str, as_stored: bool = False) -> Iterator[dict[str, Any]]:
        return export_thread(self.store.conn, thread_id, self.store.has_task_path, as_stored)

    def value_types(self, thread_ids: Sequence[str]) -> list[str]:
        return value_types(self.store.conn, thread_ids)


def open_target(path: str) -> sqlite3.Connection:
    """A read-write connection to `path`, its tables set up by SqliteSaver's own `setup()`.

    A file this call creates is filled with a rollback journal (each page written once; in WAL
    mode it is written to the log, then copied into the file) and given back the WAL mode
    `setup()` chose when it is closed (`close_target`). An existing file keeps its journal mode."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    if Path(path).is_dir():
        raise LgttError(f"{path} is a directory, not a database file", "pass a SQLite file path")
    fresh = not Path(path).exists() or Path(path).stat().st_size == 0
    try:
        conn = sqlite3.connect(path, check_same_thread=False)
        SqliteSaver(conn).setup()
    except sqlite3.Error as exc:
        raise LgttError(f"cannot open {path} for writing: {exc}", "check that its folder exists and is writable") from None
    conn.isolation_level = None
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")  # this connection only: fsync at checkpoints, not every commit
    conn.execute("PRAGMA cache_size = -16384")  # 16 MB of pages before a transaction spills
    if fresh:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete":
            _RESTORE[id(conn)] = mode
    return conn


JOURNAL_MODES = {"wal", "delete", "truncate", "persist", "memory", "off"}
_RESTORE: dict[int, str] = {}  # connections of files made by open_target: the journal mode setup() chose


def close_target(conn: sqlite3.Connection) -> None:
    """Close an open_target connection, giving a file it created the journal mode setup() chose."""
    mode = _RESTORE.pop(id(conn), None)
    try:
        if mode in JOURNAL_MODES and not conn.in_transaction:
            conn.execute(f"PRAGMA journal_mode = {mode}")
    finally:
        conn.close()


@contextmanager
def target_transaction(conn: sqlite3.Connection, thread_id: str) -> Iterator[None]:
    """One write transaction for one imported thread (BEGIN IMMEDIATE: no other writer meanwhile)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
