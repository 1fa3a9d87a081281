"""`lgtt ui` speed: the first screen of the 10,000-checkpoint thread beside `lgtt timeline`, moving
the selection on states of 10,000 messages, peak RSS.

In the same run, on the same data (SQLite, and Postgres unless --no-pg), CLI and UI runs alternating:

  lgtt timeline        `python -m lgtt --db DB timeline big` (subprocess, end to end: the newest 20 rows,
                       from a timeline of all 10,000 rows, as the CLI builds it)
  ui first screen      `python bench/bench_ui.py --child-first DB big T0`: a fresh interpreter runs the
                       app headless (Textual's run_test, 160x48) until the screen, rendered as a
                       terminal draws it, shows the timeline's head row; the time from the spawn (T0,
                       taken by this process just before it) to then. Also reported: until the State tab
                       shows the head's state
  ui move              on thread `chat10k` (5 checkpoints, each with 10,000 messages): press `k` / `j`
                       and time from the key to the State (or JSON) tab holding the newly selected
                       checkpoint, plus one full render of the screen (what drawing it costs);
                       median of 6 moves. Keys go in as a terminal's do (App.simulate_key): Pilot.press
                       waits for every widget to go idle, posting to each, and that waiting competed
                       with the app for the GIL. "as used": the app's view cache and
                       neighbour prefetch on (keys pressed as soon as the tab is drawn); "cold": the
                       cache dropped and the prefetch finished before each key (a read every time)

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
if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))

import benchlib as b  # noqa: E402


class _Data:
    """build_data, imported when first used: it imports LangGraph (over a second of start-up), and
    the child modes, which measure the ui from their own spawn, must not pay for it."""

    def __getattr__(self, name: str):
        import build_data

        return getattr(build_data, name)


data = _Data()

THIS = Path(__file__).resolve()
CHAT_SQLITE = BENCH / "out" / "chat10k.sqlite"
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
    """Wait for `cond()`, checking every 5 ms with a plain asyncio sleep (Pilot.pause would post a
    message to every widget each time: the harness would cost the app CPU)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError("the screen did not show the expected content")
        await asyncio.sleep(0.005)


def child_first(db: str, thread: str, t0: str) -> None:
    """Spawn (t0, wall clock) to the head row on screen, then to the head's state on screen."""
    import lgtt
    from lgtt.tui.app import LgttApp

    async def flow() -> dict:
        app = LgttApp(lambda: lgtt.open(db), thread, poll=3600)
        async with app.run_test(size=(160, 48)) as pilot:
            def head_drawn() -> bool:
                tl = app.timeline
                return (tl is not None and app.timeline_pane.table.row_count == len(tl.entries)
                        and f" {len(tl.entries) - 1} " in app.screen_text())
            await _until(pilot, head_drawn)
            first, cpu = time.time() - float(t0), time.process_time()
            rows = app.timeline_pane.table.row_count
            await _until(pilot, lambda: app.last_detail is not None and f"#{rows - 1} " in app.screen_text())
            state = time.time() - float(t0)
        return {"seconds": first, "state": state, "rows": rows, "cpu_first": cpu}

    print(json.dumps(asyncio.run(flow())))


def child_move(db: str, thread: str, tab: str, mode: str) -> None:
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
                if mode == "cold":
                    await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
                    app._forget_views()
                before = app.selected.key
                t1 = time.perf_counter()
                app.simulate_key(key)  # as a terminal's key arrives (Pilot.press waits for every widget)
                await _until(pilot, lambda before=before: app.selected.key != before
                             and app.last_detail == (app.selected.key, tab))
                t2 = time.perf_counter()
                app.screen_text()  # what drawing the screen with the new content costs
                times.append(app.last_detail_at - t1 + time.perf_counter() - t2)
            messages = len(app.view.values.get("messages", []))
        return {"seconds": statistics.median(times), "max": max(times), "messages": messages}

    print(json.dumps(asyncio.run(flow())))


