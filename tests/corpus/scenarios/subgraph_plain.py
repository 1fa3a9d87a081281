"""Follows test_time_travel.py::test_subgraph_replay_from_before / test_stateless_subgraph_starts_fresh:
a compiled subgraph as a node (namespace `node:<task id>`), the parent replayed from before it."""

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, replay


class State(TypedDict):
    text: str


def sub_a(state: State):
    return {"text": state["text"] + "|sa"}


def sub_b(state: State):
    return {"text": state["text"] + "|sb"}


def before(state: State):
    return {"text": state["text"] + "|before"}


def after(state: State):
    return {"text": state["text"] + "|after"}


def build(checkpointer):
    sub = StateGraph(State)
    sub.add_node(sub_a)
    sub.add_node(sub_b)
    sub.add_edge(START, "sub_a")
    sub.add_edge("sub_a", "sub_b")
    sub.add_edge("sub_b", END)
    g = StateGraph(State)
    g.add_node(before)
    g.add_node("inner", sub.compile())
    g.add_node(after)
    g.add_edge(START, "before")
    g.add_edge("before", "inner")
    g.add_edge("inner", "after")
    g.add_edge("after", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"text": "go"}, cfg(t1))
    app.invoke({"text": "re"}, cfg(t2))
    replay(app, t2, 1)
    return [t1, t2]
