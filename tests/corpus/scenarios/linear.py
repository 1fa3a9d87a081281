"""Follows test_time_travel.py::test_replay_reruns_nodes_after_checkpoint / test_fork_reruns_with_modified_state:
a three-node chain, replayed from the middle and forked with update_state (branched history)."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, replay, update_at


class State(TypedDict):
    value: str
    trace: Annotated[list[str], add]


def a(state: State):
    return {"value": state["value"] + "a", "trace": ["a"]}


def b(state: State):
    return {"value": state["value"] + "b", "trace": ["b"]}


def c(state: State):
    return {"value": state["value"] + "c", "trace": ["c"]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(a)
    g.add_node(b)
    g.add_node(c)
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", END)
    return g.compile(checkpointer=checkpointer)


EDIT = ("value", "edited")


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"value": "", "trace": []}, cfg(t1))
    app.invoke({"value": "x", "trace": []}, cfg(t2))
    replay(app, t2, 2)  # re-runs b and c: a second branch
    app.invoke({"value": "y", "trace": []}, cfg(t3))
    update_at(app, t3, 2, {"value": "forked"})
    app.invoke(None, cfg(t3))
    return [t1, t2, t3]
