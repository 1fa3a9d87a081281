"""Follows test_time_travel.py::test_multiple_interrupts_in_one_node / test_pregel.py::test_interrupt_multiple:
one node calls interrupt() twice; answered one at a time."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    answers: list[str]


def ask(state: State):
    first = interrupt("first?")
    second = interrupt("second?")
    return {"answers": [first, second]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(ask)
    g.add_edge(START, "ask")
    g.add_edge("ask", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"answers": []}, cfg(t1))
    app.invoke(Command(resume="a"), cfg(t1))
    app.invoke(Command(resume="b"), cfg(t1))
    app.invoke({"answers": []}, cfg(t2))
    app.invoke(Command(resume="only-first"), cfg(t2))
    return [t1, t2]
