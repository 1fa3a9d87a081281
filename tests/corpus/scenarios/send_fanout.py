"""Follows test_pregel.py::test_send_sequences / test_concurrent_emit_sends: a conditional edge
fans out three Send packets to one worker node, then a reducer collects; replayed from the fan-out."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from typing_extensions import TypedDict

from ._util import cfg, replay


class State(TypedDict):
    items: list[int]
    results: Annotated[list[int], add]
    total: int


def plan(state: State):
    return {}


def fan(state: State):
    return [Send("worker", {"n": n}) for n in state["items"]]


def worker(arg: dict):
    return {"results": [arg["n"] * 10]}


def reduce_(state: State):
    return {"total": sum(state["results"])}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(plan)
    g.add_node("worker", worker)
    g.add_node("reduce", reduce_)
    g.add_edge(START, "plan")
    g.add_conditional_edges("plan", fan, ["worker"])
    g.add_edge("worker", "reduce")
    g.add_edge("reduce", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"items": [1, 2, 3], "results": [], "total": 0}, cfg(t1))
    app.invoke({"items": [4, 5], "results": [], "total": 0}, cfg(t2))
    replay(app, t2, 1)
    return [t1, t2]
