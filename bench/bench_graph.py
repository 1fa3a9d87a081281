"""The graph the benchmarks write and read: one node that loops, appending to a growing list.

Each superstep appends one short string to `items` (a reducer list, so the state grows every
step) and bumps `count`; the node loops back to itself until `count` reaches `target`.
A run with `target=T` leaves T + 2 root checkpoints (input, start, and one per node run).

lgtt loads it with `--graph bench/bench_graph.py:graph`.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class BenchState(TypedDict, total=False):
    items: Annotated[list[str], operator.add]
    count: int
    target: int


def step(state: BenchState) -> dict[str, Any]:
    n = state.get("count", 0)
    return {"items": [f"i{n}"], "count": n + 1}


def route(state: BenchState) -> str:
    return "step" if state.get("count", 0) < state.get("target", 0) else END


builder = StateGraph(BenchState)
builder.add_node("step", step)
builder.add_edge(START, "step")
builder.add_conditional_edges("step", route, ["step", END])

graph = builder.compile()


def checkpoints_for(target: int) -> int:
    """Root checkpoints one run with `target` writes."""
    return target + 2
