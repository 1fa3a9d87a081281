"""Follows test_pregel.py::test_multiple_interrupts_functional: three interrupts in a loop inside
the entrypoint, answered one per invoke."""

from langgraph.func import entrypoint, task
from langgraph.types import Command, interrupt

from ._util import cfg


def build(checkpointer):
    @task
    def double(x: int) -> int:
        return 2 * x

    @entrypoint(checkpointer=checkpointer)
    def graph(state: dict) -> list:
        values = []
        for idx in [1, 2, 3]:
            values.extend([double(idx).result(), interrupt({"a": "boo"})])
        return {"values": values}

    return graph


def run(app, prefix):
    t1 = f"{prefix}-1"
    app.invoke({}, cfg(t1))
    app.invoke(Command(resume="h1"), cfg(t1))
    app.invoke(Command(resume="h2"), cfg(t1))
    app.invoke(Command(resume="h3"), cfg(t1))
    return [t1]
