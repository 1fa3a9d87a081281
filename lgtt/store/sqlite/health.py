"""`stats` and `check` on a SQLite checkpoint database: aggregate SQL on the read-only connection.

Functions take the `SqliteStore` (its `conn`, `path`, `serde`) and return plain facts; the
backend-independent logic lives in `lgtt.ops.stats` and `lgtt.ops.check`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import msgpack

from lgtt.store.common import read_metadata, version_problem

PAGES_SQL = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
COUNTS_SQL = """
SELECT (SELECT COUNT(DISTINCT thread_id) FROM checkpoints),
       (SELECT COUNT(*) FROM checkpoints),
       (SELECT COUNT(*) FROM writes)
"""
CHECKPOINT_SIZE_SQL = """
SELECT AVG(length(checkpoint) + length(metadata)), SUM(length(checkpoint) + length(metadata)) FROM checkpoints
"""
LARGEST_CHECKPOINT_SQL = """
SELECT thread_id, checkpoint_ns, checkpoint_id, length(checkpoint) + length(metadata) AS size
FROM checkpoints ORDER BY size DESC LIMIT 1
"""
TOP_THREADS_SQL = """
SELECT c.thread_id, c.root_n, c.n, c.size + COALESCE(w.size, 0) AS size, COALESCE(w.n, 0)
FROM (SELECT thread_id, SUM(checkpoint_ns = '') AS root_n, COUNT(*) AS n,
             SUM(length(checkpoint) + length(metadata)) AS size
      FROM checkpoints GROUP BY thread_id) c
LEFT JOIN (SELECT thread_id, COUNT(*) AS n, SUM(length(value)) AS size FROM writes GROUP BY thread_id) w
  ON w.thread_id = c.thread_id
ORDER BY size DESC, c.thread_id LIMIT ?
"""
# The sample for per-key sizes: every thread's root-namespace head, plus random rows.
SAMPLE_HEADS_SQL = """
SELECT c.rowid FROM checkpoints c
JOIN (SELECT thread_id, MAX(checkpoint_id) AS head FROM checkpoints WHERE checkpoint_ns = '' GROUP BY thread_id) h
  ON c.thread_id = h.thread_id AND c.checkpoint_ns = '' AND c.checkpoint_id = h.head
"""
SAMPLE_RANDOM_SQL = "SELECT rowid FROM checkpoints ORDER BY random() LIMIT ?"
SAMPLE_BLOB_SQL = "SELECT type, checkpoint FROM checkpoints WHERE rowid = ?"

# check
CHECK_THREADS_SQL = "SELECT thread_id FROM checkpoints UNION SELECT thread_id FROM writes ORDER BY 1"
THREAD_KNOWN_SQL = """
SELECT EXISTS (SELECT 1 FROM checkpoints WHERE thread_id = ?) OR EXISTS (SELECT 1 FROM writes WHERE thread_id = ?)
"""
THREAD_CHECKPOINTS_SQL = """
SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM checkpoints WHERE thread_id = ? ORDER BY checkpoint_ns, checkpoint_id
"""
THREAD_WRITES_SQL = """
SELECT checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value
FROM writes WHERE thread_id = ? ORDER BY checkpoint_ns, checkpoint_id, task_id, idx
"""


def db_size(store: Any) -> dict[str, int]:
    """Bytes on disk: the main file and its -wal file (what the app's SQLite uses)."""
    files = {}
    for suffix in ("", "-wal"):
        p = store.path + suffix
        if os.path.exists(p):
            files[os.path.basename(p)] = os.stat(p).st_size
    (pages,) = store.conn.execute(PAGES_SQL).fetchone()
    return {"size_bytes": sum(files.values()), "page_bytes": int(pages or 0), **{"files": files}}


def stats(store: Any, top: int, sample: int) -> dict[str, Any]:
    conn = store.conn
    threads, checkpoints, writes = conn.execute(COUNTS_SQL).fetchone()
    avg, total = conn.execute(CHECKPOINT_SIZE_SQL).fetchone()
    largest = conn.execute(LARGEST_CHECKPOINT_SQL).fetchone()
    top_rows = [
        {"thread_id": tid, "checkpoints": int(root_n or 0), "checkpoints_all_ns": n, "writes": nw, "bytes": int(size or 0)}
        for tid, root_n, n, size, nw in conn.execute(TOP_THREADS_SQL, (top,))
    ]
    rowids = [r[0] for r in conn.execute(SAMPLE_HEADS_SQL)]
    heads = len(rowids)
    seen = set(rowids)
    for (rid,) in conn.execute(SAMPLE_RANDOM_SQL, (sample,)).fetchall():
        if rid not in seen:
            seen.add(rid)
            rowids.append(rid)
    per_key: dict[str, list[int]] = {}
    for rid in rowids:
        row = conn.execute(SAMPLE_BLOB_SQL, (rid,)).fetchone()
        if row is None:
            continue
        try:
            type_, blob = store.serde.unwrap(row) if row[0] != "msgpack" else row
            if type_ != "msgpack":
                continue
            for chan, size in channel_sizes(blob):
                per_key.setdefault(chan, []).append(size)
        except Exception:  # a damaged or undecryptable row: `lgtt check` reports it
            continue  # a damaged row: `lgtt check` reports it
    return {
        **db_size(store),
        "threads": threads,
        "checkpoints": checkpoints,
        "writes": writes,
        "blobs": None,
        "checkpoint_bytes_total": int(total or 0),
        "checkpoint_bytes_avg": round(avg or 0),
        "largest_checkpoint": None if largest is None else {
            "thread_id": largest[0], "checkpoint_ns": largest[1], "checkpoint_id": largest[2], "bytes": largest[3]},
        "top_threads": top_rows,
        "per_key": per_key,
        "sampled": len(rowids),
        "method": f"msgpack value bytes in a sample of {len(rowids)} checkpoint(s): every thread's head ({heads}) "
                  f"plus up to {sample} random rows",
    }


def channel_sizes(blob: bytes) -> Iterator[tuple[str, int]]:
    """(channel, bytes of its msgpack value) for each entry of channel_values, values skipped, not decoded."""
    u = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=max(len(blob), 1))
    u.feed(blob)
    for _ in range(u.read_map_header()):
        key = u.unpack()
        if key != "channel_values":
            u.skip()
            continue
        for _ in range(u.read_map_header()):
            chan = u.unpack()
            start = u.tell()
            u.skip()
            yield str(chan), u.tell() - start
        return


