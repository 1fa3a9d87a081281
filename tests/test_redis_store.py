"""The Redis store (`--db redis://…`) on what the official RedisSaver wrote: what only Redis has
(TTLs, key escaping, URLs) and what it refuses. The shared suite runs on Redis via the backend fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import (
    DEMO_THREADS,
    Backend,
    open_backend,
    readable,
    redis_snapshot,
    scenario_module,
    state_history,
)
from test_errors_and_safety import assert_one_line_error, lgtt

import lgtt as api
from lgtt.jsonform import to_jsonable
from sample_graphs import SCENARIOS, compile_with


@pytest.fixture()
def rb(redis_url: str, tmp_path) -> Iterator[Backend]:
    with open_backend("redis", tmp_path, redis_url) as b:
        yield b


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def path_by_parents(app, thread_id: str) -> list:
    """LangGraph's snapshots from the head back by parent links (get_state only), oldest first."""
    snaps = [app.get_state(cfg(thread_id))]
    while snaps[-1].parent_config:
        snaps.append(app.get_state(snaps[-1].parent_config))
    return snaps[::-1]


def test_read_commands_write_nothing_even_with_refresh_on_read(rb):
    """An app with a TTL and refresh_on_read: lgtt's reads neither change a key nor refresh a TTL."""
    from langgraph.checkpoint.redis import RedisSaver

    with RedisSaver.from_conn_string(rb.url, ttl={"default_ttl": 60, "refresh_on_read": True}) as saver:
        saver.setup()
        for name in ("chat", "hitl", "subgraph"):
            SCENARIOS[name].scenario(compile_with(SCENARIOS[name], saver), name)
    before = redis_snapshot(rb.url)
    assert before and all(has_ttl for _, _, has_ttl in before if b"checkpoint" in _)
    g = ["--graph", "sample_graphs/chat.py:graph"]
    for args in (["threads"], ["threads", "--where", "source=loop"], ["timeline", "chat-1", "--json"],
                 ["timeline", "subgraph-1", "--all"], ["show", "hitl-1"], ["show", "chat-1", "2"],
                 [*g, "show", "chat-1"], ["diff", "chat-1", "3"], ["compare", "chat-1", "hitl-1"], ["stats"],
                 ["check"], ["prune", "--keep", "1", "--dry-run"], ["delete", "chat-1", "--dry-run"]):
        proc = lgtt("--db", rb.url, *args)
        # check exits 1 on problems: the official saver's put_writes race leaves hidden writes here
        assert proc.returncode in ((0, 1) if args == ["check"] else (0,)) and not proc.stderr, (args, proc.stderr)
    with api.open(rb.url, graph=SCENARIOS["chat"].graph) as db:
        db.show("chat-1")
        app = compile_with(SCENARIOS["chat"], db.store.saver())
        app.get_state({"configurable": {"thread_id": "chat-1"}})  # LangGraph through lgtt's read-only saver
    assert redis_snapshot(rb.url) == before
    shown = lgtt("--db", rb.url, "show", "chat-1", "--json")
    assert "expires in" in " ".join(json.loads(shown.stdout)["notes"])
    assert redis_snapshot(rb.url) == before


@pytest.mark.parametrize("args,needle", [(["export", "chat-1", "-o", "x.jsonl"], "export"),
                                         (["copy", "chat-1", "--to", "x.sqlite"], "copy")])
def test_commands_not_on_redis_refuse_in_one_line(rb, args, needle, tmp_path):
    SCENARIOS["chat"].scenario(rb.app(SCENARIOS["chat"]), "chat")
    before = redis_snapshot(rb.url)
    assert_one_line_error(lgtt("--db", rb.url, *args, cwd=tmp_path), needle)
    assert redis_snapshot(rb.url) == before


def test_awkward_thread_ids_read_right(rb):
    """Ids go into keys and TAG queries raw: ':' ',' '|' '*', case and non-ASCII must not mix threads up."""
    app = rb.app(SCENARIOS["steps"])
    names = ["Case:A,b", "case:a,b", "ü{x}|y*", "spaced out"]
    for name in names:
        SCENARIOS["steps"].scenario(app, name)
    with api.open(rb.url) as db:
        rows = {r.thread_id: r for r in db.threads()}
        assert set(rows) == {f"{n}-1" for n in names}
        for tid, row in rows.items():
            hist = path_by_parents(app, tid)  # RedisSaver.list() finds no thread with ',' in its id
            assert row.checkpoints == len(hist)
            assert db.checkpoint_ids(tid) == [s.config["configurable"]["checkpoint_id"] for s in hist]
            assert to_jsonable(db.show(tid).values) == to_jsonable(hist[-1].values)
            assert db.store.thread_exists(tid) and not db.store.thread_exists(tid.upper() + "x")
        assert [r.thread_id for r in db.threads(order="id")] == sorted(rows)


def test_fork_is_one_transaction_and_copies_documents_as_stored(rb):
    app = rb.app(SCENARIOS["hitl"])
    SCENARIOS["hitl"].scenario(app, "h")
    with api.open(rb.url, graph=SCENARIOS["hitl"].graph) as db:
        source = redis_snapshot(rb.url, "*:h-1:*")
        result = db.fork("h-1", 1, to="h-fork")
        assert redis_snapshot(rb.url, "*:h-1:*") == source
        head = app.get_state(cfg("h-fork"))
        at_ref = app.get_state(cfg("h-1", result.forked_from["checkpoint_id"]))
        assert to_jsonable(head.values) == to_jsonable(at_ref.values) and head.next == at_ref.next
        assert db.resume("h-fork").status == "interrupted"
        done = db.resume("h-fork", answer=True, has_answer=True)
        assert done.status == "done"
    # LangGraph through the official saver reads the forked thread like any other
    assert [s.metadata["source"] for s in state_history(app, cfg("h-fork"))][:3] == ["input", "loop", "fork"]


