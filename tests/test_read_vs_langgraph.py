"""lgtt's threads / timeline / show against LangGraph's own answers on the same database."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import DEMO_THREADS, readable, require_readable, scenario_module

import lgtt
from lgtt.jsonform import to_jsonable


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def history(demo, thread_id):
    require_readable(demo, thread_id)
    app = demo.app(scenario_module(thread_id))
    hist = list(reversed(list(app.get_state_history(cfg(thread_id)))))
    if demo.kind == "redis":  # RedisSaver.list() yields subgraph checkpoints too, drops pending Sends and
        # leaves messages as dicts; get_state at each id reads the checkpoint right
        hist = [app.get_state(s.config) for s in hist if not s.config["configurable"].get("checkpoint_ns")]
    return app, hist


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
@pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
def test_timeline_matches_get_state_history(demo, thread_id, with_graph):
    _, hist = history(demo, thread_id)
    graph = scenario_module(thread_id).graph if with_graph else None
    with lgtt.open(demo.url, graph=graph) as db:
        tl = db.timeline(thread_id)
    assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
    for e, snap in zip(tl.entries, hist, strict=True):
        parent = snap.parent_config["configurable"]["checkpoint_id"] if snap.parent_config else None
        assert e.parent_id == parent
        assert e.step == snap.metadata["step"]
        assert e.source == snap.metadata["source"]
        assert e.created_at == snap.created_at
        if with_graph:
            assert e.next == list(snap.next), e.index
        else:  # without the graph, node order is sorted; names and duplicates are LangGraph's
            assert Counter(e.next) == Counter(snap.next), e.index
        assert e.interrupts == sum(len(t.interrupts) for t in snap.tasks)
        assert e.errors == sum(1 for t in snap.tasks if t.error)


@pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
def test_threads_match_get_state(demo, with_graph):
    with lgtt.open(demo.url) as db:
        rows = {r.thread_id: r for r in db.threads()}
    assert set(rows) == set(DEMO_THREADS)
    ordered = [r.latest_checkpoint_id for r in rows.values()]
    for tid, row in rows.items():
        if not readable(demo, tid):
            continue
        app, hist = history(demo, tid)
        live = app.get_state(cfg(tid))
        assert row.checkpoints == len(hist)
        assert row.latest_checkpoint_id == live.config["configurable"]["checkpoint_id"]
        assert row.updated_at == live.created_at
        assert row.step == live.metadata["step"]
        if any(t.error for t in live.tasks):
            expected = "error"
        elif live.interrupts:
            expected = "interrupted"
        else:
            expected = "pending" if live.next else "done"
        assert row.status == expected, tid
    assert list(rows) == [r for _, r in sorted(((rows[t].latest_checkpoint_id, t) for t in rows), reverse=True)]
    assert ordered == sorted(ordered, reverse=True)


def test_threads_status_covers_every_kind(demo):
    if demo.kind == "redis":
        pytest.skip("RedisSaver's put_writes can run before the step's checkpoint is put, whose put then clears "
                    "`has_writes`: LangGraph (and lgtt with it) sees no writes there, so statuses vary from run to "
                    "run; test_threads_match_get_state compares them with LangGraph's")
    with lgtt.open(demo.url) as db:
        status = {r.thread_id: r.status for r in db.threads()}
    assert status["failing-1"] == "error"
    assert status["hitl-1"] == "interrupted"
    assert status["chat-1"] == "done"


def test_threads_where_and_limit(demo):
    with lgtt.open(demo.url) as db:
        # RedisSaver keeps no configurable keys in the metadata, so user_id is nowhere there
        expected = [] if demo.kind == "redis" else ["chat-1"]
        assert [r.thread_id for r in db.threads(where=[("user_id", "user_001")])] == expected
        assert {r.thread_id for r in db.threads(where=[("step", "8")])} == {
            t for t in DEMO_THREADS if any(s.metadata.get("step") == 8 for s in
                                           demo.app(scenario_module(t)).checkpointer.list(cfg(t)))}
        assert db.threads(where=[("user_id", "nobody")]) == []
        assert len(db.threads(limit=3)) == 3
        assert [r.thread_id for r in db.threads(limit=2)] == [r.thread_id for r in db.threads()][:2]


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_show_recorded_matches_get_state_with_id(demo, thread_id):
    app, hist = history(demo, thread_id)
    module = scenario_module(thread_id)
    with lgtt.open(demo.url, graph=module.graph) as db:
        for i, snap in enumerate(hist):
            view = db.show(thread_id, i)
            assert view.checkpoint_id == snap.config["configurable"]["checkpoint_id"]
            assert view.to_json()["values"] == to_jsonable(snap.values)
            assert view.next == list(snap.next)
            assert [(t.id, t.name, t.error) for t in view.tasks] == [
                (t.id, t.name, None if t.error is None else str(t.error)) for t in snap.tasks]
            assert view.interrupts == [{"id": x.id, "value": to_jsonable(x.value)} for x in snap.interrupts]


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_show_without_graph_matches_where_it_can(demo, thread_id):
    """Without the graph: same ids, next names, task ids and errors; values equal except
    DeltaChannel keys (marked not rebuilt) and custom types (plain data)."""
    app, hist = history(demo, thread_id)
    with lgtt.open(demo.url) as db:
        for i, snap in enumerate(hist):
            view = db.show(thread_id, i)
            assert Counter(view.next) == Counter(snap.next)
            assert sorted((t.id, t.name, t.error) for t in view.tasks) == sorted(
                (t.id, t.name, None if t.error is None else str(t.error)) for t in snap.tasks)
            expected = to_jsonable(snap.values)
            got = view.to_json()["values"]
            for key in view.not_rebuilt:
                assert key not in got
                expected.pop(key, None)
            for key in set(expected) - set(got):  # a reducer key never written: only the graph knows its empty default
                assert expected.pop(key) in ([], {}, 0, ""), (thread_id, i, key)
            assert got == expected, (thread_id, i)


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_show_live_matches_get_state(demo, thread_id):
    app = demo.app(scenario_module(thread_id))
    live = app.get_state(cfg(thread_id))
    with lgtt.open(demo.url, graph=scenario_module(thread_id).graph) as db:
        view = db.show(thread_id)
    assert view.live and view.checkpoint_id == live.config["configurable"]["checkpoint_id"]
    assert view.to_json()["values"] == to_jsonable(live.values)
    assert view.next == list(live.next)
    assert view.interrupts == [{"id": x.id, "value": to_jsonable(x.value)} for x in live.interrupts]


def test_half_failed_step_live_differs_from_recorded(demo):
    """The failing scenario: `ok` succeeded beside `boom`; live view applies ok's write."""
    from sample_graphs import failing

    if demo.kind == "redis":
        pytest.skip("RedisSaver lost that step's writes (has_writes cleared by the racing put): LangGraph re-runs both")

    with lgtt.open(demo.url, graph=failing.graph) as db:
        live, recorded = db.show("failing-1"), db.show("failing-1", -1)
    assert live.checkpoint_id == recorded.checkpoint_id
    assert recorded.next == ["ok", "boom"] or sorted(recorded.next) == ["boom", "ok"]
    assert live.next == ["boom"]
    assert live.values != recorded.values
    with lgtt.open(demo.url) as db:  # without the graph: live next still right, with a note
        bare = db.show("failing-1")
    assert bare.next == ["boom"] and bare.notes


