"""Follows test_pregel.py::test_command_goto_with_static_breakpoints / test_parent_command_goto:
nodes route with `Command(goto=…, update=…)` instead of edges."""

from typing import Literal

from langgraph.graph import START, StateGraph
from langgraph.types import Command
from typing_extensions import TypedDict

from ._util import cfg, replay


class State(TypedDict):
    path: str
    n: int


def router(state: State) -> Command[Literal["left", "right"]]:
    return Command(goto="left" if state["n"] % 2 else "right", update={"path": state["path"] + "r"})


def left(state: State):
    return {"path": state["path"] + "L"}


def right(state: State) -> Command[Literal["left"]]:
    return Command(goto="left", update={"path": state["path"] + "R", "n": state["n"] + 1})


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(router)
    g.add_node(left)
    g.add_node(right)
    g.add_edge(START, "router")
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"path": "", "n": 1}, cfg(t1))
    app.invoke({"path": "", "n": 2}, cfg(t2))
    replay(app, t2, 2)
    return [t1, t2]
