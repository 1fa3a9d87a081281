"""Follows test_time_travel.py::test_replay_from_before_interrupt_refires / _then_resume: an
`interrupt()` inside a node, answered on one thread, left waiting on another, replayed on a third."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg, replay


class State(TypedDict):
    draft: str
    approved: str


def write(state: State):
    return {"draft": state["draft"] + " drafted"}


def review(state: State):
    answer = interrupt({"question": "approve?", "draft": state["draft"]})
    return {"approved": answer}


def publish(state: State):
    return {"draft": state["draft"] + " published"}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(write)
    g.add_node(review)
    g.add_node(publish)
    g.add_edge(START, "write")
    g.add_edge("write", "review")
    g.add_edge("review", "publish")
    g.add_edge("publish", END)
    return g.compile(checkpointer=checkpointer)


EDIT = ("draft", "rewritten")


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"draft": "one", "approved": ""}, cfg(t1))
    app.invoke(Command(resume="yes"), cfg(t1))
    app.invoke({"draft": "two", "approved": ""}, cfg(t2))
    app.invoke({"draft": "three", "approved": ""}, cfg(t3))
    app.invoke(Command(resume="no"), cfg(t3))
    replay(app, t3, 1)  # the interrupt fires again on the new branch
    return [t1, t2, t3]
