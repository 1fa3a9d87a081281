"""Rich output of `stats` and `check`; layout only, no logic."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from lgtt.render.console import safe


def human(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def stats_view(s: Any) -> Group:
    summary = Table(title=f"{s.db} ({s.backend})", title_justify="left", show_header=False)
    summary.add_column("what")
    summary.add_column("value", justify="right")
    summary.add_row("size on disk", human(s.size_bytes))
    summary.add_row("threads", str(s.threads))
    summary.add_row("checkpoints (all namespaces)", str(s.checkpoints))
    summary.add_row("writes", str(s.writes))
    if s.blobs is not None:
        summary.add_row("blobs", str(s.blobs))
    summary.add_row("average checkpoint", human(s.checkpoint_bytes_avg))
    if s.largest_checkpoint:
        lc = s.largest_checkpoint
        where = lc["thread_id"] + (f" ns {lc['checkpoint_ns']}" if lc["checkpoint_ns"] else "")
        summary.add_row("largest checkpoint", f"{human(lc['bytes'])}  ({where} {lc['checkpoint_id']})")

    threads = Table(title=f"biggest threads (top {len(s.top_threads)})", title_justify="left")
    for col in ("thread", "checkpoints", "bytes"):
        threads.add_column(col, justify="left" if col == "thread" else "right", overflow="fold")
    for t in s.top_threads:
        threads.add_row(t["thread_id"], str(t["checkpoints"]), human(t["bytes"]))

    keys = Table(title="state keys by size", title_justify="left")
    for col in ("key", "bytes", "values", "avg", "max"):
        keys.add_column(col, justify="left" if col == "key" else "right", overflow="fold")
    for k in s.keys:
        keys.add_row(k.key, human(k.bytes), str(k.values), human(k.avg_bytes), human(k.max_bytes))
    parts: list[Any] = [summary, threads, keys, safe(f"key sizes: {s.key_sizes_from}", style="dim")]
    if s.internal_keys:
        internal = ", ".join(f"{k.key} {human(k.bytes)}" for k in s.internal_keys[:8])
        parts.append(safe(f"LangGraph internal channels: {internal}", style="dim"))
    return Group(*parts)


def check_lines(report: Any) -> list[Text]:
    out = [safe(p.line(), style="red") for p in report.problems]
    out += [safe(f"note: {n}", style="dim") for n in report.notes]
    if report.ok:
        out.append(safe(f"no problems in {report.threads} threads, {report.checkpoints} checkpoints", style="green"))
    else:
        out.append(safe(f"{len(report.problems)} problem(s) in {report.threads} threads, "
                        f"{report.checkpoints} checkpoints", style="bold red"))
    return out
