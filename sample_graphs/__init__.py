"""Small deterministic LangGraph graphs that populate checkpoint databases for lgtt."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sample_graphs import (
    async_graph,
    chat,
    delta,
    failing,
    fanout,
    hitl,
    pydantic_state,
    steps,
    subgraph,
)

SCENARIOS: dict[str, ModuleType] = {
    "chat": chat,
    "steps": steps,
    "hitl": hitl,
    "subgraph": subgraph,
    "fanout": fanout,
    "pydantic": pydantic_state,
    "failing": failing,
    "delta": delta,
}

ASYNC_SCENARIOS: dict[str, ModuleType] = {"async": async_graph}


def compile_with(module: ModuleType, checkpointer: Any) -> Any:
    """Compile `module.builder` with `checkpointer` plus the module's optional COMPILE_KWARGS."""
    kwargs = dict(getattr(module, "COMPILE_KWARGS", {}))
    return module.builder.compile(checkpointer=checkpointer, **kwargs)


__all__ = ["ASYNC_SCENARIOS", "SCENARIOS", "compile_with"]
