"""Follows test_pregel.py::test_interrupt_functional: a task runs, then `interrupt()` in the
entrypoint; answered on one thread, left waiting on another."""

from langgraph.func import entrypoint, task
from langgraph.types import Command, interrupt

from ._util import cfg


def build(checkpointer):
    @task
    def foo(state: dict) -> dict:
        return {"a": state["a"] + "foo"}

    @task
    def bar(state: dict) -> dict:
        return {"a": state["a"] + "bar", "b": state["b"]}

    @entrypoint(checkpointer=checkpointer)
    def graph(inputs: dict) -> dict:
        fut_foo = foo(inputs)
        value = interrupt("Provide value for bar:")
        return bar({**fut_foo.result(), "b": value}).result()

    return graph


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"a": ""}, cfg(t1))
    app.invoke(Command(resume="bar"), cfg(t1))
    app.invoke({"a": "x"}, cfg(t2))
    return [t1, t2]
