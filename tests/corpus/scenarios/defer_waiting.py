"""Follows test_pregel.py::test_in_one_fan_out_state_graph_defer_node with use_waiting_edge=True."""

from . import defer_node
from ._util import cfg, replay


def build(checkpointer):
    defer_node.WAITING = True
    try:
        return defer_node.build(checkpointer)
    finally:
        defer_node.WAITING = False


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"query": "sf"}, cfg(t1))
    app.invoke({"query": "la"}, cfg(t2))
    replay(app, t2, 1)
    return [t1, t2]
