"""Follows test_pregel.py::test_interrupt_subgraph / test_time_travel.py::test_subgraph_interrupt_full_flow:
an interrupt() inside a subgraph node; the parent's checkpoint carries it too."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    text: str


def ask(state: State):
    return {"text": state["text"] + "|" + interrupt("sub question")}


def build(checkpointer):
    sub = StateGraph(State)
    sub.add_node(ask)
    sub.add_edge(START, "ask")
    sub.add_edge("ask", END)
    g = StateGraph(State)
    g.add_node("inner", sub.compile())
    g.add_edge(START, "inner")
    g.add_edge("inner", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"text": "a"}, cfg(t1))
    app.invoke(Command(resume="answered"), cfg(t1))
    app.invoke({"text": "b"}, cfg(t2))
    return [t1, t2]
