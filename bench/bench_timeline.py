"""Timeline of one 10,000-checkpoint thread: lgtt vs LangGraph's get_state_history vs plain SQL.

For SQLite and Postgres, in the same run, on the same thread:

  lgtt CLI        `python -m lgtt --db DB --graph bench_graph.py:graph timeline big --all --json`
                  (subprocess, end to end: start-up, graph import, read, JSON out)
  lgtt CLI, no graph   the same without --graph (triggers inferred from channel names)
  lgtt API        `lgtt.open(db, graph=...).timeline("big")` in a subprocess (in-call time reported)
  get_state_history    `list(graph.get_state_history(config))` in a subprocess, graph compiled
                  with the official SqliteSaver / PostgresSaver (in-call time reported)
  plain SQL       in this process: open + SELECT checkpoint_id, parent, metadata (decoded) and
                  checkpoint (bytes in SQLite, jsonb in Postgres) of every row of the thread

Peak RSS is the child's own ru_maxrss (os.wait4). Ratios compare medians.

    python bench/bench_timeline.py [--rebuild] [--keep] [--no-pg] [--repeat N]
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
CONFIG = {"configurable": {"thread_id": data.BIG_THREAD}}
TARGET_SPEEDUP = 10.0
TARGET_PEAK_MB = 200.0


# -- child modes (run in a fresh interpreter so peak RSS is theirs alone) ---------------------
def child_history(kind: str, db: str) -> None:
    from bench_graph import builder

    t_start = time.perf_counter()
    with official_saver(kind, db) as saver:
        graph = builder.compile(checkpointer=saver)
        t0 = time.perf_counter()
        history = list(graph.get_state_history(CONFIG))
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "rows": len(history), "setup": t0 - t_start}))


def child_lgtt_api(db: str) -> None:
    import lgtt

    with lgtt.open(db, graph=GRAPH_SPEC) as dbg:
        t0 = time.perf_counter()
        tl = dbg.timeline(data.BIG_THREAD)
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "rows": len(tl.entries)}))


# -- plain SQL in process ----------------------------------------------------------------------
SQLITE_SQL = """
SELECT checkpoint_id, parent_checkpoint_id, metadata, checkpoint FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id
"""
PG_SQL = SQLITE_SQL.replace("?", "%s")


def plain_sql_sqlite(path: Path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [(cid, parent, json.loads(meta), blob)
                for cid, parent, meta, blob in conn.execute(SQLITE_SQL, (data.BIG_THREAD,))]
    finally:
        conn.close()
    return {"rows": len(rows), "bytes": sum(len(r[3]) for r in rows)}


def plain_sql_pg(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(PG_SQL, (data.BIG_THREAD,)).fetchall()  # jsonb arrives decoded
    return {"rows": len(rows)}


# -- measurements ------------------------------------------------------------------------------
def lgtt_cli(db: str, *, graph: bool) -> Result:
    out = data.OUT / "timeline.json"
    cmd = [*LGTT, "--db", db, *(["--graph", GRAPH_SPEC] if graph else []),
           "timeline", data.BIG_THREAD, "--all", "--json"]
    runs = repeat(lambda: run_child(cmd, stdout_file=out), REPEAT)
    rows = len(json.loads(out.read_text()))
    out.unlink()
    if rows != data.BIG_CHECKPOINTS:
        raise RuntimeError(f"lgtt timeline gave {rows} rows, expected {data.BIG_CHECKPOINTS}")
    return Result("lgtt CLI timeline --all --json" + ("" if graph else " (no --graph)"), runs, f"{rows} rows")


def measure(kind: str, db: str) -> list[Result]:
    res = []
    say(f"{kind}: lgtt CLI")
    res.append(lgtt_cli(db, graph=True))
    res.append(lgtt_cli(db, graph=False))
    say(f"{kind}: lgtt API")
    api = repeat(lambda: run_py_child(THIS, ["--child-lgtt-api", db]), REPEAT)
    res.append(Result("lgtt API Debugger.timeline()", api, f"{api[0].info['rows']} rows"))
    say(f"{kind}: get_state_history (slow)")
    hist = repeat(lambda: run_py_child(THIS, ["--child-history", kind, db]), HISTORY_REPEAT)
    res.append(Result("list(graph.get_state_history())", hist, f"{hist[0].info['rows']} snapshots"))
    say(f"{kind}: plain SQL")
    fn = (lambda: plain_sql_sqlite(Path(db))) if kind == "sqlite" else (lambda: plain_sql_pg(db))
    fn()  # warm the page cache / connection path once
    sql = [timed(fn) for _ in range(max(REPEAT, 3))]
    res.append(Result("plain SQL (ids, parents, metadata, checkpoint)", sql, f"{sql[0].info['rows']} rows, in-process"))
    return res


def summarize(kind: str, res: list[Result]) -> list[list[str]]:
    cli, _, api, hist, sql = res
    peak = cli.peak_mb or 0.0
    return [
        [kind, "get_state_history / lgtt CLI (end to end)", fmt_ratio(hist.wall, cli.wall),
         check(hist.wall / cli.wall >= TARGET_SPEEDUP) + f" (target >= {TARGET_SPEEDUP:.0f}x)"],
        [kind, "get_state_history / lgtt API (in-call)", fmt_ratio(hist.inner, api.inner), ""],
        [kind, "lgtt CLI / plain SQL", fmt_ratio(cli.wall, sql.wall), ""],
        [kind, "lgtt API in-call / plain SQL", fmt_ratio(api.inner, sql.wall), ""],
        [kind, "lgtt CLI peak RSS", fmt_mb(peak), check(peak < TARGET_PEAK_MB) + f" (target < {TARGET_PEAK_MB:.0f} MB)"],
        [kind, "get_state_history peak / lgtt CLI peak", fmt_ratio(hist.peak_mb, cli.peak_mb), ""],
    ]


REPEAT = 3
HISTORY_REPEAT = 1


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = [("sqlite", str(data.ensure_big_sqlite(args.rebuild)))]
    if not args.no_pg:
        targets.append(("postgres", data.ensure_big_pg(args.rebuild)))
    all_res: list[tuple[str, Result]] = []
    ratios: list[list[str]] = []
    for kind, db in targets:
        res = measure(kind, db)
        all_res += [(kind, r) for r in res]
        ratios += summarize(kind, res)
    logs = data.build_log()
    built = ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in logs.items() if k.startswith("big."))
    size = data.BIG_SQLITE.stat().st_size / 2**20
    return "\n\n".join([
        f"### Timeline: thread `big`, {data.BIG_CHECKPOINTS:,} checkpoints, growing state "
        f"(SQLite file {size:.0f} MB; build: {built})",
        results_table(all_res),
        table(["backend", "ratio", "value", "target"], ratios),
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child-history", nargs=2, metavar=("KIND", "DB"), help=argparse.SUPPRESS)
    ap.add_argument("--child-lgtt-api", metavar="DB", help=argparse.SUPPRESS)
    args = common_args(ap).parse_args(argv)
    if args.child_history:
        child_history(*args.child_history)
        return
    if args.child_lgtt_api:
        child_lgtt_api(args.child_lgtt_api)
        return
    try:
        print(run(args))
    finally:
        if not args.keep and not args.no_pg:
            data.drop_pg()


if __name__ == "__main__":
    main()
