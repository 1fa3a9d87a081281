"""`stats` and `check` against direct SQL and LangGraph's API; `check` finds damage injected with plain SQL."""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Annotated, Any

import pytest
from conftest import DEMO_THREADS, scenario_module
from test_errors_and_safety import assert_one_line_error, digest, lgtt
from typing_extensions import TypedDict

import lgtt as lgtt_api


def cfg(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


def sql(backend, query: str, params: tuple = ()) -> list[tuple]:
    """Run SQL on the test database with the connection the official saver uses."""
    if backend.kind == "sqlite":
        conn = backend.saver.conn
        rows = conn.execute(query.replace("%s", "?"), params).fetchall()
        conn.commit()
        return rows
    cur = backend.saver.conn.execute(query, params)
    return [tuple(r.values()) for r in cur.fetchall()] if cur.description else []


WRITES = {"sqlite": "writes", "postgres": "checkpoint_writes"}


def fill(backend) -> None:
    from sample_graphs.demo import build_demo

    build_demo(backend.saver)


def run_check(backend, *threads: str):
    with lgtt_api.open(backend.url) as db:
        return db.check(threads)


def cli_check(backend, *threads: str):
    return lgtt("--db", backend.url, "check", *threads)


def kinds(report) -> set[str]:
    return {p.kind for p in report.problems}


def assert_cli_lists(backend, report) -> None:
    """Exit 1, one line per problem (then notes and a summary), and the same problems in --json."""
    proc = cli_check(backend)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    problems = [ln for ln in lines if ln.startswith("thread ")]
    assert len(problems) == len(report.problems), proc.stdout
    assert "problem(s)" in lines[-1]
    as_json = lgtt("--db", backend.url, "check", "--json")
    assert as_json.returncode == 1
    doc = json.loads(as_json.stdout)
    assert doc["ok"] is False
    assert len(doc["problems"]) == len(report.problems)
    assert set(doc["problems"][0]) == {"kind", "thread_id", "checkpoint_ns", "checkpoint_id", "detail"}


# -- stats --------------------------------------------------------------------------
def test_stats_matches_sql_and_langgraph(demo):
    with lgtt_api.open(demo.url) as db:
        s = db.stats(top=100)
    lg_threads = {t.config["configurable"]["thread_id"] for t in demo.saver.list(None)}
    assert s.threads == len(lg_threads) == len(DEMO_THREADS)
    (n_cp,), = sql(demo, "SELECT count(*) FROM checkpoints")
    (n_w,), = sql(demo, f"SELECT count(*) FROM {WRITES[demo.kind]}")
    assert s.checkpoints == n_cp
    assert s.writes == n_w
    if demo.kind == "postgres":
        (n_b,), = sql(demo, "SELECT count(*) FROM checkpoint_blobs")
        assert s.blobs == n_b
    else:
        assert s.blobs is None
    assert len(s.top_threads) == len(DEMO_THREADS)
    sizes = [t["bytes"] for t in s.top_threads]
    assert sizes == sorted(sizes, reverse=True) and all(b > 0 for b in sizes)
    for t in s.top_threads:
        app = demo.app(scenario_module(t["thread_id"]))
        assert t["checkpoints"] == len(list(app.get_state_history(cfg(t["thread_id"]))))
    assert s.size_bytes > 0
    assert 0 < s.checkpoint_bytes_avg <= s.largest_checkpoint["bytes"]
    if demo.kind == "sqlite":
        (biggest,), = sql(demo, "SELECT max(length(checkpoint) + length(metadata)) FROM checkpoints")
        assert s.largest_checkpoint["bytes"] == biggest
    assert not any(k.key.startswith(("__", "branch:")) for k in s.keys)
    with lgtt_api.open(demo.url) as db:
        assert len(db.stats(top=3).top_threads) == 3


class BigState(TypedDict, total=False):
    blob: str
    notes: Annotated[list, lambda a, b: a + b]
    n: int


def _big_graph():
    from langgraph.graph import END, START, StateGraph

    def grow(state: BigState) -> dict[str, Any]:
        n = state.get("n", 0) + 1
        return {"blob": "x" * 20_000 + str(n), "notes": [f"note {n}"], "n": n}

    b = StateGraph(BigState)
    b.add_node("grow", grow)
    b.add_edge(START, "grow")
    b.add_conditional_edges("grow", lambda s: "grow" if s["n"] < 5 else END, ["grow", END])
    return b


def test_stats_ranks_the_biggest_key_first(backend):
    app = _big_graph().compile(checkpointer=backend.saver)
    for i in range(3):
        app.invoke({"n": 0, "notes": []}, cfg(f"big-{i}"))
    with lgtt_api.open(backend.url) as db:
        s = db.stats()
    assert s.keys[0].key == "blob"
    assert s.keys[0].max_bytes >= 20_000
    assert {k.key for k in s.keys} >= {"blob", "notes", "n"}
    assert s.threads == 3


def test_stats_cli_json_leaves_sqlite_bytes(tmp_path):
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs.demo import build_demo

    path = tmp_path / "demo.sqlite"
    conn = sqlite3.connect(path, check_same_thread=False)
    build_demo(SqliteSaver(conn))
    conn.close()
    before = digest(path)
    proc = lgtt("--db", str(path), "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["threads"] == len(DEMO_THREADS)
    assert doc["size_bytes"] >= os.stat(path).st_size
    assert doc["keys"] and "sampled" in doc and "key_sizes_from" in doc
    text = lgtt("--db", str(path), "stats")
    assert text.returncode == 0 and "state keys by size" in text.stdout
    assert lgtt("--db", str(path), "check").returncode == 0
    assert digest(path) == before


# -- check: clean ----------------------------------------------------------------------
def test_check_clean_on_demo(demo):
    report = run_check(demo)
    assert report.ok, [p.line() for p in report.problems]
    (n_cp,), = sql(demo, "SELECT count(*) FROM checkpoints")
    assert report.threads == len(DEMO_THREADS)
    assert report.checkpoints == n_cp
    proc = cli_check(demo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"no problems in {len(DEMO_THREADS)} threads, {n_cp} checkpoints" in proc.stdout
    one = lgtt("--db", demo.url, "check", "chat-1", "--json")
    assert one.returncode == 0
    assert json.loads(one.stdout)["threads"] == 1


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_check_clean_on_fresh_runs_with_graph_rebuild(backend, thread_id):
    module = scenario_module(thread_id)
    module.scenario(backend.app(module), thread_id.rsplit("-", 1)[0])
    with lgtt_api.open(backend.url, graph=module.graph) as db:
        report = db.check()
    assert report.ok, [p.line() for p in report.problems]
    assert report.threads >= 1


def test_check_unknown_thread_is_one_line_error(demo):
    assert_one_line_error(cli_check(demo, "no-such-thread"), "not found", "no-such-thread")


# -- check: damage -----------------------------------------------------------------------
def _root_ids(backend, thread_id: str) -> list[tuple[str, str | None]]:
    return [(r[0], r[1]) for r in sql(
        backend, "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints "
                 "WHERE thread_id = %s AND checkpoint_ns = '' ORDER BY checkpoint_id", (thread_id,))]


def _delete_checkpoint(backend, thread_id: str, cid: str, keep_writes: bool = False) -> None:
    sql(backend, "DELETE FROM checkpoints WHERE thread_id = %s AND checkpoint_id = %s", (thread_id, cid))
    if not keep_writes:
        sql(backend, f"DELETE FROM {WRITES[backend.kind]} WHERE thread_id = %s AND checkpoint_id = %s",
            (thread_id, cid))


BLOB_ONLY = {"orphan_blobs"}  # a deleted checkpoint may leave blob versions only it referenced


def test_check_finds_dangling_parent(backend):
    fill(backend)
    rows = _root_ids(backend, "chat-1")
    victim, child = rows[3][0], rows[4][0]
    _delete_checkpoint(backend, "chat-1", victim)
    report = run_check(backend)
    dangling = [p for p in report.problems if p.kind == "dangling_parent"]
    assert [(p.thread_id, p.checkpoint_id) for p in dangling] == [("chat-1", child)]
    assert victim in dangling[0].detail
    assert kinds(report) <= {"dangling_parent"} | BLOB_ONLY
    assert_cli_lists(backend, report)


def test_check_finds_orphan_writes(backend):
    fill(backend)
    (cid,), = sql(backend, f"SELECT max(checkpoint_id) FROM {WRITES[backend.kind]} "
                           "WHERE thread_id = 'hitl-1' AND checkpoint_ns = ''")
    _delete_checkpoint(backend, "hitl-1", cid, keep_writes=True)
    report = run_check(backend)
    orphans = [p for p in report.problems if p.kind == "orphan_writes"]
    assert [(p.thread_id, p.checkpoint_id) for p in orphans] == [("hitl-1", cid)]
    assert kinds(report) <= {"orphan_writes", "dangling_parent"} | BLOB_ONLY
    assert any("live database" in n for n in report.notes)
    assert_cli_lists(backend, report)


def test_check_finds_undecodable_rows(backend):
    fill(backend)
    garbage = b"\xc1" + os.urandom(64)  # 0xc1 is never valid msgpack
    (cid,), = sql(backend, "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = 'steps-1'")
    if backend.kind == "sqlite":
        sql(backend, "UPDATE checkpoints SET checkpoint = ? WHERE thread_id = 'steps-1' AND checkpoint_id = ?",
            (garbage, cid))
    else:  # the checkpoint itself is jsonb: damage a state value blob instead
        sql(backend, "UPDATE checkpoint_blobs SET blob = %s WHERE thread_id = 'steps-1' AND channel = "
                     "(SELECT min(channel) FROM checkpoint_blobs WHERE thread_id = 'steps-1' AND type = 'msgpack' "
                     "AND channel NOT LIKE '\\_\\_%%') AND type = 'msgpack'", (garbage,))
    (wcid, task, idx), = sql(backend, f"SELECT checkpoint_id, task_id, idx FROM {WRITES[backend.kind]} "
                                      "WHERE thread_id = 'chat-1' ORDER BY checkpoint_id, task_id, idx LIMIT 1")
    sql(backend, f"UPDATE {WRITES[backend.kind]} SET type = 'msgpack', "
                 f"{'value' if backend.kind == 'sqlite' else 'blob'} = %s "
                 "WHERE thread_id = 'chat-1' AND checkpoint_id = %s AND task_id = %s AND idx = %s",
        (garbage, wcid, task, idx))
    report = run_check(backend)
    assert kinds(report) == {"undecodable"}
    bad = {(p.thread_id, p.checkpoint_id) for p in report.problems}
    assert ("chat-1", wcid) in bad
    if backend.kind == "sqlite":
        assert bad == {("chat-1", wcid), ("steps-1", cid)}
    else:
        assert any(p.thread_id == "steps-1" and "blob" in p.detail for p in report.problems)
    assert all("does not decode" in p.detail for p in report.problems)
    assert_cli_lists(backend, report)


def test_check_finds_missing_postgres_blob(backend):
    if backend.kind != "postgres":
        pytest.skip("SQLite stores every value inline")
    fill(backend)
    (version,), = sql(backend, "SELECT min(version) FROM checkpoint_blobs WHERE thread_id = 'chat-1' "
                               "AND channel = 'messages'")
    referencing = {r[0] for r in sql(backend, "SELECT checkpoint_id FROM checkpoints WHERE thread_id = 'chat-1' "
                                              "AND checkpoint -> 'channel_versions' ->> 'messages' = %s", (version,))}
    assert referencing
    sql(backend, "DELETE FROM checkpoint_blobs WHERE thread_id = 'chat-1' AND channel = 'messages' AND version = %s",
        (version,))
    report = run_check(backend)
    assert kinds(report) == {"missing_blob"}
    assert {p.checkpoint_id for p in report.problems} == referencing
    assert all("messages" in p.detail for p in report.problems)
    assert_cli_lists(backend, report)


def test_check_finds_broken_delta_chain(backend):
    from sample_graphs import delta

    delta.scenario(backend.app(delta), "delta")
    assert run_check(backend).ok
    rows = _root_ids(backend, "delta-1")
    if backend.kind == "sqlite":
        meta = {r[0]: json.loads(r[1]) for r in sql(backend, "SELECT checkpoint_id, metadata FROM checkpoints")}
    else:
        meta = {r[0]: r[1] for r in sql(backend, "SELECT checkpoint_id, metadata FROM checkpoints")}
    # the first snapshot: a checkpoint without counters after one with them
    snapshot = next(cid for cid, _ in rows[1:] if "counters_since_delta_snapshot" not in meta[cid])
    after = rows[[c for c, _ in rows].index(snapshot) + 1][0]
    _delete_checkpoint(backend, "delta-1", snapshot)
    report = run_check(backend)
    broken = [p for p in report.problems if p.kind == "delta_chain_broken"]
    assert [(p.checkpoint_id, "'events'" in p.detail) for p in broken] == [(after, True)]
    assert kinds(report) <= {"delta_chain_broken", "dangling_parent"} | BLOB_ONLY
    assert_cli_lists(backend, report)
