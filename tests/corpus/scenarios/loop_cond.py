"""Follows test_pregel.py::test_conditional_graph / test_interrupt_loop (without interrupts):
a node loops through a conditional edge until a counter reaches 3; one thread stops before a node."""

from typing import Literal

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, update_at


class State(TypedDict):
    count: int
    done: bool


def step(state: State):
    return {"count": state["count"] + 1}


def finish(state: State):
    return {"done": True}


def route(state: State) -> Literal["step", "finish"]:
    return "step" if state["count"] < 3 else "finish"


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(step)
    g.add_node(finish)
    g.add_edge(START, "step")
    g.add_conditional_edges("step", route)
    g.add_edge("finish", END)
    return g.compile(checkpointer=checkpointer)


EDIT = ("count", 0)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"count": 0, "done": False}, cfg(t1))
    app.invoke({"count": 1, "done": False}, cfg(t2), interrupt_before=["finish"])
    update_at(app, t2, 1, {"count": 2}, as_node="step")
    app.invoke(None, cfg(t2))
    return [t1, t2]