def test_subgraph_namespaces_fold_under_root_step(demo):
    with lgtt.open(demo.url) as db:
        tl = db.timeline("subgraph-1")
        folded = [(e.index, sg) for e in tl.entries for sg in e.subgraphs]
        assert len(folded) == 1
        ns = folded[0][1]["ns"]
        sub = db.timeline("subgraph-1", ns=ns)
    app = demo.app(scenario_module("subgraph-1"))
    sub_hist = list(app.checkpointer.list({"configurable": {"thread_id": "subgraph-1", "checkpoint_ns": ns}}))
    assert folded[0][1]["checkpoints"] == len(sub_hist) == len(sub.entries)
    assert all(e.subgraphs == [] for e in sub.entries)


def test_delta_channel_without_graph_is_marked_not_rebuilt(demo):
    from sample_graphs import delta

    with lgtt.open(demo.url) as db:
        views = [db.show("delta-1", i) for i in range(len(db.checkpoint_ids("delta-1")))]
    marked = [v for v in views if v.not_rebuilt]
    assert marked, "some checkpoints hold only deltas"
    for v in marked:
        assert any("--graph" in n for n in v.notes)
    with lgtt.open(demo.url, graph=delta.graph) as db:
        full = db.show("delta-1", -1)
    app = demo.app(delta)
    assert full.values == app.get_state(cfg("delta-1")).values


