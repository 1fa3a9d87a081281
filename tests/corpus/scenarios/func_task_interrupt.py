"""Follows test_pregel.py::test_interrupt_task_functional: `interrupt()` raised inside a `@task`."""

from langgraph.func import entrypoint, task
from langgraph.types import Command, interrupt

from ._util import cfg


def build(checkpointer):
    @task
    def foo(state: dict) -> dict:
        return {"a": state["a"] + "foo"}

    @task
    def bar(state: dict) -> dict:
        value = interrupt("Provide value for bar:")
        return {"a": state["a"] + value}

    @entrypoint(checkpointer=checkpointer)
    def graph(inputs: dict) -> dict:
        return bar(foo(inputs).result()).result()

    return graph


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"a": ""}, cfg(t1))
    app.invoke(Command(resume="bar"), cfg(t1))
    app.invoke({"a": "x"}, cfg(t2))
    return [t1, t2]
