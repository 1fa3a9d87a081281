"""Prune 1,000 threads x 100 checkpoints to --keep 10: lgtt beside a hand-written SQL script.

Data: TEMPLATES threads written by bench_graph (100 root checkpoints each), SQL-copied to
THREADS threads (checkpoints, writes and, on Postgres, blobs), like build_data.py does. SQLite:
built once into bench/out/prune.sqlite and copied to a fresh file for every run. Postgres: a
template database `lgtt_bench_prune_tpl`, cloned (CREATE DATABASE … TEMPLATE) for every run.

Both methods are subprocesses that delete the same rows (checked: the row counts after each
run are equal); the SQL script does it in one transaction with window functions and temp tables,
lgtt in per-thread plans batched into short transactions. Memory: lgtt's peak RSS on THREADS
threads and on a quarter of them (flat = about the same).

    python bench/bench_prune.py [--rebuild] [--keep] [--no-pg] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import benchlib as b
import build_data as data
from bench_graph import builder, checkpoints_for

THREADS = 1_000
PER_THREAD = 100
TEMPLATES = 5
KEEP = 10
PRUNE_SQLITE = data.OUT / "prune.sqlite"
PG_TPL = "lgtt_bench_prune_tpl"
PG_RUN = "lgtt_bench_prune_run"

SQLITE_SCRIPT = f"""
CREATE TEMP TABLE doomed AS
SELECT thread_id, checkpoint_id FROM (
    SELECT thread_id, checkpoint_id,
           row_number() OVER (PARTITION BY thread_id ORDER BY checkpoint_id DESC) AS rn
    FROM checkpoints WHERE checkpoint_ns = '') WHERE rn > {KEEP};
DELETE FROM writes WHERE (thread_id, checkpoint_ns, checkpoint_id) IN (SELECT thread_id, '', checkpoint_id FROM doomed);
DELETE FROM checkpoints WHERE (thread_id, checkpoint_ns, checkpoint_id) IN (SELECT thread_id, '', checkpoint_id FROM doomed);
UPDATE checkpoints SET parent_checkpoint_id = NULL
WHERE checkpoint_ns = '' AND (thread_id, parent_checkpoint_id) IN (SELECT thread_id, checkpoint_id FROM doomed);
"""
PG_SCRIPT = (
    f"""CREATE TEMP TABLE doomed AS
    SELECT thread_id, checkpoint_id FROM (
        SELECT thread_id, checkpoint_id,
               row_number() OVER (PARTITION BY thread_id ORDER BY checkpoint_id DESC) AS rn
        FROM checkpoints WHERE checkpoint_ns = '') s WHERE rn > {KEEP}""",
    """CREATE TEMP TABLE freed AS
    SELECT DISTINCT c.thread_id, v.key AS channel, v.value AS version
    FROM checkpoints c JOIN doomed d ON c.thread_id = d.thread_id AND c.checkpoint_id = d.checkpoint_id
    CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') v WHERE c.checkpoint_ns = ''""",
    """DELETE FROM checkpoint_writes w USING doomed d
    WHERE w.thread_id = d.thread_id AND w.checkpoint_ns = '' AND w.checkpoint_id = d.checkpoint_id""",
    """DELETE FROM checkpoints c USING doomed d
    WHERE c.thread_id = d.thread_id AND c.checkpoint_ns = '' AND c.checkpoint_id = d.checkpoint_id""",
    """UPDATE checkpoints c SET parent_checkpoint_id = NULL FROM doomed d
    WHERE c.thread_id = d.thread_id AND c.checkpoint_ns = '' AND c.parent_checkpoint_id = d.checkpoint_id""",
    """DELETE FROM checkpoint_blobs b USING freed f
    WHERE b.thread_id = f.thread_id AND b.checkpoint_ns = '' AND b.channel = f.channel AND b.version = f.version
    AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id = f.thread_id AND c.checkpoint_ns = ''
                    AND c.checkpoint -> 'channel_versions' ->> f.channel = f.version)""",
)


def tid(i: int) -> str:
    return f"p{i:05d}"


def _templates(saver) -> None:
    g = builder.compile(checkpointer=saver)
    target = PER_THREAD - checkpoints_for(0)
    for i in range(TEMPLATES):
        g.invoke({"count": 0, "target": target}, {"configurable": {"thread_id": tid(i)}, "recursion_limit": 500})


def _copy_map() -> list[tuple[str, str]]:
    return [(tid(i), tid(i % TEMPLATES)) for i in range(TEMPLATES, THREADS)]


def build_sqlite(rebuild: bool) -> Path:
    if PRUNE_SQLITE.exists() and not rebuild:
        with sqlite3.connect(PRUNE_SQLITE) as conn:
            if conn.execute("SELECT count(*) FROM checkpoints").fetchone() == (THREADS * PER_THREAD,):
                return PRUNE_SQLITE
    b.say(f"building {PRUNE_SQLITE} ({THREADS} threads x {PER_THREAD})...")
    tmp = data._fresh(PRUNE_SQLITE)
    conn, saver = data._sqlite_saver(tmp)
    _templates(saver)
    data.copy_threads_sqlite(conn, _copy_map())
    data._finish_sqlite(conn, tmp, PRUNE_SQLITE)
    return PRUNE_SQLITE


