"""Follows test_retry.py / test_pregel.py::test_debug_retry: a node with a RetryPolicy fails twice
then succeeds (attempts are not checkpoints; its value does not depend on the count, so replays agree); another node never succeeds and exhausts its retries."""

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy
from typing_extensions import TypedDict

from ._util import cfg

CALLS: dict[str, int] = {}


class State(TypedDict):
    key: str
    value: int


def flaky(state: State):
    n = CALLS[state["key"]] = CALLS.get(state["key"], 0) + 1
    if state["key"] == "never" or n % 3:
        raise ConnectionError(f"attempt {n}")
    return {"value": 1}


def build(checkpointer):
    g = StateGraph(State)
    g.add_node("flaky", flaky, retry_policy=RetryPolicy(max_attempts=3, initial_interval=0, jitter=False,
                                                        retry_on=ConnectionError))
    g.add_edge(START, "flaky")
    g.add_edge("flaky", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    CALLS.clear()
    app.invoke({"key": "flaky", "value": 0}, cfg(t1))
    try:
        app.invoke({"key": "never", "value": 0}, cfg(t2))
    except ConnectionError:
        pass
    return [t1, t2]
