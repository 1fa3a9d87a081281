"""Follows test_pregel.py::test_overwrite_parallel: `Overwrite` bypasses a reducer; a node writes the
same value again (a write with no change)."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Overwrite
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    items: Annotated[list[int], add]
    label: str


def grow(state: State):
    return {"items": [len(state["items"])], "label": "grown"}


def reset(state: State):
    return {"items": Overwrite([0]), "label": "grown"}  # label written again, unchanged


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(grow)
    g.add_node(reset)
    g.add_edge(START, "grow")
    g.add_edge("grow", "reset")
    g.add_edge("reset", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke({"items": [5, 6], "label": ""}, cfg(t1))
    app.update_state(cfg(t1), {"label": "grown"})  # same value through update_state
    return [t1]
