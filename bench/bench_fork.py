"""Fork thread `big` at index 9,000: lgtt fork vs copying checkpoint by checkpoint vs plain SQL.

For SQLite and Postgres, in the same run, on the same data, every measurement on a COPY:
SQLite runs each get a fresh temporary copy of big.sqlite; Postgres runs fork into a new
thread name in `lgtt_bench` and delete it afterwards with plain SQL (not timed).

  lgtt CLI        `python -m lgtt --db DB fork big 9000 --to NEW --json` (subprocess, end to end)
  put-copy        LangGraph's way, in a subprocess: walk from checkpoint 9000 to the root with
                  `saver.get_tuple` (parent links), then `saver.put` + `saver.put_writes` every
                  checkpoint into a new thread, parent first (new_versions = the checkpoint's
                  channel_versions; REF's own writes are left out, as lgtt does)
  plain SQL       the floor, in this process, one transaction: read (id, parent) of the thread,
                  walk REF's parent links in Python into a temp table, then INSERT ... SELECT of
                  those checkpoints and their writes (and, on Postgres, the blobs their
                  channel_versions reference). No fork head is written.

Correctness, checked in the same run: the head of lgtt's fork (and of the put-copy) has the
values `graph.get_state` gives for `big` at checkpoint 9000 (len(items) and count).

    python bench/bench_fork.py [--rebuild] [--keep] [--no-pg] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import benchlib as b
import build_data as data

THIS = Path(__file__).resolve()
REF_INDEX = 9000
TARGET_S = 2.0
REPEAT = 3
SLOW_REPEAT = 1  # the put-copy takes far longer than benchlib.SLOW; run it once


# -- helpers ---------------------------------------------------------------------------------
def ref_id(kind: str, db: str) -> str:
    """The id of checkpoint REF_INDEX of `big` (oldest first, as lgtt counts)."""
    sql = ("SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
           "ORDER BY checkpoint_id LIMIT 1 OFFSET ?")
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute(sql, (data.BIG_THREAD, REF_INDEX)).fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(db) as conn:
        return conn.execute(sql.replace("?", "%s"), (data.BIG_THREAD, REF_INDEX)).fetchone()[0]


@contextmanager
def sqlite_copy() -> Iterator[Path]:
    """A temporary copy of big.sqlite (with its -wal when there is one)."""
    with tempfile.TemporaryDirectory(dir=data.OUT) as tmp:
        dst = Path(tmp) / "big.sqlite"
        shutil.copyfile(data.BIG_SQLITE, dst)
        wal = Path(f"{data.BIG_SQLITE}-wal")
        if wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, f"{dst}-wal")
        yield dst


def pg_delete_thread(url: str, thread: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        for t in ("checkpoint_writes", "checkpoint_blobs", "checkpoints"):
            conn.execute(f"DELETE FROM {t} WHERE thread_id = %s", (thread,))


_seq = iter(range(1, 1_000_000))


@contextmanager
def target(kind: str, db: str, stem: str) -> Iterator[tuple[str, str]]:
    """(db, new thread name) to fork into; the copy / the new thread is gone afterwards."""
    name = f"bench_{stem}_{int(time.time())}_{next(_seq)}"
    if kind == "sqlite":
        with sqlite_copy() as path:
            yield str(path), name
        return
    try:
        yield db, name
    finally:
        pg_delete_thread(db, name)


def head_values(kind: str, db: str, thread: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    """len(items) and count of a checkpoint (the thread's head by default) via graph.get_state."""
    from bench_graph import builder

    conf: dict[str, Any] = {"thread_id": thread}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    with b.official_saver(kind, db) as saver:
        snap = builder.compile(checkpointer=saver).get_state({"configurable": conf})
    return {"items": len(snap.values.get("items", [])), "count": snap.values.get("count"), "next": list(snap.next)}


# -- child mode: copy checkpoint by checkpoint through the saver -------------------------------
def child_put_copy(kind: str, db: str, ref: str, new_thread: str) -> None:
    t_start = time.perf_counter()
    with b.official_saver(kind, db) as saver:
        t0 = time.perf_counter()
        path = []
        conf: dict[str, Any] | None = {"configurable": {"thread_id": data.BIG_THREAD, "checkpoint_ns": "",
                                                        "checkpoint_id": ref}}
        while conf is not None:
            tup = saver.get_tuple(conf)
            path.append(tup)
            conf = tup.parent_config
        t_read = time.perf_counter() - t0
        path.reverse()
        parent: dict[str, Any] = {"configurable": {"thread_id": new_thread, "checkpoint_ns": ""}}
        for tup in path:
            cp = tup.checkpoint
            new_conf = saver.put(parent, cp, tup.metadata, dict(cp["channel_versions"]))
            if tup.config["configurable"]["checkpoint_id"] != ref:
                by_task: dict[str, list[tuple[str, Any]]] = {}
                for task_id, channel, value in tup.pending_writes or []:
                    by_task.setdefault(task_id, []).append((channel, value))
                for task_id, writes in by_task.items():
                    saver.put_writes(new_conf, writes, task_id)
            parent = new_conf
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "read": t_read, "copied": len(path), "setup": t0 - t_start}))


