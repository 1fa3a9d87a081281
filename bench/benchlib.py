"""Helpers shared by the bench scripts: timed subprocesses with peak RSS, tables, options."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LGTT = [sys.executable, "-m", "lgtt"]
GRAPH_SPEC = f"{BENCH / 'bench_graph.py'}:graph"
SLOW = 5.0  # seconds: a measurement this slow is not repeated


@dataclass
class Run:
    """One measurement: end-to-end wall time, time inside the call (when the child reports
    it), peak RSS of the child, and whatever else the child printed as JSON."""

    wall: float
    peak_mb: float | None = None
    inner: float | None = None
    info: dict[str, Any] = field(default_factory=dict)
    cpu: float | None = None  # user + system CPU seconds of the child (or of this process, in-process)


@dataclass
class Result:
    """The runs of one method; reported by their median."""

    label: str
    runs: list[Run]
    note: str = ""

    def _med(self, attr: str) -> float | None:
        vals = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return statistics.median(vals) if vals else None

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def inner(self) -> float | None:
        return self._med("inner")

    @property
    def peak_mb(self) -> float | None:
        return self._med("peak_mb")

    @property
    def cpu(self) -> float | None:
        """CPU seconds (median): on a loaded machine a steadier measure than wall time."""
        return self._med("cpu")


GNU_TIME = "/usr/bin/time"


def run_child(cmd: Sequence[str], *, stdout_file: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` with its wall time and peak RSS.

    Linux keeps the RSS high-water mark of the forking process across exec, so a child's own
    ru_maxrss can never be below this (bench) process's RSS at fork time. When GNU time is
    there, the child is started by it (a small process) and its `%M` is reported; otherwise
    the child's ru_maxrss from wait4, which may include this process's RSS."""
    out = open(stdout_file, "wb") if stdout_file else subprocess.DEVNULL  # noqa: SIM115
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd] if os.access(GNU_TIME, os.X_OK) else list(cmd)
        try:
            t0 = time.perf_counter()
            proc = subprocess.Popen(full, stdout=out, stderr=err, cwd=REPO, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout_file:
                out.close()  # type: ignore[union-attr]
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        err.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{stderr[-2000:]}")
        text = rss.read().strip().splitlines()
    if full[0] == GNU_TIME and text and text[-1].isdigit():
        peak = int(text[-1]) / 1024
    else:
        peak = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return Run(wall=wall, peak_mb=peak, info={"stderr": stderr}, cpu=usage.ru_utime + usage.ru_stime)


def run_py_child(script: Path, args: Sequence[str]) -> Run:
    """Run a child mode of a bench script that prints one JSON line {"seconds": ..., ...} last."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        run = run_child([sys.executable, str(script), *args], stdout_file=out)
        lines = out.read_text().strip().splitlines()
    info = json.loads(lines[-1])
    run.inner = info.pop("seconds", None)
    run.info.update(info)
    return run


def repeat(fn: Callable[[], Run], n: int) -> list[Run]:
    """Up to n runs; one only when the first is slower than SLOW seconds."""
    runs = [fn()]
    while len(runs) < n and runs[0].wall < SLOW:
        runs.append(fn())
    return runs


def timed(fn: Callable[[], Any]) -> Run:
    t0, c0 = time.perf_counter(), time.process_time()
    info = fn()
    return Run(wall=time.perf_counter() - t0, info=info if isinstance(info, dict) else {},
               cpu=time.process_time() - c0)


# -- formatting -------------------------------------------------------------------------------
def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    if x < 0.01:
        return f"{x * 1000:.1f} ms"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_mb(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f} MB"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    return f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def results_table(results: Sequence[tuple[str, Result]]) -> str:
    rows = []
    for backend, r in results:
        rows.append([backend, r.label, fmt_s(r.wall), fmt_s(r.cpu), fmt_s(r.inner), fmt_mb(r.peak_mb),
                     str(len(r.runs)), r.note])
    return table(["backend", "method", "wall (median)", "CPU", "in-call", "peak RSS", "runs", "notes"], rows)


def check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def machine() -> str:
    return (f"{time.strftime('%Y-%m-%d')}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def common_args(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    ap.add_argument("--rebuild", action="store_true", help="rebuild the data even when cached")
    ap.add_argument("--keep", action="store_true", help="keep the Postgres bench databases afterwards")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    ap.add_argument("--repeat", type=int, default=3, help="runs per fast measurement (median reported)")
    return ap


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def official_saver(kind: str, db: str) -> Any:
    """LangGraph's own saver for a bench database, as a context manager (`sqlite` path or postgres URL)."""
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        return SqliteSaver.from_conn_string(db)
    from langgraph.checkpoint.postgres import PostgresSaver

    return PostgresSaver.from_conn_string(db)


# -- one shared shape for every bench script ------------------------------------------------------
def backends(args: argparse.Namespace, sqlite: Callable[[bool], Any],
             pg: Callable[[bool], Any] | None = None) -> list[tuple[str, str]]:
    """[(kind, db)]: the SQLite data, and the Postgres data unless --no-pg (built when missing)."""
    out = [("sqlite", str(sqlite(args.rebuild)))]
    if pg is not None and not args.no_pg:
        out.append(("postgres", str(pg(args.rebuild))))
    return out


def over_backends(targets: Sequence[tuple[str, str]], measure: Callable[[str, str], list[Result]],
                  summarize: Callable[[str, list[Result]], list[list[str]]],
                  ) -> tuple[list[tuple[str, Result]], list[list[str]]]:
    """Measure every backend; the results (tagged by backend) and the ratio rows."""
    all_res: list[tuple[str, Result]] = []
    ratios: list[list[str]] = []
    for kind, db in targets:
        res = measure(kind, db)
        all_res += [(kind, r) for r in res]
        ratios += summarize(kind, res)
    return all_res, ratios


def section(title: str, all_res: Sequence[tuple[str, Result]], ratios: Sequence[Sequence[str]]) -> str:
    """A bench's part of the results: its title, the results table and the ratios table."""
    return "\n\n".join([f"### {title}", results_table(all_res), table(["backend", "ratio", "value", "target"], ratios)])


def bench_main(doc: str | None, run: Callable[[argparse.Namespace], str],
               children: dict[str, tuple[Sequence[str], Callable[..., None]]] | None = None,
               cleanup: Callable[[], None] | None = None, argv: list[str] | None = None,
               extra_args: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """A bench script's `main`: the common options (and its own, added by `extra_args`), its hidden
    child modes (`--child-NAME ARGS...`, run in a fresh interpreter by run_py_child), then `run`
    and, unless --keep, `cleanup`."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    if extra_args is not None:
        extra_args(ap)
    for name, (metavars, _) in (children or {}).items():
        ap.add_argument(f"--child-{name}", nargs=len(metavars), metavar=tuple(metavars), help=argparse.SUPPRESS)
    args = common_args(ap).parse_args(argv)
    for name, (_, fn) in (children or {}).items():
        got = getattr(args, "child_" + name.replace("-", "_"))
        if got:
            fn(*got)
            return
    try:
        print(run(args))
    finally:
        if cleanup is not None and not args.keep and not args.no_pg:
            cleanup()
