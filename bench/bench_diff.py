"""Diff of two checkpoints holding 10,000 messages: lgtt diff vs graph.get_state vs plain SQL.

Data: thread `chat` written by sample_graphs.chat (state `messages: Annotated[list,
add_messages]`). One invoke with 10,000 HumanMessage/AIMessage objects (with ids) as input,
then a second invoke with one more message, so every checkpoint of the second run holds
about 10,000 messages. SQLite is cached in bench/out/diff.sqlite; Postgres lives in the
database `lgtt_bench_diff` (dropped at the end unless --keep).

For SQLite and Postgres, in the same run, the last two checkpoints (-2, -1):

  lgtt CLI --json   `python -m lgtt --db DB diff chat -2 -1 --json` (no --graph; subprocess, end to end)
  lgtt CLI (rich)   the same without --json (the rich tree, written to a file)
  lgtt CLI -3 -2    `diff chat -3 -2 --json`, where one AIMessage was appended (the lists differ)
  get_state         a subprocess that compiles sample_graphs.chat with the official saver and
                    loads both states with `graph.get_state(config with checkpoint_id)`
                    (no comparison; in-call time reported)
  plain SQL         in this process: the two checkpoint rows (on Postgres with the blobs their
                    channel_versions reference), bytes only, not decoded

    python bench/bench_diff.py [--rebuild] [--keep] [--no-pg] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib as b
import build_data as data

THIS = Path(__file__).resolve()
THREAD = "chat"
MESSAGES = 10_000
DIFF_SQLITE = data.OUT / "diff.sqlite"
PG_DIFF_DB = "lgtt_bench_diff"
TARGET_S = 0.5
REPEAT = 3


# -- data ------------------------------------------------------------------------------------
def write_thread(saver: Any) -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    from sample_graphs.chat import builder

    msgs = [(HumanMessage if i % 2 == 0 else AIMessage)(content=f"message {i}: " + "lorem ipsum " * 4, id=f"m-{i}")
            for i in range(MESSAGES)]
    app = builder.compile(checkpointer=saver)
    config = {"configurable": {"thread_id": THREAD}}
    app.invoke({"user_id": "u1", "messages": msgs, "task_progress": {"current_step": 0, "total_steps": 5},
                "last_checkpoint": ""}, config)
    app.invoke({"messages": [HumanMessage(content="one more", id=f"m-{MESSAGES}")]}, config)


def _count_sqlite(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = ?", (THREAD,)).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def ensure_sqlite(rebuild: bool = False) -> Path:
    if not rebuild and _count_sqlite(DIFF_SQLITE) >= 6:
        return DIFF_SQLITE
    from langgraph.checkpoint.sqlite import SqliteSaver

    b.say(f"building {DIFF_SQLITE} ({MESSAGES} messages)...")
    data.OUT.mkdir(parents=True, exist_ok=True)
    tmp = data._fresh(DIFF_SQLITE)
    t0 = time.perf_counter()
    conn = sqlite3.connect(str(tmp), check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    write_thread(saver)
    data._finish_sqlite(conn, tmp, DIFF_SQLITE)
    data._log_build("diff.sqlite", time.perf_counter() - t0, bytes=DIFF_SQLITE.stat().st_size)
    return DIFF_SQLITE


def ensure_pg(rebuild: bool = False) -> str:
    got = None if rebuild else data._pg_count(PG_DIFF_DB, f"SELECT count(*) FROM checkpoints WHERE thread_id = '{THREAD}'")
    if got is None or got[0] < 6:
        b.say(f"building Postgres {PG_DIFF_DB} ({MESSAGES} messages)...")
        data._recreate_db(PG_DIFF_DB)
        t0 = time.perf_counter()
        data._pg_saver_run(PG_DIFF_DB, write_thread)
        data._log_build("diff.pg", time.perf_counter() - t0)
    return data.pg_url(PG_DIFF_DB)


def drop_pg() -> None:
    try:
        with data._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DIFF_DB}" WITH (FORCE)')
    except Exception as exc:  # the server may be down; nothing to clean then
        b.say(f"could not drop {PG_DIFF_DB}: {exc}")


def last_two(kind: str, db: str) -> list[str]:
    sql = ("SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
           "ORDER BY checkpoint_id DESC LIMIT 2")
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute(sql, (THREAD,)).fetchall()
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(db) as conn:
            rows = conn.execute(sql.replace("?", "%s"), (THREAD,)).fetchall()
    return [rows[1][0], rows[0][0]]


# -- child mode: the two states through graph.get_state -----------------------------------------
def child_get_state(kind: str, db: str, a: str, b: str) -> None:
    t_start = time.perf_counter()
    from sample_graphs.chat import builder

    with b.official_saver(kind, db) as saver:
        graph = builder.compile(checkpointer=saver)
        t0 = time.perf_counter()
        snaps = [graph.get_state({"configurable": {"thread_id": THREAD, "checkpoint_id": c}}) for c in (a, b)]
        secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "messages": [len(s.values["messages"]) for s in snaps], "setup": t0 - t_start}))


# -- plain SQL in process ----------------------------------------------------------------------
def plain_sql(kind: str, db: str, ids: list[str]) -> dict[str, Any]:
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT checkpoint, metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = '' "
                                "AND checkpoint_id IN (?, ?)", (THREAD, *ids)).fetchall()
        finally:
            conn.close()
        return {"rows": len(rows), "bytes": sum(len(r[0]) for r in rows)}
    import psycopg

    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT checkpoint, metadata FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = '' "
                            "AND checkpoint_id = ANY(%s)", (THREAD, ids)).fetchall()
        blobs = conn.execute(
            "SELECT b.channel, b.version, b.type, b.blob FROM checkpoints c "
            "CROSS JOIN LATERAL jsonb_each_text(c.checkpoint->'channel_versions') v "
            "JOIN checkpoint_blobs b ON b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns "
            "AND b.channel = v.key AND b.version = v.value "
            "WHERE c.thread_id = %s AND c.checkpoint_ns = '' AND c.checkpoint_id = ANY(%s)", (THREAD, ids)).fetchall()
    return {"rows": len(rows), "bytes": sum(len(r[3] or b"") for r in blobs)}


# -- measurements ------------------------------------------------------------------------------
def lgtt_cli(db: str, *, as_json: bool, refs: tuple[str, str] = ("-2", "-1")) -> b.Result:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "diff.out"
        cmd = [*b.LGTT, "--db", db, "diff", THREAD, *refs, *(["--json"] if as_json else [])]
        runs = b.repeat(lambda: b.run_child(cmd, stdout_file=out, env=None), REPEAT)
        text = out.read_text()
    if as_json:
        ops = json.loads(text)
        note = f"{len(ops)} patch ops: " + ", ".join(sorted({f"{o['op']} {o['path']}" for o in ops}))[:80]
    else:
        note = f"{len(text.splitlines())} lines of output"
    return b.Result(f"lgtt CLI diff {' '.join(refs)}" + (" --json" if as_json else " (rich)"), runs, note)


def measure(kind: str, db: str) -> list[b.Result]:
    ids = last_two(kind, db)
    b.say(f"{kind}: lgtt diff")
    res = [lgtt_cli(db, as_json=True), lgtt_cli(db, as_json=False)]
    # -3 -2: process_message appended one AIMessage, so the messages lists differ by one item
    res.append(lgtt_cli(db, as_json=True, refs=("-3", "-2")))
    b.say(f"{kind}: graph.get_state x2")
    gs = b.repeat(lambda: b.run_py_child(THIS, ["--child-get-state", kind, db, *ids]), REPEAT)
    res.append(b.Result("graph.get_state of both checkpoints", gs, f"messages {gs[0].info['messages']}"))
    b.say(f"{kind}: plain SQL")
    plain_sql(kind, db, ids)  # warm the page cache once
    sql = [b.timed(lambda: plain_sql(kind, db, ids)) for _ in range(max(REPEAT, 3))]
    res.append(b.Result("plain SQL: the two rows (+ blobs), not decoded", sql,
                      f"{sql[0].info['bytes'] / 2**20:.1f} MB of state, in-process"))
    return res


def summarize(kind: str, res: list[b.Result]) -> list[list[str]]:
    js, rich, grew, gs, sql = res
    return [
        [kind, "lgtt diff --json wall", b.fmt_s(js.wall), b.check(js.wall < TARGET_S) + f" (target < {TARGET_S} s)"],
        [kind, "lgtt diff (rich) wall", b.fmt_s(rich.wall), b.check(rich.wall < TARGET_S) + f" (target < {TARGET_S} s)"],
        [kind, "lgtt diff -3 -2 --json wall (one message added)", b.fmt_s(grew.wall),
         b.check(grew.wall < TARGET_S) + f" (target < {TARGET_S} s)"],
        [kind, "lgtt diff --json / get_state x2 (end to end)", b.fmt_ratio(js.wall, gs.wall), ""],
        [kind, "lgtt diff --json / get_state x2 (in-call only)", b.fmt_ratio(js.wall, gs.inner), ""],
        [kind, "lgtt diff --json / plain SQL", b.fmt_ratio(js.wall, sql.wall), ""],
    ]


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    try:
        targets = b.backends(args, ensure_sqlite, ensure_pg)
        all_res, ratios = b.over_backends(targets, measure, summarize)
    finally:
        if not args.keep and not args.no_pg:
            drop_pg()
    size = DIFF_SQLITE.stat().st_size / 2**20
    return b.section(f"Diff: the last two checkpoints of thread `{THREAD}`, ~{MESSAGES:,} LangChain messages each "
                     f"(SQLite file {size:.0f} MB)", all_res, ratios)


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"get-state": (("KIND", "DB", "A", "B"), child_get_state)}, argv=argv)


if __name__ == "__main__":
    main()
