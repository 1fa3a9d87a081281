"""SQLite: the tables SqliteSaver writes. read.py reads (the store), write.py forks, prune.py
prunes and deletes, health.py backs stats and check, transfer.py exports and imports."""

from __future__ import annotations

from typing import Any

from lgtt.store.sqlite.read import SqliteStore

__all__ = ["SqliteStore", "open"]


def open(target: str, serde: Any = None, *, cache: bool = True, **_: Any) -> SqliteStore:  # noqa: A001 - the registry's entry point
    return SqliteStore(target, serde, cache=cache)
