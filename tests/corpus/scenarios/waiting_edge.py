"""Follows test_pregel.py::test_in_one_fan_out_state_graph_waiting_edge: `add_edge(["a", "b"], "c")`
(a named barrier); one thread stops before the joined node, one is replayed."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, replay


class State(TypedDict):
    docs: Annotated[list[str], add]
    answer: str


def a(state: State):
    return {"docs": ["a"]}


def b(state: State):
    return {"docs": ["b"]}


def b2(state: State):
    return {"docs": ["b2"]}


def c(state: State):
    return {"answer": ",".join(state["docs"])}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(a)
    g.add_node(b)
    g.add_node(b2)
    g.add_node(c)
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    g.add_edge("b", "b2")
    g.add_edge(["a", "b2"], "c")
    g.add_edge("c", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"docs": [], "answer": ""}, cfg(t1))
    app.invoke({"docs": [], "answer": ""}, cfg(t2), interrupt_before=["c"])
    app.invoke({"docs": ["x"], "answer": ""}, cfg(t3))
    replay(app, t3, 2)
    return [t1, t2, t3]
