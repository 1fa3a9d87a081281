"""Follows test_pregel.py::test_cached_node / CachePolicy tests: a node with a CachePolicy and an
InMemoryCache; the second run with the same input is served from the cache (no new writes from it)."""

from langgraph.cache.memory import InMemoryCache
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy
from typing_extensions import TypedDict

from ._util import cfg


class State(TypedDict):
    q: str
    a: str


def slow(state: State):
    return {"a": state["q"].upper()}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node("slow", slow, cache_policy=CachePolicy())
    g.add_edge(START, "slow")
    g.add_edge("slow", END)
    return g.compile(checkpointer=checkpointer, cache=InMemoryCache())


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"q": "x", "a": ""}, cfg(t1))
    app.invoke({"q": "x", "a": ""}, cfg(t1))
    app.invoke({"q": "x", "a": ""}, cfg(t2))
    return [t1, t2]
