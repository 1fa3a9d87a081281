"""PostgreSQL backend: the tables `PostgresSaver` writes, read in read-only transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from lgtt.dburl import redact
from lgtt.errors import LgttError
from lgtt.store.base import Bookkeeping, ThreadRow
from lgtt.store.common import (
    LazySerializer,
    damaged,
    describe,
    load_metadata,
    match_values,
    read_metadata,
    root_of,
    version_problem,
)
from lgtt.store.migration import require_postgres_migrated
from lgtt.store.postgres import old as postgres_old
from lgtt.store.postgres.connect import connect

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

    from lgtt.serde import StrictSerializer

TABLES_SQL = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = ANY(current_schemas(false))
  AND table_name IN ('checkpoints', 'checkpoint_blobs', 'checkpoint_writes', 'checkpoint_migrations')
"""
CHECKPOINT_COLUMNS_SQL = """
SELECT column_name FROM information_schema.columns
WHERE table_schema = ANY(current_schemas(false)) AND table_name = 'checkpoints'
"""
MIGRATION_SQL = "SELECT max(v) FROM checkpoint_migrations"

# Which channels hold a value: inline primitives in the jsonb, or a non-empty blob at the
# checkpoint's version. Blob presence is read once per thread (or per set of heads) and joined
# in Python: a per-row subquery over jsonb_each is planned badly and goes quadratic.
# A damaged row (a checkpoint or a field that is not a JSON object) must not fail the query for all.
def _object(expr: str) -> str:
    return f"CASE WHEN jsonb_typeof({expr}) = 'object' THEN {expr} ELSE jsonb_build_object() END"


BOOKKEEPING_COLUMNS = f"""
c.thread_id, c.checkpoint_id, c.parent_checkpoint_id, {_object('c.checkpoint')} - 'channel_values' AS book, c.metadata,
ARRAY(SELECT jsonb_object_keys({_object("c.checkpoint -> 'channel_values'")})) AS inline_keys
"""
INTERNAL_CHANNEL = "(channel LIKE 'join:%%' OR channel LIKE 'branch:to:%%' OR channel = '__pregel_tasks')"
BLOB_VERSIONS_SQL = f"""
SELECT channel, version, CASE WHEN {INTERNAL_CHANNEL} THEN type END AS type,
       CASE WHEN {INTERNAL_CHANNEL} THEN blob END AS blob
FROM checkpoint_blobs WHERE thread_id = %s AND checkpoint_ns = %s AND type <> 'empty'
"""
HEADS_SQL = """
SELECT thread_id, count(*) AS n, max(checkpoint_id) AS head
FROM checkpoints WHERE checkpoint_ns = '' GROUP BY thread_id
"""
WHERE_ANY_METADATA_SQL = """
EXISTS (SELECT 1 FROM checkpoints m WHERE m.thread_id = h.thread_id
        AND (m.metadata @> %s::jsonb OR m.metadata @> %s::jsonb))
"""
HEAD_IDS_SQL = """
SELECT h.thread_id, h.n, h.head FROM ({heads}) h
{where}
ORDER BY {order}
{limit}
"""
# A loose index scan: the next `limit` thread ids after a given one, each found by the primary key.
NEXT_IDS_SQL = """
WITH RECURSIVE t(tid) AS (
    SELECT min(thread_id) FROM checkpoints WHERE {first}
    UNION ALL
    SELECT (SELECT min(thread_id) FROM checkpoints WHERE thread_id > t.tid) FROM t WHERE t.tid IS NOT NULL
)
SELECT tid FROM t WHERE tid IS NOT NULL LIMIT %s
"""
# Heads (in the order of the ids given) of threads, each found by the primary key.
HEADS_OF_SQL = """
SELECT u.tid AS thread_id,
       (SELECT count(*) FROM checkpoints c WHERE c.thread_id = u.tid AND c.checkpoint_ns = '') AS n,
       (SELECT max(checkpoint_id) FROM checkpoints c WHERE c.thread_id = u.tid AND c.checkpoint_ns = '') AS head
FROM unnest(%s::text[]) WITH ORDINALITY u(tid, i) ORDER BY u.i
"""
NEWEST_INDEX = "lgtt_checkpoints_newest"
NEWEST_SQL = "SELECT thread_id FROM checkpoints WHERE checkpoint_ns = '' ORDER BY checkpoint_id DESC"
INDEX_VALID_SQL = "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)"
# One batch of heads, given as parallel arrays of thread ids and head ids.
HEAD_ROWS_SQL = f"""
SELECT {BOOKKEEPING_COLUMNS}
FROM unnest(%s::text[], %s::text[]) b(t, h)
JOIN checkpoints c ON c.thread_id = b.t AND c.checkpoint_ns = '' AND c.checkpoint_id = b.h
"""
HEAD_BLOBS_SQL = f"""
SELECT c.thread_id, b.channel, b.version,
       CASE WHEN {INTERNAL_CHANNEL.replace('channel', 'b.channel')} THEN b.type END AS type,
       CASE WHEN {INTERNAL_CHANNEL.replace('channel', 'b.channel')} THEN b.blob END AS blob
FROM unnest(%s::text[], %s::text[]) h(t, h)
JOIN checkpoints c ON c.thread_id = h.t AND c.checkpoint_ns = '' AND c.checkpoint_id = h.h
CROSS JOIN LATERAL jsonb_each_text({_object("c.checkpoint -> 'channel_versions'")}) v
JOIN checkpoint_blobs b ON b.thread_id = c.thread_id AND b.checkpoint_ns = '' AND b.channel = v.key
    AND b.version = v.value
WHERE b.type <> 'empty'
"""
HEAD_WRITES_SQL = """
SELECT DISTINCT w.thread_id, w.task_id, w.channel
FROM unnest(%s::text[], %s::text[]) h(t, h)
JOIN checkpoint_writes w ON w.thread_id = h.t AND w.checkpoint_ns = '' AND w.checkpoint_id = h.h
"""
HEAD_BATCH = 500
THREAD_EXISTS_SQL = "SELECT 1 FROM checkpoints WHERE thread_id = %s LIMIT 1"
BOOKKEEPING_SQL = f"""
SELECT {BOOKKEEPING_COLUMNS}
FROM checkpoints c WHERE c.thread_id = %s AND c.checkpoint_ns = %s ORDER BY c.checkpoint_id
"""
IDS_SQL = "SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = %s ORDER BY checkpoint_id"
IDS_AFTER_SQL = ("SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = %s "
                 "AND checkpoint_id > %s ORDER BY checkpoint_id")
