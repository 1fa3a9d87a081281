"""Follows test_pregel.py::test_command_with_static_breakpoints / the `Command(resume=…, update=…)`
pattern: the update is stored as a write of the null task (id 00000000-…), applied by LangGraph to
the snapshot it reports for that checkpoint."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    topic: str
    note: str
    answer: str


def prep(state: State):
    return {"note": "prepared"}


def ask(state: State):
    return {"answer": interrupt(f"about {state['topic']}?")}


def done(state: State):
    return {"note": state["note"] + "+" + state["answer"]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(prep)
    g.add_node(ask)
    g.add_node(done)
    g.add_edge(START, "prep")
    g.add_edge("prep", "ask")
    g.add_edge("ask", "done")
    g.add_edge("done", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"topic": "x", "note": "", "answer": ""}, cfg(t1))
    app.invoke(Command(resume="ok", update={"topic": "changed"}), cfg(t1))
    app.invoke({"topic": "y", "note": "", "answer": ""}, cfg(t2), interrupt_before=["ask"])
    app.invoke(Command(update={"topic": "y2"}), cfg(t2))  # an update with no resume: null-task writes
    app.invoke(Command(resume="fine"), cfg(t2))
    app.invoke({"topic": "z", "note": "", "answer": ""}, cfg(t3))
    return [t1, t2, t3]
