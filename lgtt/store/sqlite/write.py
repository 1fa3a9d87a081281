"""SQLite writes: copying a thread's path for `fork`, in one transaction, as raw rows."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgpack
from langgraph.checkpoint.sqlite import SqliteSaver

from lgtt.errors import LgttError
from lgtt.store import deadline

BUSY_TIMEOUT_MS = 30_000

PATH_LINKS_SQL = "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?"
NS_ROWS_SQL = "SELECT checkpoint_ns, checkpoint_id, metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns != ''"
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1"
# (ns, id) pairs arrive as one JSON array: no temp tables, no parameter limits.
PAIRS = "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
COPY_CHECKPOINTS_SQL = f"""
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
SELECT ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM checkpoints WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})
"""
COPY_WRITES_SQL = f"""
INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)
SELECT ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value
FROM writes WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) IN ({PAIRS})
"""
# A Command(update=…)'s writes (the null task's, less control writes), moved onto the fork head.
COPY_NULL_WRITES_SQL = """
INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value)
SELECT ?, checkpoint_ns, ?, task_id, task_path, idx, channel, type, value
FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
  AND task_id = '00000000-0000-0000-0000-000000000000'
  AND channel NOT IN ('__error__', '__interrupt__', '__resume__', '__error_source_node__')
"""
ROW_SQL = """
SELECT parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
"""
INSERT_CHECKPOINT_SQL = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def connect_readwrite(path: str, *, manual_transactions: bool = True) -> sqlite3.Connection:
    """A read-write connection to an existing file; no schema setup, no journal-mode change.
    `manual_transactions`: BEGIN/COMMIT are ours (else Python's sqlite3 opens them, as SqliteSaver expects)."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=rw"
    extra = {"isolation_level": None} if manual_transactions else {}
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, **extra)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    deadline.apply_sqlite(conn)
    return conn


def cannot_write(exc: sqlite3.Error) -> LgttError:
    """Why the write lock could not be taken, and what to do; nothing has run or changed yet."""
    if "readonly" in str(exc) or "read-only" in str(exc):
        return LgttError(f"cannot write the database ({exc}): the file or its folder is read-only for this user",
                         "reads work; fork, resume, prune and delete need write access to the file and its "
                         "folder. Nothing was run or changed")
    return LgttError(f"cannot lock the database for writing ({exc})",
                     "another process holds the write lock: retry when the app is idle. Nothing was run or changed")


def ensure_writable(path: str) -> None:
    """Take and release the write lock, so a command fails before running any node if it cannot write."""
    import os

    try:
        conn = connect_readwrite(path)
    except sqlite3.Error as exc:
        raise cannot_write(exc) from None
    try:
        # SQLite opens a write-protected file read-only without a word, and BEGIN IMMEDIATE still
        # succeeds: the first write would fail, after the graph's node ran. Check what it needs.
        folder = os.path.dirname(os.path.abspath(path))
        wal = conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        side = [f"{path}-wal", f"{path}-shm"] if wal else []
        if not os.access(path, os.W_OK) or not (os.access(folder, os.W_OK) or
                                                (side and all(os.access(f, os.W_OK) for f in side))):
            raise cannot_write(sqlite3.OperationalError("attempt to write a readonly database"))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise cannot_write(exc) from None
    finally:
        conn.close()


class _TxSqliteSaver(SqliteSaver):
    """The official saver, writing inside the caller's open transaction (it never commits)."""

    @contextmanager
    def cursor(self, transaction: bool = True) -> Iterator[sqlite3.Cursor]:
        cur = self.conn.cursor()
        try:
            yield cur
        finally:
            cur.close()


class SqliteWriter:
    """Transactions that change a SqliteSaver database."""

    def __init__(self, path: str, serde: Any, has_task_path: bool = True) -> None:
        self.conn = connect_readwrite(path)
        self.serde = serde
        self.has_task_path = has_task_path

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise cannot_write(exc) from None
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (disk full, I/O error): a failing ROLLBACK
            # ("no transaction is active") must not hide the error that caused it.
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            raise

    def thread_exists(self, thread_id: str) -> bool:
        return self.conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None

    def parent_links(self, thread_id: str, ns: str = "") -> dict[str, str | None]:
        return dict(self.conn.execute(PATH_LINKS_SQL, (thread_id, ns)).fetchall())

    def namespace_rows(self, thread_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(ns, cid, json.loads(meta) if meta else {}) for ns, cid, meta in self.conn.execute(NS_ROWS_SQL, (thread_id,))]

    def copy_rows(self, src: str, dst: str, checkpoints: Sequence[tuple[str, str]], writes: Sequence[tuple[str, str]]) -> int:
        """Copy checkpoints and writes (by (ns, id)) from `src` to `dst` byte for byte."""
        cur = self.conn.execute(COPY_CHECKPOINTS_SQL, (dst, src, json.dumps(list(checkpoints))))
        self.conn.execute(COPY_WRITES_SQL, (dst, src, json.dumps(list(writes))))
        return cur.rowcount

    def copy_null_writes(self, src: str, dst: str, ns: str, ref_id: str, head_id: str) -> int:
        """REF's Command(update=…) writes, byte for byte, as pending writes of the fork head."""
        return self.conn.execute(COPY_NULL_WRITES_SQL, (dst, head_id, src, ns, ref_id)).rowcount

    def raw_checkpoint(self, thread_id: str, ns: str, checkpoint_id: str) -> tuple[str | None, str, bytes, dict[str, Any]]:
        parent, type_, blob, meta = self.conn.execute(ROW_SQL, (thread_id, ns, checkpoint_id)).fetchone()
        return parent, type_, blob, json.loads(meta) if meta else {}

    def checkpoint_map(self, type_: str, blob: bytes) -> dict[str, Any]:
        """A stored checkpoint as its msgpack map (values stay as stored: ext-typed bytes)."""
        inner, plain = self.serde.unwrap((type_, blob))
        if inner != "msgpack":
            raise LgttError(f"cannot fork a checkpoint stored as {type_!r}", "only msgpack checkpoints (LangGraph >= 0.2) can be forked")
        return msgpack.unpackb(plain, raw=False, strict_map_key=False)

    def stored_checkpoint(self, type_: str, cp: dict[str, Any]) -> tuple[str, bytes]:
        """The map back as a stored blob, in the stored type (encrypted stays encrypted)."""
        return self.serde.wrap(("msgpack", msgpack.packb(cp, use_bin_type=True)), like=type_)

    def insert_raw(self, thread_id: str, ns: str, checkpoint_id: str, parent: str | None,
                   type_: str, blob: bytes, metadata: dict[str, Any]) -> None:
        meta = json.dumps(metadata, ensure_ascii=False).encode("utf-8", "ignore")
        self.conn.execute(INSERT_CHECKPOINT_SQL, (thread_id, ns, checkpoint_id, parent, type_, blob, meta))

    def tx_saver(self) -> SqliteSaver:
        saver = _TxSqliteSaver(self.conn, serde=self.serde)
        saver.is_setup = True
        saver._has_task_path = self.has_task_path
        return saver

    def close(self) -> None:
        self.conn.close()
