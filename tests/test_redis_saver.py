"""lgtt's generic saver path on threads the official RedisSaver wrote to a real Redis Stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import lgtt
from lgtt.jsonform import to_jsonable
from sample_graphs import SCENARIOS, compile_with


@pytest.fixture()
def redis_saver(redis_url: str) -> Iterator:
    from langgraph.checkpoint.redis import RedisSaver

    with RedisSaver.from_conn_string(redis_url) as saver:
        saver.setup()
        yield saver


def cfg(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


@pytest.mark.parametrize("name", ["steps", "chat", "hitl", "fanout", "failing"])
def test_timeline_and_show_match_langgraph_on_redis(redis_saver, name):
    module = SCENARIOS[name]
    app = compile_with(module, redis_saver)
    prefix = f"{name}-{uuid.uuid4().hex[:8]}"
    threads = module.scenario(app, prefix)
    try:
        with lgtt.open(saver=redis_saver, graph=app) as db:
            listed = {t.thread_id for t in db.threads()}
            assert set(threads) <= listed
            for tid in threads:
                hist = list(reversed(list(app.get_state_history(cfg(tid)))))
                tl = db.timeline(tid)
                assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
                # RedisSaver.list() (behind get_state_history) hands LangChain messages back as raw
                # constructor dicts and drops pending Sends; get_state at a checkpoint id (get_tuple)
                # reads them right, so each checkpoint is compared with that.
                for i, snap in enumerate(hist):
                    at = app.get_state(snap.config)
                    assert tl.entries[i].next == list(at.next), (tid, i)
                    assert to_jsonable(db.show(tid, i).values) == to_jsonable(at.values), (tid, i)
                assert db.show(tid).next == list(app.get_state(cfg(tid)).next)
    finally:
        for tid in threads:
            redis_saver.delete_thread(tid)
