"""Follows test_pregel.py::test_imp_task / test_functional tests: an `@entrypoint` calling two
`@task`s, returning a non-dict value; several invocations on one thread."""

from langgraph.func import entrypoint, task

from ._util import cfg


def build(checkpointer):
    @task
    def double(x: int) -> int:
        return x * 2

    @task
    def add_one(x: int) -> int:
        return x + 1

    @entrypoint(checkpointer=checkpointer)
    def pipeline(n: int) -> int:
        return add_one(double(n).result()).result()

    return pipeline


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke(3, cfg(t1))
    app.invoke(4, cfg(t1))
    app.invoke(10, cfg(t2))
    return [t1, t2]
