"""`lgtt ui` speed: first screen of the 10,000-checkpoint thread beside `lgtt timeline`, and moving
the selection on a state of 10,000 messages; peak RSS of both.

In the same run, on the same data (SQLite, and Postgres unless --no-pg):

  lgtt timeline        `python -m lgtt --db DB timeline big` (subprocess, end to end: the default
                       newest 20 rows) and `... --all` (every row)
  lgtt ui first screen `python bench/bench_ui.py --child-first DB big`: a fresh interpreter runs
                       the app headless (Textual's run_test, 160x48) until the timeline shows all
                       10,000 rows and the State tab shows the head; then it exits. End to end
                       (start-up, Textual import, read, first draw) like the CLI row
  lgtt ui move         on thread `chat10k` (5 checkpoints, each holding 10,000 messages): press
                       `k` / `j` and time from the key to the State (or JSON) tab showing the
                       newly selected checkpoint; median of 6 moves

    python bench/bench_ui.py [--rebuild] [--keep] [--no-pg] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import build_data as data  # noqa: E402
from benchlib import (  # noqa: E402
    LGTT,
    REPO,
    Result,
    check,
    common_args,
    fmt_mb,
    fmt_ratio,
    fmt_s,
    repeat,
    results_table,
    run_child,
    run_py_child,
    say,
    table,
)

THIS = Path(__file__).resolve()
CHAT_SQLITE = data.OUT / "chat10k.sqlite"
CHAT_THREAD = "chat10k"
MESSAGES = 10_000
TARGET_FIRST = 2.0   # first screen within 2x `lgtt timeline`
TARGET_MOVE = 0.2    # seconds
TARGET_PEAK_MB = 300.0
REPEAT = 3


# -- data: a thread whose state holds 10,000 messages -------------------------------------------
def chat_graph():
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph

    def reply(state: MessagesState) -> dict:
        return {"messages": [AIMessage(content=f"reply to message {len(state['messages'])}")]}

    b = StateGraph(MessagesState)
    b.add_node("reply", reply)
    b.add_edge(START, "reply")
    return b


def fill_chat(saver) -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    app = chat_graph().compile(checkpointer=saver)
    first = [(HumanMessage if i % 2 == 0 else AIMessage)(content=f"message {i}: " + "lorem ipsum " * 8, id=f"m{i}")
             for i in range(MESSAGES - 2)]
    config = {"configurable": {"thread_id": CHAT_THREAD}}
    app.invoke({"messages": first}, config)
    app.invoke({"messages": [HumanMessage(content="one more", id="last")]}, config)


def ensure_chat_sqlite(rebuild: bool) -> Path:
    from langgraph.checkpoint.sqlite import SqliteSaver

    if CHAT_SQLITE.exists() and not rebuild:
        return CHAT_SQLITE
    data.OUT.mkdir(exist_ok=True)
    tmp = CHAT_SQLITE.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, check_same_thread=False)
    fill_chat(SqliteSaver(conn))
    conn.close()
    tmp.rename(CHAT_SQLITE)
    return CHAT_SQLITE


def ensure_chat_pg(rebuild: bool) -> str:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    name = "lgtt_bench_ui"
    with psycopg.connect(data.pg_url(data.PG_ADMIN_DB), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = data.pg_url(name)
    with PostgresSaver.from_conn_string(url) as saver:
        saver.setup()
        fill_chat(saver)
    return url


def drop_chat_pg() -> None:
    import psycopg

    with psycopg.connect(data.pg_url(data.PG_ADMIN_DB), autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "lgtt_bench_ui" WITH (FORCE)')


# -- child modes -------------------------------------------------------------------------------
async def _until(pilot, cond, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError("the screen did not show the expected content")
        await pilot.pause(0.005)


def child_first(db: str, thread: str) -> None:
    t0 = time.perf_counter()
    import lgtt
    from lgtt.tui.app import LgttApp

    async def flow() -> dict:
        app = LgttApp(lambda: lgtt.open(db), thread, poll=3600)
        async with app.run_test(size=(160, 48)) as pilot:
            await _until(pilot, lambda: app.timeline is not None and app.last_detail is not None)
            took = time.perf_counter() - t0
            rows = len(app.timeline_pane.rows)
        return {"seconds": took, "rows": rows}

    print(json.dumps(asyncio.run(flow())))


def child_move(db: str, thread: str, tab: str) -> None:
    import lgtt
    from lgtt.tui.app import LgttApp

    async def flow() -> dict:
        app = LgttApp(lambda: lgtt.open(db), thread, poll=3600)
        async with app.run_test(size=(160, 48)) as pilot:
            await _until(pilot, lambda: app.last_detail is not None)
            await pilot.press({"state": "1", "json": "5"}[tab])
            await _until(pilot, lambda: app.last_detail[1] == tab)
            times = []
            for key in ["k", "k", "j", "j", "k", "j"]:
                before = app.selected.key
                t0 = time.perf_counter()
                await pilot.press(key)
                await _until(pilot, lambda before=before: app.selected.key != before and app.last_detail[0] == app.selected.key
                             and app.last_detail[1] == tab)
                await pilot.pause(0)  # let the compositor draw it
                times.append(time.perf_counter() - t0)
            messages = len(app.view.values.get("messages", []))
        return {"seconds": statistics.median(times), "max": max(times), "messages": messages}

    print(json.dumps(asyncio.run(flow())))


# -- measurements ------------------------------------------------------------------------------
def measure(kind: str, big: str, chat: str) -> list[Result]:
    res = []
    say(f"{kind}: lgtt timeline big")
    res.append(Result("lgtt timeline big (CLI, 20 rows)", repeat(
        lambda: run_child([*LGTT, "--db", big, "timeline", data.BIG_THREAD]), REPEAT)))
    res.append(Result("lgtt timeline big --all (CLI)", repeat(
        lambda: run_child([*LGTT, "--db", big, "timeline", data.BIG_THREAD, "--all"]), REPEAT)))
    say(f"{kind}: lgtt ui first screen")
    first = repeat(lambda: run_py_child(THIS, ["--child-first", big, data.BIG_THREAD]), REPEAT)
    res.append(Result("lgtt ui first screen (big)", first, f"{first[0].info['rows']} rows; in-call = process start to drawn"))
    for tab in ("state", "json"):
        say(f"{kind}: lgtt ui move ({tab})")
        move = repeat(lambda tab=tab: run_py_child(THIS, ["--child-move", chat, CHAT_THREAD, tab]), REPEAT)
        res.append(Result(f"lgtt ui move, {tab} tab (chat10k)", move,
                          f"{move[0].info['messages']} messages; in-call = key to drawn (median of 6 moves)"))
    return res


def summarize(kind: str, res: list[Result]) -> list[list[str]]:
    cli, _, first, move_state, move_json = res
    ratio = first.wall / cli.wall
    rows = [[kind, "ui first screen / lgtt timeline (end to end)", fmt_ratio(first.wall, cli.wall),
             check(ratio <= TARGET_FIRST) + f" (target <= {TARGET_FIRST:.0f}x)"]]
    for label, m in (("State", move_state), ("JSON", move_json)):
        rows.append([kind, f"move the selection, {label} tab (10,000 messages)", fmt_s(m.inner),
                     check((m.inner or 99) < TARGET_MOVE) + f" (target < {TARGET_MOVE} s)"])
    peak = max(r.peak_mb or 0 for r in (first, move_state, move_json))
    rows.append([kind, "ui peak RSS (largest of the three)", fmt_mb(peak),
                 check(peak < TARGET_PEAK_MB) + f" (target < {TARGET_PEAK_MB:.0f} MB)"])
    return rows


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = [("sqlite", str(data.ensure_big_sqlite(args.rebuild)), str(ensure_chat_sqlite(args.rebuild)))]
    if not args.no_pg:
        targets.append(("postgres", data.ensure_big_pg(args.rebuild), ensure_chat_pg(args.rebuild)))
    all_res: list[tuple[str, Result]] = []
    ratios: list[list[str]] = []
    try:
        for kind, big, chat in targets:
            res = measure(kind, big, chat)
            all_res += [(kind, r) for r in res]
            ratios += summarize(kind, res)
    finally:
        if not args.no_pg and not args.keep:
            drop_chat_pg()
    return "\n\n".join([
        f"### lgtt ui: thread `big` ({data.BIG_CHECKPOINTS:,} checkpoints) and `chat10k` ({MESSAGES:,} messages)",
        results_table(all_res),
        table(["backend", "ratio", "value", "target"], ratios),
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child-first", nargs=2, metavar=("DB", "THREAD"), help=argparse.SUPPRESS)
    ap.add_argument("--child-move", nargs=3, metavar=("DB", "THREAD", "TAB"), help=argparse.SUPPRESS)
    args = common_args(ap).parse_args(argv)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if args.child_first:
        child_first(*args.child_first)
        return
    if args.child_move:
        child_move(*args.child_move)
        return
    try:
        print(run(args))
    finally:
        if not args.keep and not args.no_pg:
            data.drop_pg()


if __name__ == "__main__":
    main()