# -- check ----------------------------------------------------------------------
def check_thread_ids(store: Any) -> list[str]:
    return [r[0] for r in store.conn.execute(CHECK_THREADS_SQL)]


def thread_known(store: Any, thread_id: str) -> bool:
    return bool(store.conn.execute(THREAD_KNOWN_SQL, (thread_id, thread_id)).fetchone()[0])


def check_thread(store: Any, thread_id: str, report: Any, internal: Any = None) -> None:
    """Decode every checkpoint and write of a thread, and hand the links to `report`."""
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    from lgtt.errors import LgttError
    from lgtt.serde import DELTA_SNAPSHOT

    # One row at a time (a long thread's rows grow with it: memory stays one checkpoint's worth);
    # each checkpoint is parsed once, without building the messages and models inside it.
    cur = store.conn.execute(THREAD_CHECKPOINTS_SQL, (thread_id,))
    while batch := cur.fetchmany(1):
        for ns, cid, parent, type_, blob, meta in batch:
            snapshots: set[str] = set()
            try:
                cp = store.serde.loads_for_check((type_, blob))
                del blob
                if not isinstance(cp, dict) or not isinstance(cp.get("channel_values"), dict):
                    raise ValueError(f"decodes to a {type(cp).__name__}, not a checkpoint")
                snapshots = {k for k, v in cp["channel_values"].items()
                             if v is DELTA_SNAPSHOT or isinstance(v, _DeltaSnapshot)}
                problem = version_problem(cp.get("v"), cp.get("channel_versions"), cp.get("versions_seen"))
                del cp
                if problem:
                    report.bad_version(thread_id, ns, cid, problem)
            except LgttError as exc:
                if "encrypted" in exc.message or "decrypt" in exc.message:
                    raise
                report.undecodable(thread_id, ns, cid, "checkpoint", exc.message)
            except Exception as exc:
                report.undecodable(thread_id, ns, cid, "checkpoint", f"{type(exc).__name__}: {exc}")
            metadata, problem = read_metadata(meta)
            if problem:
                report.bad_metadata(thread_id, ns, cid, problem)
            report.checkpoint(thread_id, ns, cid, parent, metadata, snapshots)
    cur = store.conn.execute(THREAD_WRITES_SQL, (thread_id,))
    while batch := cur.fetchmany(64):
        for ns, cid, task, idx, chan, type_, value in batch:
            report.write(thread_id, ns, cid)
            try:
                store.serde.loads_for_check((type_, value))
            except LgttError as exc:
                if "encrypted" in exc.message or "decrypt" in exc.message:
                    raise
                report.undecodable(thread_id, ns, cid, "write", f"{chan} (task {task}, idx {idx}): {exc.message}")
            except Exception as exc:
                report.undecodable(thread_id, ns, cid, "write",
                                   f"{chan} (task {task}, idx {idx}): {type(exc).__name__}: {exc}")
