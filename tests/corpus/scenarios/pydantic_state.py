"""Follows test_pydantic.py: a Pydantic model as the state schema, with a nested model and a
default; updated through update_state."""

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel

from ._util import cfg


class Inner(BaseModel):
    score: int = 0
    tags: list[str] = []


class PState(BaseModel):
    name: str
    inner: Inner = Inner()


def grade(state: PState):
    return {"inner": Inner(score=len(state.name), tags=["graded"])}


def build(checkpointer):
    g = StateGraph(PState)
    g.add_node(grade)
    g.add_edge(START, "grade")
    g.add_edge("grade", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke({"name": "alice"}, cfg(t1))
    app.update_state(cfg(t1), {"name": "bob"})
    return [t1]