def test_redis_urls_are_parsed_and_passwords_never_printed():
    from lgtt.dburl import parse_db

    spec = parse_db("rediss://me:s3cr/t@cache.example:6380/2")
    assert spec.kind == "redis" and "s3cr/t" not in spec.display and "cache.example:6380/2" in spec.display
    assert_one_line_error(lgtt("--db", "redis://me:hunter22@127.0.0.1:1/0", "threads"), "cannot connect to Redis")
    assert "hunter22" not in lgtt("--db", "redis://me:hunter22@127.0.0.1:1/0", "threads").stderr
    assert_one_line_error(lgtt("--db", "redis://127.0.0.1:6379/x", "threads"), "not a number", code=2)


def test_a_redis_without_the_saver_indexes_is_refused(rb):
    import redis

    with redis.Redis.from_url(rb.url) as client:
        client.flushall()
    proc = lgtt("--db", rb.url, "threads")
    assert_one_line_error(proc, "no LangGraph checkpoint index", "setup()")
    assert json.loads(json.dumps(redis_snapshot(rb.url), default=str)) == []


def test_check_finds_what_breaks_a_redis_thread(rb):
    import redis

    from lgtt.store.redis import keys as k

    app = rb.app(SCENARIOS["steps"])
    for prefix in ("a", "b", "c", "d"):
        SCENARIOS["steps"].scenario(app, prefix)
    with api.open(rb.url) as db:
        assert db.check().ok and db.check().checkpoints == 4 * len(db.checkpoint_ids("a-1"))
        ids = {t: db.checkpoint_ids(t) for t in ("a-1", "b-1", "c-1", "d-1")}
    with redis.Redis.from_url(rb.url) as client:
        client.delete(k.checkpoint_key("a-1", "", ids["a-1"][3]))  # its child dangles, its writes are orphans
        with_writes = next(c for c in ids["b-1"] if client.exists(k.write_zset_key("b-1", "", c)))
        client.execute_command("JSON.SET", k.checkpoint_key("b-1", "", with_writes), "$.has_writes", "false")
        client.set(k.latest_key("c-1", ""), k.checkpoint_key("c-1", "", "gone"))
        client.delete(k.latest_key("d-1", ""))
    with api.open(rb.url) as db:
        found = {(p.kind, p.thread_id) for p in db.check().problems}
    assert found == {("dangling_parent", "a-1"), ("orphan_writes", "a-1"), ("hidden_writes", "b-1"),
                     ("dangling_latest", "c-1"), ("missing_latest", "d-1")}
    proc = lgtt("--db", rb.url, "check", "c-1")
    assert proc.returncode != 0 and "dangling_latest" in proc.stdout


def test_prune_keeps_heads_interrupts_and_delta_ancestors(rb):
    from sample_graphs.demo import build_demo

    build_demo(rb.saver)
    apps = {t: rb.app(scenario_module(t)) for t in DEMO_THREADS}
    before = {t: app.get_state(cfg(t)) for t, app in apps.items() if readable(rb, t)}
    with api.open(rb.url) as db:
        counts = {t: len(db.checkpoint_ids(t)) for t in DEMO_THREADS}
        plan = db.prune(keep=2, dry_run=True)
        assert redis_snapshot(rb.url) and all(len(db.checkpoint_ids(t)) == counts[t] for t in DEMO_THREADS)
        done = db.prune(keep=2)
        assert done.checkpoints_deleted == plan.checkpoints_deleted > 0
        assert done.writes_deleted == plan.writes_deleted
        after = {t: len(db.checkpoint_ids(t)) for t in DEMO_THREADS}
        assert db.check().ok, db.check().problems
    assert after["chat-1"] == 2 and after["delta-1"] > 2, "DeltaChannel ancestors back to the snapshot stay"
    for t, snap in before.items():
        now = apps[t].get_state(cfg(t))
        assert now.config == snap.config and to_jsonable(now.values) == to_jsonable(snap.values), t
        assert now.next == snap.next and [i.id for i in now.interrupts] == [i.id for i in snap.interrupts], t


def test_delete_removes_every_key_of_the_thread_only(rb):
    for name in ("chat", "subgraph"):
        SCENARIOS[name].scenario(rb.app(SCENARIOS[name]), name)
    others = redis_snapshot(rb.url, "*:chat-1:*")
    with api.open(rb.url) as db:
        result = db.delete(["subgraph-1"])
        assert result.checkpoints_deleted > 5 and not db.store.thread_exists("subgraph-1")
        assert [t.thread_id for t in db.threads()] == ["chat-1"]
    assert redis_snapshot(rb.url, "*subgraph-1*") == []
    assert redis_snapshot(rb.url, "*:chat-1:*") == others


def test_stats_from_redis_memory_accounting(rb):
    for name in ("chat", "steps", "subgraph"):
        SCENARIOS[name].scenario(rb.app(SCENARIOS[name]), name)
    before = redis_snapshot(rb.url)
    with api.open(rb.url) as db:
        st = db.stats(top=10)
        counts = {t: len(db.checkpoint_ids(t)) for t in ("chat-1", "steps-1", "subgraph-1")}
        inner = sum(n for n, _ in db.store.namespaces("subgraph-1").values())
    assert redis_snapshot(rb.url) == before
    assert st.threads == 3 and {t["thread_id"]: t["checkpoints"] for t in st.top_threads} == counts
    assert st.checkpoints == sum(counts.values()) + inner
    assert all(t["bytes"] > 0 for t in st.top_threads) and st.size_bytes > sum(t["bytes"] for t in st.top_threads) / 2
    assert {"messages", "steps_completed", "notes"} <= {k.key for k in st.keys}
