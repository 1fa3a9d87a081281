"""Copy thread `big` (10,000 checkpoints, a list growing at every step) between backends:
lgtt copy vs LangGraph's put/put_writes copy vs a plain read of the same rows, in one run.

  lgtt copy     `python -m lgtt --db SRC copy big --to DST --as NEW` (subprocess, end to end),
                Postgres → SQLite and SQLite → Postgres, into a fresh target each run
  put-copy      LangGraph's way, in a subprocess: `saver.list` of the source thread (every
                namespace), then `put` + `put_writes` of every checkpoint into the target, parent
                first (new_versions = the checkpoint's channel_versions)
  plain read    the floor, in this process: SELECT of every stored byte of the thread on the source
                (checkpoint rows, their blobs, writes) with nothing written

Correctness, checked in the same run: graph.get_state on the copy gives the source's len(items)
and count, and the copy has as many checkpoints as the source.

    python bench/bench_copy.py [--rebuild] [--keep] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import build_data as data  # noqa: E402
from benchlib import (  # noqa: E402
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
TARGET_S = 5.0
TARGET_RATIO = 20.0
PG_TARGET_DB = "lgtt_bench_copy_target"


def fresh_pg_target() -> str:
    data._recreate_db(PG_TARGET_DB)
    return data.pg_url(PG_TARGET_DB)


def state_of(kind: str, db: str, thread: str) -> dict[str, Any]:
    from bench_graph import builder

    with official_saver(kind, db) as saver:
        snap = builder.compile(checkpointer=saver).get_state({"configurable": {"thread_id": thread}})
        n = sum(1 for _ in saver.list({"configurable": {"thread_id": thread, "checkpoint_ns": ""}}))
    return {"items": len(snap.values.get("items", [])), "count": snap.values.get("count"), "checkpoints": n}


# -- child mode: LangGraph's put/put_writes copy ------------------------------------------------
def child_put_copy(src_kind: str, src: str, dst_kind: str, dst: str, new: str) -> None:
    t0 = time.perf_counter()
    with official_saver(src_kind, src) as a, official_saver(dst_kind, dst) as b:
        b.setup()
        tuples = list(a.list({"configurable": {"thread_id": data.BIG_THREAD}}))
        tuples.sort(key=lambda t: (t.config["configurable"]["checkpoint_ns"], t.config["configurable"]["checkpoint_id"]))
        for tup in tuples:
            ns = tup.config["configurable"]["checkpoint_ns"]
            parent = (tup.parent_config or {}).get("configurable", {}).get("checkpoint_id")
            conf = {"configurable": {"thread_id": new, "checkpoint_ns": ns, **({"checkpoint_id": parent} if parent else {})}}
            cp = tup.checkpoint
            saved = b.put(conf, cp, tup.metadata, dict(cp["channel_versions"]))
            by_task: dict[str, list[tuple[str, Any]]] = {}
            for task_id, channel, value in tup.pending_writes or []:
                by_task.setdefault(task_id, []).append((channel, value))
            for task_id, writes in by_task.items():
                b.put_writes(saved, writes, task_id)
    print(json.dumps({"seconds": time.perf_counter() - t0, "copied": len(tuples)}))


# -- the floor ----------------------------------------------------------------------------------
def plain_read(kind: str, db: str) -> dict[str, Any]:
    total = 0
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        for (size,) in conn.execute("SELECT length(checkpoint) + length(metadata) FROM checkpoints WHERE thread_id = ?",
                                    (data.BIG_THREAD,)):
            total += size
        for (size,) in conn.execute("SELECT length(value) FROM writes WHERE thread_id = ?", (data.BIG_THREAD,)):
            total += size or 0
        conn.close()
        return {"bytes": total}
    import psycopg

    with psycopg.connect(db) as conn:
        for row in conn.execute("SELECT checkpoint, metadata FROM checkpoints WHERE thread_id = %s", (data.BIG_THREAD,)):
            total += len(str(row[0])) + len(str(row[1]))
        for (blob,) in conn.execute("SELECT blob FROM checkpoint_blobs WHERE thread_id = %s", (data.BIG_THREAD,)):
            total += len(blob or b"")
        for (blob,) in conn.execute("SELECT blob FROM checkpoint_writes WHERE thread_id = %s", (data.BIG_THREAD,)):
            total += len(blob or b"")
    return {"bytes": total}


def run(args: argparse.Namespace) -> str:
    src_sqlite = str(data.ensure_big_sqlite(args.rebuild))
    src_pg = data.ensure_big_pg(args.rebuild)
    expect = state_of("sqlite", src_sqlite, data.BIG_THREAD)
    results: list[tuple[str, Result]] = []
    checks: list[list[str]] = []
    summary: list[list[str]] = []
    with tempfile.TemporaryDirectory(dir=data.OUT) as tmp:
        seq = iter(range(1_000_000))

        def sqlite_target() -> str:
            return str(Path(tmp) / f"copy{next(seq)}.sqlite")

        for label, src_kind, src, dst_kind in (("PG → SQLite", "postgres", src_pg, "sqlite"),
                                               ("SQLite → PG", "sqlite", src_sqlite, "postgres")):
            say(f"{label}: lgtt copy")
            last: dict[str, str] = {}

            def lgtt_copy(src: str = src, dst_kind: str = dst_kind, last: dict[str, str] = last) -> Any:
                dst = sqlite_target() if dst_kind == "sqlite" else fresh_pg_target()
                last["db"] = dst
                return run_child([*LGTT, "--db", src, "copy", data.BIG_THREAD, "--to", dst, "--as", "copied"])

            lg = Result("lgtt copy", repeat(lgtt_copy, args.repeat))
            got = state_of(dst_kind, last["db"], "copied")
            say(f"{label}: put/put_writes copy")
            dst = sqlite_target() if dst_kind == "sqlite" else fresh_pg_target()
            put = Result("put-copy", [run_py_child(THIS, ["--child-put-copy", src_kind, src, dst_kind, dst, "copied"])])
            got_put = state_of(dst_kind, dst, "copied")
            say(f"{label}: plain read")
            floor = Result("plain read", repeat(lambda src_kind=src_kind, src=src: timed(lambda: plain_read(src_kind, src)),
                                                args.repeat))
            results += [(label, lg), (label, put), (label, floor)]
            checks.append([label, check(got == expect), check(got_put == expect), json.dumps(got)])
            summary.append([label, fmt_s(lg.wall), fmt_mb(lg.peak_mb), fmt_s(put.wall), fmt_ratio(put.wall, lg.wall),
                            fmt_s(floor.wall), fmt_ratio(lg.wall, floor.wall),
                            check(lg.wall < TARGET_S and put.wall / lg.wall >= TARGET_RATIO)])
    if not args.keep:
        data._admin().execute(f'DROP DATABASE IF EXISTS "{PG_TARGET_DB}" WITH (FORCE)')
    return "\n\n".join([
        f"copy of `{data.BIG_THREAD}` ({data.BIG_CHECKPOINTS} checkpoints, growing list); target < {TARGET_S:.0f} s and "
        f">= {TARGET_RATIO:.0f}x faster than put/put_writes",
        table(["direction", "lgtt copy", "peak RSS", "put-copy", "put / lgtt", "plain read", "lgtt / read", "target"],
              summary),
        table(["direction", "lgtt copy state", "put-copy state", "copy's state"], checks),
        results_table(results),
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child-put-copy", nargs=5, metavar=("SRC_KIND", "SRC", "DST_KIND", "DST", "NEW"),
                    help=argparse.SUPPRESS)
    args = common_args(ap).parse_args(argv)
    if args.child_put_copy:
        child_put_copy(*args.child_put_copy)
        return
    print(run(args))


if __name__ == "__main__":
    main()
