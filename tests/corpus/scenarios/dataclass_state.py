"""Follows test_state.py dataclass-schema tests: a dataclass state with a reducer field and an
input schema narrower than the state."""

from dataclasses import dataclass, field
from operator import add
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg


@dataclass
class DState:
    topic: str = ""
    notes: Annotated[list[str], add] = field(default_factory=list)


class Input(TypedDict):
    topic: str


def research(state: DState):
    return {"notes": [f"about {state.topic}"]}


def summarize(state: DState):
    return {"notes": [f"{len(state.notes)} note(s)"]}


def build(checkpointer):
    g = StateGraph(DState, input_schema=Input)
    g.add_node(research)
    g.add_node(summarize)
    g.add_edge(START, "research")
    g.add_edge("research", "summarize")
    g.add_edge("summarize", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"topic": "cats"}, cfg(t1))
    app.invoke({"topic": "dogs"}, cfg(t2))
    app.invoke({"topic": "more dogs"}, cfg(t2))
    return [t1, t2]
