"""Follows test_pregel.py::test_entrypoint_stateful_update_state / entrypoint.final: `previous`
carries the last return value; update_state on the entrypoint; `entrypoint.final` saves a different
value than it returns."""

from typing import Any

from langgraph.func import entrypoint

from ._util import cfg


def build(checkpointer):
    @entrypoint(checkpointer=checkpointer)
    def counter(n: int, *, previous: Any = None) -> entrypoint.final[int, int]:
        total = (previous or 0) + n
        return entrypoint.final(value=n, save=total)

    return counter


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke(1, cfg(t1))
    app.invoke(2, cfg(t1))
    app.update_state(cfg(t1), 100)
    app.invoke(3, cfg(t1))
    app.invoke(5, cfg(t2))
    return [t1, t2]
