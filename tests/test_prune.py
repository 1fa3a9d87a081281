"""`prune` and `delete` on real graphs, both backends: what remains gives the same get_state, dry runs
change nothing, a kill -9 leaves every thread pruned or untouched, a running writer loses nothing."""

from __future__ import annotations

import json
import operator
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import pytest
from conftest import open_backend
from test_errors_and_safety import ROOT, assert_one_line_error, digest, lgtt

from lgtt.ops.prune import CheckpointRow, parse_age, plan_thread

SCENARIO_THREADS = ["delta-1", "hitl-1", "hitl-2", "subgraph-1", "steps-1", "steps-branch"]


def build(b: Any) -> dict[str, Any]:
    """delta, hitl, subgraph, steps and a branched steps thread; returns thread -> compiled app."""
    from sample_graphs import delta, hitl, steps, subgraph

    apps = {}
    for name, module in (("delta", delta), ("hitl", hitl), ("subgraph", subgraph), ("steps", steps)):
        app = b.app(module)
        for tid in module.scenario(app, name):
            apps[tid] = app
    app = b.app(steps)
    steps.scenario(app, "steps-branch-src")
    # A branch: copy steps into a new thread, then update an earlier checkpoint and run on from it.
    cfg = {"configurable": {"thread_id": "steps-branch"}}
    steps.scenario(app, "tmp-steps")
    app.invoke({"task_id": "branch", "steps_completed": [], "current_step": 0, "total_steps": 2}, cfg)
    hist = list(app.get_state_history(cfg))
    fork_cfg = app.update_state(hist[len(hist) // 2].config, {"task_id": "forked"})
    app.invoke(None, fork_cfg)
    apps["steps-branch"] = app
    return apps


def snapshot(app: Any, tid: str) -> tuple:
    s = app.get_state({"configurable": {"thread_id": tid}})
    tasks = [(t.id, t.name, repr(t.error), [(i.id, i.value) for i in t.interrupts]) for t in s.tasks]
    return (s.values, s.next, tasks, [(i.id, i.value) for i in s.interrupts], s.config["configurable"]["checkpoint_id"])


def root_count(b: Any, tid: str) -> int:
    return len(list(b.saver.list({"configurable": {"thread_id": tid, "checkpoint_ns": ""}})))


def prune_cli(b: Any, *args: str) -> dict:
    proc = lgtt("--db", b.url, "prune", *args, "--yes", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def pg_rows_hash(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return "|".join(str(conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t").fetchone())
            for table in ("checkpoints", "checkpoint_writes", "checkpoint_blobs"))


def fingerprint(b: Any) -> Any:
    if b.kind == "sqlite":
        b.close()  # so the saver's connection leaves nothing pending in the WAL
        return digest(Path(b.url))
    return pg_rows_hash(b.url)


# -- the plan, unit level ------------------------------------------------------------------------
def row(cid: str, parent: str | None, *, ns: str = "", ts: str = "2020-01-01T00:00:00+00:00", v: int = 4,
        root: str | None = None, delta: bool = False) -> CheckpointRow:
    return CheckpointRow(ns, cid, parent, ts, v, root, delta, 10)


def test_plan_keep_delta_sends_and_subgraphs():
    rows = [row("01", None), row("02", "01"), row("03", "02", delta=True), row("04", "03", delta=True),
            row("05", "04"), row("06", "05", v=3), row("07", "06"),
            row("x1", None, ns="sub:abc", root="02"), row("x2", "x1", ns="sub:abc", root="02"),
            row("y1", None, ns="persistent", root="02")]
    d = plan_thread(rows, keep=1, cutoff=None)
    assert d.deleted == {("", c) for c in ("01", "02", "03", "04", "05", "06")} | {("sub:abc", "x1"), ("sub:abc", "x2")}
    assert d.orphaned == {("", "07")}
    d = plan_thread(rows, keep=2, cutoff=None)  # 06 is pre-v4: its parent 05 holds its sends
    assert ("", "05") not in d.deleted and ("", "04") in d.deleted and d.kept_for_deps == 1
    d = plan_thread([row("01", None), row("02", "01"), row("03", "02", delta=True), row("04", "03", delta=True)],
                    keep=1, cutoff=None)  # DeltaChannel: back to the snapshot (02, no counters)
    assert d.deleted == {("", "01")} and d.orphaned == {("", "02")} and d.kept_for_deps == 2


def test_plan_older_than():
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    old, new = "2020-01-01T00:00:00+00:00", now.isoformat()
    rows = [row("01", None, ts=old), row("02", "01", ts=old), row("03", "02", ts=new), row("04", "03", ts=old)]
    cutoff = now - parse_age("30d")
    assert plan_thread(rows, None, cutoff).deleted == {("", "01"), ("", "02")}  # 03 is new, 04 the latest
    assert plan_thread(rows, 3, cutoff).deleted == {("", "01")}  # both must hold
    assert plan_thread(rows[:1], None, now).deleted == set()  # a thread's latest stays
    assert plan_thread([row("01", None, ts=None), row("02", "01")], None, now).deleted == set()  # unknown ts stays
    assert parse_age("12h").total_seconds() == 43200 and parse_age("90m").total_seconds() == 5400


# -- real graphs, both backends -----------------------------------------------------------------
@pytest.mark.parametrize("keep", [1, 2])
def test_prune_keeps_every_state(backend, keep):
    apps = build(backend)
    threads = sorted({t for t in apps} | {"steps-branch-src-1", "tmp-steps-1"})
    before = {t: snapshot(apps.get(t, apps["steps-1"]), t) for t in threads}
    counts = {t: root_count(backend, t) for t in threads}
    out = prune_cli(backend, "--keep", str(keep))
    assert out["threads"] == len(threads) and out["checkpoints_deleted"] > 0 and out["writes_deleted"] > 0
    if backend.kind == "postgres":
        assert out["blobs_deleted"] > 0
    per = {p["thread_id"]: p for p in out["per_thread"]}
    for t in threads:
        app = apps.get(t, apps["steps-1"])
        assert snapshot(app, t) == before[t], t
        hist = list(app.get_state_history({"configurable": {"thread_id": t}}))
        assert len(hist) == root_count(backend, t)
        if t != "delta-1":
            assert len(hist) == min(keep, counts[t]), t
        else:
            # the head is a snapshot; the one before it counts deltas back to an older snapshot
            assert len(hist) == keep + per[t]["kept_for_dependencies"]
            assert per[t]["kept_for_dependencies"] > 0 or keep == 1
        assert lgtt("--db", backend.url, "timeline", t, "--all", "--json").returncode == 0
        assert hist[-1].parent_config is None  # the oldest kept one's parent link was set to NULL
    check = lgtt("--db", backend.url, "check", "--json")
    assert check.returncode == 0, check.stdout
    assert prune_cli(backend, "--keep", str(keep))["checkpoints_deleted"] == 0  # pruning again changes nothing
    # what remains resumes: the interrupted thread finishes with LangGraph's own API
    from langgraph.types import Command

    cfg = {"configurable": {"thread_id": "hitl-1"}}
    apps["hitl-1"].invoke(Command(resume="yes"), cfg)
    assert apps["hitl-1"].get_state(cfg).values["final"].startswith("Draft")


def test_dry_run_changes_nothing(backend):
    build(backend)
    if backend.kind == "sqlite":
        backend.saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = fingerprint(backend)
    proc = lgtt("--db", backend.url, "prune", "--keep", "1", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["dry_run"] and plan["checkpoints_deleted"] > 0
    assert lgtt("--db", backend.url, "delete", "hitl-1", "--dry-run").returncode == 0
    assert fingerprint(backend) == before
    # the real run deletes exactly what the plan said
    out = prune_cli(backend, "--keep", "1")
    for k in ("checkpoints_deleted", "writes_deleted", "blobs_deleted", "bytes_freed"):
        assert out[k] == plan[k], k


def test_older_than(backend):
    apps = build(backend)
    before = {t: snapshot(a, t) for t, a in apps.items()}
    assert prune_cli(backend, "--older-than", "30d")["checkpoints_deleted"] == 0  # everything is new
    out = prune_cli(backend, "hitl-2", "delta-1", "--older-than", "0m")  # everything is older than now
    assert out["checkpoints_deleted"] > 0
    assert root_count(backend, "hitl-2") == 1  # the latest stays
    assert root_count(backend, "steps-1") > 1  # not named: untouched
    for t, a in apps.items():
        assert snapshot(a, t) == before[t], t


def test_refusals_and_unknown_threads(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        build(b)
        b.close()
        path = Path(b.url)
        before = digest(path)
        assert_one_line_error(lgtt("--db", b.url, "prune", "--keep", "1"), "--yes", code=2)
        assert_one_line_error(lgtt("--db", b.url, "delete", "hitl-1"), "--yes", code=2)
        assert_one_line_error(lgtt("--db", b.url, "prune", "--yes"), "--keep", code=2)
        assert_one_line_error(lgtt("--db", b.url, "prune", "--older-than", "3w", "--yes"), "older-than", code=2)
        assert_one_line_error(lgtt("--db", b.url, "prune", "hitl-1", "nope", "--keep", "1", "--yes"), "nope", code=1)
        assert_one_line_error(lgtt("--db", b.url, "delete", "hitl-1", "nope", "--yes"), "nope", code=1)
        assert_one_line_error(lgtt("--saver", "langgraph.checkpoint.memory:InMemorySaver", "prune", "--keep", "1",
                                   "--yes"), "SQLite or PostgreSQL")
        assert digest(path) == before


def test_delete_threads_and_where(backend):
    from sample_graphs import hitl

    app = backend.app(hitl)
    for tid, user in (("u-1", "alice"), ("u-2", "alice"), ("u-3", "bob")):
        app.invoke({"draft": tid}, {"configurable": {"thread_id": tid, "user_id": user}})
    bob = snapshot(app, "u-3")
    proc = lgtt("--db", backend.url, "delete", "--where", "user_id=alice", "--yes", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["threads"] == 2 and out["checkpoints_deleted"] == 6 and out["writes_deleted"] > 0
    for tid in ("u-1", "u-2"):
        assert app.get_state({"configurable": {"thread_id": tid}}).values == {}
    assert snapshot(app, "u-3") == bob
    proc = lgtt("--db", backend.url, "delete", "u-3", "--yes", "--json", "--vacuum")
    assert proc.returncode == 0 and json.loads(proc.stdout)["vacuum"] == "vacuum"
    assert lgtt("--db", backend.url, "threads", "--json").stdout.strip() == "[]"
    if backend.kind == "postgres":
        import psycopg

        with psycopg.connect(backend.url) as conn:
            assert conn.execute("SELECT count(*) FROM checkpoint_blobs").fetchone()[0] == 0


# -- crash safety and a concurrent writer ----------------------------------------------------------
COPIES = 3000


def _many_threads(path: Path) -> dict[str, int]:
    """COPIES SQL copies of chat-1 (10 checkpoints); returns thread -> checkpoints."""
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT, capture_output=True)
    conn = sqlite3.connect(path)
    with conn:
        for i in range(COPIES):
            t = f"copy-{i:05d}"
            conn.execute("INSERT INTO checkpoints SELECT ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, "
                         "checkpoint, metadata FROM checkpoints WHERE thread_id = 'chat-1'", (t,))
            conn.execute("INSERT INTO writes SELECT ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, "
                         "type, value FROM writes WHERE thread_id = 'chat-1'", (t,))
    counts = dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id").fetchall())
    conn.close()
    return counts


def test_kill_9_mid_prune_leaves_threads_whole(tmp_path):
    path = tmp_path / "many.sqlite"
    counts = _many_threads(path)
    total = sum(counts.values())
    writes_per = dict(sqlite3.connect(path).execute("SELECT thread_id, count(*) FROM writes GROUP BY thread_id"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "lgtt", "--db", str(path), "prune", "--keep", "1", "--yes"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watch = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if watch.execute("SELECT count(*) FROM checkpoints").fetchone()[0] < total:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    watch.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints WHERE checkpoint_ns = '' GROUP BY thread_id"))
    all_ns = dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id"))
    writes = dict(conn.execute("SELECT thread_id, count(*) FROM writes GROUP BY thread_id"))
    conn.close()
    pruned = [t for t in counts if after.get(t) == 1]
    untouched = [t for t in counts if all_ns.get(t) == counts[t] and writes.get(t, 0) == writes_per.get(t, 0)]
    assert set(pruned) | set(untouched) == set(counts)
    assert pruned and [t for t in untouched if after.get(t) != 1], "the kill was not mid-way"
    assert lgtt("--db", str(path), "check").returncode == 0
    assert lgtt("--db", str(path), "prune", "--keep", "1", "--yes").returncode == 0  # finishing it is safe


def test_writer_during_prune_loses_nothing(backend):
    """A run appends checkpoints to one thread while prune --keep 1 runs over every thread."""
    from langgraph.graph import END, START, StateGraph
    from typing_extensions import TypedDict

    class S(TypedDict, total=False):
        items: Annotated[list, operator.add]
        n: int

    def step(s: S) -> dict:
        time.sleep(0.002)
        return {"items": [s.get("n", 0)], "n": s.get("n", 0) + 1}

    g = StateGraph(S)
    g.add_node("step", step)
    g.add_edge(START, "step")
    g.add_conditional_edges("step", lambda s: "step" if s["n"] < 400 else END, ["step", END])
    build(backend)
    # the writer gets its own connection, as a separate app process would
    if backend.kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        wconn = sqlite3.connect(backend.url, check_same_thread=False, timeout=30)
        saver = SqliteSaver(wconn)
    else:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        wconn = psycopg.connect(backend.url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        saver = PostgresSaver(wconn)
    app = g.compile(checkpointer=saver)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            app.invoke({"n": 0}, {"configurable": {"thread_id": "live"}, "recursion_limit": 10_000})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=run)
    writer.start()
    time.sleep(0.3)
    for _ in range(3):
        assert lgtt("--db", backend.url, "prune", "--keep", "1", "--yes").returncode == 0
    writer.join()
    assert not errors, errors
    steps = sorted(c.metadata["step"] for c in saver.list({"configurable": {"thread_id": "live", "checkpoint_ns": ""}}))
    # what survives is the newest run of steps without a gap: nothing written after a plan was lost
    assert steps == list(range(steps[0], steps[-1] + 1)) and steps[-1] == 400
    assert len(steps) < 402  # and the prune did delete older ones
    state = app.get_state({"configurable": {"thread_id": "live"}})
    assert state.values["items"] == list(range(400)) and state.next == ()
    wconn.close()
