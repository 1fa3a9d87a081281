"""`lgtt ui`: the interactive time-travel debugger (Textual). It calls lgtt.api only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def run_ui(open_db: Callable[[], Any], thread: str | None = None) -> None:
    """Run the app on the terminal; `open_db()` returns a fresh lgtt Debugger (called once for
    reads and once per write action, so a running resume never shares the reading connection)."""
    from lgtt.tui.app import LgttApp

    LgttApp(open_db, thread).run()