HEAD_BOOK_SQL = f"""
SELECT {BOOKKEEPING_COLUMNS}
FROM checkpoints c WHERE c.thread_id = %s AND c.checkpoint_ns = '' ORDER BY c.checkpoint_id DESC LIMIT 1
"""
SPECIAL_WRITES_SQL = """
SELECT checkpoint_id, task_id, channel FROM checkpoint_writes
WHERE thread_id = %s AND checkpoint_ns = %s AND (channel IN ('__error__', '__interrupt__', '__resume__')
     OR task_id = '00000000-0000-0000-0000-000000000000')
"""
TASK_PATHS_SQL = """
SELECT DISTINCT task_path FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = %s
"""
NAMESPACES_SQL = """
SELECT DISTINCT ON (checkpoint_ns) checkpoint_ns, count(*) OVER (PARTITION BY checkpoint_ns), metadata
FROM checkpoints WHERE thread_id = %s AND checkpoint_ns <> ''
ORDER BY checkpoint_ns, checkpoint_id
"""
ALL_THREADS_SQL = "SELECT DISTINCT thread_id FROM checkpoints"
# Node names recorded by LangGraph before 1.0 in checkpoint metadata (`writes`: node -> its writes).
NODE_NAMES_SQL = """
SELECT DISTINCT k FROM checkpoints,
    jsonb_object_keys(CASE WHEN jsonb_typeof(metadata -> 'writes') = 'object' THEN metadata -> 'writes' END) AS k
"""
WRITE_PRIVILEGES_SQL = """
SELECT current_user AS role, pg_is_in_recovery() AS standby,
       array_remove(ARRAY[
         CASE WHEN NOT (has_table_privilege('checkpoints', 'INSERT') AND has_table_privilege('checkpoints', 'UPDATE'))
              THEN 'checkpoints' END,
         CASE WHEN NOT (has_table_privilege('checkpoint_writes', 'INSERT')
                        AND has_table_privilege('checkpoint_writes', 'UPDATE')) THEN 'checkpoint_writes' END,
         CASE WHEN NOT (has_table_privilege('checkpoint_blobs', 'INSERT')
                        AND has_table_privilege('checkpoint_blobs', 'UPDATE')) THEN 'checkpoint_blobs' END
       ], NULL) AS missing
"""
LATEST_FORK_SQL = """
SELECT thread_id FROM checkpoints WHERE metadata ? 'lgtt_fork'
ORDER BY checkpoint_id DESC LIMIT 1
"""


