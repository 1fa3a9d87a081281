"""Scenario registry: every module here (not starting with `_`) is one scenario.

A scenario module has a docstring naming the LangGraph test it follows and defines
`build(checkpointer) -> compiled graph` and `run(app, prefix) -> list[str]` (the thread ids it
wrote, each starting with `prefix`). Optional: `EDIT = (key, value)` a value `update_state`
accepts, used by the fork-with-edit check. A new LangGraph feature is one more file here.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def _load() -> dict[str, ModuleType]:
    out = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            out[info.name] = importlib.import_module(f"{__name__}.{info.name}")
    return out


SCENARIOS: dict[str, ModuleType] = _load()
