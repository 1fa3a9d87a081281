"""At scale: Postgres with 1,000,000 threads x 10 and SQLite with 100,000 threads x 10.

Data from build_scale.py (run it first, niced, in the background: the Postgres database takes
about half an hour to build and 19 GB). In the same run, on the same data:

  lgtt CLI     `python -m lgtt --db DB ...` (subprocess, end to end: start-up included)
  floor        the plain SQL that gives the same facts, in this process (connection included)
  API          LangGraph's own way: `saver.list(None, limit=50)` (SQLite, child process)
  peer         `langgraph-checkpoint threads` (PyPI langgraph-checkpoint-cli) when LGTT_PEER
               names its executable (it lists every thread; slow: run with --peer)

Growth exponents compare `threads --json` on 10,000 threads (build_data.py) with 100,000
(SQLite) and 1,000,000 (Postgres): time ~ threads^k.

    python bench/bench_scale.py [--no-pg] [--repeat N] [--with-index] [--slow] [--peer]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import time
from pathlib import Path

import benchlib as b
import build_data as data
import build_scale as scale

THIS = Path(__file__).resolve()
THREAD = "s0500000"


def prune_ids(run: int) -> list[str]:
    """Three threads of their own for each prune run (pruned threads stay pruned)."""
    return [f"s0{run + 1}0000{j}" for j in (1, 2, 3)]

FLOOR_NEWEST = ("SELECT thread_id, count(*), max(checkpoint_id) FROM checkpoints WHERE checkpoint_ns = '' "
                "GROUP BY thread_id ORDER BY 3 DESC LIMIT 50")
FLOOR_ALL = ("SELECT thread_id, count(*), max(checkpoint_id) FROM checkpoints WHERE checkpoint_ns = '' "
             "GROUP BY thread_id ORDER BY 3 DESC")
FLOOR_BY_ID = """
WITH RECURSIVE t(tid) AS (SELECT min(thread_id) FROM checkpoints
  UNION ALL SELECT (SELECT min(thread_id) FROM checkpoints WHERE thread_id > t.tid) FROM t WHERE t.tid IS NOT NULL)
SELECT tid, (SELECT max(checkpoint_id) FROM checkpoints c WHERE c.thread_id = tid AND c.checkpoint_ns = '')
FROM t WHERE tid IS NOT NULL LIMIT 50
"""
FLOOR_INDEXED = ("SELECT thread_id FROM checkpoints WHERE checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 500")
FLOOR_THREAD = ("SELECT checkpoint_id, parent_checkpoint_id, checkpoint, metadata FROM checkpoints "
                "WHERE thread_id = %s AND checkpoint_ns = '' ORDER BY checkpoint_id")
FLOOR_PRUNE = """
WITH doomed AS (SELECT thread_id, checkpoint_id FROM (
    SELECT thread_id, checkpoint_id, row_number() OVER (PARTITION BY thread_id ORDER BY checkpoint_id DESC) rn
    FROM checkpoints WHERE thread_id = ANY(%s) AND checkpoint_ns = '') s WHERE rn > 2),
w AS (DELETE FROM checkpoint_writes x USING doomed d WHERE x.thread_id = d.thread_id AND x.checkpoint_ns = ''
      AND x.checkpoint_id = d.checkpoint_id)
DELETE FROM checkpoints c USING doomed d WHERE c.thread_id = d.thread_id AND c.checkpoint_ns = ''
    AND c.checkpoint_id = d.checkpoint_id
"""
# Floors of the whole-database commands (--slow): the plain SQL that reads the same facts.
FLOOR_STATS = """
SELECT (SELECT count(DISTINCT thread_id) FROM checkpoints), (SELECT count(*) FROM checkpoint_writes),
       (SELECT count(*) FROM checkpoint_blobs),
       (SELECT sum(pg_column_size(checkpoint) + pg_column_size(metadata)) FROM checkpoints),
       (SELECT sum(octet_length(blob)) FROM checkpoint_blobs), (SELECT sum(octet_length(blob)) FROM checkpoint_writes)
