"""A database that import and copy write into, set up by its official saver's own `setup()`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from lgtt.dburl import parse_db, redact
from lgtt.errors import LgttError
from lgtt.store.registry import backend_module


class Target:
    """A database to import into; its backend's transfer module does the writing."""

    def __init__(self, db: str) -> None:
        spec = parse_db(db)
        self.kind = spec.kind
        self.display = db if spec.kind == "sqlite" else redact(spec.target)
        self.backend = backend_module(spec.kind, "transfer")
        if self.backend is None or not hasattr(self.backend, "open_target"):
            raise LgttError(f"import and copy cannot write into a {spec.kind} database yet",
                            "import into a SQLite path or a postgresql:// URL")
        self.conn = self.backend.open_target(spec.target)

    def exists(self, thread_id: str) -> bool:
        return self.backend.thread_exists(self.conn, thread_id)

    def write_thread(self, thread_id: str, records: Iterable[dict[str, Any]],
                     redacted: Collection[str] = ()) -> tuple[int, int]:
        """One transaction: all of the thread's rows, or none."""
        with self.backend.target_transaction(self.conn, thread_id):
            self.refuse_existing(thread_id)
            return self.backend.import_thread(self.conn, thread_id, records, redacted)

    def refuse_existing(self, thread_id: str) -> None:
        if self.exists(thread_id):
            raise LgttError(f"thread {thread_id!r} already exists in {self.display}",
                            "pass --as NEW_THREAD to import it under another id (lgtt never overwrites a thread)")

    def close(self) -> None:
        close = getattr(self.backend, "close_target", None)
        if close is not None:
            close(self.conn)
        else:
            self.conn.close()
