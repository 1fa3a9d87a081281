"""`stats` and `check` on a PostgresSaver database: aggregate SQL in the store's read-only session.

Functions take the `PostgresStore` (its `conn`, `serde`) and return plain facts; the
backend-independent logic lives in `lgtt.ops.stats` and `lgtt.ops.check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lgtt.store.common import read_metadata, version_problem

TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
SIZE_SQL = """
SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS size
FROM pg_class c
WHERE c.oid IN (SELECT to_regclass(t) FROM unnest(%s::text[]) t)
"""
COUNTS_SQL = """
SELECT (SELECT count(DISTINCT thread_id) FROM checkpoints) AS threads,
       (SELECT count(*) FROM checkpoints) AS checkpoints,
       (SELECT count(*) FROM checkpoint_writes) AS writes,
       (SELECT count(*) FROM checkpoint_blobs) AS blobs
"""
# A checkpoint's stored bytes: its jsonb row plus the blobs its channel_versions point at.
CHECKPOINT_BYTES = """
SELECT c.thread_id, c.checkpoint_ns, c.checkpoint_id,
       pg_column_size(c.checkpoint) + pg_column_size(c.metadata) + COALESCE((
           SELECT SUM(octet_length(bl.blob)) FROM jsonb_each_text(c.checkpoint -> 'channel_versions') v
           JOIN checkpoint_blobs bl ON bl.thread_id = c.thread_id AND bl.checkpoint_ns = c.checkpoint_ns
               AND bl.channel = v.key AND bl.version = v.value), 0) AS size
FROM checkpoints c
"""
# One pass for the average, the total and the largest (max over an array: size first, zero-padded).
CHECKPOINT_SIZE_SQL = f"""
SELECT AVG(size) AS avg, SUM(size) AS total,
       max(ARRAY[lpad(size::text, 20, '0'), thread_id, checkpoint_ns, checkpoint_id]) AS largest
FROM ({CHECKPOINT_BYTES}) s
"""
# A thread's stored bytes: its checkpoint rows, its blobs (shared ones counted once) and its writes.
TOP_THREADS_SQL = """
SELECT c.thread_id, c.root_n, c.n, c.size + COALESCE(b.size, 0) + COALESCE(w.size, 0) AS size,
       COALESCE(w.n, 0) AS writes, COALESCE(b.n, 0) AS blobs
FROM (SELECT thread_id, count(*) FILTER (WHERE checkpoint_ns = '') AS root_n, count(*) AS n,
             SUM(pg_column_size(checkpoint) + pg_column_size(metadata)) AS size
      FROM checkpoints GROUP BY thread_id) c
LEFT JOIN (SELECT thread_id, count(*) AS n, SUM(COALESCE(octet_length(blob), 0)) AS size
           FROM checkpoint_blobs GROUP BY thread_id) b ON b.thread_id = c.thread_id
LEFT JOIN (SELECT thread_id, count(*) AS n, SUM(octet_length(blob)) AS size
           FROM checkpoint_writes GROUP BY thread_id) w ON w.thread_id = c.thread_id
ORDER BY size DESC, c.thread_id LIMIT %s
"""
# Per state key: blob bytes (each stored version once) and inline jsonb values.
BLOB_KEYS_SQL = """
SELECT channel, count(*) AS n, SUM(COALESCE(octet_length(blob), 0)) AS size, MAX(COALESCE(octet_length(blob), 0)) AS max
FROM checkpoint_blobs GROUP BY channel
"""
INLINE_KEYS_SQL = """
SELECT v.key AS channel, count(*) AS n, SUM(pg_column_size(v.value)) AS size, MAX(pg_column_size(v.value)) AS max
FROM checkpoints c, jsonb_each(c.checkpoint -> 'channel_values') v GROUP BY v.key
"""

# check
CHECK_THREADS_SQL = """
SELECT thread_id FROM checkpoints UNION SELECT thread_id FROM checkpoint_writes
UNION SELECT thread_id FROM checkpoint_blobs ORDER BY 1
"""
THREAD_KNOWN_SQL = """
SELECT EXISTS (SELECT 1 FROM checkpoints WHERE thread_id = %s)
    OR EXISTS (SELECT 1 FROM checkpoint_writes WHERE thread_id = %s)
    OR EXISTS (SELECT 1 FROM checkpoint_blobs WHERE thread_id = %s) AS known
"""
THREAD_CHECKPOINTS_SQL = """
SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id,
       checkpoint -> 'channel_values' AS inline, checkpoint -> 'channel_versions' AS versions,
       checkpoint -> 'v' AS v, checkpoint -> 'versions_seen' AS seen, metadata
