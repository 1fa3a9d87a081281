"""Follows test_pregel.py::test_parallel_interrupts / test_multi_resume: two parallel nodes interrupt;
one thread answers only one of them (`Command(resume={id: value})`), one answers both, one none."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    inputs: Annotated[list[str], add]


def ask_a(state: State):
    return {"inputs": ["a:" + interrupt("a?")]}


def ask_b(state: State):
    return {"inputs": ["b:" + interrupt("b?")]}


def after(state: State):
    return {"inputs": ["after"]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(ask_a)
    g.add_node(ask_b)
    g.add_node(after)
    g.add_edge(START, "ask_a")
    g.add_edge(START, "ask_b")
    g.add_edge(["ask_a", "ask_b"], "after")
    g.add_edge("after", END)
    return g.compile(checkpointer=checkpointer)


def _interrupts(app, thread_id):
    return sorted(app.get_state(cfg(thread_id)).interrupts, key=lambda i: i.value)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"inputs": []}, cfg(t1))
    first = _interrupts(app, t1)[0]  # "a?"
    app.invoke(Command(resume={first.id: "x"}), cfg(t1))  # b? still waits
    app.invoke({"inputs": []}, cfg(t2))
    app.invoke(Command(resume={i.id: "v" + i.value for i in _interrupts(app, t2)}), cfg(t2))
    app.invoke({"inputs": []}, cfg(t3))
    return [t1, t2, t3]