"""
FLOOR_CHECK = ["SELECT * FROM checkpoint_blobs ORDER BY thread_id, checkpoint_ns, channel, version",
               "SELECT * FROM checkpoints ORDER BY thread_id, checkpoint_ns, checkpoint_id",
               "SELECT * FROM checkpoint_writes ORDER BY thread_id, checkpoint_ns, checkpoint_id, task_id, idx"]
FLOOR_PRUNE_ROWS = ("SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint ->> 'ts', "
                    "metadata -> 'parents', checkpoint -> 'channel_versions' FROM checkpoints ORDER BY thread_id")
REPEAT = 3


def child_saver_list(db: str) -> None:
    with b.official_saver("sqlite", db) as saver:
        t0 = time.perf_counter()
        rows = list(saver.list(None, limit=50))
        print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(rows)}))


def pg_floor(url: str, sql: str, params: tuple = (), *, stream: bool = False) -> b.Run:
    import psycopg

    def once() -> dict:
        with psycopg.connect(url) as conn:
            if not stream:
                return {"rows": len(conn.execute(sql, params).fetchall())}
            n = 0
            with conn.cursor(name="floor") as cur:
                cur.execute(sql, params)
                while batch := cur.fetchmany(5000):
                    n += len(batch)
            return {"rows": n}

    return b.timed(once)


def sqlite_floor(path: str, sql: str) -> b.Run:
    def once() -> dict:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            n = sum(1 for _ in conn.execute(sql))
        finally:
            conn.close()
        return {"rows": n}

    return b.timed(once)


def cli(db: str, *args: str, n: int | None = None, label: str | None = None) -> b.Result:
    cmd = [*b.LGTT, "--db", db, *args]
    runs = b.repeat(lambda: b.run_child(cmd), n or REPEAT)
    return b.Result(label or "lgtt " + " ".join(args), runs)


def floor(fn, label: str, n: int | None = None) -> b.Result:
    return b.Result(label, [fn() for _ in range(n or REPEAT)])


def row(kind: str, case: str, ours: b.Result, base: b.Result, target: float | None, note: str = "",
        *, by_cpu: bool = False) -> list[str]:
    """One line of the summary. `by_cpu` (SQLite: the floor's work is all in this process) compares
    CPU seconds, steadier than wall time on a loaded machine; Postgres compares wall time."""
    a, c = (ours.cpu, base.cpu) if by_cpu else (ours.wall, base.wall)
    ratio = a / c if a and c else None
    verdict = "" if target is None or ratio is None else b.check(ratio <= target) + f" (<= {target:g}x)"
    return [kind, case, f"{b.fmt_s(ours.wall)} ({b.fmt_s(ours.cpu)} CPU), {b.fmt_mb(ours.peak_mb)}",
            f"{b.fmt_s(base.wall)} ({b.fmt_s(base.cpu)} CPU)", b.fmt_ratio(a, c) + (" CPU" if by_cpu else " wall"),
            verdict, note]


def measure_pg(url: str, args: argparse.Namespace) -> tuple[list[tuple[str, b.Result]], list[list[str]]]:
    res: list[tuple[str, b.Result]] = []
    rows: list[list[str]] = []
    start = b.Result("python -c pass", b.repeat(lambda: b.run_child([sys.executable, "-c", "pass"]), 5))

    def add(case: str, ours: b.Result, base: b.Result, target: float | None, note: str = "") -> None:
        res.extend([("postgres", ours), ("postgres", base)])
        rows.append(row("postgres 1M", case, ours, base, target, note))

    b.say("postgres: threads --limit 50 --by id")
    add("threads --limit 50 --by id", cli(url, "threads", "--limit", "50", "--by", "id"),
        floor(lambda: pg_floor(url, FLOOR_BY_ID), "floor: loose index scan, 50 heads"), None,
        "keyset pages by the primary key")
    b.say("postgres: threads --limit 50 (newest first, no index)")
    add("threads --limit 50 (newest, no index)", cli(url, "threads", "--limit", "50", n=1),
        floor(lambda: pg_floor(url, FLOOR_NEWEST), "floor: GROUP BY newest 50", 1), 2.0)
    if args.with_index:
        b.say("postgres: lgtt index create (not timed as a command)")
        t0 = time.perf_counter()
        b.run_child([*b.LGTT, "--db", url, "index", "create"])
        built = time.perf_counter() - t0
        add("threads --limit 50 (newest, `lgtt index create`)", cli(url, "threads", "--limit", "50"),
            floor(lambda: pg_floor(url, FLOOR_INDEXED), "floor: index scan of the newest rows"), None,
            f"index built in {built:.0f} s")
        if not args.keep_index:
            b.run_child([*b.LGTT, "--db", url, "index", "drop"])
    b.say("postgres: threads --json (every thread)")
    add("threads --json (1M rows out)", cli(url, "threads", "--json", n=1),
        floor(lambda: pg_floor(url, FLOOR_ALL, stream=True), "floor: GROUP BY all, streamed", 1), 2.0)
    for case in (["timeline", THREAD], ["timeline", THREAD, "--all", "--json"], ["show", THREAD],
                 ["diff", THREAD, "-2", "-1"], ["check", THREAD]):
        b.say(f"postgres: {' '.join(case)}")
        ours = cli(url, *case)
        base = floor(lambda: pg_floor(url, FLOOR_THREAD, (THREAD,)), "floor: SELECT the thread's rows")
        add(" ".join(case), ours, base, None,
            f"{b.check(ours.wall < 0.5)} (< 0.5 s); start-up {b.fmt_s(start.wall)}; "
            f"floor + start-up x3 = {b.fmt_s(3 * (base.wall + start.wall))}")
    b.say("postgres: fork")
    fork_runs = []
    for i in range(REPEAT):
        fork_runs.append(b.run_child([*b.LGTT, "--db", url, "fork", THREAD, "-1", "--to", f"bench-fork-{i}", "--json"]))
    _pg_exec(url, "DELETE FROM checkpoints WHERE thread_id LIKE 'bench-fork-%'")
    _pg_exec(url, "DELETE FROM checkpoint_writes WHERE thread_id LIKE 'bench-fork-%'")
    _pg_exec(url, "DELETE FROM checkpoint_blobs WHERE thread_id LIKE 'bench-fork-%'")
    add(f"fork {THREAD} -1", b.Result("lgtt fork", fork_runs),
        floor(lambda: pg_floor(url, FLOOR_THREAD, (THREAD,)), "floor: SELECT the thread's rows"), None,
        f"{b.check(b.Result('', fork_runs).wall < 0.5)} (< 0.5 s)")
    b.say("postgres: prune of 3 threads")
    ours = b.Result("lgtt prune 3 threads --keep 2", [b.run_child(
        [*b.LGTT, "--db", url, "prune", *prune_ids(i), "--keep", "2", "--yes"]) for i in range(REPEAT)])
    base = b.Result("floor: hand-written DELETE", [_pg_timed(url, FLOOR_PRUNE, (prune_ids(8 - i),)) for i in range(REPEAT)])
    add("prune 3 threads --keep 2", ours, base, 3.0)
    if args.slow:
        for case, floor_sqls, what in (
                (["stats"], [FLOOR_STATS], "the same aggregates hand-written"),
                (["check"], FLOOR_CHECK, "every row of the three tables, streamed"),
                (["prune", "--keep", "5", "--dry-run"], [FLOOR_PRUNE_ROWS], "every checkpoint's prune columns, streamed"),
                *([(["prune", "--keep", "9", "--yes"], [FLOOR_PRUNE_ROWS], "every checkpoint's prune columns, "
                    "streamed")] if args.destructive else [])):
            b.say(f"postgres: {' '.join(case)} (slow, --timeout 1800)")
            try:
                ours = b.Result("lgtt " + " ".join(case), [b.run_child([*b.LGTT, "--db", url, "--timeout", "1800", *case])])
                note = f"floor: {what}"
            except RuntimeError as exc:
                ours, note = b.Result("lgtt " + " ".join(case), [b.Run(wall=1800.0)]), str(exc).splitlines()[-1][:80]
            base = floor(lambda qs=floor_sqls: b.timed(lambda: _pg_floors(url, qs)), "floor: " + what, 1)
            add(" ".join(case), ours, base, 2.0, note)
    res.append(("-", start))
    return res, rows


def _pg_threads(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT done FROM lgtt_bench_build").fetchone()[0]


def _pg_floors(url: str, sqls: list[str]) -> dict:
    n = 0
    for sql in sqls:
        n += pg_floor(url, sql, stream=True).info["rows"]
    return {"rows": n}


def _pg_exec(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(sql)


def _pg_timed(url: str, sql: str, params: tuple) -> b.Run:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute(sql, params)
    return b.Run(wall=time.perf_counter() - t0)


def measure_sqlite(path: str, args: argparse.Namespace) -> tuple[list[tuple[str, b.Result]], list[list[str]]]:
    res: list[tuple[str, b.Result]] = []
    rows: list[list[str]] = []
    b.say("sqlite: threads --limit 50")
    ours = cli(path, "threads", "--limit", "50")
    base = floor(lambda: sqlite_floor(path, FLOOR_NEWEST), "floor: GROUP BY newest 50")
    api = b.Result("saver.list(None, limit=50)", b.repeat(lambda: b.run_py_child(THIS, ["--child-saver-list", path]), REPEAT))
    res += [("sqlite", ours), ("sqlite", base), ("sqlite", api)]
    rows.append(row("sqlite 100k", "threads --limit 50", ours, base, 2.0,
                    f"saver.list(limit=50) {b.fmt_s(api.wall)} ({b.fmt_s(api.cpu)} CPU): lgtt "
                    f"{b.fmt_ratio(api.cpu, ours.cpu)} faster by CPU", by_cpu=True))
    b.say("sqlite: threads --limit 50 --by id")
    ours = cli(path, "threads", "--limit", "50", "--by", "id")
    res.append(("sqlite", ours))
    rows.append(row("sqlite 100k", "threads --limit 50 --by id", ours, base, None, "floor: the newest-50 GROUP BY",
                    by_cpu=True))
    b.say("sqlite: threads --json")
    ours = cli(path, "threads", "--json", n=1)
    base = floor(lambda: sqlite_floor(path, FLOOR_ALL), "floor: GROUP BY all")
    res += [("sqlite", ours), ("sqlite", base)]
    note = ""
    peer = os.environ.get("LGTT_PEER")
    if args.peer and peer:
        b.say("sqlite: the peer (slow)")
        pr = b.Result("peer: langgraph-checkpoint threads", [b.run_child([peer, "threads", "--db", path])])
        res.append(("sqlite", pr))
        note = f"peer {b.fmt_s(pr.wall)} ({b.fmt_ratio(pr.wall, ours.wall)} lgtt)"
    elif args.peer:
        note = "peer not run: set LGTT_PEER to the langgraph-checkpoint executable"
    rows.append(row("sqlite 100k", "threads --json", ours, base, None, note, by_cpu=True))
    return res, rows


def growth(args: argparse.Namespace, big: dict[str, b.Result]) -> list[list[str]]:
    """threads --json time exponents: 10k threads (build_data) against the big sets."""
    out = []
    small = {"sqlite": str(data.ensure_threads_sqlite(False))}
    if not args.no_pg:
        small["postgres"] = data.ensure_threads_pg(False)
    sizes = {"sqlite": scale.SCALE_SQLITE, "postgres": _pg_threads(data.pg_url(args.pg_db))}
    for kind, db in small.items():
        if kind not in big:
            continue
        r = cli(db, "threads", "--json")
        k = math.log(big[kind].wall / r.wall) / math.log(sizes[kind] / data.THREADS)
        mem = math.log(max(big[kind].peak_mb or 1, 1) / max(r.peak_mb or 1, 1)) / math.log(sizes[kind] / data.THREADS)
        out.append([kind, f"threads --json, {data.THREADS:,} -> {sizes[kind]:,} threads",
                    f"{b.fmt_s(r.wall)} -> {b.fmt_s(big[kind].wall)}", f"time ~ n^{k:.2f}",
                    f"{b.fmt_mb(r.peak_mb)} -> {b.fmt_mb(big[kind].peak_mb)} (memory ~ n^{mem:.2f})"])
    return out


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    all_res: list[tuple[str, b.Result]] = []
    rows: list[list[str]] = []
    big: dict[str, b.Result] = {}
    if not args.no_sqlite:
        path = str(scale.ensure_sqlite_100k())
        res, rws = measure_sqlite(path, args)
        all_res += res
        rows += rws
        big["sqlite"] = next(r for k, r in res if r.label == "lgtt threads --json")
    if not args.no_pg:
        if not data._db_exists(args.pg_db):
            raise SystemExit(f"build {args.pg_db} first: nice python bench/build_scale.py --no-sqlite")
        url = data.pg_url(args.pg_db)
        res, rws = measure_pg(url, args)
        all_res += res
        rows += rws
        big["postgres"] = next(r for k, r in res if r.label == "lgtt threads --json")
    grow = growth(args, big)
    return "\n\n".join([
        f"### At scale: Postgres {args.pg_db} x 10, SQLite {scale.SCALE_SQLITE:,} threads x 10",
        b.results_table(all_res),
        b.table(["data", "case", "lgtt (wall, peak RSS)", "floor", "lgtt / floor", "target", "notes"], rows),
        b.table(["backend", "growth", "wall", "exponent", "peak RSS"], grow),
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child-saver-list", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--with-index", action="store_true", help="also measure with `lgtt index create` (builds it)")
    ap.add_argument("--keep-index", action="store_true", help="leave the index in place afterwards")
    ap.add_argument("--slow", action="store_true", help="also stats and prune --dry-run on the 1M database")
    ap.add_argument("--pg-db", default=scale.PG_SCALE_DB, help="the Postgres scale database (build_scale.py --pg-db)")
    ap.add_argument("--destructive", action="store_true", help="with --slow: also a real whole-database prune "
                    "(--keep 9: the data set loses a checkpoint per thread)")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the SQLite 100k measurements")
    ap.add_argument("--peer", action="store_true", help="also the peer CLI on 100k threads (minutes)")
    args = b.common_args(ap).parse_args(argv)
    if args.child_saver_list:
        child_saver_list(args.child_saver_list)
        return
    print(run(args))


if __name__ == "__main__":
    main()
