"""lgtt resume against LangGraph's own invoke / update_state on both backends."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import state_history
from test_errors_and_safety import assert_one_line_error, lgtt

import lgtt as api
from sample_graphs import async_graph, chat, compile_with, failing, hitl, steps


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def test_answer_an_interrupt_like_command_resume(backend):
    from langgraph.types import Command

    app = compile_with(hitl, backend.saver)
    hitl.scenario(app, "h")
    with api.open(backend.url) as db:
        db.fork("h-1", -1, to="by-langgraph")
    app.invoke(Command(resume="yes"), cfg("by-langgraph"))
    with api.open(backend.url, graph=hitl.graph) as db:
        result = db.resume("h-1", answer="yes", has_answer=True)
    assert result.status == "done" and result.action == "answer"
    assert [s.node for s in result.steps] == ["review", "publish"]
    assert app.get_state(cfg("h-1")).values == app.get_state(cfg("by-langgraph")).values
    with api.open(backend.url, graph=hitl.graph) as db:
        again = db.resume("h-1")
    assert again.action == "nothing to resume" and again.status == "done"


def test_interrupt_without_answer_is_an_error_and_several_need_a_map(backend):
    app = compile_with(hitl, backend.saver)
    hitl.scenario(app, "h")
    proc = lgtt("--db", backend.url, "--graph", "sample_graphs/hitl.py:graph", "resume", "h-1")
    assert_one_line_error(proc, "waiting at an interrupt", "--answer", code=2)
    with api.open(backend.url, graph=hitl.graph) as db:
        asked = []
        result = db.resume("h-1", ask=lambda i: asked.append(i) or "no")
    assert asked and asked[0]["value"]["question"]
    assert result.status == "done"


def test_failed_step_fixed_and_resumed_keeps_the_sibling_write(backend, monkeypatch):
    app = compile_with(failing, backend.saver)
    failing.scenario(app, "f")
    with api.open(backend.url) as db:
        db.fork("f-1", -1, to="by-langgraph")
    with api.open(backend.url, graph=failing.graph) as db:
        still = db.resume("f-1")
        assert still.status == "error" and "boom" in still.error.lower()
        monkeypatch.setattr(failing, "FIXED", True)
        fixed = db.resume("f-1")
    assert fixed.status == "done"
    assert [s.node for s in fixed.steps][0] == "boom", "only the failed task re-runs first"
    assert "ok" not in [s.node for s in fixed.steps]
    app.invoke(None, cfg("by-langgraph"))
    assert app.get_state(cfg("f-1")).values == app.get_state(cfg("by-langgraph")).values


def test_cli_failed_resume_exits_1_with_how_to_retry(backend):
    app = compile_with(failing, backend.saver)
    failing.scenario(app, "c")
    proc = lgtt("--db", backend.url, "--graph", "sample_graphs/failing.py:graph", "resume", "c-1", env={"LGTT_SAMPLE_FIX": "0"})
    assert proc.returncode == 1
    assert "failed:" in proc.stderr and "retry with: lgtt" in proc.stderr and "Traceback" not in proc.stderr
    assert "lgtt: error" not in proc.stderr, "exit code 1 without a second error line"
    proc = lgtt("--db", backend.url, "--graph", "sample_graphs/failing.py:graph", "resume", "c-1", "--json",
                env={"LGTT_SAMPLE_FIX": "1"})
    out = json.loads(proc.stdout)
    assert proc.returncode == 0 and out["status"] == "done" and [s["node"] for s in out["steps"]][0] == "boom"
    assert {"thread_id", "status", "checkpoint_id", "steps"} <= set(out)


def test_replay_from_the_middle_branches_inside_the_thread(backend):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "r")
    hist = state_history(app, cfg("r-1"))
    with api.open(backend.url, graph=steps.graph) as db:
        result = db.resume("r-1", from_ref="3")
        tl = db.timeline("r-1")
    assert result.status == "done" and result.action == "replay from 3"
    assert tl.branches == 2 and any(e.source == "fork" for e in tl.entries)
    assert app.get_state(cfg("r-1")).values == hist[-1].values


def test_until_stops_before_a_node(backend):
    app = compile_with(chat, backend.saver)
    chat.scenario(app, "u")
    with api.open(backend.url, graph=chat.graph) as db:
        fork = db.fork("u-1", 1, to="step-through")
        stopped = db.resume("step-through", until="task_processor")
        assert stopped.status == "pending" and stopped.next == ["task_processor"]
        assert [r.status for r in db.threads() if r.thread_id == "step-through"] == ["pending"]
        done = db.resume("step-through")
    assert fork.next and done.status == "done"
    assert [s.node for s in done.steps] == ["task_processor"]


def test_bare_resume_picks_the_latest_fork_and_says_so(backend):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "b")
    with api.open(backend.url, graph=steps.graph) as db:
        with pytest.raises(api.LgttError):
            db.resume()  # no fork yet: never an arbitrary thread
        db.fork("b-1", 2, to="first")
        db.fork("b-1", 3, to="second")
        result = db.resume()
    assert result.thread_id == "second" and "second" in result.picked
    proc = lgtt("--db", backend.url, "--graph", "sample_graphs/steps.py:graph", "resume", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["thread_id"] == "second"


def test_new_input_and_recorded_configurable_keys(backend):
    app = compile_with(chat, backend.saver)
    chat.scenario(app, "n")
    with api.open(backend.url, graph=chat.graph) as db:
        result = db.resume("n-1", input={"messages": [{"type": "human", "content": "again", "id": "h-again"}]})
        rows = db.threads(where=[("user_id", "user_001")])
    assert result.status == "done" and result.action == "new input"
    if backend.kind != "redis":  # RedisSaver keeps no configurable keys in the metadata
        assert "n-1" in [r.thread_id for r in rows], "user_id recorded by the app was passed again"
    assert app.get_state(cfg("n-1")).values["messages"][-2].id == "h-again"


def test_async_graph_resumes_with_the_async_saver(backend):
    if backend.kind == "sqlite":
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async def build():
            async with aiosqlite.connect(backend.url) as conn:
                saver = AsyncSqliteSaver(conn)
                await async_graph.ascenario(compile_with(async_graph, saver), "a")
    elif backend.kind == "redis":
        from langgraph.checkpoint.redis.aio import AsyncRedisSaver

        async def build():
            async with AsyncRedisSaver.from_conn_string(backend.url) as saver:
                await saver.asetup()
                await async_graph.ascenario(compile_with(async_graph, saver), "a")
    else:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async def build():
            async with AsyncPostgresSaver.from_conn_string(backend.url) as saver:
                await async_graph.ascenario(compile_with(async_graph, saver), "a")
    asyncio.run(build())
    with api.open(backend.url) as db:
        db.fork("a-1", 1, to="a-fork")
    with api.open(backend.url, graph=async_graph.graph) as db:
        result = db.resume("a-fork")
        original = db.show("a-1").values
        resumed = db.show("a-fork").values
    assert result.status == "done" and result.steps
    assert resumed == original


def test_resume_errors(backend):
    app = compile_with(steps, backend.saver)
    steps.scenario(app, "x")
    g = ["--graph", "sample_graphs/steps.py:graph"]
    assert_one_line_error(lgtt("--db", backend.url, "resume", "x-1"), "needs the graph")
    assert_one_line_error(lgtt("--db", backend.url, *g, "resume", "nope"), "not found")
    assert_one_line_error(lgtt("--db", backend.url, *g, "resume", "x-1", "--input", "{bad"), "not valid JSON", code=2)
    assert_one_line_error(lgtt("--db", backend.url, *g, "resume", "x-1", "--until", "ghost"), "not a node", code=2)
    assert_one_line_error(lgtt("--db", backend.url, *g, "resume"), "no fork", code=2)
    ok = lgtt("--db", backend.url, *g, "resume", "x-1")
    assert ok.returncode == 0 and "nothing to resume" in ok.stdout