# -- plain SQL in process ----------------------------------------------------------------------
LINKS_SQL = "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = {p} AND checkpoint_ns = ''"


def _path(conn: Any, kind: str, ref: str) -> list[str]:
    """REF and its ancestors by parent links (a recursive CTE ran 17 s on Postgres: the planner
    scans the thread's rows once per level)."""
    links = dict(conn.execute(LINKS_SQL.format(p="?" if kind == "sqlite" else "%s"), (data.BIG_THREAD,)).fetchall())
    path, cur = [], ref
    while cur is not None:
        path.append(cur)
        cur = links.get(cur)
    return path


def _columns(conn: Any, kind: str, tbl: str) -> list[str]:
    if kind == "sqlite":
        rows = conn.execute("SELECT name FROM pragma_table_info(?)", (tbl,)).fetchall()
    else:
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                            "AND table_name = %s ORDER BY ordinal_position", (tbl,)).fetchall()
    return [r[0] for r in rows if r[0] != "thread_id"]


def _plain_copy(conn: Any, kind: str, ref: str, new: str) -> int:
    p = "?" if kind == "sqlite" else "%s"
    writes = "writes" if kind == "sqlite" else "checkpoint_writes"
    conn.execute("CREATE TEMP TABLE fork_path (id text PRIMARY KEY)")
    ids = [(i,) for i in _path(conn, kind, ref)]
    if kind == "sqlite":
        conn.executemany("INSERT INTO fork_path VALUES (?)", ids)
    else:
        with conn.cursor() as cur, cur.copy("COPY fork_path (id) FROM STDIN") as cp:
            for row in ids:
                cp.write_row(row)
    ck, wr = _columns(conn, kind, "checkpoints"), _columns(conn, kind, writes)
    cur = conn.execute(
        f"INSERT INTO checkpoints (thread_id, {', '.join(ck)}) SELECT {p}, {', '.join('t.' + c for c in ck)} "
        f"FROM checkpoints t WHERE t.thread_id = {p} AND t.checkpoint_ns = '' "
        "AND t.checkpoint_id IN (SELECT id FROM fork_path)", (new, data.BIG_THREAD))
    n = cur.rowcount
    conn.execute(
        f"INSERT INTO {writes} (thread_id, {', '.join(wr)}) SELECT {p}, {', '.join('t.' + c for c in wr)} "
        f"FROM {writes} t WHERE t.thread_id = {p} AND t.checkpoint_ns = '' "
        f"AND t.checkpoint_id IN (SELECT id FROM fork_path) AND t.checkpoint_id <> {p}", (new, data.BIG_THREAD, ref))
    if kind != "sqlite":
        bl = _columns(conn, kind, "checkpoint_blobs")
        conn.execute(
            f"INSERT INTO checkpoint_blobs (thread_id, {', '.join(bl)}) SELECT %s, {', '.join('b.' + c for c in bl)} "
            "FROM (SELECT DISTINCT v.key, v.value FROM checkpoints c JOIN fork_path f ON c.checkpoint_id = f.id"
            " CROSS JOIN LATERAL jsonb_each_text(c.checkpoint->'channel_versions') v"
            " WHERE c.thread_id = %s AND c.checkpoint_ns = '') k "
            "JOIN checkpoint_blobs b ON b.thread_id = %s AND b.checkpoint_ns = '' AND b.channel = k.key "
            "AND b.version = k.value", (new, data.BIG_THREAD, data.BIG_THREAD))
    conn.execute("DROP TABLE fork_path")
    return n


