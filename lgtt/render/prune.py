"""Rich output of `prune` and `delete`: the per-thread plan and a summary; layout only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Group
from rich.table import Table

from lgtt.render.console import console, safe
from lgtt.render.health import human

MAX_ROWS = 50  # threads listed; the summary always counts all of them


def prune_view(r: Any) -> Group:
    changed = [t for t in r.threads if t.deleted]
    verb = "would delete" if r.dry_run else "deleted"
    title = f"{r.action}{' (dry run, nothing changed)' if r.dry_run else ''}: {len(changed)} of {len(r.threads)} thread(s) changed"
    t = Table(title=title, title_justify="left")
    for col in ("thread", "checkpoints", verb, "kept", "writes " + verb, "blobs " + verb, "bytes freed"):
        t.add_column(col, justify="left" if col == "thread" else "right", overflow="fold")
    for p in sorted(changed, key=lambda p: -p.deleted)[:MAX_ROWS]:
        kept = str(p.kept) + (f" ({p.kept_for_deps} for deps)" if p.kept_for_deps else "")
        t.add_row(p.thread_id, str(p.checkpoints), str(p.deleted), kept, str(p.writes),
                  str(p.blobs) if r.backend in ("postgres", "memory") else "-", human(p.bytes_freed))
    parts: list[Any] = [t]
    if len(changed) > MAX_ROWS:
        parts.append(safe(f"… and {len(changed) - MAX_ROWS} more thread(s) (--json lists all)", style="dim"))
    summary = (f"{verb}: {r.checkpoints_deleted} checkpoint(s), {r.writes_deleted} write(s)"
               + (f", {r.blobs_deleted} blob(s)" if r.backend in ("postgres", "memory") else "")
               + f"; about {human(r.bytes_freed)} of rows")
    parts.append(safe(summary))
    if r.vacuum:
        parts.append(safe(f"{r.vacuum}: database size {human(r.bytes_before)} -> {human(r.bytes_after)}"))
    elif r.dry_run:
        parts.append(safe(f"database size {human(r.bytes_before)}: about {human(r.bytes_freed)} of it would become "
                          "free space inside the database, reused by new rows (the file shrinks only with --vacuum)",
                          style="dim"))
    else:
        free = f"; {human(r.free_bytes_after)} of it is free space, reused by new rows" \
            if r.free_bytes_after is not None else "; the freed space is reused by new rows"
        parts.append(safe(f"database size {human(r.bytes_before)} -> {human(r.bytes_after)}{free}", style="dim"))
    if r.suggest_vacuum:
        parts.append(safe(f"tip: add --vacuum to give the free space back to the file system "
                          f"({'SQLite rewrites the file; the app waits meanwhile' if r.backend == 'sqlite' else 'plain VACUUM; --vacuum-full returns it to the OS but locks the tables'})",
                          style="yellow"))
    return Group(*parts)


@contextmanager
def spinner(label: str) -> Iterator[None]:
    """A spinner with the elapsed time on stderr while one long step runs (cleared after)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn(label), TimeElapsedColumn(), console=Console(stderr=True),
                  transient=True) as prog:
        prog.add_task(label, total=None)
        yield


@contextmanager
def counter(label: str, unit: str) -> Iterator[Callable[[int], None]]:
    """`advance(n)` for work of unknown size: a spinner with a running count on stderr (cleared after)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn(f"{label} {{task.completed:,.0f}} {unit}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as prog:
        task = prog.add_task(label, total=None)
        yield lambda n: prog.advance(task, n)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], Callable[[int], None]]]:
    """A factory `start(total) -> advance(n)` drawing a rich progress bar on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console(stderr=True), transient=True) as prog:
        def start(total: int) -> Callable[[int], None]:
            task = prog.add_task(label, total=total)
            return lambda n: prog.advance(task, n)

        yield start
