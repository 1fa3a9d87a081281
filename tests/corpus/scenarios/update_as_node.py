"""Follows test_pregel.py::test_fork_and_update_task_results / test_time_travel.py::test_copy_fork_*:
update_state as a node (routes to that node's successors), as `__copy__` (a sibling fork) and on the
head of a finished thread."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, checkpoint_at


class State(TypedDict):
    text: str
    log: Annotated[list[str], add]


def one(state: State):
    return {"text": state["text"] + "1", "log": ["one"]}


def two(state: State):
    return {"text": state["text"] + "2", "log": ["two"]}


def three(state: State):
    return {"text": state["text"] + "3", "log": ["three"]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(one)
    g.add_node(two)
    g.add_node(three)
    g.add_edge(START, "one")
    g.add_edge("one", "two")
    g.add_edge("two", "three")
    g.add_edge("three", END)
    return g.compile(checkpointer=checkpointer)


EDIT = ("text", "T")


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"text": "", "log": []}, cfg(t1))
    app.update_state(cfg(t1), {"text": "after", "log": ["manual"]})  # on the finished head
    app.invoke({"text": "", "log": []}, cfg(t2))
    app.update_state(cfg(t2, checkpoint_at(app, t2, 2)), {"text": "as-two"}, as_node="two")
    app.invoke(None, cfg(t2))
    app.invoke({"text": "", "log": []}, cfg(t3))
    app.update_state(cfg(t3, checkpoint_at(app, t3, 2)), None, as_node="__copy__")
    app.invoke(None, cfg(t3))
    return [t1, t2, t3]
