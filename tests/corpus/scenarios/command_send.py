"""Follows test_pregel.py::test_send_dedupe_on_resume / Command(goto=[Send(...)]): a node returns
Command(goto=[Send, Send]) and the workers write through a reducer."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    out: Annotated[list[str], add]


def dispatch(state: State):
    return Command(goto=[Send("work", {"x": "p"}), Send("work", {"x": "q"})])


def work(arg: dict):
    return {"out": [arg["x"] * 2]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node("dispatch", dispatch, destinations=("work",))
    g.add_node("work", work)
    g.add_edge(START, "dispatch")
    g.add_edge("work", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke({"out": []}, cfg(t1))
    app.invoke({"out": ["again"]}, cfg(t1))  # a second run on the same thread
    return [t1]
