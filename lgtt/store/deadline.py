"""`--timeout`: one deadline for the whole command, enforced inside the database drivers.

Postgres connections get a `statement_timeout` of the time left, so the server itself cancels
a statement that runs past it; SQLite connections get a progress handler that interrupts the
statement. Either way the driver raises and the command stops with one line (see cli.handled).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

_deadline: float | None = None
_seconds: float | None = None


def set_timeout(seconds: float | None) -> None:
    """Start the clock: every connection opened from now on obeys the deadline."""
    global _deadline, _seconds
    _seconds = seconds
    _deadline = None if seconds is None else time.monotonic() + seconds


def timeout() -> float | None:
    """The --timeout given, in seconds (None: no limit)."""
    return _seconds


def expired() -> bool:
    return _deadline is not None and time.monotonic() >= _deadline


def remaining_ms() -> int | None:
    if _deadline is None:
        return None
    return max(1, int((_deadline - time.monotonic()) * 1000))


def apply_pg(conn: Any) -> None:
    """Set the server-side statement_timeout of a psycopg connection to the time left."""
    ms = remaining_ms()
    if ms is not None:
        conn.execute(f"SET statement_timeout = {int(ms)}")


def apply_sqlite(conn: sqlite3.Connection) -> None:
    """Interrupt a SQLite statement that runs past the deadline."""
    if _deadline is not None:
        conn.set_progress_handler(lambda: 1 if expired() else 0, 10_000)
