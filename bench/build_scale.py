"""Build the at-scale bench data: many threads by SQL duplication of one real run.

* Postgres `lgtt_bench_1m`: SCALE_PG threads x 10 checkpoints (default 1,000,000, about
  10 M checkpoint rows). One thread is written by bench_graph through PostgresSaver; every
  other thread is an SQL copy of it (checkpoints, blobs, writes) under a new thread id, with
  its checkpoint ids made distinct (the last 12 hex digits of each id carry the thread
  number, so ids stay time-ordered inside a thread and "newest first" has no ties). The
  tables are filled without their indexes, in batches (resumable), then the primary keys and
  LangGraph's own indexes are built and the tables are analysed. It takes a long time: run it
  niced in the background.
* SQLite `bench/out/threads100k.sqlite`: SCALE_SQLITE threads x 10 the same way.

    nice python bench/build_scale.py [--pg-threads N] [--sqlite-threads N] [--no-pg] [--no-sqlite]
    python bench/build_scale.py --drop          # drop lgtt_bench_1m
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path
from typing import Any

import build_data as data

PG_SCALE_DB = "lgtt_bench_1m"
SCALE_PG = 1_000_000
SCALE_SQLITE = 100_000
SQLITE_100K = data.OUT / "threads100k.sqlite"
TEMPLATE = "tpl"
BATCH = 25_000


def scale_tid(i: int) -> str:
    return f"s{i:07d}"


def _new_id_sql(col: str, n: str, *, sqlite: bool = False) -> str:
    """SQL for a checkpoint id of copy number `n`: the template id with its node part replaced."""
    if sqlite:
        return f"(substr({col}, 1, 24) || printf('%012x', {n}))"
    return f"(left({col}, 24) || lpad(to_hex({n}), 12, '0'))"


# -- Postgres ------------------------------------------------------------------------------------
PG_INDEXES = {
    "checkpoints": ["ALTER TABLE checkpoints ADD PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)",
                    "CREATE INDEX IF NOT EXISTS checkpoints_thread_id_idx ON checkpoints(thread_id)"],
    "checkpoint_blobs": ["ALTER TABLE checkpoint_blobs ADD PRIMARY KEY (thread_id, checkpoint_ns, channel, version)",
                         "CREATE INDEX IF NOT EXISTS checkpoint_blobs_thread_id_idx ON checkpoint_blobs(thread_id)"],
    "checkpoint_writes": ["ALTER TABLE checkpoint_writes ADD PRIMARY KEY "
                          "(thread_id, checkpoint_ns, checkpoint_id, task_id, idx)",
                          "CREATE INDEX IF NOT EXISTS checkpoint_writes_thread_id_idx ON checkpoint_writes(thread_id)"],
}


def _pg_columns(conn: Any, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND column_name <> 'thread_id' ORDER BY ordinal_position", (table,))]


def _pg_copy_sql(conn: Any, table: str) -> str:
    sel = []
    for c in _pg_columns(conn, table):
        if c in ("checkpoint_id", "parent_checkpoint_id"):
            sel.append(f"CASE WHEN t.{c} IS NULL THEN NULL ELSE {_new_id_sql('t.' + c, 'g')} END")
        elif c == "checkpoint" and table == "checkpoints":
            sel.append(f"jsonb_set(t.checkpoint, '{{id}}', to_jsonb({_new_id_sql('t.checkpoint_id', 'g')}))")
        else:
            sel.append(f"t.{c}")
    cols = ", ".join(_pg_columns(conn, table))
    return (f"INSERT INTO {table} (thread_id, {cols}) SELECT 's' || lpad(g::text, 7, '0'), {', '.join(sel)} "
            f"FROM {table} t CROSS JOIN generate_series(%s::int, %s::int) g WHERE t.thread_id = '{TEMPLATE}'")


def build_pg(threads: int = SCALE_PG, name: str = PG_SCALE_DB) -> str:
    """Build (or finish building) the Postgres scale database `name`; returns its URL."""
    import psycopg

    url = data.pg_url(name)
    if not data._db_exists(name):
        with data._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS lgtt_bench_build (done int NOT NULL, finished bool NOT NULL)")
        row = conn.execute("SELECT done, finished FROM lgtt_bench_build").fetchone()
    if row and row[1] and row[0] >= threads:
        data._say(f"{name} is complete ({row[0]:,} threads)")
        return url
    if row is None:
        data._say("writing the template thread through PostgresSaver")

        def one(saver: Any) -> None:
            from bench_graph import builder, checkpoints_for

            g = builder.compile(checkpointer=saver)
            g.invoke({"count": 0, "target": data.PER_THREAD - checkpoints_for(0)},
                     {"configurable": {"thread_id": TEMPLATE}})

        data._pg_saver_run(name, one)
        with psycopg.connect(url, autocommit=True) as conn:
            for table, stmts in PG_INDEXES.items():
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_pkey")
                conn.execute(f"DROP INDEX IF EXISTS {table}_thread_id_idx")
                del stmts
            conn.execute("INSERT INTO lgtt_bench_build VALUES (0, false)")
        row = (0, False)
    done = row[0]
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        sqls = [_pg_copy_sql(conn, t) for t in PG_INDEXES]
        while done < threads:
            hi = min(done + BATCH, threads)
            with conn.transaction():
                for sql in sqls:
                    conn.execute(sql, (done + 1, hi))
                conn.execute("UPDATE lgtt_bench_build SET done = %s", (hi,))
            done = hi
            rate = (done - row[0]) / (time.perf_counter() - t0)
            data._say(f"{done:,}/{threads:,} threads ({rate:,.0f}/s)")
        data._say("building primary keys and indexes")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for stmts in PG_INDEXES.values():
            for stmt in stmts:
                try:
                    conn.execute(stmt)
                except psycopg.errors.InvalidTableDefinition:
                    pass  # primary key already there (an earlier run got this far)
        data._say("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")
        conn.execute("UPDATE lgtt_bench_build SET finished = true")
    data._log_build(name, time.perf_counter() - t0, threads=threads)
    return url


def drop_pg(name: str = PG_SCALE_DB) -> None:
    with data._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- SQLite --------------------------------------------------------------------------------------
def build_sqlite(path: Path, threads: int) -> Path:
    """`threads` x 10 checkpoints in a SQLite file (cached: rebuilt only when incomplete)."""
    def ok(conn: sqlite3.Connection) -> bool:
        (n,) = conn.execute("SELECT count(*) FROM checkpoints").fetchone()
        return n == threads * data.PER_THREAD

    if data._sqlite_ok(path, ok):
        return path
    data._say(f"building {path} ({threads:,} threads)")
    t0 = time.perf_counter()
    data.OUT.mkdir(parents=True, exist_ok=True)
    tmp = data._fresh(path)
    conn, saver = data._sqlite_saver(tmp)
    from bench_graph import builder, checkpoints_for

    builder.compile(checkpointer=saver).invoke(
        {"count": 0, "target": data.PER_THREAD - checkpoints_for(0)}, {"configurable": {"thread_id": TEMPLATE}})
    conn.execute(f"CREATE TEMP TABLE g AS WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
                 f"WHERE g < {threads}) SELECT g FROM s")
    for table in ("checkpoints", "writes"):
        cols = [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,)) if r[0] != "thread_id"]
        sel = [f"CASE WHEN t.{c} IS NULL THEN NULL ELSE {_new_id_sql('t.' + c, 'g', sqlite=True)} END"
               if c in ("checkpoint_id", "parent_checkpoint_id") else f"t.{c}" for c in cols]
        conn.execute(f"INSERT INTO {table} (thread_id, {', '.join(cols)}) "
                     f"SELECT 's' || printf('%07d', g), {', '.join(sel)} FROM {table} t, g "
                     f"WHERE t.thread_id = '{TEMPLATE}' ORDER BY g")
    for table in ("checkpoints", "writes"):
        conn.execute(f"DELETE FROM {table} WHERE thread_id = '{TEMPLATE}'")
    data._finish_sqlite(conn, tmp, path)
    data._log_build(path.name, time.perf_counter() - t0, bytes=path.stat().st_size)
    return path


def ensure_sqlite_100k() -> Path:
    return build_sqlite(SQLITE_100K, SCALE_SQLITE)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg-threads", type=int, default=SCALE_PG)
    ap.add_argument("--sqlite-threads", type=int, default=SCALE_SQLITE)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--pg-db", default=PG_SCALE_DB, help=f"database name (default {PG_SCALE_DB}; e.g. "
                    "lgtt_bench_100k with --pg-threads 100000 for a growth point)")
    ap.add_argument("--drop", action="store_true", help="drop the --pg-db database and stop")
    args = ap.parse_args(argv)
    if args.drop:
        drop_pg(args.pg_db)
        return
    if not args.no_sqlite:
        print(build_sqlite(SQLITE_100K if args.sqlite_threads == SCALE_SQLITE
                           else data.OUT / f"threads{args.sqlite_threads}.sqlite", args.sqlite_threads))
    if not args.no_pg:
        print(build_pg(args.pg_threads, args.pg_db))


if __name__ == "__main__":
    main()
