"""Lines for export / import / copy: a progress counter on a terminal, then one summary line."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from lgtt.escape import visible
from lgtt.render.console import safe


def progress() -> Callable[[str], None] | None:
    """A rows-so-far counter on stderr, redrawn at most 10 times a second; None when not a terminal."""
    if not sys.stderr.isatty():
        return None
    state = {"n": 0, "t": 0.0}

    def tick(thread_id: str) -> None:
        state["n"] += 1
        now = time.monotonic()
        if now - state["t"] >= 0.1:
            state["t"] = now
            shown = visible(thread_id, one_line=True)[:40]
            sys.stderr.write(f"\r{state['n']:,} rows… ({shown})\x1b[K")
            sys.stderr.flush()

    return tick


def clear_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def summary(result: Any) -> Any:
    """`copied 2 threads (58 checkpoints, 131 writes) to local.sqlite: chat-1, steps-1`."""
    verb = {"export": "exported", "import": "imported", "copy": "copied"}[result.action]
    names = ", ".join(t.thread_id if not t.source_thread_id else f"{t.source_thread_id} → {t.thread_id}"
                      for t in result.threads)
    where = f" {'to' if result.action == 'copy' else 'into'} {result.target}" if result.target else ""
    size = f", {result.bytes:,} bytes" if result.action == "export" else ""
    n = len(result.threads)
    return safe(f"{verb} {n} thread{'s' if n != 1 else ''} ({result.checkpoints} checkpoints, "
                f"{result.writes} writes{size}){where}: {names}")
