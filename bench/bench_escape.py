"""What escaping untrusted text costs: lgtt's views through SafeConsole vs a plain Rich Console.

In one run, on one thread of N checkpoints written by bench_graph.py through the official
SqliteSaver (a fresh temp file), with the data read once by lgtt:

  timeline table    timeline_table(...) printed to a file by lgtt's SafeConsole (markup off,
                    escaping in render_str and the segment net) vs rich.Console(markup=False)
  timeline --json   json.dumps of the rows + json_safe (lgtt's emit) vs json.dumps alone
  escape()          visible() over every string of the rows (the clean fast path)
  plain SQL         SELECT checkpoint_id, metadata of every row, for scale

    python bench/bench_escape.py [--checkpoints N] [--repeat R]
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoints", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from bench_graph import builder
    from langgraph.checkpoint.sqlite import SqliteSaver
    from rich.console import Console

    import lgtt
    from lgtt.escape import json_safe, visible
    from lgtt.render.console import SafeConsole
    from lgtt.render.tables import timeline_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        conn = sqlite3.connect(path, check_same_thread=False)
        target = args.checkpoints - 2
        builder.compile(checkpointer=SqliteSaver(conn)).invoke(
            {"count": 0, "target": target}, {"configurable": {"thread_id": "big"}, "recursion_limit": target + 10})
        conn.close()
        with lgtt.open(str(path)) as db:
            tl = db.timeline("big")
        rows, hidden = tl.page(None)
        docs = [e.to_json() for e in rows]

        def render(console_cls, **kw):
            def go():
                out = io.StringIO()
                console_cls(file=out, width=160, soft_wrap=False, **kw).print(timeline_table(tl, rows, hidden))
            return go

        # The two variants of each pair run alternately, so a busy machine slows both alike;
        # the ratio reported is the median of the per-pair ratios.
        pairs = {
            "timeline table: SafeConsole (lgtt) / rich Console(markup=False)": (
                render(SafeConsole), render(Console, markup=False, highlight=False, emoji=False)),
            "timeline --json: json.dumps + json_safe (lgtt) / json.dumps alone": (
                lambda: json_safe(json.dumps(docs, ensure_ascii=False)), lambda: json.dumps(docs, ensure_ascii=False)),
        }
        results = {}
        for label, (a, b) in pairs.items():
            ta, tb = [], []
            for _ in range(args.repeat):
                ta.append(median_time(a, 1))
                tb.append(median_time(b, 1))
            results[label] = (statistics.median(ta), statistics.median(tb),
                              statistics.median(x / y for x, y in zip(ta, tb, strict=True)))
        extra = {"visible() over every row string": median_time(
            lambda: [visible(str(v)) for d in docs for v in d.values()], args.repeat)}
        with sqlite3.connect(path) as c:
            extra["plain SQL: ids + metadata of every row"] = median_time(
                lambda: c.execute("SELECT checkpoint_id, metadata FROM checkpoints WHERE thread_id='big'").fetchall(),
                args.repeat)
    print(f"{len(rows)} timeline rows, {args.repeat} alternating runs")
    for label, (ta, tb, ratio) in results.items():
        print(f"  {label}: {ta * 1000:.1f} ms / {tb * 1000:.1f} ms = {ratio:.2f}x (median of per-run ratios)")
    for label, t in extra.items():
        print(f"  {label:48s} {t * 1000:8.1f} ms")

if __name__ == "__main__":
    main()
