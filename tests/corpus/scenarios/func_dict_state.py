"""Follows test_pregel.py::test_entrypoint_stateful: an entrypoint returning a dict that keeps
growing through `previous`; parallel tasks mapped over a list."""

from typing import Any

from langgraph.func import entrypoint, task

from ._util import cfg


def build(checkpointer):
    @task
    def square(x: int) -> int:
        return x * x

    @entrypoint(checkpointer=checkpointer)
    def agg(items: list, *, previous: Any = None) -> dict:
        futs = [square(i) for i in items]
        seen = list((previous or {}).get("seen", []))
        return {"seen": seen + [f.result() for f in futs], "runs": (previous or {}).get("runs", 0) + 1}

    return agg


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke([1, 2, 3], cfg(t1))
    app.invoke([4], cfg(t1))
    return [t1]
