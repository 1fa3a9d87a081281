"""Subgraph namespaces: timeline/show `next` with --graph, fork of checkpointer=True subgraphs,
and `fork --ns` (time travel inside a subgraph), against LangGraph's own API on both backends."""

from __future__ import annotations

import json

import pytest
import subgraph_apps as apps
from test_errors_and_safety import lgtt

import lgtt as api
from sample_graphs import compile_with, subgraph


def cfg(thread_id: str, ns: str = "", checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def namespaces(backend, thread_id: str) -> list[str]:
    with api.open(backend.url) as db:
        return sorted(db.store.namespaces(thread_id))


@pytest.mark.parametrize("via", ["db", "saver"])
def test_subgraph_timeline_next_with_graph_is_langgraphs(backend, via):
    steps = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(steps, "st-1")
    research = compile_with(subgraph, backend.saver)
    subgraph.scenario(research, "sg")
    for app, thread in ((steps, "st-1"), (research, "sg-1")):
        nss = namespaces(backend, thread)
        assert nss, "the scenario ran a subgraph"
        for ns in nss:
            hist = list(reversed(list(app.get_state_history(cfg(thread, ns)))))
            assert hist, ns
            expected = [list(s.next) for s in hist]
            assert any(expected), "the subgraph's checkpoints have nodes to run"
            for graph in (app, None):
                db = api.open(backend.url, graph=graph) if via == "db" else api.open(saver=backend.saver, graph=graph)
                with db:
                    tl = db.timeline(thread, ns)
                    assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
                    assert [e.next for e in tl.entries] == expected, (ns, graph is not None)
                    assert [db.show(thread, i, ns).next for i in range(len(hist))] == expected
                    assert db.show(thread, None, ns).next == list(app.get_state(cfg(thread, ns)).next)


def test_subgraph_timeline_next_cli(backend):
    app = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(app, "st-1")
    ns = next(n for n in namespaces(backend, "st-1") if "|" in n)  # the nested one
    proc = lgtt("--db", backend.url, "--graph", "tests/subgraph_apps.py:steps_graph", "timeline", "st-1", "--ns", ns, "--json")
    assert proc.returncode == 0, proc.stderr
    assert [e["next"] for e in json.loads(proc.stdout)] == [
        list(s.next) for s in reversed(list(app.get_state_history(cfg("st-1", ns))))]
