"""A database that import and copy write into, set up by its official saver's own `setup()`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lgtt.dburl import parse_db, redact
from lgtt.errors import LgttError


class Target:
    """A database to import into, set up by its official saver's own `setup()`."""

    def __init__(self, db: str) -> None:
        spec = parse_db(db)
        self.kind = spec.kind
        self.display = db if spec.kind == "sqlite" else redact(spec.target)
        if spec.kind == "sqlite":
            import sqlite3

            from langgraph.checkpoint.sqlite import SqliteSaver

            if Path(spec.target).is_dir():
                raise LgttError(f"{spec.target} is a directory, not a database file", "pass a SQLite file path")
            try:
                self.conn = sqlite3.connect(spec.target, check_same_thread=False)
                SqliteSaver(self.conn).setup()
            except sqlite3.Error as exc:
                raise LgttError(f"cannot open {spec.target} for writing: {exc}",
                                "check that its folder exists and is writable") from None
            self.conn.isolation_level = None
            self.conn.execute("PRAGMA busy_timeout = 30000")
            from lgtt.store import sqlite_transfer as backend
        else:
            from langgraph.checkpoint.postgres import PostgresSaver

            from lgtt.store.postgres import connect

            self.conn = connect(spec.target, read_only=False)
            PostgresSaver(self.conn).setup()
            from lgtt.store import postgres_transfer as backend
        self.backend = backend

    def exists(self, thread_id: str) -> bool:
        return self.backend.thread_exists(self.conn, thread_id)

    def write_thread(self, thread_id: str, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """One transaction: all of the thread's rows, or none."""
        if self.kind == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.refuse_existing(thread_id)
                counts = self.backend.import_thread(self.conn, thread_id, records)
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return counts
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (thread_id,))
            self.refuse_existing(thread_id)
            return self.backend.import_thread(self.conn, thread_id, records)

    def refuse_existing(self, thread_id: str) -> None:
        if self.exists(thread_id):
            raise LgttError(f"thread {thread_id!r} already exists in {self.display}",
                            "pass --as NEW_THREAD to import it under another id (lgtt never overwrites a thread)")

    def close(self) -> None:
        self.conn.close()


def _redacted(url: str) -> str:
    from lgtt.dburl import redact

    return redact(url)
