"""Parallel step where `ok` succeeds and sibling `boom` raises (unless fixed), leaving a failed thread."""

from __future__ import annotations

import operator
import os
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

FIXED = False  # flip (or set LGTT_SAMPLE_FIX=1) to make `boom` succeed on resume


class BoomError(RuntimeError):
    """Raised by the `boom` node."""


def is_fixed() -> bool:
    return FIXED or os.environ.get("LGTT_SAMPLE_FIX") == "1"


class FailState(TypedDict, total=False):
    request: str
    log: Annotated[list[str], operator.add]
    outcome: str


def prepare(state: FailState) -> dict[str, Any]:
    return {"log": [f"prepared {state['request']}"]}


def ok(state: FailState) -> dict[str, Any]:
    return {"log": ["ok done"]}


def boom(state: FailState) -> dict[str, Any]:
    if not is_fixed():
        raise BoomError(f"boom failed on {state['request']!r}")
    return {"log": ["boom done"]}


def finish(state: FailState) -> dict[str, Any]:
    return {"outcome": f"{len(state['log'])} log entries"}


builder = StateGraph(FailState)
builder.add_node("prepare", prepare)
builder.add_node("ok", ok)
builder.add_node("boom", boom)
builder.add_node("finish", finish)
builder.add_edge(START, "prepare")
builder.add_edge("prepare", "ok")
builder.add_edge("prepare", "boom")
builder.add_edge(["ok", "boom"], "finish")
builder.add_edge("finish", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """Run until `boom` raises; the exception is swallowed so the thread stays failed."""
    tid = f"{thread_prefix}-1"
    try:
        app.invoke({"request": "order-42", "log": []}, {"configurable": {"thread_id": tid}})
    except BoomError:
        pass
    return [tid]