FROM checkpoints WHERE thread_id = %s ORDER BY checkpoint_ns, checkpoint_id
"""
THREAD_BLOBS_SQL = """
SELECT checkpoint_ns, channel, version, type, blob FROM checkpoint_blobs WHERE thread_id = %s
"""
THREAD_WRITES_SQL = """
SELECT checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob
FROM checkpoint_writes WHERE thread_id = %s ORDER BY checkpoint_ns, checkpoint_id, task_id, idx
"""


def stats(store: Any, top: int, sample: int) -> dict[str, Any]:
    conn = store.conn
    size = conn.execute(SIZE_SQL, (list(TABLES),)).fetchone()["size"]
    counts = conn.execute(COUNTS_SQL).fetchone()
    sizes = conn.execute(CHECKPOINT_SIZE_SQL).fetchone()
    largest = None if sizes["largest"] is None else dict(
        zip(("size", "thread_id", "checkpoint_ns", "checkpoint_id"), sizes["largest"], strict=True))
    top_rows = [
        {"thread_id": r["thread_id"], "checkpoints": r["root_n"], "checkpoints_all_ns": r["n"], "writes": r["writes"],
         "blobs": r["blobs"], "bytes": int(r["size"] or 0)}
        for r in conn.execute(TOP_THREADS_SQL, (top,))
    ]
    per_key: dict[str, list[int]] = {}
    key_totals: dict[str, tuple[int, int, int]] = {}
    for sql in (BLOB_KEYS_SQL, INLINE_KEYS_SQL):
        for r in conn.execute(sql):
            n, total, mx = key_totals.get(r["channel"], (0, 0, 0))
            key_totals[r["channel"]] = (n + r["n"], total + int(r["size"] or 0), max(mx, int(r["max"] or 0)))
    return {
        "size_bytes": int(size or 0),
        "threads": counts["threads"],
        "checkpoints": counts["checkpoints"],
        "writes": counts["writes"],
        "blobs": counts["blobs"],
        "checkpoint_bytes_total": int(sizes["total"] or 0),
        "checkpoint_bytes_avg": round(sizes["avg"] or 0),
        "largest_checkpoint": None if largest is None else {
            "thread_id": largest["thread_id"], "checkpoint_ns": largest["checkpoint_ns"],
            "checkpoint_id": largest["checkpoint_id"], "bytes": int(largest["size"])},
        "top_threads": top_rows,
        "per_key": per_key,
        "key_totals": key_totals,
        "sampled": None,
        "method": "every stored value: checkpoint_blobs bytes per channel (each version once) plus inline jsonb values",
    }


# -- check ----------------------------------------------------------------------
def check_thread_ids(store: Any) -> list[str]:
    return [r["thread_id"] for r in store.conn.execute(CHECK_THREADS_SQL)]


def thread_known(store: Any, thread_id: str) -> bool:
    return bool(store.conn.execute(THREAD_KNOWN_SQL, (thread_id,) * 3).fetchone()["known"])


def check_thread(store: Any, thread_id: str, report: Any, internal: Any) -> None:
    """Decode every blob and write of a thread; check blob references; hand the links to `report`."""
    conn = store.conn
    with conn.cursor() as blobs, conn.cursor() as rows, conn.cursor() as writes:
        blobs.execute(THREAD_BLOBS_SQL, (thread_id,))
        blob_rows = _fetch(blobs)
        rows.execute(THREAD_CHECKPOINTS_SQL, (thread_id,))
        ckpt_rows = _fetch(rows)
        writes.execute(THREAD_WRITES_SQL, (thread_id,))
        _check_rows(store, thread_id, blob_rows, ckpt_rows, _fetch(writes), report, internal)


# Whole-database check: one streamed, thread-ordered cursor per table, walked in step (a merge
# on equal thread ids, driven by the ids in the server's own order), so the round trips do not
# grow with the thread count and memory holds one thread at a time.
ALL_BLOBS_SQL = THREAD_BLOBS_SQL.replace("thread_id = %s", "true").replace("SELECT ", "SELECT thread_id, ", 1) \
    + " ORDER BY thread_id, checkpoint_ns, channel, version"
ALL_CHECKPOINTS_SQL = THREAD_CHECKPOINTS_SQL.replace("WHERE thread_id = %s", "").replace("SELECT ", "SELECT thread_id, ", 1) \
    .replace("ORDER BY checkpoint_ns", "ORDER BY thread_id, checkpoint_ns")
ALL_WRITES_SQL = THREAD_WRITES_SQL.replace("WHERE thread_id = %s", "").replace("SELECT ", "SELECT thread_id, ", 1) \
    .replace("ORDER BY checkpoint_ns", "ORDER BY thread_id, checkpoint_ns")
STREAM_BATCH = 2000


def check_all(store: Any, report: Any, internal: Any) -> Iterator[str]:
    """Check every thread in one pass over each table; yields each thread id once it is fed to `report`."""
    import uuid

    conn = store.conn
    names = [f"lgtt_check_{uuid.uuid4().hex[:8]}_{i}" for i in range(4)]
    with conn.transaction(), conn.cursor(name=names[0]) as ids, conn.cursor(name=names[1]) as blobs, \
            conn.cursor(name=names[2]) as rows, conn.cursor(name=names[3]) as writes:
        for cur, sql in ((ids, CHECK_THREADS_SQL), (blobs, ALL_BLOBS_SQL), (rows, ALL_CHECKPOINTS_SQL),
                         (writes, ALL_WRITES_SQL)):
            cur.itersize = STREAM_BATCH
            cur.execute(sql)
        groups = [_Grouped(blobs), _Grouped(rows), _Grouped(writes)]
        for r in ids:
            tid = r["thread_id"]
            b, c, w = (g.take(tid) for g in groups)
            _check_rows(store, tid, b, c, w, report, internal)
            yield tid


class _Grouped:
    """A thread-ordered cursor read one thread's rows at a time (ids asked for in the same order)."""

    def __init__(self, cur: Any) -> None:
        self.it = iter(cur)
        self.head = next(self.it, None)

    def take(self, thread_id: str) -> list[dict[str, Any]]:
        out = []
        while self.head is not None and self.head["thread_id"] == thread_id:
            out.append(self.head)
            self.head = next(self.it, None)
        return out


