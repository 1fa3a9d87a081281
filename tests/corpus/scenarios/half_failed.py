"""Follows test_pregel.py::test_pending_writes_resume: two parallel nodes, one raises; the head keeps
the sibling's successful writes (the live view applies them); a later run with the fault fixed retries
only the failed task."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg

FAULTY = {"on": True}


class State(TypedDict):
    out: Annotated[list[str], add]


def ok(state: State):
    return {"out": ["ok"]}


def boom(state: State):
    if FAULTY["on"]:
        raise ValueError("boom failed")
    return {"out": ["boom"]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(ok)
    g.add_node(boom)
    g.add_edge(START, "ok")
    g.add_edge(START, "boom")
    g.add_edge("ok", END)
    g.add_edge("boom", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    for t in (t1, t2):
        try:
            app.invoke({"out": []}, cfg(t))
        except ValueError:
            pass
    FAULTY["on"] = False
    try:
        app.invoke(None, cfg(t2))
    finally:
        FAULTY["on"] = True
    return [t1, t2]
