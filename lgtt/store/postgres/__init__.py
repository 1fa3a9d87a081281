"""PostgreSQL: the tables PostgresSaver writes. read.py reads (the store), write.py forks,
prune.py prunes and deletes, health.py backs stats and check, transfer.py exports and imports,
index.py manages the optional newest-first index, old.py reads pre-1.0 layouts."""

from __future__ import annotations

from typing import Any

from lgtt.store.postgres.read import PostgresStore

__all__ = ["PostgresStore", "open"]


def open(target: str, serde: Any = None, **_: Any) -> PostgresStore:  # noqa: A001 - the registry's entry point
    return PostgresStore(target, serde)
