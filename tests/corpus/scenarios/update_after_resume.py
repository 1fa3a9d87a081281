"""Issue 8 class 7, after test_pregel.py::test_fork_and_update_task_results: a task is resumed and
finishes while its sibling still waits; then update_state makes a new checkpoint."""

from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    log: Annotated[list[str], add]
    flag: str


def first(state: State):
    return {"log": ["first:" + interrupt("first?")]}


def second(state: State):
    return {"log": ["second:" + interrupt("second?")]}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(first)
    g.add_node(second)
    g.add_edge(START, "first")
    g.add_edge(START, "second")
    g.add_edge("first", END)
    g.add_edge("second", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    for t in (t1, t2):
        app.invoke({"log": [], "flag": ""}, cfg(t))
        intr = next(i for i in app.get_state(cfg(t)).interrupts if i.value == "first?")
        app.invoke(Command(resume={intr.id: "done"}), cfg(t))
    app.update_state(cfg(t1), {"flag": "set"})
    return [t1, t2]