def _fetch(cur: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := cur.fetchmany(512):
        out.extend(batch)
    return out


def _check_rows(store: Any, thread_id: str, blob_rows: Iterable[dict[str, Any]], ckpt_rows: Iterable[dict[str, Any]],
                write_rows: Iterable[dict[str, Any]], report: Any, internal: Any) -> None:
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    blobs: set[tuple[str, str, str]] = set()
    snapshot_blobs: set[tuple[str, str, str]] = set()
    for r in blob_rows:
        key = (r["checkpoint_ns"], r["channel"], r["version"])
        blobs.add(key)
        if r["type"] == "empty" or r["blob"] is None:
            continue
        value = _decode(store, report, thread_id, r["checkpoint_ns"], None, "blob",
                        f"{r['channel']} version {r['version']}", r["type"], bytes(r["blob"]))
        if isinstance(value, _DeltaSnapshot):
            snapshot_blobs.add(key)

    rows = []
    referenced: set[tuple[str, str, str]] = set()
    delta_keys: set[str] = set()
    for r in ckpt_rows:
        metadata, problem = read_metadata(r["metadata"])
        if problem:
            report.bad_metadata(thread_id, r["checkpoint_ns"], r["checkpoint_id"], problem)
        problem = version_problem(r["v"], r["versions"], r["seen"])
        if problem:
            report.bad_version(thread_id, r["checkpoint_ns"], r["checkpoint_id"], problem)
        counters = metadata.get("counters_since_delta_snapshot")
        delta_keys |= set(counters) if isinstance(counters, dict) else set()
        versions = r["versions"] if isinstance(r["versions"], dict) else {}
        inline = r["inline"] if isinstance(r["inline"], dict) else {}
        ns = r["checkpoint_ns"]
        referenced |= {(ns, ch, str(v)) for ch, v in versions.items()}
        rows.append((ns, r["checkpoint_id"], r["parent_checkpoint_id"], inline, versions, metadata))

    missing: dict[tuple[str, str], list[str]] = {}
    for ns, cid, parent, inline, versions, metadata in rows:
        snapshots = set()
        for ch, ver in versions.items():
            key = (ns, ch, str(ver))
            if key in blobs:
                if key in snapshot_blobs and inline.get(ch) is True:
                    snapshots.add(ch)
                continue
            if ch in inline:
                if inline[ch] is True and ch in delta_keys:
                    missing.setdefault((ns, cid), []).append(f"{ch} (DeltaChannel snapshot) version {ver}")
                continue
            # No value and no blob: fine for channels that can be empty (internal ones, DeltaChannel
            # keys between snapshots, a consumed __start__); a user key with a version had a value.
            if internal(ch) or ch in delta_keys:
                continue
            missing.setdefault((ns, cid), []).append(f"{ch} version {ver}")
        report.checkpoint(thread_id, ns, cid, parent, metadata, snapshots)
    for (ns, cid), what in missing.items():
        report.missing_blob(thread_id, ns, cid, what)
    orphans: dict[str, list[str]] = {}
    for ns, ch, ver in sorted(blobs - referenced):
        orphans.setdefault(ns, []).append(f"{ch}@{ver}")
    for ns, what in orphans.items():
        report.orphan_blobs(thread_id, ns, what)

    for r in write_rows:
        report.write(thread_id, r["checkpoint_ns"], r["checkpoint_id"])
        _decode(store, report, thread_id, r["checkpoint_ns"], r["checkpoint_id"], "write",
                f"{r['channel']} (task {r['task_id']}, idx {r['idx']})", r["type"],
                None if r["blob"] is None else bytes(r["blob"]))


def _decode(store: Any, report: Any, thread_id: str, ns: str, cid: str | None, what: str, label: str,
            type_: str, data: bytes | None) -> Any:
    from lgtt.errors import LgttError

    try:
        return store.serde.loads_typed((type_, data))
    except LgttError as exc:
        if "encrypted" in exc.message or "decrypt" in exc.message:
            raise
        report.undecodable(thread_id, ns, cid, what, f"{label}: {exc.message}")
    except Exception as exc:
        report.undecodable(thread_id, ns, cid, what, f"{label}: {type(exc).__name__}: {exc}")
    return None
