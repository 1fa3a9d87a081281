"""Follows the durability-mode tests (test_pregel.py durability="exit" / "async"): one checkpoint
per run with "exit"; every step with "async"; an interrupt under "exit"."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    n: int
    answer: str


def inc(state: State):
    return {"n": state["n"] + 1}


def ask(state: State):
    return {"answer": interrupt("go on?") if state["n"] > 10 else "skip"}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(inc)
    g.add_node("inc2", inc)
    g.add_node(ask)
    g.add_edge(START, "inc")
    g.add_edge("inc", "inc2")
    g.add_edge("inc2", "ask")
    g.add_edge("ask", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"n": 0, "answer": ""}, cfg(t1), durability="exit")
    app.invoke({"n": 1, "answer": ""}, cfg(t1), durability="exit")
    app.invoke({"n": 0, "answer": ""}, cfg(t2), durability="async")
    app.invoke({"n": 20, "answer": ""}, cfg(t3), durability="exit")
    app.invoke(Command(resume="yes"), cfg(t3), durability="exit")
    return [t1, t2, t3]
