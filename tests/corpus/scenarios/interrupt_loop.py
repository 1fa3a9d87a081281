"""Follows test_pregel.py::test_interrupt_loop: a node asks until it gets a valid answer (the
interrupt fires again inside the same node), plus test_time_travel.py::test_multiple_forks_from_same_checkpoint."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg, update_at


class State(TypedDict):
    age: int


def ask_age(state: State):
    question = "How old are you?"
    while True:
        answer = interrupt(question)
        if isinstance(answer, int) and answer > 0:
            return {"age": answer}
        question = f"'{answer}' is not a valid age. How old are you?"


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(ask_age)
    g.add_edge(START, "ask_age")
    g.add_edge("ask_age", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"age": 0}, cfg(t1))
    app.invoke(Command(resume="foo"), cfg(t1))
    app.invoke(Command(resume=-1), cfg(t1))
    app.invoke(Command(resume=30), cfg(t1))
    app.invoke({"age": 0}, cfg(t2))
    update_at(app, t2, 1, {"age": 1})
    update_at(app, t2, 1, {"age": 2})  # two forks of the same checkpoint
    return [t1, t2]
