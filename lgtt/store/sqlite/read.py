"""SQLite backend: the tables `SqliteSaver` writes, read through a read-only connection."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from lgtt.errors import LgttError
from lgtt.store import deadline, scan
from lgtt.store.base import Bookkeeping, ThreadRow
from lgtt.store.common import (
    LazySerializer,
    damaged,
    describe,
    from_blob,
    from_edges,
    load_metadata,
    match_values,
    pending_sends,
    read_metadata,
    root_of,
)
from lgtt.store.migration import require_sqlite_migrated

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

    from lgtt.serde import StrictSerializer

TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table'"
COLUMNS_SQL = "SELECT name FROM pragma_table_info(?)"

HEADS_SQL = """
SELECT thread_id, COUNT(*) AS n, MAX(checkpoint_id) AS head
FROM checkpoints WHERE checkpoint_ns = '' GROUP BY thread_id
"""
# json_extract raises on a row whose metadata is not JSON: CASE (evaluated lazily) skips such rows.
WHERE_ANY_METADATA_SQL = """
EXISTS (SELECT 1 FROM checkpoints m WHERE m.thread_id = h.thread_id
        AND CASE WHEN json_valid(CAST(m.metadata AS TEXT)) THEN json_extract(CAST(m.metadata AS TEXT), ?) END IN (?, ?))
"""
HEAD_IDS_SQL = """
SELECT h.thread_id, h.n, h.head FROM ({heads}) h
{where}
ORDER BY {order}
{limit}
"""
# One batch of heads: (thread id, head id) pairs given as a VALUES list.
HEAD_ROWS_SQL = """
WITH b(t, c) AS (VALUES {values})
SELECT c.thread_id, c.rowid, c.checkpoint_id, c.parent_checkpoint_id, c.type, length(c.checkpoint),
       substr(c.checkpoint, 1, 256), substr(c.checkpoint, -{edge}), c.metadata
FROM b JOIN checkpoints c ON c.thread_id = b.t AND c.checkpoint_ns = '' AND c.checkpoint_id = b.c
"""
# By thread id (a join on the VALUES list gets an automatic index built over the whole table).
HEAD_WRITES_SQL = """
SELECT DISTINCT thread_id, checkpoint_id, task_id, channel FROM writes
WHERE thread_id IN ({marks}) AND checkpoint_ns = '' AND checkpoint_id IN ({heads})
"""
# In id order, without --where: grouped along the primary key, so LIMIT stops the scan early.
IDS_PAGE_SQL = """
SELECT thread_id, COUNT(*) AS n, MAX(checkpoint_id) AS head FROM checkpoints
WHERE checkpoint_ns = '' AND thread_id {op} ? GROUP BY thread_id ORDER BY thread_id {limit}
"""
HEAD_BATCH = 256
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1"
# The bookkeeping sits at the end of the msgpack map and v/ts/id at its start: read only those
# ends of each (possibly huge) state blob; the whole blob only when the ends do not parse.
EDGE = 16384
BOOKKEEPING_SQL = f"""
SELECT checkpoint_id, parent_checkpoint_id, type, length(checkpoint),
       substr(checkpoint, 1, 256), substr(checkpoint, -{EDGE}), metadata
FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? ORDER BY checkpoint_id
"""
BOOKKEEPING_AFTER_SQL = BOOKKEEPING_SQL.replace("ORDER BY", "AND checkpoint_id > ? ORDER BY")
# What identifies each row for the cache, read from the row headers (length() does not load a blob).
ROW_KEYS_SQL = """
SELECT checkpoint_id, parent_checkpoint_id, type, length(checkpoint), length(metadata) FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = ? ORDER BY checkpoint_id
"""
CHECKPOINT_BLOB_SQL = """
SELECT type, checkpoint FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
"""
IDS_SQL = "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? ORDER BY checkpoint_id"
IDS_AFTER_SQL = ("SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                 "AND checkpoint_id > ? ORDER BY checkpoint_id")
HEAD_BOOK_SQL = """
SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1
"""
SPECIAL_WRITES_SQL = """
SELECT checkpoint_id, task_id, channel FROM writes
WHERE thread_id = ? AND checkpoint_ns = ? AND (channel IN ('__error__', '__interrupt__', '__resume__')
     OR task_id = '00000000-0000-0000-0000-000000000000')