def plain_sql(kind: str, db: str, ref: str) -> b.Run:
    with target(kind, db, "sql") as (dst, new):
        t0 = time.perf_counter()
        if kind == "sqlite":
            conn = sqlite3.connect(dst, isolation_level=None)
            try:
                conn.execute("BEGIN")
                n = _plain_copy(conn, kind, ref, new)
                conn.execute("COMMIT")
            finally:
                conn.close()
        else:
            import psycopg

            with psycopg.connect(dst) as conn:  # one transaction, committed on exit
                n = _plain_copy(conn, kind, ref, new)
        wall = time.perf_counter() - t0
    return b.Run(wall=wall, info={"copied": n})


# -- measurements ------------------------------------------------------------------------------
def lgtt_cli(kind: str, db: str, ref: str, expect: dict[str, Any]) -> b.Result:
    checked: list[str] = []

    def once() -> b.Run:
        with target(kind, db, "lgtt") as (dst, new), tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "fork.json"
            run = b.run_child([*b.LGTT, "--db", dst, "fork", data.BIG_THREAD, str(REF_INDEX), "--to", new, "--json"],
                            stdout_file=out)
            res = json.loads(out.read_text())
            if res["forked_from"]["checkpoint_id"] != ref:
                raise RuntimeError(f"lgtt forked at {res['forked_from']}, expected checkpoint {ref}")
            if not checked:  # correctness once per backend: the fork head holds REF's state
                got = head_values(kind, dst, new)
                if got != expect:
                    raise RuntimeError(f"lgtt fork head {got} != get_state at {REF_INDEX} {expect}")
                checked.append(f"head = get_state@{REF_INDEX} (items {got['items']}, count {got['count']})")
            run.info["copied"] = res["copied"]
            return run

    runs = b.repeat(once, REPEAT)
    return b.Result(f"lgtt CLI fork big {REF_INDEX} --json", runs, f"{runs[0].info['copied']} copied; {checked[0]}")


def put_copy(kind: str, db: str, ref: str, expect: dict[str, Any]) -> b.Result:
    def once() -> b.Run:
        with target(kind, db, "put") as (dst, new):
            run = b.run_py_child(THIS, ["--child-put-copy", kind, dst, ref, new])
            got = head_values(kind, dst, new)
            run.info["ok"] = got == expect
            return run

    runs = b.repeat(once, SLOW_REPEAT)
    r = runs[0]
    note = (f"{r.info['copied']} copied, get_tuple walk {b.fmt_s(r.info['read'])}; head "
            + (f"= get_state@{REF_INDEX}" if r.info["ok"] else f"DIFFERS from get_state@{REF_INDEX}"))
    return b.Result("saver get_tuple walk + put/put_writes", runs, note)


def measure(kind: str, db: str) -> list[b.Result]:
    ref = ref_id(kind, db)
    expect = head_values(kind, db, data.BIG_THREAD, ref)
    b.say(f"{kind}: lgtt fork")
    cli = lgtt_cli(kind, db, ref, expect)
    b.say(f"{kind}: put/put_writes copy (slow)")
    put = put_copy(kind, db, ref, expect)
    b.say(f"{kind}: plain SQL")
    sql = b.Result("plain SQL INSERT ... SELECT, one transaction", [plain_sql(kind, db, ref) for _ in range(max(REPEAT, 3))])
    sql.note = f"{sql.runs[0].info['copied']} checkpoints, in-process, no fork head"
    return [cli, put, sql]


def summarize(kind: str, res: list[b.Result]) -> list[list[str]]:
    cli, put, sql = res
    return [
        [kind, "lgtt fork wall", b.fmt_s(cli.wall), b.check(cli.wall < TARGET_S) + f" (target < {TARGET_S:.0f} s)"],
        [kind, "put-copy / lgtt (end to end)", b.fmt_ratio(put.wall, cli.wall), ""],
        [kind, "put-copy peak RSS / lgtt peak RSS", f"{b.fmt_mb(put.peak_mb)} / {b.fmt_mb(cli.peak_mb)}", ""],
        [kind, "lgtt / plain SQL", b.fmt_ratio(cli.wall, sql.wall), ""],
    ]


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = b.backends(args, data.ensure_big_sqlite, data.ensure_big_pg)
    all_res, ratios = b.over_backends(targets, measure, summarize)
    return b.section(f"Fork: thread `big` at index {REF_INDEX:,} of {data.BIG_CHECKPOINTS:,} checkpoints "
                     "(each run on a copy)", all_res, ratios)


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"put-copy": (("KIND", "DB", "REF", "NEW"), child_put_copy)}, data.drop_pg, argv)


if __name__ == "__main__":
    main()