def build_pg(rebuild: bool) -> None:

    if not rebuild and data._pg_count(PG_TPL, "SELECT count(*) FROM checkpoints") == (THREADS * PER_THREAD,):
        return
    b.say(f"building Postgres {PG_TPL} ({THREADS} threads x {PER_THREAD})...")
    data._recreate_db(PG_TPL)
    data._pg_saver_run(PG_TPL, _templates)
    data.copy_threads_pg(PG_TPL, _copy_map())


def fresh_pg(quarter: bool = False) -> str:
    import psycopg

    with data._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_RUN}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_RUN}" TEMPLATE "{PG_TPL}"')
    url = data.pg_url(PG_RUN)
    if quarter:
        with psycopg.connect(url) as conn:
            for tbl in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
                conn.execute(f"DELETE FROM {tbl} WHERE thread_id >= %s", (tid(THREADS // 4),))
    return url


def fresh_sqlite(src: Path, tmp: Path, quarter: bool = False) -> Path:
    dst = tmp / "run.sqlite"
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    if quarter:
        with sqlite3.connect(dst) as conn:
            for tbl in ("checkpoints", "writes"):
                conn.execute(f"DELETE FROM {tbl} WHERE thread_id >= ?", (tid(THREADS // 4),))
    return dst


def counts(kind: str, db: str) -> tuple:
    if kind == "sqlite":
        with sqlite3.connect(db) as conn:
            return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("checkpoints", "writes"))
    import psycopg

    with psycopg.connect(db) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("checkpoints", "checkpoint_writes", "checkpoint_blobs"))


def child_sql(kind: str, db: str) -> None:
    """The hand-written script, in one transaction (run as a child process)."""
    t0 = time.perf_counter()
    if kind == "sqlite":
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        for stmt in filter(str.strip, SQLITE_SCRIPT.split(";")):
            conn.execute(stmt)
        conn.execute("COMMIT")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db) as conn:
            for stmt in PG_SCRIPT:
                conn.execute(stmt)
    print(json.dumps({"seconds": time.perf_counter() - t0}))


def measure(kind: str, make_db, repeat_n: int) -> tuple[list[b.Result], list[list[str]]]:
    after: dict[str, tuple] = {}

    def lgtt_run():
        db = make_db(False)
        run = b.run_child([*b.LGTT, "--db", str(db), "prune", "--keep", str(KEEP), "--yes", "--json"])
        after["lgtt"] = counts(kind, str(db))
        return run

    def sql_run():
        db = make_db(False)
        run = b.run_child([sys.executable, str(Path(__file__)), "--child-sql", kind, str(db)])
        after["sql"] = counts(kind, str(db))
        return run

    lgtt_runs = b.repeat(lgtt_run, repeat_n)
    sql_runs = b.repeat(sql_run, repeat_n)
    quarter = b.repeat(lambda: b.run_child([*b.LGTT, "--db", str(make_db(True)), "prune", "--keep", str(KEEP), "--yes"]), 1)
    same = after["lgtt"] == after["sql"]
    res = [b.Result(f"lgtt prune --keep {KEEP} ({THREADS} threads)", lgtt_runs, f"rows after: {after['lgtt']}"),
           b.Result("hand-written SQL, one transaction", sql_runs, f"rows after: {after['sql']}"),
           b.Result(f"lgtt prune --keep {KEEP} ({THREADS // 4} threads)", quarter, "memory check")]
    ratios = [[kind, "lgtt / SQL wall", b.fmt_ratio(res[0].wall, res[1].wall), "<= 2x"],
              [kind, "same rows deleted", "yes" if same else f"NO {after}", "yes"],
              [kind, f"peak RSS {THREADS} vs {THREADS // 4} threads",
               f"{b.fmt_mb(res[0].peak_mb)} vs {b.fmt_mb(res[2].peak_mb)}", "flat"]]
    return res, ratios


def run(args: argparse.Namespace) -> str:
    src = build_sqlite(args.rebuild)
    with tempfile.TemporaryDirectory() as tmp:
        res, ratios = measure("sqlite", lambda q: fresh_sqlite(src, Path(tmp), q), args.repeat)
    all_res = [("sqlite", r) for r in res]
    if not args.no_pg:
        build_pg(args.rebuild)
        res, rat = measure("postgres", fresh_pg, args.repeat)
        all_res += [("postgres", r) for r in res]
        ratios += rat
    return b.section(f"Prune: {THREADS:,} threads x {PER_THREAD} checkpoints to --keep {KEEP}", all_res, ratios)


def drop_pg() -> None:
    try:
        with data._admin() as conn:
            for name in (PG_RUN, PG_TPL):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:
        b.say(f"could not drop the prune bench databases: {exc}")


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"sql": (("KIND", "DB"), child_sql)}, drop_pg, argv)


if __name__ == "__main__":
    main()
