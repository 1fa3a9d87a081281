"""The wrong graph never writes: every sample graph against every demo thread. The thread's own
graph is accepted silently; any other warns on reads, is a `graph_mismatch` in check, and is
refused by fork edits, resume and replay with one line naming what does not match (nothing
written) unless --force."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO_THREADS, scenario_module
from test_errors_and_safety import assert_one_line_error, lgtt
from test_health import WRITES, sql

import lgtt as lgtt_api
from lgtt.errors import LgttError
from lgtt.ops.fork import state_keys
from sample_graphs import ASYNC_SCENARIOS, SCENARIOS

GRAPHS = {**SCENARIOS, **ASYNC_SCENARIOS}


def _rows(b) -> tuple:
    """Every row count the savers write (checkpoints, writes and Postgres blobs)."""
    counts = [sql(b, "SELECT count(*) FROM checkpoints")[0][0], sql(b, f"SELECT count(*) FROM {WRITES[b.kind]}")[0][0]]
    if b.kind == "postgres":
        counts.append(sql(b, "SELECT count(*) FROM checkpoint_blobs")[0][0])
    return tuple(counts)


@pytest.mark.parametrize("graph_name", sorted(GRAPHS))
def test_matrix_every_graph_against_every_thread(demo, graph_name):
    module = GRAPHS[graph_name]
    before = _rows(demo)
    with lgtt_api.open(demo.url, graph=module.graph) as db:
        for tid in DEMO_THREADS:
            own = scenario_module(tid) is module
            mismatch = db.graph_mismatch(tid)
            assert bool(mismatch) is not own, (graph_name, tid, mismatch and mismatch.what())
            db.warnings.clear()
            db.timeline(tid)
            db.show(tid)
            if own:
                assert db.warnings == [], (graph_name, tid)
                continue
            assert db.warnings and all(tid in w and "does not match" in w for w in db.warnings)
            # the keys / nodes named are the thread's, and really not the graph's
            recorded = {k for e in db.timeline(tid).entries for k in e.changed}
            assert set(mismatch.keys) <= recorded and not set(mismatch.keys) & set(module.graph.channels)
            assert not set(mismatch.nodes) & set(module.graph.nodes)
            key = sorted(state_keys(module.graph))[0]
            for write, kwargs in ((db.fork, {"ref": -1, "updates": {key: None}}), (db.resume, {}),
                                  (db.resume, {"from_ref": "0"}), (db.resume, {"input": {key: None}})):
                with pytest.raises(LgttError) as exc:
                    write(tid, **kwargs)
                assert "does not match" in exc.value.message and "force=" in exc.value.hint
                assert mismatch.what() in exc.value.message
        report = db.check()
        flagged = {p.thread_id for p in report.problems if p.kind == "graph_mismatch"}
        assert flagged == {t for t in DEMO_THREADS if scenario_module(t) is not module}
    assert _rows(demo) == before


def test_cli_wrong_graph_warns_refuses_and_force_writes(backend, tmp_path):
    from sample_graphs import chat, steps

    steps.scenario(backend.app(steps), "steps")
    chat.scenario(backend.app(chat), "chat")
    wrong = ("--db", backend.url, "--graph", "sample_graphs/chat.py:graph")
    right = ("--db", backend.url, "--graph", "sample_graphs/steps.py:graph")
    proc = lgtt(*right, "show", "steps-1", "--json")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    proc = lgtt(*wrong, "show", "steps-1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "does not match thread 'steps-1'" in proc.stderr and "'current_step'" in proc.stderr
    proc = lgtt(*wrong, "check", "steps-1", "--json")
    assert proc.returncode == 1
    assert [p["kind"] for p in json.loads(proc.stdout)["problems"]] == ["graph_mismatch"]
    before = _rows(backend)
    for args in (("fork", "steps-1", "-1", "--set", "messages=[]"),
                 ("resume", "steps-1", "--input", '{"messages": []}'),
                 ("resume", "steps-1", "--from", "1")):
        assert_one_line_error(lgtt(*wrong, *args), "does not match thread 'steps-1'", "'step_processor'", "--force")
    # a default graph (LGTT_GRAPH) meant for another database is caught the same way
    assert_one_line_error(lgtt("--db", backend.url, "resume", "steps-1", "--from", "1",
                               env={"LGTT_GRAPH": "sample_graphs/chat.py:graph"}), "does not match")
    assert _rows(backend) == before
    proc = lgtt(*wrong, "fork", "steps-1", "-1", "--set", "messages=[]", "--to", "forced", "--force", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["thread_id"] == "forced"
    assert _rows(backend) != before
