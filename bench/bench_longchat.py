"""The long chat: a SQLite thread whose `add_messages` list grows by one message per step.

SQLite stores the whole state in every row, so the rows hold O(N²) bytes. In one run, per size
(1k / 5k / 10k checkpoints by default), on the same file, with the OS page cache warmed first:

  plain SQL        a child process streaming SELECT checkpoint_id, parent, metadata, checkpoint of
                   every row of the thread (the floor: reading every byte once)
  lgtt cold        `lgtt --db DB timeline long-chat --all --json` with an empty cache folder
                   (reads every row and fills the bookkeeping cache)
  lgtt --no-cache  the same without the cache (nothing written)
  lgtt warm        the same again with the cache filled (row headers only)
  lgtt check       `lgtt --db DB check long-chat` (decodes every checkpoint, one row at a time)
  get_state_history  `list(graph.get_state_history(config))` with the official SqliteSaver
                   (only up to --history-max checkpoints: it decodes O(N²) messages)

Data: bench/out/longchat-N.sqlite, built once by longchat_build.py (--rebuild to redo).

    python bench/bench_longchat.py [--sizes 1000,5000,10000] [--history-max 2000] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import benchlib as b
import longchat_build

THIS = Path(__file__).resolve()
OUT = b.BENCH / "out"
THREAD = longchat_build.THREAD
CONFIG = {"configurable": {"thread_id": THREAD}}
FLOOR_SQL = """
SELECT checkpoint_id, parent_checkpoint_id, metadata, checkpoint FROM checkpoints
WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id
"""
TARGET_COLD = 1.5  # lgtt's first read / plain read
TARGET_CHECK = 3.0  # lgtt check / plain read


def db_path(n: int) -> Path:
    return OUT / f"longchat-{n}.sqlite"


def ensure(n: int, rebuild: bool) -> Path:
    path = db_path(n)
    if path.exists() and not rebuild:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0] == n:
                return path
    OUT.mkdir(exist_ok=True)
    b.say(f"building {path.name} ({n:,} checkpoints)…")
    t0 = time.perf_counter()
    longchat_build.build(path, n)
    b.say(f"built in {time.perf_counter() - t0:.0f} s, {path.stat().st_size / 2**30:.2f} GiB")
    return path


# -- child modes ---------------------------------------------------------------------------------
def child_floor(db: str) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    t0 = time.perf_counter()
    rows = total = 0
    for _, _, meta, blob in conn.execute(FLOOR_SQL, (THREAD,)):
        json.loads(meta)
        rows += 1
        total += len(blob)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows, "bytes": total}))


def child_history(db: str) -> None:
    import growing_messages
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(db, check_same_thread=False)
    graph = growing_messages.builder.compile(checkpointer=SqliteSaver(conn))
    t0 = time.perf_counter()
    n = len(list(graph.get_state_history(CONFIG)))
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": n}))


# -- measurements --------------------------------------------------------------------------------
def lgtt(db: Path, n: int, cache: Path, *extra: str, command: str = "timeline", fresh: bool = False) -> b.Run:
    if fresh:
        shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "LGTT_CACHE_DIR": str(cache)}
    env.pop("LGTT_NO_CACHE", None)
    out = OUT / "longchat.out"
    args = ["timeline", THREAD, "--all", "--json"] if command == "timeline" else ["check", THREAD, "--json"]
    run = b.run_child([*b.LGTT, "--db", str(db), *extra, *args], stdout_file=out, env=env)
    doc = json.loads(out.read_text())
    got = len(doc) if command == "timeline" else doc["checkpoints"]
    out.unlink()
    if got != n:
        raise RuntimeError(f"lgtt {command} gave {got} rows, expected {n}")
    return run


def measure(n: int, args: argparse.Namespace) -> dict[str, b.Result]:
    db = ensure(n, args.rebuild)
    cache = OUT / f"longchat-cache-{n}"
    b.say(f"{n:,}: warming the page cache")
    b.run_py_child(THIS, ["--child-floor", str(db)])
    rep = args.repeat

    def runs(fn: Callable[[], b.Run]) -> list[b.Run]:  # every method `rep` times, slow or not: on a shared machine one run is noise
        return [fn() for _ in range(rep)]

    res: dict[str, b.Result] = {}
    b.say(f"{n:,}: plain SQL")
    res["floor"] = b.Result("plain SQL read of the rows (floor)", runs(lambda: b.run_py_child(THIS, ["--child-floor", str(db)])))
    b.say(f"{n:,}: lgtt cold / --no-cache / warm")
    res["cold"] = b.Result("lgtt timeline --all --json, cold (fills the cache)",
                           runs(lambda: lgtt(db, n, cache, fresh=True)))
    res["nocache"] = b.Result("lgtt --no-cache timeline --all --json", runs(lambda: lgtt(db, n, cache, "--no-cache")))
    lgtt(db, n, cache, fresh=True)
    res["warm"] = b.Result("lgtt timeline --all --json, warm", b.repeat(lambda: lgtt(db, n, cache), max(rep, 3)))
    b.say(f"{n:,}: lgtt check")
    res["check"] = b.Result("lgtt check long-chat", runs(lambda: lgtt(db, n, cache, command="check")))
    if n <= args.history_max:
        b.say(f"{n:,}: get_state_history (slow)")
        res["history"] = b.Result("list(get_state_history())", [b.run_py_child(THIS, ["--child-history", str(db)])])
    shutil.rmtree(cache, ignore_errors=True)
    return res


def exponent(sizes: list[int], secs: list[float | None]) -> str:
    pts = [(n, s) for n, s in zip(sizes, secs, strict=True) if s]
    if len(pts) < 2:
        return "-"
    (n0, s0), (n1, s1) = pts[0], pts[-1]
    return f"{math.log(s1 / s0) / math.log(n1 / n0):.2f}"


def run(args: argparse.Namespace) -> str:
    sizes = [int(x) for x in args.sizes.split(",")]
    results = {n: measure(n, args) for n in sizes}
    rows, ratios = [], []
    for n, res in results.items():
        size = db_path(n).stat().st_size / 2**30
        rows += [(f"{n:,} ({size:.2f} GiB)", r) for r in res.values()]
        floor, cold, warm, check = res["floor"].wall, res["cold"].wall, res["warm"].wall, res["check"].wall
        ratios += [
            [f"{n:,}", "lgtt cold / plain read", b.fmt_ratio(cold, floor),
             b.check(cold / floor <= TARGET_COLD) + f" (target <= {TARGET_COLD}x)"],
            [f"{n:,}", "lgtt cold / plain read, CPU seconds", b.fmt_ratio(res["cold"].cpu, res["floor"].cpu), ""],
            [f"{n:,}", "lgtt --no-cache / plain read", b.fmt_ratio(res["nocache"].wall, floor), ""],
            [f"{n:,}", "lgtt cold / lgtt warm", b.fmt_ratio(cold, warm), ""],
            [f"{n:,}", "lgtt warm / plain read", b.fmt_ratio(warm, floor), ""],
            [f"{n:,}", "lgtt check / plain read", b.fmt_ratio(check, floor),
             b.check(check / floor <= TARGET_CHECK) + f" (target <= {TARGET_CHECK}x)"],
            [f"{n:,}", "lgtt check / plain read, CPU seconds", b.fmt_ratio(res["check"].cpu, res["floor"].cpu), ""],
            [f"{n:,}", "lgtt check peak RSS", b.fmt_mb(res["check"].peak_mb), ""],
        ]
        if "history" in res:
            ratios.append([f"{n:,}", "get_state_history / lgtt warm", b.fmt_ratio(res["history"].wall, warm), ""])
            ratios.append([f"{n:,}", "get_state_history / lgtt cold", b.fmt_ratio(res["history"].wall, cold), ""])
    for key in ("floor", "cold", "warm", "check"):
        ratios.append([f"{sizes[0]:,}→{sizes[-1]:,}", f"growth exponent, {key} (time ∝ N^k), wall / CPU",
                       exponent(sizes, [results[n][key].wall for n in sizes]) + " / "
                       + exponent(sizes, [results[n][key].cpu for n in sizes]), ""])
    return b.section(f"The long chat: one thread, `add_messages` growing one message per step ({b.machine()})",
                     rows, ratios)


def main(argv: list[str] | None = None) -> None:
    def extra(ap: argparse.ArgumentParser) -> None:
        ap.add_argument("--sizes", default="1000,5000,10000", help="checkpoints per thread, comma-separated")
        ap.add_argument("--history-max", type=int, default=2000, help="run get_state_history up to this size")

    b.bench_main(__doc__, run, {"floor": (("DB",), child_floor), "history": (("DB",), child_history)},
                 argv=argv, extra_args=extra)


if __name__ == "__main__":
    if str(b.BENCH) not in sys.path:
        sys.path.insert(0, str(b.BENCH))
    main()
