"""Listing 10,000 threads (x 10 checkpoints): lgtt vs plain SQL vs LangGraph's saver.list; CLI start-up.

For SQLite and Postgres, in the same run, on the same database:

  lgtt CLI          `python -m lgtt --db DB threads --json` (subprocess, end to end)
  plain SQL         in this process: open + `SELECT thread_id, count(*), max(checkpoint_id)
                    ... GROUP BY thread_id` (no head row, no status)
  saver.list(None)  LangGraph's way without lgtt: iterate every CheckpointTuple of the database
                    and group by thread in Python (count, newest id, its step; subprocess)

Start-up: `python -m lgtt --help` against `python -c pass` (same interpreter).

    python bench/bench_threads.py [--rebuild] [--keep] [--no-pg] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

import benchlib as b
import build_data as data

THIS = Path(__file__).resolve()
TARGET_THREADS_S = 1.0
TARGET_HELP_S = 0.3
GROUP_SQL = """
SELECT thread_id, count(*), max(checkpoint_id) FROM checkpoints
WHERE checkpoint_ns = '' GROUP BY thread_id ORDER BY 3 DESC
"""


# -- child mode: LangGraph's own API ----------------------------------------------------------
def child_saver_list(kind: str, db: str) -> None:
    with b.official_saver(kind, db) as saver:
        t0 = time.perf_counter()
        threads: dict[str, dict] = {}
        for tup in saver.list(None):
            conf = tup.config["configurable"]
            if conf.get("checkpoint_ns"):
                continue
            t = threads.setdefault(conf["thread_id"], {"n": 0, "head": "", "step": None})
            t["n"] += 1
            if conf["checkpoint_id"] > t["head"]:
                t["head"], t["step"] = conf["checkpoint_id"], tup.metadata.get("step")
        rows = sorted(threads.items(), key=lambda kv: kv[1]["head"], reverse=True)
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "rows": len(rows)}))


# -- plain SQL in process ----------------------------------------------------------------------
def plain_sql_sqlite(path: Path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(GROUP_SQL).fetchall()
    finally:
        conn.close()
    return {"rows": len(rows)}


def plain_sql_pg(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(GROUP_SQL).fetchall()
    return {"rows": len(rows)}


# -- measurements ------------------------------------------------------------------------------
def lgtt_threads(db: str, *, graph: bool) -> b.Result:
    out = data.OUT / "threads.json"
    cmd = [*b.LGTT, "--db", db, *(["--graph", b.GRAPH_SPEC] if graph else []), "threads", "--json"]
    runs = b.repeat(lambda: b.run_child(cmd, stdout_file=out), REPEAT)
    rows = len(json.loads(out.read_text()))
    out.unlink()
    if rows != data.THREADS:
        raise RuntimeError(f"lgtt threads gave {rows} rows, expected {data.THREADS}")
    return b.Result("lgtt CLI threads --json" + (" --graph" if graph else ""), runs, f"{rows} threads")


def measure(kind: str, db: str) -> list[b.Result]:
    b.say(f"{kind}: lgtt threads")
    res = [lgtt_threads(db, graph=False), lgtt_threads(db, graph=True)]
    b.say(f"{kind}: plain SQL")
    fn = (lambda: plain_sql_sqlite(Path(db))) if kind == "sqlite" else (lambda: plain_sql_pg(db))
    fn()
    sql = [b.timed(fn) for _ in range(max(REPEAT, 3))]
    res.append(b.Result("plain SQL GROUP BY thread_id", sql, f"{sql[0].info['rows']} threads, in-process"))
    b.say(f"{kind}: saver.list(None) (slow)")
    lst = b.repeat(lambda: b.run_py_child(THIS, ["--child-saver-list", kind, db]), 1)
    res.append(b.Result("saver.list(None) grouped in Python", lst, f"{lst[0].info['rows']} threads"))
    return res


def summarize(kind: str, res: list[b.Result]) -> list[list[str]]:
    cli, _, sql, lst = res
    return [
        [kind, "lgtt CLI threads wall", b.fmt_s(cli.wall),
         b.check(cli.wall < TARGET_THREADS_S) + f" (target < {TARGET_THREADS_S:.0f} s)"],
        [kind, "saver.list grouping / lgtt CLI (end to end)", b.fmt_ratio(lst.wall, cli.wall), ""],
        [kind, "lgtt CLI / plain SQL", b.fmt_ratio(cli.wall, sql.wall), ""],
        [kind, "lgtt CLI peak RSS", b.fmt_mb(cli.peak_mb), ""],
    ]


def startup() -> tuple[list[tuple[str, b.Result]], list[list[str]]]:
    n = max(REPEAT, 5)
    b.say("start-up: python -c pass, lgtt --help")
    base = b.Result("python -c pass", b.repeat(lambda: b.run_child([sys.executable, "-c", "pass"]), n))
    helped = b.Result("lgtt --help", b.repeat(lambda: b.run_child([*b.LGTT, "--help"]), n))
    ratios = [
        ["-", "lgtt --help wall", b.fmt_s(helped.wall),
         b.check(helped.wall < TARGET_HELP_S) + f" (target < {TARGET_HELP_S} s)"],
        ["-", "lgtt --help / python -c pass", b.fmt_ratio(helped.wall, base.wall),
         f"lgtt's own start-up: {b.fmt_s(helped.wall - base.wall)}"],
    ]
    return [("-", base), ("-", helped)], ratios


REPEAT = 3


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = b.backends(args, data.ensure_threads_sqlite, data.ensure_threads_pg)
    all_res, ratios = b.over_backends(targets, measure, summarize)
    res, rat = startup()
    return b.section(f"Threads: {data.THREADS:,} threads x {data.PER_THREAD} checkpoints; CLI start-up",
                     all_res + res, ratios + rat)


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"saver-list": (("KIND", "DB"), child_saver_list)}, data.drop_pg, argv)


if __name__ == "__main__":
    main()
