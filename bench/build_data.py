"""Build the benchmark databases (SQLite files cached under bench/out/, Postgres databases).

Two data sets, each in SQLite (SqliteSaver) and Postgres (PostgresSaver):

* big:     one thread "big" of 10,000 root checkpoints written by one `invoke` of
           bench_graph (a node looping 9,998 times, appending to a growing list).
* threads: 10,000 threads x 10 small checkpoints. TEMPLATES threads are written by the
           graph (one invoke each); the rest are SQL copies of them under new thread ids
           (checkpoints, writes and, on Postgres, blobs), which is what a copy_thread does.

SQLite files are cached in bench/out/ (built under a temporary name, renamed when complete);
`--rebuild` forces a rebuild. Postgres data lives in the databases `lgtt_bench` (big) and
`lgtt_bench_threads` (threads), created with `CREATE DATABASE` and dropped by `drop_pg()`
(`python bench/build_data.py --drop`). Set LGTT_BENCH_PG to another server URL if needed.

    python bench/build_data.py [--rebuild] [--no-pg] [--drop]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_graph import builder, checkpoints_for

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"

BIG_THREAD = "big"
BIG_CHECKPOINTS = 10_000
THREADS = 10_000
PER_THREAD = 10
TEMPLATES = 100

BIG_SQLITE = OUT / "big.sqlite"
THREADS_SQLITE = OUT / "threads.sqlite"
BUILD_LOG = OUT / "build.json"

PG_SERVER = os.environ.get("LGTT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_ADMIN_DB = "postgres"
PG_BIG_DB = "lgtt_bench"
PG_THREADS_DB = "lgtt_bench_threads"


def pg_url(dbname: str) -> str:
    return f"{PG_SERVER.rstrip('/')}/{dbname}"


def thread_id(i: int) -> str:
    return f"t{i:05d}"


# -- build log (build times survive cached runs) ----------------------------------------------
def _log_build(name: str, seconds: float, **extra: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    log = json.loads(BUILD_LOG.read_text()) if BUILD_LOG.exists() else {}
    log[name] = {"seconds": round(seconds, 2), **extra, "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    BUILD_LOG.write_text(json.dumps(log, indent=2) + "\n")


def build_log() -> dict[str, Any]:
    return json.loads(BUILD_LOG.read_text()) if BUILD_LOG.exists() else {}


def _say(msg: str) -> None:
    print(f"[build] {msg}", file=sys.stderr, flush=True)


# -- writing through the graph -------------------------------------------------------------------
def run_big(saver: Any) -> None:
    """One invoke that leaves BIG_CHECKPOINTS root checkpoints in thread BIG_THREAD."""
    target = BIG_CHECKPOINTS - checkpoints_for(0)
    g = builder.compile(checkpointer=saver)
    g.invoke({"count": 0, "target": target},
             {"configurable": {"thread_id": BIG_THREAD}, "recursion_limit": target + 10})


def run_templates(saver: Any) -> None:
    """TEMPLATES threads of PER_THREAD checkpoints each, written by the graph."""
    g = builder.compile(checkpointer=saver)
    target = PER_THREAD - checkpoints_for(0)
    for i in range(TEMPLATES):
        g.invoke({"count": 0, "target": target}, {"configurable": {"thread_id": thread_id(i)}})


def _copy_map() -> list[tuple[str, str]]:
    """(new thread, template thread) for every thread that is a copy."""
    return [(thread_id(i), thread_id(i % TEMPLATES)) for i in range(TEMPLATES, THREADS)]


# -- SQLite --------------------------------------------------------------------------------------
def copy_threads_sqlite(conn: sqlite3.Connection, copy_map: list[tuple[str, str]]) -> None:
    """Copy template threads under new ids (new_tid, tpl_tid) with SQL: checkpoints and writes."""
    conn.execute("CREATE TEMP TABLE copy_map (new_tid TEXT, tpl_tid TEXT)")
    conn.executemany("INSERT INTO copy_map VALUES (?, ?)", copy_map)
    for table in ("checkpoints", "writes"):
        cols = [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,)) if r[0] != "thread_id"]
        sel = ", ".join(f"t.{c}" for c in cols)
        conn.execute(f"INSERT INTO {table} (thread_id, {', '.join(cols)}) "
                     f"SELECT m.new_tid, {sel} FROM copy_map m JOIN {table} t ON t.thread_id = m.tpl_tid")


def copy_threads_pg(dbname: str, copy_map: list[tuple[str, str]]) -> None:
    """The same on Postgres (checkpoints, blobs, writes) in one transaction, then VACUUM ANALYZE."""
    import psycopg

    with psycopg.connect(pg_url(dbname)) as conn:
        conn.execute("CREATE TEMP TABLE copy_map (new_tid text, tpl_tid text)")
        with conn.cursor() as cur, cur.copy("COPY copy_map (new_tid, tpl_tid) FROM STDIN") as cp:
            for row in copy_map:
                cp.write_row(row)
        for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            cols = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s AND column_name <> 'thread_id' ORDER BY ordinal_position", (table,))]
            sel = ", ".join(f"t.{c}" for c in cols)
            conn.execute(f"INSERT INTO {table} (thread_id, {', '.join(cols)}) "
                         f"SELECT m.new_tid, {sel} FROM copy_map m JOIN {table} t ON t.thread_id = m.tpl_tid")
    with psycopg.connect(pg_url(dbname), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _sqlite_saver(path: Path) -> tuple[sqlite3.Connection, Any]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(str(path), check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    return conn, saver


def _fresh(path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    return tmp


def _finish_sqlite(conn: sqlite3.Connection, tmp: Path, path: Path) -> None:
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def build_big_sqlite(path: Path = BIG_SQLITE) -> float:
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = _fresh(path)
    t0 = time.perf_counter()
    conn, saver = _sqlite_saver(tmp)
    run_big(saver)
    _finish_sqlite(conn, tmp, path)
    secs = time.perf_counter() - t0
    _log_build("big.sqlite", secs, bytes=path.stat().st_size)
    return secs


def build_threads_sqlite(path: Path = THREADS_SQLITE) -> float:
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = _fresh(path)
    t0 = time.perf_counter()
    conn, saver = _sqlite_saver(tmp)
    run_templates(saver)
    copy_threads_sqlite(conn, _copy_map())
    _finish_sqlite(conn, tmp, path)
    secs = time.perf_counter() - t0
    _log_build("threads.sqlite", secs, bytes=path.stat().st_size)
    return secs


def _sqlite_ok(path: Path, expect: Callable[[sqlite3.Connection], bool]) -> bool:
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return expect(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _big_ok_sqlite(conn: sqlite3.Connection) -> bool:
    (n,) = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''",
                        (BIG_THREAD,)).fetchone()
    return n == BIG_CHECKPOINTS


def _threads_ok_sqlite(conn: sqlite3.Connection) -> bool:
    n, c = conn.execute("SELECT count(DISTINCT thread_id), count(*) FROM checkpoints").fetchone()
    return n == THREADS and c == THREADS * PER_THREAD


def ensure_big_sqlite(rebuild: bool = False) -> Path:
    if rebuild or not _sqlite_ok(BIG_SQLITE, _big_ok_sqlite):
        _say(f"building {BIG_SQLITE} ({BIG_CHECKPOINTS} checkpoints)...")
        _say(f"  done in {build_big_sqlite():.1f} s")
    return BIG_SQLITE


def ensure_threads_sqlite(rebuild: bool = False) -> Path:
    if rebuild or not _sqlite_ok(THREADS_SQLITE, _threads_ok_sqlite):
        _say(f"building {THREADS_SQLITE} ({THREADS} threads x {PER_THREAD})...")
        _say(f"  done in {build_threads_sqlite():.1f} s")
    return THREADS_SQLITE


# -- Postgres ------------------------------------------------------------------------------------
def _admin() -> Any:
    import psycopg

    return psycopg.connect(pg_url(PG_ADMIN_DB), autocommit=True)


def _db_exists(dbname: str) -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is not None


def _recreate_db(dbname: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def drop_pg() -> None:
    """Drop both bench databases (no error when they are not there)."""
    try:
        with _admin() as conn:
            for dbname in (PG_BIG_DB, PG_THREADS_DB):
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    except Exception as exc:  # the server may be down; nothing to clean then
        _say(f"could not drop the Postgres bench databases: {exc}")


def _pg_saver_run(dbname: str, fn: Callable[[Any], None]) -> None:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    with psycopg.connect(pg_url(dbname), autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        saver = PostgresSaver(conn)
        saver.setup()
        fn(saver)


def build_big_pg() -> float:
    _recreate_db(PG_BIG_DB)
    t0 = time.perf_counter()
    _pg_saver_run(PG_BIG_DB, run_big)
    secs = time.perf_counter() - t0
    _log_build("big.pg", secs)
    return secs


def build_threads_pg() -> float:

    _recreate_db(PG_THREADS_DB)
    t0 = time.perf_counter()
    _pg_saver_run(PG_THREADS_DB, run_templates)
    copy_threads_pg(PG_THREADS_DB, _copy_map())
    secs = time.perf_counter() - t0
    _log_build("threads.pg", secs)
    return secs


def _pg_count(dbname: str, sql: str) -> tuple[Any, ...] | None:
    import psycopg

    if not _db_exists(dbname):
        return None
    try:
        with psycopg.connect(pg_url(dbname)) as conn:
            return conn.execute(sql).fetchone()
    except psycopg.Error:
        return None


def ensure_big_pg(rebuild: bool = False) -> str:
    got = None if rebuild else _pg_count(
        PG_BIG_DB, f"SELECT count(*) FROM checkpoints WHERE thread_id = '{BIG_THREAD}' AND checkpoint_ns = ''")
    if got != (BIG_CHECKPOINTS,):
        _say(f"building Postgres {PG_BIG_DB} ({BIG_CHECKPOINTS} checkpoints)...")
        _say(f"  done in {build_big_pg():.1f} s")
    return pg_url(PG_BIG_DB)


def ensure_threads_pg(rebuild: bool = False) -> str:
    got = None if rebuild else _pg_count(PG_THREADS_DB, "SELECT count(DISTINCT thread_id), count(*) FROM checkpoints")
    if got != (THREADS, THREADS * PER_THREAD):
        _say(f"building Postgres {PG_THREADS_DB} ({THREADS} threads x {PER_THREAD})...")
        _say(f"  done in {build_threads_pg():.1f} s")
    return pg_url(PG_THREADS_DB)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rebuild", action="store_true", help="rebuild even when cached data is complete")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    ap.add_argument("--drop", action="store_true", help="only drop the Postgres bench databases")
    args = ap.parse_args(argv)
    if args.drop:
        drop_pg()
        return
    print(ensure_big_sqlite(args.rebuild))
    print(ensure_threads_sqlite(args.rebuild))
    if not args.no_pg:
        print(ensure_big_pg(args.rebuild))
        print(ensure_threads_pg(args.rebuild))
    print(json.dumps(build_log(), indent=2))


if __name__ == "__main__":
    main()
