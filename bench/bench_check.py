"""`lgtt check` on one long thread whose message list grows by a message per step (SQLite).

In the same run, on the same database:

  lgtt check      `python -m lgtt --db DB check` (subprocess, end to end)
  saver.list      LangGraph's SqliteSaver decoding every checkpoint of the thread once
                  (`list(saver.list(config))`): what "decode each checkpoint once" costs with objects
  plain SQL       SELECT every checkpoint blob of the thread (the floor: reading the bytes)

Peak RSS per child (GNU time). The database is built once (bench/out, --rebuild to redo it):
a graph whose node appends one AIMessage per step, run for N checkpoints in one invoke.

    python bench/bench_check.py [--checkpoints 2000] [--rebuild] [--repeat N]
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

from benchlib import (  # noqa: E402
    LGTT,
    Result,
    fmt_mb,
    fmt_ratio,
    repeat,
    results_table,
    run_child,
    run_py_child,
    say,
)

THIS = Path(__file__).resolve()
DATA = BENCH / "out"


def db_path(n: int) -> Path:
    return DATA / f"growing-{n}.sqlite"


def build(n: int, rebuild: bool) -> Path:
    import growing_messages
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = db_path(n)
    if path.exists() and not rebuild:
        return path
    DATA.mkdir(exist_ok=True)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    say(f"building {path.name} ({n} checkpoints, one invoke)…")
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    t0 = time.perf_counter()
    growing_messages.build(saver, n)
    conn.close()
    say(f"built in {time.perf_counter() - t0:.0f} s")
    return path


def child_saver_list(db: str) -> None:
    import growing_messages
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(db, check_same_thread=False)
    t0 = time.perf_counter()
    n = sum(1 for _ in SqliteSaver(conn).list({"configurable": {"thread_id": growing_messages.THREAD}}))
    print(json.dumps({"seconds": time.perf_counter() - t0, "checkpoints": n}))


def child_sql(db: str) -> None:
    conn = sqlite3.connect(db)
    t0 = time.perf_counter()
    total = sum(len(r[0]) for r in conn.execute("SELECT checkpoint FROM checkpoints WHERE thread_id = 'long-chat'"))
    print(json.dumps({"seconds": time.perf_counter() - t0, "bytes": total}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=int, default=2000)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        {"saver_list": child_saver_list, "sql": child_sql}[args.child[0]](args.child[1])
        return
    db = str(build(args.checkpoints, args.rebuild))
    with sqlite3.connect(db) as conn:
        n, size = conn.execute("SELECT count(*), sum(length(checkpoint)) FROM checkpoints").fetchone()
    say(f"{n} checkpoints, {size / 2**20:.0f} MiB of checkpoint blobs")
    lgtt = Result("lgtt check (CLI)", repeat(lambda: run_child([*LGTT, "--db", db, "check"]), args.repeat))
    saver = Result("SqliteSaver.list (decode each once)",
                   repeat(lambda: run_py_child(THIS, ["--child", "saver_list", db]), args.repeat))
    sql = Result("plain SQL (read the blobs)", repeat(lambda: run_py_child(THIS, ["--child", "sql", db]), args.repeat))
    print(results_table([("lgtt", lgtt), ("saver", saver), ("sql", sql)]))
    print(f"lgtt check vs SqliteSaver.list: {fmt_ratio(saver.wall, lgtt.wall)} faster; "
          f"peak {fmt_mb(lgtt.peak_mb)} vs {fmt_mb(saver.peak_mb)}; lgtt takes {fmt_ratio(lgtt.wall, sql.wall)} "
          "the time of reading the blobs with plain SQL")


if __name__ == "__main__":
    main()
