"""Map-reduce with Send: `split` fans out to 3 `worker` tasks, `reduce` joins their results."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from typing_extensions import TypedDict


class MapState(TypedDict, total=False):
    items: list[str]
    results: Annotated[list, operator.add]
    summary: str


class WorkerInput(TypedDict):
    item: str
    index: int


def split(state: MapState) -> dict[str, Any]:
    return {"items": [s.strip() for s in state["items"]]}


def fan_out(state: MapState) -> list[Send]:
    return [Send("worker", {"item": it, "index": i}) for i, it in enumerate(state["items"])]


def worker(payload: WorkerInput) -> dict[str, Any]:
    return {"results": [{"index": payload["index"], "upper": payload["item"].upper()}]}


def reduce(state: MapState) -> dict[str, Any]:
    ordered = sorted(state["results"], key=lambda r: r["index"])
    return {"summary": ",".join(r["upper"] for r in ordered)}


builder = StateGraph(MapState)
builder.add_node("split", split)
builder.add_node("worker", worker)
builder.add_node("reduce", reduce)
builder.add_edge(START, "split")
builder.add_conditional_edges("split", fan_out, ["worker"])
builder.add_edge("worker", "reduce")
builder.add_edge("reduce", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """One run fanning out to 3 workers."""
    tid = f"{thread_prefix}-1"
    app.invoke({"items": ["alpha", "beta", "gamma"]}, {"configurable": {"thread_id": tid}})
    return [tid]
