"""Run every sample_graphs scenario through a real SqliteSaver and check what it promises."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langgraph.checkpoint.serde.types import _DeltaSnapshot  # noqa: E402
from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402
from langgraph.graph import StateGraph  # noqa: E402

import sample_graphs  # noqa: E402
from sample_graphs import (  # noqa: E402
    SCENARIOS,
    async_graph,
    chat,
    compile_with,
    delta,
    failing,
    fanout,
    hitl,
    pydantic_state,
    steps,
    subgraph,
)
from sample_graphs.demo import build_demo, main  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints.sqlite"


@pytest.fixture
def saver(db_path: Path) -> Iterator[SqliteSaver]:
    conn = sqlite3.connect(db_path, check_same_thread=False)
    try:
        yield SqliteSaver(conn)
    finally:
        conn.close()


def cfg(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


def run(module: Any, saver: SqliteSaver, prefix: str = "t") -> tuple[Any, list[str]]:
    app = compile_with(module, saver)
    return app, module.scenario(app, prefix)


def test_every_module_exposes_builder_graph_and_scenario() -> None:
    modules = [*SCENARIOS.values(), async_graph]
    assert set(SCENARIOS) == {
        "chat",
        "steps",
        "hitl",
        "subgraph",
        "fanout",
        "pydantic",
        "failing",
        "delta",
    }
    for module in modules:
        assert isinstance(module.builder, StateGraph), module.__name__
        assert module.graph.checkpointer is None, module.__name__
        runner = getattr(module, "scenario", None) or module.ascenario
        assert callable(runner)


def test_compile_with_passes_module_compile_kwargs(saver: SqliteSaver, monkeypatch) -> None:
    monkeypatch.setattr(
        steps, "COMPILE_KWARGS", {"interrupt_before": ["error_handler"]}, raising=False
    )
    app = compile_with(steps, saver)
    assert app.checkpointer is saver
    assert app.interrupt_before_nodes == ["error_handler"]


def test_chat_two_turns_with_user_id_in_metadata(saver: SqliteSaver) -> None:
    app, tids = run(chat, saver, "chat")
    assert tids == ["chat-1"]
    state = app.get_state(cfg("chat-1"))
    assert state.next == ()
    messages = state.values["messages"]
    humans = [m for m in messages if isinstance(m, HumanMessage)]
    assert [m.id for m in humans] == ["human-1", "human-2"]
    assert sum(isinstance(m, AIMessage) for m in messages) == 2
    assert all(m.id for m in messages)
    assert state.values["task_progress"] == {
        "current_step": 2,
        "total_steps": 5,
        "progress_percentage": 40.0,
    }
    history = list(app.get_state_history(cfg("chat-1")))
    assert len(history) == 10  # two runs of input + 3 nodes + final
    assert all(s.metadata.get("user_id") == "user_001" for s in history)
    assert [s.metadata["source"] for s in history].count("input") == 2


def test_steps_fails_once_and_recovers(saver: SqliteSaver) -> None:
    app, tids = run(steps, saver, "steps")
    assert tids == ["steps-1"]
    state = app.get_state(cfg("steps-1"))
    assert state.next == ()
    assert state.values["steps_completed"] == [f"step_{i}_done" for i in range(1, 5)]
    assert state.values["error_info"] == {}
    errors = state.values["recovery_info"]["error_history"]
    assert [e["step"] for e in errors] == [2]
    history = list(app.get_state_history(cfg("steps-1")))
    assert 9 <= len(history) <= 12
    nexts = [s.next for s in reversed(history)]
    assert ("error_handler",) in nexts
    assert nexts[-2] == ("complete",)
    failed = [s for s in history if s.next == ("error_handler",)]
    assert failed[0].values["error_info"]["step"] == 2


def test_hitl_one_thread_interrupted_one_resumed(saver: SqliteSaver) -> None:
    app, tids = run(hitl, saver, "hitl")
    assert tids == ["hitl-1", "hitl-2"]
    waiting = app.get_state(cfg("hitl-1"))
    assert waiting.next == ("review",)
    assert len(waiting.interrupts) == 1
    assert waiting.interrupts[0].value["question"] == "Approve this draft?"
    assert [t.name for t in waiting.tasks if t.interrupts] == ["review"]
    done = app.get_state(cfg("hitl-2"))
    assert done.next == ()
    assert done.interrupts == ()
    assert done.values["approved"] is True
    assert done.values["final"] == "Draft about checkpoints"


def test_subgraph_writes_namespaced_checkpoints(saver: SqliteSaver) -> None:
    app, tids = run(subgraph, saver, "subgraph")
    assert tids == ["subgraph-1"]
    rows = saver.conn.execute(
        "SELECT checkpoint_ns, count(*) FROM checkpoints WHERE thread_id = ? GROUP BY checkpoint_ns",
        ("subgraph-1",),
    ).fetchall()
    namespaces = dict(rows)
    assert namespaces.get("", 0) > 0
    sub = [ns for ns in namespaces if ns]
    assert len(sub) == 1 and sub[0].startswith("research:")
    assert namespaces[sub[0]] >= 3
    state = app.get_state(cfg("subgraph-1"))
    assert state.values["notes"] == [
        "plan for time travel",
        "fact about time travel",
        "summary of 2 note(s)",
    ]


def test_fanout_sends_three_workers(saver: SqliteSaver) -> None:
    app, tids = run(fanout, saver, "fanout")
    assert tids == ["fanout-1"]
    history = list(app.get_state_history(cfg("fanout-1")))
    fan = [s for s in history if "worker" in s.next]
    assert len(fan) == 1
    assert fan[0].next.count("worker") == 3
    state = app.get_state(cfg("fanout-1"))
    assert state.next == ()
    assert len(state.values["results"]) == 3
    assert state.values["summary"] == "ALPHA,BETA,GAMMA"


def test_pydantic_state_round_trips_models(saver: SqliteSaver) -> None:
    app, tids = run(pydantic_state, saver, "pydantic")
    assert tids == ["pydantic-1"]
    values = app.get_state(cfg("pydantic-1")).values
    # get_state returns a dict of fields; the nested model and the dataclass come back typed.
    assert isinstance(values["address"], pydantic_state.Address)
    assert isinstance(values["budget"], pydantic_state.Budget)
    order = pydantic_state.Order(**values)
    assert order.status == "shipped"
    assert order.address.city == "DELFT"
    assert order.budget == pydantic_state.Budget(limit=100, spent=20, tags=["priced"])


def test_failing_keeps_sibling_write_and_error(saver: SqliteSaver, monkeypatch) -> None:
    monkeypatch.delenv("LGTT_SAMPLE_FIX", raising=False)
    monkeypatch.setattr(failing, "FIXED", False)
    app, tids = run(failing, saver, "failing")
    assert tids == ["failing-1"]
    state = app.get_state(cfg("failing-1"))
    assert state.next == ("boom",)
    tasks = {t.name: t for t in state.tasks}
    assert set(tasks) == {"ok", "boom"}
    assert tasks["ok"].error is None
    assert "BoomError" in str(tasks["boom"].error)
    assert state.values["log"] == ["prepared order-42", "ok done"]
    # The recorded step (with its checkpoint id) does not show the sibling's write.
    recorded = next(iter(app.get_state_history(cfg("failing-1"))))
    assert recorded.next == ("ok", "boom")
    assert recorded.values["log"] == ["prepared order-42"]

    # Fix and resume: only `boom` re-runs, `ok` is not run twice.
    monkeypatch.setenv("LGTT_SAMPLE_FIX", "1")
    app.invoke(None, cfg("failing-1"))
    done = app.get_state(cfg("failing-1"))
    assert done.next == ()
    assert sorted(done.values["log"]) == sorted(["prepared order-42", "ok done", "boom done"])
    assert done.values["outcome"] == "3 log entries"


def test_delta_channel_rebuilds_full_list(saver: SqliteSaver) -> None:
    app, tids = run(delta, saver, "delta")
    assert tids == ["delta-1"]
    expected = ["start", *(f"event-{i}" for i in range(1, delta.ROUNDS + 1))]
    assert app.get_state(cfg("delta-1")).values["events"] == expected
    tuples = list(saver.list({"configurable": {"thread_id": "delta-1", "checkpoint_ns": ""}}))
    stored = [t.checkpoint["channel_values"].get("events") for t in tuples]
    assert any(isinstance(v, _DeltaSnapshot) for v in stored)
    assert any(v is None for v in stored)  # delta-only checkpoints carry no value
    assert any("counters_since_delta_snapshot" in t.metadata for t in tuples)
    # Every historical state rebuilds to the prefix it had at that step
    # The input checkpoint (step -1) has not applied the input yet, but unlike plain channels a
    # DeltaChannel is never "empty": it reads back as [] rather than being absent.
    history = list(app.get_state_history(cfg("delta-1")))
    assert history[-1].metadata["step"] == -1 and history[-1].values == {"events": []}
    for snap in history[:-1]:
        assert snap.values["events"] == expected[: snap.values["count"] + 1]


def test_async_scenario_with_async_sqlite(db_path: Path) -> None:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async def go() -> tuple[list[str], Any]:
        async with AsyncSqliteSaver.from_conn_string(str(db_path)) as asaver:
            app = compile_with(async_graph, asaver)
            tids = await async_graph.ascenario(app, "async")
            return tids, await app.aget_state(cfg(tids[0]))

    tids, state = asyncio.run(go())
    assert tids == ["async-1"]
    assert state.next == ()
    assert state.values["total_len"] == len("<html>a.example</html>") * 2
    with sqlite3.connect(db_path) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = 'async-1'"
        ).fetchone()
    assert n == 4


def test_demo_builds_every_thread(saver: SqliteSaver) -> None:
    threads = build_demo(saver)
    assert set(threads) == set(SCENARIOS)
    assert threads["steps"] == ["steps-1"]
    assert threads["hitl"] == ["hitl-1", "hitl-2"]
    ids = {row[0] for row in saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert ids == {tid for tids in threads.values() for tid in tids}


def test_demo_main_is_rerunnable(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LGTT_SAMPLE_FIX", raising=False)
    path = tmp_path / "demo.sqlite"
    counts = []
    for _ in range(2):
        assert main([str(path)]) == 0
        out = capsys.readouterr().out.split()
        assert "steps-1" in out and "failing-1" in out
        with sqlite3.connect(path) as conn:
            counts.append(conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0])
    assert counts[0] == counts[1] > 0


def test_package_exports() -> None:
    assert sample_graphs.ASYNC_SCENARIOS == {"async": async_graph}
    assert SCENARIOS["pydantic"] is pydantic_state
