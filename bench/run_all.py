"""Run every benchmark; print the results tables and write them to bench/out/results.md.

    python bench/run_all.py [--rebuild] [--keep] [--no-pg] [--repeat N]

The SQLite data is cached in bench/out/ (`--rebuild` rebuilds it); the Postgres bench
databases are built for the run and dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import time

import bench_diff
import bench_fork
import bench_prune
import bench_threads
import bench_timeline
import build_data as data
from benchlib import common_args, machine, say


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args = common_args(ap).parse_args(argv)
    t0 = time.perf_counter()
    try:
        sections = [bench_timeline.run(args), bench_threads.run(args)]
        sections.append(bench_prune.run(args))
        sections.append(bench_fork.run(args))
        sections.append(bench_diff.run(args))
    finally:
        if not args.keep and not args.no_pg:
            say("dropping the Postgres bench databases")
            data.drop_pg()
            bench_prune.drop_pg()
            bench_diff.drop_pg()
    doc = "\n\n".join([
        "## lgtt benchmark results",
        f"Machine: {machine()}. Total bench time {time.perf_counter() - t0:.0f} s. "
        "Wall = end-to-end wall time of a subprocess (median of the runs), in-call = time "
        "inside the call as measured by the child, peak RSS = the child's ru_maxrss.",
        *sections,
    ]) + "\n"
    print(doc)
    data.OUT.mkdir(parents=True, exist_ok=True)
    (data.OUT / "results.md").write_text(doc)
    say(f"written to {data.OUT / 'results.md'}")


if __name__ == "__main__":
    main()
