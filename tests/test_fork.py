"""lgtt fork against LangGraph's own API on both backends."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO_THREADS, state_history
from test_errors_and_safety import assert_one_line_error, lgtt

import lgtt as api
from lgtt.jsonform import to_jsonable
from sample_graphs import SCENARIOS, chat, compile_with, hitl, steps, subgraph


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def rows(backend, thread_id: str) -> list:
    """Every stored row of a thread, as raw as the backend gives it."""
    if backend.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(backend.url) as conn:
            return [conn.execute(f"SELECT * FROM {t} WHERE thread_id = ? ORDER BY 2, 3, 4",
                                 (thread_id,)).fetchall() for t in ("checkpoints", "writes")]
    if backend.kind == "redis":
        from conftest import redis_snapshot

        return redis_snapshot(backend.url, f"*:{thread_id}:*")
    import psycopg

    with psycopg.connect(backend.url) as conn:
        return [conn.execute(f"SELECT t::text FROM {t} t WHERE thread_id = %s ORDER BY 1", (thread_id,)).fetchall()
                for t in ("checkpoints", "checkpoint_writes", "checkpoint_blobs")]


def run_all(backend) -> None:
    for name, module in SCENARIOS.items():
        module.scenario(compile_with(module, backend.saver), name)


@pytest.mark.parametrize("thread_id", [t for t in DEMO_THREADS if t != "failing-1"])
def test_fork_head_equals_source_at_ref(backend, thread_id):
    from conftest import require_readable, scenario_module

    require_readable(backend, thread_id)
    module = scenario_module(thread_id)
    app = compile_with(module, backend.saver)
    module.scenario(app, thread_id.rsplit("-", 1)[0])
    hist = state_history(app, cfg(thread_id))
    before = rows(backend, thread_id)
    for index in sorted({1, len(hist) // 2, len(hist) - 1}):
        ref_id = hist[index].config["configurable"]["checkpoint_id"]
        with api.open(backend.url, graph=module.graph) as db:
            result = db.fork(thread_id, index)
        assert result.thread_id == f"{thread_id}_branch_{index}"
        assert result.forked_from == {"thread_id": thread_id, "checkpoint_id": ref_id, "index": index}
        at_ref = app.get_state(cfg(thread_id, ref_id))
        head = app.get_state(cfg(result.thread_id))
        assert head.config["configurable"]["checkpoint_id"] == result.checkpoint_id
        assert to_jsonable(head.values) == to_jsonable(at_ref.values)
        assert head.next == at_ref.next and result.next == list(at_ref.next)
        assert head.metadata["source"] == "fork"
        copied = state_history(app, cfg(result.thread_id))
        path_ids = [s.config["configurable"]["checkpoint_id"] for s in copied[:-1]]
        assert path_ids[-1] == ref_id and len(path_ids) == index + 1
        assert path_ids == [s.config["configurable"]["checkpoint_id"] for s in hist[: index + 1]]
    assert rows(backend, thread_id) == before, "the source's rows stay byte-identical"


def test_fork_edit_resume_equals_update_state_and_invoke(backend):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "src")
    hist = state_history(app, cfg("src-1"))
    ref = hist[2].config["configurable"]["checkpoint_id"]
    with api.open(backend.url, graph=steps.graph) as db:
        result = db.fork("src-1", 2, to="edited", updates={"total_steps": 5})
    assert result.edited == ["total_steps"]
    app.invoke(None, cfg("edited"))
    # the same through LangGraph alone, on another copy: update_state + invoke from REF
    with api.open(backend.url) as db:
        db.fork("src-1", 2, to="plain")
    new = app.update_state(cfg("plain", ref), {"total_steps": 5})
    app.invoke(None, new)
    final_fork = app.get_state(cfg("edited"))
    final_lg = app.get_state(cfg("plain"))
    assert final_fork.values == final_lg.values
    assert final_fork.values["current_step"] == 5 and not final_fork.next


def after_ref_next(tl, index):
    return tl.entries[index].next


def test_fork_keeps_earlier_subgraph_namespaces_not_refs(backend):
    app = compile_with(subgraph, backend.saver)
    subgraph.scenario(app, "sg")
    with api.open(backend.url) as db:
        tl = db.timeline("sg-1")
        runs_at = next(e.index for e in tl.entries if e.subgraphs)
        after = db.fork("sg-1", runs_at + 1, to="after")
        at = db.fork("sg-1", runs_at, to="at")
        assert at.next == after_ref_next(tl, runs_at)
        assert db.store.namespaces("after") == db.store.namespaces("sg-1")
        assert db.store.namespaces("at") == {}
    resumed = app.invoke(None, cfg("at"))
    assert resumed == app.get_state(cfg("sg-1")).values
    assert after.next == list(app.get_state(cfg("sg-1", tl.entries[runs_at + 1].checkpoint_id)).next)


def test_fork_at_an_interrupt_fires_it_again(backend):
    app = compile_with(hitl, backend.saver)
    hitl.scenario(app, "h")
    with api.open(backend.url) as db:  # hitl-2 was answered: fork it where review was waiting
        at = next(e.index for e in db.timeline("h-2").entries if e.next == ["review"])
        result = db.fork("h-2", at, to="again")
        assert result.next == ["review"]
    app.invoke(None, cfg("again"))
    state = app.get_state(cfg("again"))
    assert state.interrupts and state.next == ("review",)


def test_fork_errors_write_nothing(backend, tmp_path):
    app = compile_with(chat, backend.saver)
    chat.scenario(app, "c")
    before = rows(backend, "c-1")
    url = backend.url
    g = ["--graph", "sample_graphs/chat.py:graph"]
    assert_one_line_error(lgtt("--db", url, "fork", "nope", "1"), "not found")
    assert_one_line_error(lgtt("--db", url, "fork", "c-1", "99"), "out of range")
    assert_one_line_error(lgtt("--db", url, "fork", "c-1", "zz"), "bad ref", code=2)
    assert_one_line_error(lgtt("--db", url, "fork", "c-1", "2", "--set", "user_id=\"x\""), "needs the graph")
    assert_one_line_error(lgtt("--db", url, *g, "fork", "c-1", "2", "--set", "user_id=not json"), "not JSON", code=2)
    assert_one_line_error(lgtt("--db", url, *g, "fork", "c-1", "2", "--set", "nokey=1"), "not state keys", code=2)
    assert_one_line_error(lgtt("--db", url, *g, "fork", "c-1", "2", "--as-node", "ghost", "--set", "user_id=\"x\""), "not a node", code=2)
    assert_one_line_error(lgtt("--db", url, *g, "fork", "c-1", "2", "--set", "messages=[{\"bad\": 1}]"), "rejected")
    bad = tmp_path / "edits.json"
    bad.write_text("[1, 2]")
    assert_one_line_error(lgtt("--db", url, *g, "fork", "c-1", "2", "--set-file", str(bad)), "JSON object", code=2)
    with api.open(url) as db:
        assert [t.thread_id for t in db.threads()] == ["c-1"], "no thread was created"
    ok = lgtt("--db", url, "fork", "c-1", "2", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["thread_id"] == "c-1_branch_2"
    assert_one_line_error(lgtt("--db", url, "fork", "c-1", "2"), "already exists")
    assert rows(backend, "c-1") == before


def test_fork_edit_in_editor(backend, tmp_path):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "e")
    editor = tmp_path / "ed.py"
    editor.write_text("import json, sys\np = sys.argv[1]\nd = json.load(open(p))\nd['total_steps'] = 7\njson.dump(d, open(p, 'w'))\n")
    import sys

    proc = lgtt("--db", backend.url, "--graph", "sample_graphs/steps.py:graph", "fork", "e-1", "3", "--edit", "--json",
                env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["edited"] == ["total_steps"]
    assert app.get_state(cfg(out["thread_id"])).values["total_steps"] == 7


def test_fork_through_any_saver_public_methods():
    """MemorySaver (no SQL): the fork is made with put / put_writes and equals the SQL path's result."""
    from langgraph.checkpoint.memory import MemorySaver

    app = compile_with(subgraph, MemorySaver())
    subgraph.scenario(app, "m")
    hist = state_history(app, cfg("m-1"))
    with api.open(graph=app) as db:
        result = db.fork("m-1", len(hist) - 1, to="m-fork", updates=None)
        copied_ns = db.store.namespaces("m-fork")
        source_ns = db.store.namespaces("m-1")
    at_ref = app.get_state(cfg("m-1", hist[-1].config["configurable"]["checkpoint_id"]))
    head = app.get_state(cfg("m-fork"))
    assert head.values == at_ref.values and head.next == at_ref.next
    assert head.metadata["lgtt_fork"]["index"] == len(hist) - 1
    assert copied_ns == source_ns  # every subgraph run happened before the head
    assert [s.config["configurable"]["checkpoint_id"] for s in state_history(app, cfg("m-fork"))][:-1] == [
        s.config["configurable"]["checkpoint_id"] for s in hist]
    assert result.copied == len(hist) + sum(n for n, _ in source_ns.values())
