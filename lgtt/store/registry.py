"""The backends: one package each under lgtt/store/, named by the kind `parse_db` gives.

A package offers `open(target, serde)` (its read store) and, as submodules, what its store's
capability methods hand out (write, prune, health, transfer). A new backend is one folder and
one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

BACKENDS = {
    "sqlite": "lgtt.store.sqlite",
    "postgres": "lgtt.store.postgres",
    "redis": "lgtt.store.redis",
}


def backend_package(kind: str) -> ModuleType:
    """The package of backend `kind` (imported on first use: start-up pays only for what it uses)."""
    return importlib.import_module(BACKENDS[kind])


def backend_module(kind: str, part: str) -> ModuleType | None:
    """Submodule `part` (e.g. "transfer") of backend `kind`, or None where the backend has none."""
    try:
        return importlib.import_module(f"{BACKENDS[kind]}.{part}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{BACKENDS[kind]}.{part}":
            return None
        raise


def open_store(kind: str, target: str, serde: Any = None, **options: Any) -> Any:
    """The read store of a --db target of backend `kind`; `options` (e.g. cache=False) go to
    backends that know them."""
    return backend_package(kind).open(target, serde, **options)
