"""Follows test_interruption.py / test_pregel.py::test_command_with_static_breakpoints:
compile(interrupt_before=…, interrupt_after=…); resumed with invoke(None) and after an update_state."""

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    x: int


def inc(state: State):
    return {"x": state["x"] + 1}


def dbl(state: State):
    return {"x": state["x"] * 2}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(inc)
    g.add_node(dbl)
    g.add_edge(START, "inc")
    g.add_edge("inc", "dbl")
    g.add_edge("dbl", END)
    return g.compile(checkpointer=checkpointer, interrupt_before=["dbl"], interrupt_after=["inc"])


EDIT = ("x", 100)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"x": 1}, cfg(t1))
    app.invoke(None, cfg(t1))
    app.invoke({"x": 5}, cfg(t2))
    app.update_state(cfg(t2), {"x": 50})
    app.invoke(None, cfg(t2))
    app.invoke({"x": 7}, cfg(t3))
    return [t1, t2, t3]