def test_pydantic_types_with_and_without_graph(demo):
    from sample_graphs import pydantic_state

    require_readable(demo, "pydantic-1")

    with lgtt.open(demo.url, graph=pydantic_state.graph) as db:
        typed = db.show("pydantic-1", -1)
    assert any(type(v).__module__ == pydantic_state.__name__ for v in typed.values.values())
    with lgtt.open(demo.url) as db:
        plain = db.show("pydantic-1", -1)
        blocked = db.blocked_types()
    assert all(type(v).__module__ != pydantic_state.__name__ for v in plain.values.values())
    assert plain.to_json()["values"] == typed.to_json()["values"]
    assert any(name.startswith(pydantic_state.__name__) for name in blocked)


def test_memory_saver_in_process():
    from langgraph.checkpoint.memory import MemorySaver

    from sample_graphs import compile_with, steps

    app = compile_with(steps, MemorySaver())
    steps.scenario(app, "mem")
    with lgtt.open(graph=app) as db:
        tl = db.timeline("mem-1")
        rows = db.threads()
    hist = list(reversed(list(app.get_state_history(cfg("mem-1")))))
    assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
    assert [e.next for e in tl.entries] == [list(s.next) for s in hist]
    assert [r.thread_id for r in rows] == ["mem-1"]


def test_task_hash_mirrors_langgraph():
    from langgraph.pregel._algo import _uuid5_str, _xxhash_str

    from lgtt.ops.show import task_hash

    ns = bytes.fromhex("1f1e8ca380c169758001e7b00e39d7a8")
    parts = ("node", "3", "node", "__pregel_pull", "branch:to:node")
    assert task_hash(4, ns, *parts) == _xxhash_str(ns, *parts)
    assert task_hash(1, ns, *parts) == _uuid5_str(ns, *parts)


def test_json_form_fast_path_equals_the_reference_walk(demo):
    """to_jsonable's orjson path gives what the plain Python walk gives, on every demo state."""
    import datetime as dt
    import uuid
    from dataclasses import dataclass

    from langchain_core.messages import AIMessage

    from lgtt.jsonform import _walk

    @dataclass
    class Point:
        x: int
        when: dt.datetime

    odd = {"s": {3, 1, 2}, "t": (1, "a"), "b": b"\x00\x01", "u": uuid.UUID(int=5), "d": dt.timedelta(seconds=90),
           "p": Point(1, dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc)), "m": AIMessage(content="hi", id="a1"),
           "n": float("nan"), "big": 2**80, 1: "int key"}
    assert to_jsonable(odd) == _walk(odd)
    for thread_id in filter(lambda t: readable(demo, t), DEMO_THREADS):
        for snap in history(demo, thread_id)[1]:
            assert to_jsonable(snap.values) == _walk(snap.values), thread_id
            assert to_jsonable(snap.metadata) == _walk(snap.metadata)
