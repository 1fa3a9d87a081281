"""A loop appending to a DeltaChannel list (snapshot every 3 updates), so snapshots and deltas coexist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from langgraph.channels.delta import DeltaChannel
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

ROUNDS = 8


def extend_all(state: list, writes: Sequence[list]) -> list:
    """Batching-invariant reducer: concatenate every write onto the state."""
    out = list(state)
    for w in writes:
        out.extend(w)
    return out


class LogState(TypedDict, total=False):
    events: Annotated[list, DeltaChannel(extend_all, snapshot_frequency=3)]
    count: int


def tick(state: LogState) -> dict[str, Any]:
    n = state.get("count", 0) + 1
    return {"events": [f"event-{n}"], "count": n}


def route(state: LogState) -> str:
    return "tick" if state.get("count", 0) < ROUNDS else END


builder = StateGraph(LogState)
builder.add_node("tick", tick)
builder.add_edge(START, "tick")
builder.add_conditional_edges("tick", route, ["tick", END])

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """One run of ROUNDS ticks."""
    tid = f"{thread_prefix}-1"
    app.invoke({"events": ["start"], "count": 0}, {"configurable": {"thread_id": tid}})
    return [tid]