# -- measurements ------------------------------------------------------------------------------
def measure(kind: str, big: str, chat: str) -> list[b.Result]:
    b.say(f"{kind}: lgtt timeline big, lgtt ui first screen (alternating)")
    cli, first = [], []
    for _ in range(REPEAT):
        cli.append(b.run_child([*b.LGTT, "--db", big, "timeline", data.BIG_THREAD]))
        first.append(b.run_py_child(THIS, ["--child-first", big, data.BIG_THREAD, repr(time.time())]))
    state = [b.Run(wall=r.wall, inner=r.info["state"], peak_mb=r.peak_mb) for r in first]
    cpu = [b.Run(wall=r.wall, inner=r.info["cpu_first"], cpu=r.info["cpu_first"]) for r in first]
    res = [b.Result("lgtt timeline big (CLI, 20 rows)", cli),
           b.Result("lgtt ui first screen: head row drawn", first, f"{first[0].info['rows']} rows; in-call = spawn to drawn"),
           b.Result("lgtt ui first screen: head's state drawn", state, "in-call = spawn to drawn"),
           b.Result("lgtt ui first screen: CPU until the head row is drawn", cpu, "in-call = CPU seconds (all threads)")]
    for mode in ("warm", "cold"):
        for tab in ("state", "json"):
            b.say(f"{kind}: lgtt ui move ({tab}, {mode})")
            move = b.repeat(lambda tab=tab, mode=mode: b.run_py_child(THIS, ["--child-move", chat, CHAT_THREAD, tab, mode]),
                            REPEAT)
            label = "as used" if mode == "warm" else "cold"
            res.append(b.Result(f"lgtt ui move, {tab} tab, {label} (chat10k)", move,
                                f"{move[0].info['messages']} messages; in-call = key to drawn (median of 6 moves)"))
    return res


def summarize(kind: str, res: list[b.Result]) -> list[list[str]]:
    cli, first, state, cpu, *moves = res
    ratio = (first.inner or 0) / cli.wall
    rows = [[kind, "ui first screen (head row drawn) / lgtt timeline, wall", b.fmt_ratio(first.inner, cli.wall),
             b.check(ratio <= TARGET_FIRST) + f" (target <= {TARGET_FIRST:.0f}x)"],
            [kind, "ui first screen / lgtt timeline, CPU (steadier on a shared machine)",
             b.fmt_ratio(cpu.inner, cli.cpu), b.check((cpu.inner or 99) / (cli.cpu or 1) <= TARGET_FIRST)],
            [kind, "ui head's state drawn / lgtt timeline, wall", b.fmt_ratio(state.inner, cli.wall), ""]]
    for m in moves:
        rows.append([kind, m.label.removeprefix("lgtt ui ").removesuffix(" (chat10k)") + " (10,000 messages)",
                     b.fmt_s(m.inner), b.check((m.inner or 99) < TARGET_MOVE) + f" (target < {TARGET_MOVE} s)"])
    peak = max(r.peak_mb or 0 for r in (first, *moves))
    rows.append([kind, "ui peak RSS (largest of the ui runs)", b.fmt_mb(peak),
                 b.check(peak < TARGET_PEAK_MB) + f" (target < {TARGET_PEAK_MB:.0f} MB)"])
    return rows


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    targets = [("sqlite", str(data.ensure_big_sqlite(args.rebuild)), str(ensure_chat_sqlite(args.rebuild)))]
    if not args.no_pg:
        targets.append(("postgres", data.ensure_big_pg(args.rebuild), ensure_chat_pg(args.rebuild)))
    all_res: list[tuple[str, b.Result]] = []
    ratios: list[list[str]] = []
    try:
        for kind, big, chat in targets:
            res = measure(kind, big, chat)
            all_res += [(kind, r) for r in res]
            ratios += summarize(kind, res)
    finally:
        if not args.no_pg and not args.keep:
            drop_chat_pg()
    return b.section(f"lgtt ui: thread `big` ({data.BIG_CHECKPOINTS:,} checkpoints) and `chat10k` "
                     f"({MESSAGES:,} messages)", all_res, ratios)


def cleanup() -> None:
    data.drop_pg()
    drop_chat_pg()


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"first": (("DB", "THREAD", "T0"), child_first),
                                "move": (("DB", "THREAD", "TAB", "MODE"), child_move)}, cleanup, argv)


if __name__ == "__main__":
    main()
