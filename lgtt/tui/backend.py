"""The app's one door to lgtt.api: reads through one Debugger under a lock (workers run in
threads), every write action through a Debugger of its own, closed afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Backend:
    def __init__(self, open_db: Callable[[], Any]) -> None:
        self._open = open_db
        self._lock = threading.Lock()
        self.db = open_db()
        self.has_graph = self.db.graph is not None

    def read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """`getattr(debugger, method)(*args, **kwargs)`, one call at a time."""
        with self._lock:
            out = getattr(self.db, method)(*args, **kwargs)
            return list(out) if hasattr(out, "__next__") else out  # a generator reads under the lock too

    @contextmanager
    def writer(self) -> Iterator[Any]:
        """A Debugger for one write action (fork, resume, replay)."""
        db = self._open()
        try:
            yield db
        finally:
            db.close()

    def close(self) -> None:
        with self._lock:
            self.db.close()
