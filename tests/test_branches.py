"""Branched histories (update_state, replay) and stopped runs, against LangGraph's own API."""

from __future__ import annotations

from conftest import state_history

import lgtt
from sample_graphs import chat, compile_with, fanout, steps


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id}
    if checkpoint_id:
        conf.update(checkpoint_ns="", checkpoint_id=checkpoint_id)
    return {"configurable": conf}


def assert_same_as_history(db, app, thread_id):
    hist = state_history(app, cfg(thread_id))
    tl = db.timeline(thread_id)
    assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
    assert [e.next for e in tl.entries] == [list(s.next) for s in hist]
    assert [e.source for e in tl.entries] == [s.metadata["source"] for s in hist]
    return tl, hist


def test_update_state_and_replay_branch_inside_the_thread(backend):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "br")
    hist = state_history(app, cfg("br-1"))
    mid = hist[3].config["configurable"]["checkpoint_id"]
    # an edit at step 3 and a run forward from it: a second branch
    new_cfg = app.update_state(cfg("br-1", mid), {"total_steps": 5})
    app.invoke(None, new_cfg)
    # a replay from step 2: a third branch (LangGraph re-executes after a fork checkpoint)
    app.invoke(None, cfg("br-1", hist[2].config["configurable"]["checkpoint_id"]))
    with lgtt.open(backend.url, graph=steps.graph) as db:
        tl, hist = assert_same_as_history(db, app, "br-1")
    assert tl.branches == 3
    sources = {e.source for e in tl.entries}
    assert {"update", "fork"} <= sources
    splits = {e.checkpoint_id for e in tl.entries if e.children > 1}
    assert mid in splits
    # the head's path is exactly its ancestors in LangGraph's parent links
    by_id = {s.config["configurable"]["checkpoint_id"]: s for s in hist}
    path, cur = set(), hist[-1]
    while cur is not None:
        path.add(cur.config["configurable"]["checkpoint_id"])
        parent = cur.parent_config["configurable"]["checkpoint_id"] if cur.parent_config else None
        cur = by_id.get(parent)
    assert {e.checkpoint_id for e in tl.entries if e.on_head_path} == path
    update = next(e for e in tl.entries if e.source == "update")
    assert update.changed == ["total_steps"]
    with lgtt.open(backend.url) as db:  # the graph-less view agrees on names
        bare = db.timeline("br-1")
    assert [sorted(e.next) for e in bare.entries] == [sorted(e.next) for e in tl.entries]


def test_interrupt_before_leaves_a_pending_thread(backend):
    app = chat.builder.compile(checkpointer=backend.saver, interrupt_before=["task_processor"])
    app.invoke({"messages": [("user", "hi")], "user_id": "u9"}, {"configurable": {"thread_id": "stop-1", "user_id": "u9"}})
    live = app.get_state(cfg("stop-1"))
    assert live.next == ("task_processor",) and not live.interrupts
    graph = chat.builder.compile(interrupt_before=["task_processor"])
    with lgtt.open(backend.url, graph=graph) as db:
        (row,) = db.threads()
        assert row.status == "pending" and row.next == ["task_processor"]
        assert_same_as_history(db, app, "stop-1")
        # RedisSaver keeps no configurable keys in the metadata
        assert [r.thread_id for r in db.threads(where=[("user_id", "u9")])] == ([] if backend.kind == "redis" else ["stop-1"])


def test_send_fanout_keeps_duplicates_in_order(backend):
    app = compile_with(fanout, backend.saver)
    fanout.scenario(app, "fo")
    with lgtt.open(backend.url, graph=fanout.graph) as db:
        tl, hist = assert_same_as_history(db, app, "fo-1")
    assert any(e.next.count("worker") == 3 for e in tl.entries)


def test_large_states_read_from_the_blob_edges(backend):
    """States larger than the edge window: bookkeeping read from the ends still matches LangGraph."""
    app = compile_with(steps, backend.saver)
    app.invoke({"task_id": "x" * 60_000, "total_steps": 3, "steps_completed": ["y" * 30_000]}, cfg("big-1"))
    app.update_state(cfg("big-1"), {"total_steps": 4})
    app.invoke(None, cfg("big-1"))
    with lgtt.open(backend.url, graph=steps.graph) as db:
        assert_same_as_history(db, app, "big-1")
    with lgtt.open(backend.url) as db:
        tl = db.timeline("big-1")
    hist = state_history(app, cfg("big-1"))
    assert [sorted(e.next) for e in tl.entries] == [sorted(s.next) for s in hist]
    assert [e.created_at for e in tl.entries] == [s.created_at for s in hist]
    if backend.kind == "sqlite":
        import sqlite3

        from lgtt.store.sqlite.read import EDGE

        with sqlite3.connect(backend.url) as conn:
            sizes = [n for (n,) in conn.execute("SELECT length(checkpoint) FROM checkpoints WHERE thread_id='big-1'")]
        assert min(sizes) > EDGE, "every row is larger than the edge window"
        with lgtt.open(backend.url, cache=False) as db:  # the database's own rows, not the cache's
            rows = db.store.bookkeeping("big-1")
        assert all(r.present is None for r in rows), "no row fell back to reading the whole blob"
