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
import time
from pathlib import Path

import benchlib as b
import build_data as data

THIS = Path(__file__).resolve()
CONFIG = {"configurable": {"thread_id": data.BIG_THREAD}}
TARGET_SPEEDUP = 10.0
TARGET_PEAK_MB = 200.0


# -- child modes (run in a fresh interpreter so peak RSS is theirs alone) ---------------------
def child_history(kind: str, db: str) -> None:
    from bench_graph import builder

    t_start = time.perf_counter()
    with b.official_saver(kind, db) as saver:
        graph = builder.compile(checkpointer=saver)
        t0 = time.perf_counter()
        history = list(graph.get_state_history(CONFIG))
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "rows": len(history), "setup": t0 - t_start}))


def child_lgtt_api(db: str) -> None:
    import lgtt

    with lgtt.open(db, graph=b.GRAPH_SPEC) as dbg:
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
def lgtt_cli(db: str, *, graph: bool) -> b.Result:
    out = data.OUT / "timeline.json"
    cmd = [*b.LGTT, "--db", db, *(["--graph", b.GRAPH_SPEC] if graph else []),
           "timeline", data.BIG_THREAD, "--all", "--json"]
    runs = b.repeat(lambda: b.run_child(cmd, stdout_file=out), REPEAT)
    rows = len(json.loads(out.read_text()))
    out.unlink()
    if rows != data.BIG_CHECKPOINTS:
        raise RuntimeError(f"lgtt timeline gave {rows} rows, expected {data.BIG_CHECKPOINTS}")
    return b.Result("lgtt CLI timeline --all --json" + ("" if graph else " (no --graph)"), runs, f"{rows} rows")


def measure(kind: str, db: str) -> list[b.Result]:
    res = []
    b.say(f"{kind}: lgtt CLI")
    res.append(lgtt_cli(db, graph=True))
    res.append(lgtt_cli(db, graph=False))
    b.say(f"{kind}: lgtt API")
    api = b.repeat(lambda: b.run_py_child(THIS, ["--child-lgtt-api", db]), REPEAT)
    res.append(b.Result("lgtt API Debugger.timeline()", api, f"{api[0].info['rows']} rows"))
    b.say(f"{kind}: get_state_history (slow)")
    hist = b.repeat(lambda: b.run_py_child(THIS, ["--child-history", kind, db]), HISTORY_REPEAT)
    res.append(b.Result("list(graph.get_state_history())", hist, f"{hist[0].info['rows']} snapshots"))
    b.say(f"{kind}: plain SQL")
    fn = (lambda: plain_sql_sqlite(Path(db))) if kind == "sqlite" else (lambda: plain_sql_pg(db))
    fn()  # warm the page cache / connection path once
    sql = [b.timed(fn) for _ in range(max(REPEAT, 3))]
    res.append(b.Result("plain SQL (ids, parents, metadata, checkpoint)", sql, f"{sql[0].info['rows']} rows, in-process"))
    return res


def summarize(kind: str, res: list[b.Result]) -> list[list[str]]:
    cli, _, api, hist, sql = res
    peak = cli.peak_mb or 0.0
    return [
        [kind, "get_state_history / lgtt CLI (end to end)", b.fmt_ratio(hist.wall, cli.wall),
         b.check(hist.wall / cli.wall >= TARGET_SPEEDUP) + f" (target >= {TARGET_SPEEDUP:.0f}x)"],
        [kind, "get_state_history / lgtt API (in-call)", b.fmt_ratio(hist.inner, api.inner), ""],
        [kind, "lgtt CLI / plain SQL", b.fmt_ratio(cli.wall, sql.wall), ""],
        [kind, "lgtt API in-call / plain SQL", b.fmt_ratio(api.inner, sql.wall), ""],
        [kind, "lgtt CLI peak RSS", b.fmt_mb(peak), b.check(peak < TARGET_PEAK_MB) + f" (target < {TARGET_PEAK_MB:.0f} MB)"],
        [kind, "get_state_history peak / lgtt CLI peak", b.fmt_ratio(hist.peak_mb, cli.peak_mb), ""],
    ]


REPEAT = 3
HISTORY_REPEAT = 1


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = b.backends(args, data.ensure_big_sqlite, data.ensure_big_pg)
    all_res, ratios = b.over_backends(targets, measure, summarize)
    logs = data.build_log()
    built = ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in logs.items() if k.startswith("big."))
    size = data.BIG_SQLITE.stat().st_size / 2**20
    return b.section(f"Timeline: thread `big`, {data.BIG_CHECKPOINTS:,} checkpoints, growing state "
                     f"(SQLite file {size:.0f} MB; build: {built})", all_res, ratios)


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"history": (("KIND", "DB"), child_history),
                                "lgtt-api": (("DB",), child_lgtt_api)}, data.drop_pg, argv)


if __name__ == "__main__":
    main()
