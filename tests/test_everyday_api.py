"""Issue 13, Python API: readable reprs and notebook views, errors in API words, `show` renders
messages, and stats / check / prune / delete on an in-process InMemorySaver."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import lgtt
from sample_graphs import compile_with, delta, hitl, steps

ROOT = Path(__file__).resolve().parents[1]


def cfg(tid: str) -> dict:
    return {"configurable": {"thread_id": tid}}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("everyday_api") / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT,
                   capture_output=True)
    return path


def rendered(obj, width: int = 120) -> str:
    con = Console(width=width, file=io.StringIO(), record=True)
    con.print(obj)
    return con.export_text()


def test_reprs_and_notebook_views_match_the_cli(demo_db):
    with lgtt.open(str(demo_db)) as db:
        threads = db.threads()
        tl = db.timeline("chat-1")
        view = db.show("chat-1", -1)
        d = db.diff("chat-1", -1)
        results = [threads, tl, view, d, db.compare("chat-1", "steps-1"), db.stats(), db.check()]
    assert repr(tl) == f"<Timeline chat-1: {len(tl.entries)} checkpoints, head {tl.head.short_id} step {tl.head.step}, 1 branch(es)>"
    assert repr(threads).startswith(f"<ThreadList {len(threads)} threads: ")
    assert repr(d) == f"<Diff {d.summary}>"
    for r in results:
        text = repr(r)
        assert text.startswith("<") and len(text) < 300 and "\n" not in text
        page = r._repr_html_()
        assert page.startswith("<pre") or "<pre" in page
        assert rendered(r).strip()  # Rich renders it (__rich_console__)
    # the notebook table is the CLI's table
    env = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH")}
    cli = subprocess.run([sys.executable, "-m", "lgtt", "--db", str(demo_db), "timeline", "chat-1"], capture_output=True,
                         text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT), "COLUMNS": "140"}, timeout=60)
    assert [line.rstrip() for line in rendered(tl, 140).splitlines()] == [line.rstrip() for line in cli.stdout.splitlines()]
    assert "process_message" in tl._repr_html_()


def test_api_errors_speak_of_arguments(demo_db, tmp_path):
    with lgtt.open(str(demo_db)) as db:
        with pytest.raises(lgtt.LgttError) as err:
            db.timeline("nosuch")
        assert "db.threads()" in err.value.line() and "`lgtt" not in err.value.line()
    from langgraph.checkpoint.memory import InMemorySaver

    app = compile_with(hitl, InMemorySaver())
    hitl.scenario(app, "h")
    with lgtt.open(graph=app) as db:
        with pytest.raises(lgtt.LgttError) as err:
            db.resume("h-1")
        line = err.value.line()
        assert "answer=" in line and "--" not in line
        assert db.resume("h-1", answer="yes").status == "done"
    assert app.get_state(cfg("h-1")).values["approved"] is True


def test_show_renders_messages_like_diff(tmp_path):
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import START, MessagesState, StateGraph

    def agent(state: MessagesState) -> dict:
        return {"messages": [
            AIMessage(content="", id="ai-1", tool_calls=[{"name": "search", "args": {"q": "weather"}, "id": "call-1"}],
                      response_metadata={"model_name": "model-x"}, additional_kwargs={"trace": "t-9"}),
            ToolMessage(content="sunny", tool_call_id="call-1", id="tool-1", name="search")]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    import sqlite3

    path = tmp_path / "m.sqlite"
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        app = builder.compile(checkpointer=SqliteSaver(conn))
        app.invoke({"messages": [HumanMessage(content="weather?", id="h-1")]}, cfg("m-1"))
        msgs = app.get_state(cfg("m-1")).values["messages"]
    finally:
        conn.close()
    with lgtt.open(str(path)) as db:
        view = db.show("m-1", -1)
    short = rendered(view, 200)
    assert 'HumanMessage id=h-1: "weather?"' in short
    assert "AIMessage id=ai-1" in short and '→ search({"q": "weather"}) id=call-1' in short
    assert 'ToolMessage id=tool-1 name=search tool_call_id=call-1: "sunny"' in short
    assert "response_metadata" not in short and "model-x" not in short and "t-9" not in short
    assert "'type'" not in short and '"type": "human"' not in short  # not the raw dicts
    assert len(msgs) == 3
    from lgtt.render.tables import show_view

    full = rendered(__import__("rich.console").console.Group(*show_view(view, full=True, internal=False)), 200)
    assert '"model_name": "model-x"' in full and '"trace": "t-9"' in full


def memory_apps():
    from langgraph.checkpoint.memory import InMemorySaver

    saver = InMemorySaver()
    apps = {}
    for module, name in ((steps, "s"), (delta, "d"), (hitl, "h")):
        app = compile_with(module, saver)
        for tid in module.scenario(app, name):
            apps[tid] = app
    return saver, apps


def snapshot(app, tid):
    s = app.get_state(cfg(tid))
    return (s.values, s.next, [(t.name, [i.value for i in t.interrupts]) for t in s.tasks])


def test_stats_check_prune_delete_on_memory_saver():
    saver, apps = memory_apps()
    with lgtt.open(saver=saver) as db:
        stats = db.stats()
        all_cps = list(saver.list(None))
        assert stats.threads == len(apps) and stats.checkpoints == len(all_cps)
        assert stats.writes == sum(len(t.pending_writes or []) for t in all_cps)
        assert {k.key for k in stats.keys} >= {"current_step", "draft"}
        report = db.check()
        assert report.ok and report.checkpoints == len(all_cps)
        before = {t: snapshot(app, t) for t, app in apps.items()}
        storage = copy.deepcopy(dict(saver.storage)), copy.deepcopy(dict(saver.writes)), dict(saver.blobs)
        plan = db.prune(keep=2, dry_run=True)
        assert (copy.deepcopy(dict(saver.storage)), copy.deepcopy(dict(saver.writes)), dict(saver.blobs)) == storage
        done = db.prune(keep=2)
        assert done.checkpoints_deleted == plan.checkpoints_deleted > 0 and done.blobs_deleted > 0
        assert done.bytes_after < done.bytes_before and not done.suggest_vacuum
        for tid, app in apps.items():
            assert snapshot(app, tid) == before[tid], tid  # what remains gives the same get_state
            assert list(app.get_state_history(cfg(tid)))
        assert db.check().ok  # NULLed parents, no orphans, delta chains intact
        assert any(p.kept_for_deps for p in done.threads if p.thread_id == "d-1")
        with pytest.raises(lgtt.LgttError):
            db.prune(keep=1, vacuum=True)
        gone = db.delete(["s-1"])
        assert gone.checkpoints_deleted > 0 and saver.get_tuple(cfg("s-1")) is None
        assert "s-1" not in {t.thread_id for t in db.threads()}


def test_check_on_memory_saver_finds_damage():
    saver, apps = memory_apps()
    storage = saver.storage["s-1"][""]
    ids = sorted(storage)
    ck, meta, _ = storage[ids[3]]
    storage[ids[3]] = (ck, meta, "1f0-no-such-parent")
    key = next(k for k in saver.blobs if k[0] == "h-1" and saver.blobs[k][0] == "msgpack")
    saver.blobs[key] = ("msgpack", b"\xc1garbage")
    with lgtt.open(saver=saver) as db:
        kinds = {(p.kind, p.thread_id) for p in db.check().problems}
    assert ("dangling_parent", "s-1") in kinds and ("undecodable", "h-1") in kinds
