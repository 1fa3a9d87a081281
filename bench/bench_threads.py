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

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import build_data as data  # noqa: E402
from benchlib import (  # noqa: E402
    GRAPH_SPEC,
    LGTT,
    Result,
    check,
    common_args,
    fmt_mb,
    fmt_ratio,
    fmt_s,
    official_saver,
    repeat,
    results_table,
    run_child,
    run_py_child,
    say,
    table,
    timed,
)

THIS = Path(__file__).resolve()
TARGET_THREADS_S = 1.0
TARGET_HELP_S = 0.3
GROUP_SQL = """
SELECT thread_id, count(*), max(checkpoint_id) FROM checkpoints
WHERE checkpoint_ns = '' GROUP BY thread_id ORDER BY 3 DESC
"""


# -- child mode: LangGraph's own API ----------------------------------------------------------
def child_saver_list(kind: str, db: str) -> None:
    with official_saver(kind, db) as saver:
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
def lgtt_threads(db: str, *, graph: bool) -> Result:
    out = data.OUT / "threads.json"
    cmd = [*LGTT, "--db", db, *(["--graph", GRAPH_SPEC] if graph else []), "threads", "--json"]
    runs = repeat(lambda: run_child(cmd, stdout_file=out), REPEAT)
    rows = len(json.loads(out.read_text()))
    out.unlink()
    if rows != data.THREADS:
        raise RuntimeError(f"lgtt threads gave {rows} rows, expected {data.THREADS}")
    return Result("lgtt CLI threads --json" + (" --graph" if graph else ""), runs, f"{rows} threads")


def measure(kind: str, db: str) -> list[Result]:
    say(f"{kind}: lgtt threads")
    res = [lgtt_threads(db, graph=False), lgtt_threads(db, graph=True)]
    say(f"{kind}: plain SQL")
    fn = (lambda: plain_sql_sqlite(Path(db))) if kind == "sqlite" else (lambda: plain_sql_pg(db))
    fn()
    sql = [timed(fn) for _ in range(max(REPEAT, 3))]
    res.append(Result("plain SQL GROUP BY thread_id", sql, f"{sql[0].info['rows']} threads, in-process"))
    say(f"{kind}: saver.list(None) (slow)")
    lst = repeat(lambda: run_py_child(THIS, ["--child-saver-list", kind, db]), 1)
    res.append(Result("saver.list(None) grouped in Python", lst, f"{lst[0].info['rows']} threads"))
    return res


def summarize(kind: str, res: list[Result]) -> list[list[str]]:
    cli, _, sql, lst = res
    return [
        [kind, "lgtt CLI threads wall", fmt_s(cli.wall),
         check(cli.wall < TARGET_THREADS_S) + f" (target < {TARGET_THREADS_S:.0f} s)"],
        [kind, "saver.list grouping / lgtt CLI (end to end)", fmt_ratio(lst.wall, cli.wall), ""],
        [kind, "lgtt CLI / plain SQL", fmt_ratio(cli.wall, sql.wall), ""],
        [kind, "lgtt CLI peak RSS", fmt_mb(cli.peak_mb), ""],
    ]


def startup() -> tuple[list[tuple[str, Result]], list[list[str]]]:
    n = max(REPEAT, 5)
    say("start-up: python -c pass, lgtt --help")
    base = Result("python -c pass", repeat(lambda: run_child([sys.executable, "-c", "pass"]), n))
    helped = Result("lgtt --help", repeat(lambda: run_child([*LGTT, "--help"]), n))
    ratios = [
        ["-", "lgtt --help wall", fmt_s(helped.wall),
         check(helped.wall < TARGET_HELP_S) + f" (target < {TARGET_HELP_S} s)"],
        ["-", "lgtt --help / python -c pass", fmt_ratio(helped.wall, base.wall),
         f"lgtt's own start-up: {fmt_s(helped.wall - base.wall)}"],
    ]
    return [("-", base), ("-", helped)], ratios


REPEAT = 3


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = [("sqlite", str(data.ensure_threads_sqlite(args.rebuild)))]
    if not args.no_pg:
        targets.append(("postgres", data.ensure_threads_pg(args.rebuild)))
    all_res: list[tuple[str, Result]] = []
    ratios: list[list[str]] = []
    for kind, db in targets:
        res = measure(kind, db)
        all_res += [(kind, r) for r in res]
        ratios += summarize(kind, res)
    res, rat = startup()
    all_res += res
    ratios += rat
    return "\n\n".join([
        f"### Threads: {data.THREADS:,} threads x {data.PER_THREAD} checkpoints; CLI start-up",
        results_table(all_res),
        table(["backend", "ratio", "value", "target"], ratios),
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child-saver-list", nargs=2, metavar=("KIND", "DB"), help=argparse.SUPPRESS)
    args = common_args(ap).parse_args(argv)
    if args.child_saver_list:
        child_saver_list(*args.child_saver_list)
        return
    try:
        print(run(args))
    finally:
        if not args.keep and not args.no_pg:
            data.drop_pg()


if __name__ == "__main__":
    main()