KNOWN_SCHEMA = 9  # checkpoint schema version of langgraph-checkpoint-postgres 3.x (a floor: no import needed)


def _known_schema() -> int:
    from langgraph.checkpoint.postgres.base import MIGRATIONS

    return len(MIGRATIONS) - 1


class PostgresStore:
    """Reads `checkpoints`, `checkpoint_blobs` and `checkpoint_writes` of a PostgresSaver database."""

    kind = "postgres"
    sends_in_parent_writes = True  # pre-v4 Send packets: in the parent's writes, not the checkpoint

    def __init__(self, url: str, serde: StrictSerializer | None = None) -> None:
        self.url = url
        self.display = redact(url)
        self._serde = serde
        self.conn = connect(url)
        try:
            self._check_schema()
        except Exception:
            self.conn.close()
            raise

    @property
    def serde(self) -> StrictSerializer:
        """The strict serializer (by default one built on first use: its import costs start-up time)."""
        if self._serde is None:
            self._serde = LazySerializer()
        return self._serde  # type: ignore[return-value]

    def _check_schema(self) -> None:
        tables = {r["table_name"] for r in self.conn.execute(TABLES_SQL)}
        missing = {"checkpoints", "checkpoint_blobs", "checkpoint_writes"} - tables
        if missing:
            raise LgttError(f"{self.display} has no LangGraph checkpoint tables (missing: {', '.join(sorted(missing))})",
                            "point --db at the database your app's PostgresSaver writes")
        cols = {r["column_name"] for r in self.conn.execute(CHECKPOINT_COLUMNS_SQL)}
        if "checkpoint_id" not in cols:
            raise LgttError(f"{self.display} uses the ShallowPostgresSaver layout (one checkpoint per thread, no history)",
                            "lgtt needs the history PostgresSaver keeps; there is no timeline to travel in")
        self.migration: int | None = None
        self.has_task_path = postgres_old.has_task_path(self.conn)
        if "checkpoint_migrations" in tables:
            (row,) = self.conn.execute(MIGRATION_SQL).fetchall()
            version = self.migration = row["max"]
            if version is not None and version > KNOWN_SCHEMA and version > _known_schema():
                raise LgttError(f"{self.display} is at checkpoint schema version {version}, newer than the "
                                f"installed langgraph-checkpoint-postgres knows ({_known_schema()})",
                                "upgrade lgtt's environment: pip install -U langgraph-checkpoint-postgres")

    def _book(self, r: dict[str, Any], ns: str, blobs: dict[tuple[str, str], Any]) -> Bookkeeping:
        """`blobs`: (channel, version) -> (type, bytes) for internal channels, else None, for non-empty blobs."""
        book = r["book"] if isinstance(r["book"], dict) else {}
        cid, parent = r["checkpoint_id"], r["parent_checkpoint_id"]
        metadata, meta_problem = read_metadata(r["metadata"])
        problem = version_problem(book.get("v"), book.get("channel_versions"), book.get("versions_seen"))
        if problem is not None:
            return damaged(cid, parent, ns, metadata, problem)
        versions = dict(book.get("channel_versions") or {})
        present = set(r["inline_keys"] or ())
        internal = {}
        for chan, version in versions.items():
            key = (chan, str(version))
            if key in blobs:
                present.add(chan)
                if blobs[key] is not None:
                    try:
                        internal[chan] = self.serde.loads_typed(blobs[key])
                    except LgttError as exc:
                        if "encrypt" in exc.message or "decrypt" in exc.message:
                            raise
                        return damaged(cid, parent, ns, metadata, f"blob {chan}: {describe(exc)}")
                    except Exception as exc:
                        return damaged(cid, parent, ns, metadata, f"blob {chan}: {describe(exc)}")
        updated = book.get("updated_channels")
        return Bookkeeping(
            checkpoint_id=cid, parent_id=parent, ns=ns,
            metadata=metadata, ts=str(book.get("ts", "")), v=int(book.get("v", 0) or 0),
            channel_versions=versions,
            versions_seen={k: dict(v) for k, v in (book.get("versions_seen") or {}).items()},
            updated_channels=updated if isinstance(updated, list) else None,
            present=present,
            internal=internal,
            damage=meta_problem,
        )

    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None) -> Iterator[ThreadRow]:
        """Threads newest first (or in id order after `after`), in bounded batches of heads.

        `--limit` without `--where` is served by indexes: in id order by the primary key (a
        loose index scan), newest first by `lgtt index create`'s index when it is there;
        otherwise newest first needs one aggregate over every checkpoint."""
        if limit and not where and order == "id":
            yield from self._threads_by_id(limit, after)
            return
        if limit and not where and order == "newest" and self.has_newest_index():
            yield from self._threads_newest_indexed(limit)
            return
        from psycopg.types.json import Jsonb

        params: list[Any] = []
        clauses = []
        for key, value in where:
            clauses.append(WHERE_ANY_METADATA_SQL)
            parsed, raw = match_values(value)
            params += [Jsonb({key: parsed}), Jsonb({key: raw})]
        if order == "id" and after is not None:
            clauses.append("h.thread_id > %s")
            params.append(after)
        sql = HEAD_IDS_SQL.format(heads=HEADS_SQL, where=("WHERE " + " AND ".join(clauses)) if clauses else "",
                                  order="h.thread_id" if order == "id" else "h.head DESC, h.thread_id",
                                  limit="LIMIT %s" if limit else "")
        if limit:
            params.append(limit)
        with self.streaming(sql, params) as cur:
            while batch := cur.fetchmany(HEAD_BATCH):
                yield from self._head_rows([(r["thread_id"], r["n"], r["head"]) for r in batch])

    @contextmanager
    def streaming(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """A server-side cursor over `sql` (rows fetched in batches, never all at once) in a read-only
        transaction; other queries may run on the same connection meanwhile."""
        import uuid

        with self.conn.transaction(), self.conn.cursor(name=f"lgtt_{uuid.uuid4().hex[:12]}") as cur:
            cur.itersize = HEAD_BATCH
            cur.execute(sql, params)
            yield cur

    def has_newest_index(self) -> bool:
        row = self.conn.execute(INDEX_VALID_SQL, (NEWEST_INDEX,)).fetchone()
        return bool(row and row["indisvalid"])

    def _threads_by_id(self, limit: int, after: str | None) -> Iterator[ThreadRow]:
        while limit > 0:
            first = "thread_id > %s" if after is not None else "true"
            ids = [r["tid"] for r in self.conn.execute(NEXT_IDS_SQL.format(first=first),
                                                        ([after] if after is not None else []) + [limit])]
            if not ids:
                return
            heads = [(r["thread_id"], r["n"], r["head"]) for r in self.conn.execute(HEADS_OF_SQL, (ids,))]
            rows = self._head_rows([h for h in heads if h[2] is not None])  # threads with only subgraph rows: none
            yield from rows
            limit -= len(rows)
            after = ids[-1]

    def _threads_newest_indexed(self, limit: int) -> Iterator[ThreadRow]:
        seen: dict[str, None] = {}
        with self.streaming(NEWEST_SQL) as cur:
            for r in cur:
                seen.setdefault(r["thread_id"])
                if len(seen) >= limit:
                    break
        heads = [(r["thread_id"], r["n"], r["head"]) for r in self.conn.execute(HEADS_OF_SQL, (list(seen),))]
        yield from self._head_rows(heads)

    def _head_rows(self, batch: list[tuple[str, int, str]]) -> list[ThreadRow]:
        tids, hids = [t for t, _, _ in batch], [h for _, _, h in batch]
        blobs: dict[str, dict[tuple[str, str], Any]] = {}
        for b in self.conn.execute(HEAD_BLOBS_SQL, (tids, hids)):
            blobs.setdefault(b["thread_id"], {})[(b["channel"], b["version"])] = _typed(b)
        books = {r["thread_id"]: self._book(r, "", blobs.get(r["thread_id"], {}))
                 for r in self.conn.execute(HEAD_ROWS_SQL, (tids, hids))}
        rows = {tid: ThreadRow(tid, n, books[tid], []) for tid, n, _ in batch if tid in books}
        for w in self.conn.execute(HEAD_WRITES_SQL, (tids, hids)):
            rows[w["thread_id"]].head_writes.append((w["task_id"], w["channel"]))
        for t in rows.values():
            if t.head.v < 4:
                postgres_old.attach_pending_sends(self.conn, self.serde, t.thread_id, [t.head], self.has_task_path)
        return list(rows.values())

    def thread_exists(self, thread_id: str) -> bool:
        return bool(self.conn.execute(THREAD_EXISTS_SQL, (thread_id,)).fetchall())

    def bookkeeping(self, thread_id: str, ns: str = "") -> list[Bookkeeping]:
        blobs = {(b["channel"], b["version"]): _typed(b) for b in self.conn.execute(BLOB_VERSIONS_SQL, (thread_id, ns))}
        out = []
        with self.conn.cursor() as cur:
            cur.execute(BOOKKEEPING_SQL, (thread_id, ns))
            while batch := cur.fetchmany(512):
                out.extend(self._book(r, ns, blobs) for r in batch)
        if any(r.v < 4 for r in out):
            postgres_old.attach_pending_sends(self.conn, self.serde, thread_id, out, self.has_task_path)
        return out

    def complete(self, thread_id: str, rows: Sequence[Bookkeeping]) -> None:
        """Postgres rows always know which channels hold values."""

    def head_bookkeeping(self, thread_id: str) -> Bookkeeping | None:
        """The root namespace's latest checkpoint's bookkeeping, without internal values (None: unknown thread)."""
        row = self.conn.execute(HEAD_BOOK_SQL, (thread_id,)).fetchone()
        return None if row is None else self._book(row, "", {})

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]:
        return [r["checkpoint_id"] for r in self.conn.execute(IDS_SQL, (thread_id, ns))]

    def checkpoint_ids_after(self, thread_id: str, ns: str, after: str) -> list[str]:
        """The namespace's checkpoint ids newer than `after` (what `--follow` polls for)."""
        return [r["checkpoint_id"] for r in self.conn.execute(IDS_AFTER_SQL, (thread_id, ns, after))]

    def task_paths(self, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
        """The task paths of one checkpoint's pending writes (tables before migration 9 have none)."""
        if not self.has_task_path:
            return []
        return [r["task_path"] for r in self.conn.execute(TASK_PATHS_SQL, (thread_id, ns, checkpoint_id))]

    def special_writes(self, thread_id: str, ns: str, checkpoint_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        wanted = set(checkpoint_ids)
        out: dict[str, list[tuple[str, str]]] = {}
        for r in self.conn.execute(SPECIAL_WRITES_SQL, (thread_id, ns)):
            if r["checkpoint_id"] in wanted:
                out.setdefault(r["checkpoint_id"], []).append((r["task_id"], r["channel"]))
        return out

    def namespaces(self, thread_id: str) -> dict[str, tuple[int, str | None]]:
        return {
            r["checkpoint_ns"]: (r["count"], root_of(load_metadata(r["metadata"])))
            for r in self.conn.execute(NAMESPACES_SQL, (thread_id,))
        }

    def get_tuple(self, thread_id: str, ns: str, checkpoint_id: str | None,
                  json_values: bool = False) -> CheckpointTuple | None:
        """`json_values`: values come back in their stored JSON-ish form, no objects are built."""
        conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
        if checkpoint_id:
            conf["checkpoint_id"] = checkpoint_id
        from lgtt.serde import StrictSerializer

        return self.saver(StrictSerializer(to_json=True) if json_values else None).get_tuple({"configurable": conf})

    def saver(self, serde: Any = None) -> BaseCheckpointSaver:
        saver_class = postgres_old.saver_class(self.has_task_path)
        return saver_class(self.conn, serde=serde or self.serde)  # no setup(): it would migrate the user's DB

    def require_migrated(self) -> None:
        """Refuse any write before LangGraph has migrated the schema (see lgtt/store/migration.py)."""
        latest = _known_schema()
        version = self.migration if self.has_task_path else min(self.migration or 0, latest - 1)
        require_postgres_migrated(self.display, version, latest)

    def node_names(self) -> set[str]:
        """Every node name pre-1.0 metadata (`writes`) records, database-wide (lgtt/ops/oldtasks.py)."""
        return {r["k"] for r in self.conn.execute(NODE_NAMES_SQL)}

    def iter_threads(self) -> Iterator[str]:
        for r in self.conn.execute(ALL_THREADS_SQL):
            yield r["thread_id"]

    def writer(self) -> Any:
        """A read-write connection for destructive commands (fork, prune, delete)."""
        from lgtt.store.postgres.write import PostgresWriter

        self.require_migrated()
        self.ensure_writable()
        return PostgresWriter(self.url, self.serde)

    def health(self) -> Any:
        from lgtt.store.postgres import health

        return health

    def pruner(self, *, read_only: bool = False) -> Any:
        from lgtt.store.postgres.prune import PostgresPrune

        return PostgresPrune(self, read_only)

    def transfer(self) -> Any:
        from lgtt.store.postgres.transfer import Source

        return Source(self)

    def newest_index(self, action: str, *, dry_run: bool = False) -> tuple[str, bool | None]:
        """The SQL that creates or drops the optional newest-first index, and (unless a dry run)
        whether it exists after running it."""
        from lgtt.store.postgres.index import index_sql, run_index

        sql = index_sql(action)
        return sql, None if dry_run else run_index(self.url, action)

    def ensure_writable(self) -> None:
        """Refuse, before anything runs, when this role or server cannot write the checkpoint tables."""
        row = self.conn.execute(WRITE_PRIVILEGES_SQL).fetchone()
        if row["standby"]:
            raise LgttError(f"{self.display} is a read-only standby (in recovery)",
                            "reads work; connect to the primary to fork or resume. Nothing was run or changed")
        if row["missing"]:
            raise LgttError(f"the PostgreSQL role {row['role']} cannot write {', '.join(row['missing'])} "
                            "(no INSERT or UPDATE privilege)",
                            "reads work with SELECT; fork, resume, prune and delete need INSERT, UPDATE and DELETE "
                            "on checkpoints, checkpoint_writes and checkpoint_blobs. Nothing was run or changed")

    def latest_fork(self) -> str | None:
        """The thread of the newest fork checkpoint lgtt wrote, if any."""
        row = self.conn.execute(LATEST_FORK_SQL).fetchone()
        return row["thread_id"] if row else None

    @contextmanager
    def run_saver(self) -> Iterator[BaseCheckpointSaver]:
        """The official PostgresSaver on a read-write connection (no setup: never migrates)."""
        from langgraph.checkpoint.postgres import PostgresSaver

        self.require_migrated()
        self.ensure_writable()
        conn = connect(self.url, read_only=False)
        try:
            yield PostgresSaver(conn, serde=self.serde)
        finally:
            conn.close()

    @asynccontextmanager
    async def async_run_saver(self) -> AsyncIterator[BaseCheckpointSaver]:
        """AsyncPostgresSaver for graphs with async nodes."""
        import psycopg
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row

        self.require_migrated()
        self.ensure_writable()
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        try:
            yield AsyncPostgresSaver(conn, serde=self.serde)
        finally:
            await conn.close()

    def close(self) -> None:
        self.conn.close()


def _typed(row: dict[str, Any]) -> tuple[str, bytes] | None:
    return None if row["type"] is None else (row["type"], bytes(row["blob"]))