"""
TASK_PATHS_SQL = """
SELECT DISTINCT task_path FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
"""
NAMESPACES_SQL = """
SELECT checkpoint_ns, COUNT(*), MIN(checkpoint_id) FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns != '' GROUP BY checkpoint_ns
"""
METADATA_SQL = "SELECT metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?"
ALL_THREADS_SQL = "SELECT DISTINCT thread_id FROM checkpoints"
# Node names recorded by LangGraph before 1.0 in checkpoint metadata (`writes`: node -> its writes).
NODE_NAMES_SQL = """
SELECT DISTINCT j.key FROM checkpoints c, json_each(CAST(c.metadata AS TEXT), '$.writes') j
WHERE json_valid(CAST(c.metadata AS TEXT)) AND json_type(CAST(c.metadata AS TEXT), '$.writes') = 'object'
"""
LATEST_FORK_SQL = """
SELECT thread_id FROM checkpoints
WHERE CASE WHEN json_valid(CAST(metadata AS TEXT)) THEN json_extract(CAST(metadata AS TEXT), '$.lgtt_fork') END IS NOT NULL
ORDER BY checkpoint_id DESC LIMIT 1
"""

REQUIRED = {
    "checkpoints": {"thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "type", "checkpoint", "metadata"},
    "writes": {"thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx", "channel", "type", "value"},
}


def connect_readonly(path: str) -> sqlite3.Connection:
    """Open a SQLite file read-only; never creates it, never writes to it."""
    p = Path(path)
    if not p.exists():
        raise LgttError(f"database file not found: {path}", "check the --db path (lgtt never creates a database)")
    if p.is_dir():
        raise LgttError(f"{path} is a directory, not a database file", "pass the SQLite file itself to --db")
    uri = f"file:{quote(str(p.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        conn.execute(TABLES_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise LgttError(f"{path} is not a SQLite database", "pass the checkpoint database your app's SqliteSaver writes") from None
        if ("unable to open" in str(exc) or "readonly" in str(exc)) and not os.access(p.parent, os.W_OK):
            conn = _open_in_read_only_folder(p)
            deadline.apply_sqlite(conn)
            return conn
        raise LgttError(f"cannot open {path}: {exc}", "check the file's permissions") from None
    deadline.apply_sqlite(conn)
    return conn


def _open_in_read_only_folder(p: Path) -> sqlite3.Connection:
    """A WAL database whose -shm index this user cannot create or write (read-only file and folder).

    Without a -wal file (or an empty one) the main file is the whole database: read it immutable.
    A -wal file holding transactions is read from a private copy of the two files, so the newest
    checkpoints are there as LangGraph sees them; the original is never touched.
    """
    wal = Path(f"{p}-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        target = p
    else:
        import atexit
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="lgtt-ro-copy-"))
        atexit.register(shutil.rmtree, folder, True)
        target = folder / p.name
        shutil.copyfile(p, target)
        shutil.copyfile(wal, f"{target}-wal")
    mode = "immutable=1" if target == p else "mode=ro"
    conn = sqlite3.connect(f"file:{quote(str(target.resolve()))}?{mode}", uri=True, check_same_thread=False)
    try:
        conn.execute(TABLES_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LgttError(f"cannot read {p} in a read-only folder: {exc}",
                        "copy the database (and its -wal file) to a folder you can write") from None
    return conn


class SqliteStore:
    """Reads the `checkpoints` and `writes` tables of a SqliteSaver database."""

    kind = "sqlite"

    def __init__(self, path: str, serde: StrictSerializer | None = None, *, cache: bool = True) -> None:
        self.path = path
        self.display = path
        self._serde = serde
        self.conn = connect_readonly(path)
        self._check_schema()
        self._cache: Any = cache or None  # True: opened on first use (lgtt/store/cache.py)

    @property
    def serde(self) -> StrictSerializer:
        """The strict serializer (by default one built on first use: its import costs start-up time)."""
        if self._serde is None:
            self._serde = LazySerializer()
        return self._serde  # type: ignore[return-value]

    def _check_schema(self) -> None:
        tables = {r[0] for r in self.conn.execute(TABLES_SQL)}
        missing = [t for t in REQUIRED if t not in tables]
        if missing:
            raise LgttError(
                f"{self.path} has no LangGraph checkpoint tables (missing: {', '.join(missing)})",
                "point --db at the file your app's SqliteSaver writes",
            )
        for table, needed in REQUIRED.items():
            cols = {r[0] for r in self.conn.execute(COLUMNS_SQL, (table,))}
            if not needed <= cols:
                raise LgttError(
                    f"{self.path}: table {table!r} does not have the SqliteSaver layout "
                    f"(missing columns: {', '.join(sorted(needed - cols))})",
                    "lgtt reads databases written by langgraph-checkpoint-sqlite",
                )
        self.has_task_path = "task_path" in {r[0] for r in self.conn.execute(COLUMNS_SQL, ("writes",))}

    # -- reads -----------------------------------------------------------------
    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None) -> Iterator[ThreadRow]:
        """Threads newest first (or by id after `after`), read in bounded batches: only each head's
        bookkeeping is read, its state values are walked over in chunks, never loaded whole."""
        params: list[Any] = []
        clauses = []
        for key, value in where:
            clauses.append(WHERE_ANY_METADATA_SQL)
            params += [_json_path(key), *match_values(value)]
        if order == "id" and after is not None:
            clauses.append("h.thread_id > ?")
            params.append(after)
        sql = HEAD_IDS_SQL.format(
            heads=HEADS_SQL, where=("WHERE " + " AND ".join(clauses)) if clauses else "",
            order="h.thread_id" if order == "id" else "h.head DESC", limit="LIMIT ?" if limit else "")
        if order == "id" and not where:
            sql = IDS_PAGE_SQL.format(op=">=" if after is None else ">", limit="LIMIT ?" if limit else "")
            params = [after or ""]
        if limit:
            params.append(limit)
        cur = self.conn.execute(sql, params)
        while batch := cur.fetchmany(HEAD_BATCH):
            yield from self._head_rows(batch)

    def _head_rows(self, batch: list[tuple[str, int, str]]) -> list[ThreadRow]:
        values = ", ".join(["(?, ?)"] * len(batch))
        pairs = [x for tid, _, head in batch for x in (tid, head)]
        heads: dict[str, ThreadRow] = {}
        for tid, rowid, cid, parent, type_, size, start, end, meta in self.conn.execute(
                HEAD_ROWS_SQL.format(values=values, edge=EDGE), pairs):
            heads[tid] = ThreadRow(tid, 0, self._head_book(rowid, cid, parent, type_, size, start, end, meta), [])
        marks = ", ".join("?" * len(batch))  # every write of the heads: which tasks finished (live next)
        for tid, cid, task, chan in self.conn.execute(HEAD_WRITES_SQL.format(marks=marks, heads=marks),
                                                      [tid for tid, _, _ in batch] + [h for _, _, h in batch]):
            if tid in heads and heads[tid].head.checkpoint_id == cid:
                heads[tid].head_writes.append((task, chan))
        out = []
        for tid, n, _ in batch:
            row = heads[tid]
            row.checkpoints = n
            out.append(row)
        return out

    def _head_book(self, rowid: int, cid: str, parent: str | None, type_: str | None, size: int,
                   start: bytes, end: bytes, meta: Any) -> Bookkeeping:
        """A head's bookkeeping; a head that does not decode comes back marked (`damage`), never raises."""
        metadata, problem = read_metadata(meta)
        try:
            book = self._read_head(rowid, cid, parent, type_, size or 0, start, end, metadata)
        except LgttError as exc:
            if "encrypt" in exc.message or "decrypt" in exc.message:
                raise
            return damaged(cid, parent, "", metadata, describe(exc))
        except Exception as exc:
            return damaged(cid, parent, "", metadata, describe(exc))
        if problem and not book.damage:
            book.damage = problem
        return book

    def _read_head(self, rowid: int, cid: str, parent: str | None, type_: str | None, size: int,
                   start: bytes, end: bytes, meta: dict[str, Any]) -> Bookkeeping:
        """A head's bookkeeping with exact `present`, reading its blob in chunks."""
        book = from_edges(start, end, cid, parent, "", meta) if type_ == "msgpack" and size > EDGE else None
        if book is None:
            blob = end if size <= EDGE else self._blob_by_rowid(rowid)
            return from_blob(type_, blob, cid, parent, "", meta, self.serde, full=True)
        with self.conn.blobopen("checkpoints", "checkpoint", rowid, readonly=True) as blob:
            def read_at(offset: int, n: int) -> bytes:
                blob.seek(offset)
                return blob.read(n)

            book.present, raw = scan.present_streaming(read_at, size)
        book.internal = {k: self.serde.loads_typed(("msgpack", v)) for k, v in raw.items()}
        return book

    def _blob_by_rowid(self, rowid: int) -> bytes:
        return self.conn.execute("SELECT checkpoint FROM checkpoints WHERE rowid = ?", (rowid,)).fetchone()[0]

    def thread_exists(self, thread_id: str) -> bool:
        return self.conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchone() is not None

    @property
    def cache(self) -> Any:
        """The bookkeeping cache of this file (None when disabled or unusable)."""
        if self._cache is True:
            from lgtt.store.cache import open_cache

            self._cache = open_cache(self.path)
        return self._cache

    def bookkeeping(self, thread_id: str, ns: str = "") -> list[Bookkeeping]:
        if self.cache is None:
            return self._bookkeeping(thread_id, ns)
        keys = self.conn.execute(ROW_KEYS_SQL, (thread_id, ns)).fetchall()
        return self.cache.bookkeeping(thread_id, ns, keys, lambda after: self._bookkeeping(thread_id, ns, after),
                                      lambda raw: self.serde.loads_typed(("msgpack", raw)))

    def _bookkeeping(self, thread_id: str, ns: str, after: str | None = None) -> list[Bookkeeping]:
        """The namespace's rows (those after checkpoint id `after`), read from the database."""
        out = []
        cur = self.conn.execute(*((BOOKKEEPING_SQL, (thread_id, ns)) if after is None
                                  else (BOOKKEEPING_AFTER_SQL, (thread_id, ns, after))))
        while batch := cur.fetchmany(256):
            for cid, parent, type_, size, start, end, meta in batch:
                book = None
                if type_ == "msgpack" and (size or 0) > EDGE:
                    metadata, problem = read_metadata(meta)
                    book = from_edges(start, end, cid, parent, ns, metadata)
                    if book is not None and problem and not book.damage:
                        book.damage = problem
                if book is None:
                    blob = end if (size or 0) <= EDGE else self._blob(thread_id, ns, cid)[1]
                    book = self._read_book(type_, blob, cid, parent, ns, meta, full=False)
                out.append(book)
        return out

    def _read_book(self, type_: str | None, blob: Any, cid: str, parent: str | None, ns: str, meta: Any,
                   *, full: bool) -> Bookkeeping:
        """A row's bookkeeping; a row that does not decode comes back marked (`damage`), never raises."""
        metadata, problem = read_metadata(meta)
        try:
            if blob is None:
                raise ValueError("the checkpoint is NULL")
            book = from_blob(type_, bytes(blob), cid, parent, ns, metadata, self.serde, full=full)
        except LgttError as exc:
            if "encrypt" in exc.message or "decrypt" in exc.message:
                raise
            return damaged(cid, parent, ns, metadata, describe(exc))
        except Exception as exc:
            return damaged(cid, parent, ns, metadata, describe(exc))
        if problem and not book.damage:
            book.damage = problem
        return book

    def _blob(self, thread_id: str, ns: str, checkpoint_id: str) -> tuple[str, bytes]:
        return self.conn.execute(CHECKPOINT_BLOB_SQL, (thread_id, ns, checkpoint_id)).fetchone()

    def complete(self, thread_id: str, rows: Sequence[Bookkeeping]) -> None:
        done = []  # what the cache keeps of plain msgpack rows
        for row in rows:
            if row.present is not None:
                continue
            stored, blob = self._blob(thread_id, row.ns, row.checkpoint_id)
            type_ = stored
            if type_ != "msgpack":
                type_, blob = self.serde.unwrap((type_, blob))
            try:
                fields, present, raw = scan.full_fields(blob)
                row.internal = {k: self.serde.loads_typed((type_, v)) for k, v in raw.items()}
                row.pending_sends = pending_sends(fields, self.serde)
                row.present = present
            except Exception as exc:  # the ends parsed but the values do not: nothing runs from it
                row.present, row.internal, row.pending_sends = set(), {}, None
                row.damage = row.damage or describe(exc)
                continue
            if stored == "msgpack":
                done.append((row.ns, row.checkpoint_id, row.present, raw, fields.get(scan.PENDING_SENDS)))
        if done and self.cache is not None:
            self.cache.completed(thread_id, done)

    def head_bookkeeping(self, thread_id: str) -> Bookkeeping | None:
        """The root namespace's latest checkpoint's bookkeeping (None for an unknown thread)."""
        row = self.conn.execute(HEAD_BOOK_SQL, (thread_id,)).fetchone()
        if row is None:
            return None
        cid, parent, type_, blob, meta = row
        return self._read_book(type_, blob, cid, parent, "", meta, full=False)

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]:
        return [r[0] for r in self.conn.execute(IDS_SQL, (thread_id, ns))]

    def checkpoint_ids_after(self, thread_id: str, ns: str, after: str) -> list[str]:
        """The namespace's checkpoint ids newer than `after` (what `--follow` polls for)."""
        return [r[0] for r in self.conn.execute(IDS_AFTER_SQL, (thread_id, ns, after))]

    def task_paths(self, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
        """The task paths of one checkpoint's pending writes (older tables have none)."""
        if not self.has_task_path:
            return []
        return [r[0] for r in self.conn.execute(TASK_PATHS_SQL, (thread_id, ns, checkpoint_id))]

    def special_writes(self, thread_id: str, ns: str, checkpoint_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        wanted = set(checkpoint_ids)
        out: dict[str, list[tuple[str, str]]] = {}
        for cid, task, chan in self.conn.execute(SPECIAL_WRITES_SQL, (thread_id, ns)):
            if cid in wanted:
                out.setdefault(cid, []).append((task, chan))
        return out

    def namespaces(self, thread_id: str) -> dict[str, tuple[int, str | None]]:
        out: dict[str, tuple[int, str | None]] = {}
        for ns, n, first in self.conn.execute(NAMESPACES_SQL, (thread_id,)).fetchall():
            (meta,) = self.conn.execute(METADATA_SQL, (thread_id, ns, first)).fetchone()
            out[ns] = (n, root_of(load_metadata(meta)))
        return out

    def get_tuple(self, thread_id: str, ns: str, checkpoint_id: str | None,
                  json_values: bool = False) -> CheckpointTuple | None:
        """`json_values`: values come back in their stored JSON-ish form, no objects are built."""
        conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
        if checkpoint_id:
            conf["checkpoint_id"] = checkpoint_id
        from lgtt.serde import StrictSerializer

        return self.saver(StrictSerializer(to_json=True) if json_values else None).get_tuple({"configurable": conf})

    def saver(self, serde: Any = None) -> BaseCheckpointSaver:
        from langgraph.checkpoint.sqlite import SqliteSaver

        saver = SqliteSaver(self.conn, serde=serde or self.serde)
        saver.is_setup = True  # setup() would switch to WAL and create tables: never on a read
        saver._has_task_path = self.has_task_path
        return saver

    def node_names(self) -> set[str]:
        """Every node name pre-1.0 metadata (`writes`) records, database-wide (lgtt/ops/oldtasks.py)."""
        try:
            return {r[0] for r in self.conn.execute(NODE_NAMES_SQL) if isinstance(r[0], str)}
        except sqlite3.Error:
            return set()

    def iter_threads(self) -> Iterator[str]:
        for (tid,) in self.conn.execute(ALL_THREADS_SQL):
            yield tid

    def writer(self) -> Any:
        """A read-write connection for destructive commands (fork, prune, delete)."""
        from lgtt.store.sqlite.write import SqliteWriter, ensure_writable

        self.require_migrated()
        ensure_writable(self.path)
        return SqliteWriter(self.path, self.serde, self.has_task_path)

    def health(self) -> Any:
        from lgtt.store.sqlite import health

        return health

    def pruner(self, *, read_only: bool = False) -> Any:
        from lgtt.store.sqlite.prune import SqlitePrune

        return SqlitePrune(self, read_only)

    def transfer(self) -> Any:
        from lgtt.store.sqlite.transfer import Source

        return Source(self)

    def require_migrated(self) -> None:
        """Refuse any write before LangGraph has migrated the file (see lgtt/store/migration.py)."""
        require_sqlite_migrated(self.path, self.has_task_path)

    def latest_fork(self) -> str | None:
        """The thread of the newest fork checkpoint lgtt wrote, if any."""
        row = self.conn.execute(LATEST_FORK_SQL).fetchone()
        return row[0] if row else None

    @contextmanager
    def run_saver(self) -> Iterator[BaseCheckpointSaver]:
        """The official SqliteSaver on a read-write connection, for running the graph (no setup: the tables exist)."""
        from langgraph.checkpoint.sqlite import SqliteSaver

        from lgtt.store.sqlite.write import connect_readwrite, ensure_writable

        self.require_migrated()
        ensure_writable(self.path)
        conn = connect_readwrite(self.path, manual_transactions=False)
        saver = SqliteSaver(conn, serde=self.serde)
        saver.is_setup = True
        saver._has_task_path = self.has_task_path
        try:
            yield saver
        finally:
            conn.close()

    @asynccontextmanager
    async def async_run_saver(self) -> AsyncIterator[BaseCheckpointSaver]:
        """AsyncSqliteSaver for graphs with async nodes."""
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        from lgtt.store.sqlite.write import BUSY_TIMEOUT_MS, ensure_writable

        self.require_migrated()
        ensure_writable(self.path)
        conn = await aiosqlite.connect(f"file:{quote(str(Path(self.path).resolve()))}?mode=rw", uri=True)
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        saver = AsyncSqliteSaver(conn, serde=self.serde)
        saver.is_setup = True
        try:
            yield saver
        finally:
            await conn.close()

    def close(self) -> None:
        if self._cache not in (None, True):
            self._cache.close()
        self.conn.close()


def _json_path(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'
