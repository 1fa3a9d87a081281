"""Follows test_time_travel.py::test_stateful_subgraph_loads_state_across_ticks: a subgraph compiled
with checkpointer=True keeps its state under a stable namespace across runs (reads only here)."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg


class SubState(TypedDict):
    seen: Annotated[list[str], add]


class State(TypedDict):
    msg: str


def remember(state: SubState):
    return {"seen": ["tick"]}


def build(checkpointer):
    sub = StateGraph(SubState)
    sub.add_node(remember)
    sub.add_edge(START, "remember")
    sub.add_edge("remember", END)
    inner = sub.compile(checkpointer=True)

    def call(state: State):
        out = inner.invoke({"seen": []})
        return {"msg": f"{state['msg']}:{len(out['seen'])}"}

    g = StateGraph(State)
    g.add_node("call", call)
    g.add_edge(START, "call")
    g.add_edge("call", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke({"msg": "one"}, cfg(t1))
    app.invoke({"msg": "two"}, cfg(t1))
    return [t1]
