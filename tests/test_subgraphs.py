"""Subgraph namespaces: timeline/show `next` with --graph, fork of checkpointer=True subgraphs,
and `fork --ns` (time travel inside a subgraph), against LangGraph's own API on both backends."""

from __future__ import annotations

import json

import pytest
import subgraph_apps as apps
from conftest import state_history
from test_errors_and_safety import assert_one_line_error, lgtt

import lgtt as api
from sample_graphs import compile_with, subgraph


def cfg(thread_id: str, ns: str = "", checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def namespaces(backend, thread_id: str) -> list[str]:
    with api.open(backend.url) as db:
        return sorted(db.store.namespaces(thread_id))


@pytest.mark.parametrize("via", ["db", "saver"])
def test_subgraph_timeline_next_with_graph_is_langgraphs(backend, via):
    steps = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(steps, "st-1")
    research = compile_with(subgraph, backend.saver)
    subgraph.scenario(research, "sg")
    for app, thread in ((steps, "st-1"), (research, "sg-1")):
        nss = namespaces(backend, thread)
        assert nss, "the scenario ran a subgraph"
        for ns in nss:
            hist = state_history(app, cfg(thread, ns))
            assert hist, ns
            expected = [list(s.next) for s in hist]
            assert any(expected), "the subgraph's checkpoints have nodes to run"
            for graph in (app, None):
                db = api.open(backend.url, graph=graph) if via == "db" else api.open(saver=backend.saver, graph=graph)
                with db:
                    tl = db.timeline(thread, ns)
                    assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
                    assert [e.next for e in tl.entries] == expected, (ns, graph is not None)
                    assert [db.show(thread, i, ns).next for i in range(len(hist))] == expected
                    assert db.show(thread, None, ns).next == list(app.get_state(cfg(thread, ns)).next)


def test_subgraph_timeline_next_cli(backend):
    app = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(app, "st-1")
    ns = next(n for n in namespaces(backend, "st-1") if "|" in n)  # the nested one
    proc = lgtt("--db", backend.url, "--graph", "tests/subgraph_apps.py:steps_graph", "timeline", "st-1", "--ns", ns, "--json")
    assert proc.returncode == 0, proc.stderr
    assert [e["next"] for e in json.loads(proc.stdout)] == [
        list(s.next) for s in state_history(app, cfg("st-1", ns))]


def copy_thread(backend, src: str, dst: str) -> None:
    """Every row of a thread (all namespaces, writes, blobs) under a new thread id, by plain SQL
    (on Redis: every key of the thread, its documents' thread_id changed)."""
    if backend.kind == "redis":
        copy_redis_thread(backend.url, src, dst)
        return
    if backend.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(backend.url) as conn:
            conn.execute("INSERT INTO checkpoints SELECT ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, "
                         "checkpoint, metadata FROM checkpoints WHERE thread_id = ?", (dst, src))
            conn.execute("INSERT INTO writes SELECT ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, "
                         "type, value FROM writes WHERE thread_id = ?", (dst, src))
        return
    import psycopg

    with psycopg.connect(backend.url) as conn:
        cols = "checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"
        conn.execute(f"INSERT INTO checkpoints (thread_id, {cols}) SELECT %s, {cols} FROM checkpoints "
                     "WHERE thread_id = %s", (dst, src))
        cols = "checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob"
        conn.execute(f"INSERT INTO checkpoint_writes (thread_id, {cols}) SELECT %s, {cols} FROM checkpoint_writes "
                     "WHERE thread_id = %s", (dst, src))
        cols = "checkpoint_ns, channel, version, type, blob"
        conn.execute(f"INSERT INTO checkpoint_blobs (thread_id, {cols}) SELECT %s, {cols} FROM checkpoint_blobs "
                     "WHERE thread_id = %s", (dst, src))


def copy_redis_thread(url: str, src: str, dst: str) -> None:
    import redis

    def rename(key: bytes) -> str:
        prefix, _, rest = key.decode().partition(f":{src}:")
        return f"{prefix}:{dst}:{rest}"

    with redis.Redis.from_url(url) as client:
        for key in list(client.scan_iter(match=f"*:{src}:*")):
            kind = client.type(key)
            if kind == b"ReJSON-RL":
                client.execute_command("JSON.SET", rename(key), "$", client.execute_command("JSON.GET", key, "$")[1:-1])
                client.execute_command("JSON.SET", rename(key), "$.thread_id", json.dumps(dst))
            elif kind == b"zset":
                client.zadd(rename(key), {rename(m): sc for m, sc in client.zrange(key, 0, -1, withscores=True)})
            else:
                client.set(rename(key), rename(client.get(key)))


def ns_count(app, thread_id: str, ns: str) -> int:
    return sum(1 for _ in app.checkpointer.list(cfg(thread_id, ns)))


def branched(app, thread_id: str) -> None:
    """Runs a, b; then a run of x branched from the end of a (b's run is its sibling); then c."""
    apps.run_memory(app, thread_id, "ab")
    end_of_a = next(s for s in app.get_state_history(cfg(thread_id)) if s.values.get("total") == 1 and not s.next)
    app.invoke({"item": "x"}, end_of_a.config)
    apps.run_memory(app, thread_id, "c")


@pytest.mark.parametrize("shape", ["linear", "branched"])
def test_fork_carries_stable_subgraph_state_like_langgraphs_replay(backend, shape):
    """checkpointer=True: fork at every root checkpoint, resume, and compare with LangGraph's replay
    from the same checkpoint on a copy of the thread (root values, and the subgraph's own state)."""
    if backend.kind == "redis":
        pytest.skip("RedisSaver.list() ignores `before`: LangGraph's replay of the copy loads the subgraph's "
                    "newest state, not the one before REF, so it is no reference here")
    app = apps.with_saver(apps.memory_graph, backend.saver)
    if shape == "linear":
        apps.run_memory(app, "m-1", "abc")
    else:
        branched(app, "m-1")
    hist = state_history(app, cfg("m-1"))
    checked = 0
    for i, snap in enumerate(hist):
        ref = snap.config["configurable"]["checkpoint_id"]
        copy_thread(backend, "m-1", f"copy-{i}")
        before = ns_count(app, f"copy-{i}", "memory")
        app.invoke(None, cfg(f"copy-{i}", "", ref))
        ran_memory = ns_count(app, f"copy-{i}", "memory") > before
        with api.open(backend.url, graph=app) as db:
            forked = db.fork("m-1", i, to=f"fork-{i}")
            carried = db.store.namespaces(forked.thread_id).get("memory", (0, None))[0]
            assert db.check([forked.thread_id]).ok
            db.resume(forked.thread_id)
        assert carried == sum(1 for t in app.checkpointer.list(cfg("m-1", "memory"))
                              if t.config["configurable"]["checkpoint_id"] < ref)
        assert app.get_state(cfg(f"fork-{i}")).values == app.get_state(cfg(f"copy-{i}")).values, i
        if ran_memory:
            assert app.get_state(cfg(f"fork-{i}", "memory")).values == app.get_state(cfg(f"copy-{i}", "memory")).values, i
            checked += 1
    assert checked >= 3, "each run's memory step was replayed at least once"


def sub_ns(backend, thread_id: str, nested: bool = False) -> str:
    return next(n for n in namespaces(backend, thread_id) if ("|" in n) == nested)


def index_where(app, thread_id: str, ns: str, pred) -> tuple[int, str]:
    hist = state_history(app, cfg(thread_id, ns))
    i = next(i for i, s in enumerate(hist) if pred(s))
    return i, hist[i].config["configurable"]["checkpoint_id"]


def uninterrupted(backend, bump: int) -> dict:
    app = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(app, f"plain-{bump}", bump=bump)
    return app.get_state(cfg(f"plain-{bump}")).values


@pytest.mark.parametrize("nested", [False, True])
def test_fork_ns_continues_inside_the_subgraph(backend, nested):
    """Fork at a subgraph checkpoint with an edit, resume: the nodes before REF do not run again, and
    the result is the uninterrupted run's whose state at REF had the edited value."""
    app = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(app, "st-1")
    ns = sub_ns(backend, "st-1", nested)
    # after s1 (x = 1 + bump): edit as if bump were 6; in the nested call before i1 (x = (1 + bump) * 10)
    wanted, edit = (("s2",), {"x": 7, "bump": 6}) if not nested else (("i1",), {"x": 100, "bump": 9})
    index, ref_id = index_where(app, "st-1", ns, lambda s: s.next == wanted)
    with api.open(backend.url, graph=app) as db:
        result = db.fork("st-1", ref_id, ns=ns, updates=edit, to="inside")
        assert result.checkpoint_ns == ns and result.next == list(wanted) and result.edited == sorted(edit)
        head = app.get_state(cfg("inside", ns))
        assert head.config["configurable"]["checkpoint_id"] == result.checkpoint_id
        assert head.values["x"] == edit["x"] and head.next == wanted
        apps.RAN.clear()
        resumed = db.resume("inside")
    assert resumed.status == "done", resumed.error
    assert apps.RAN == (["s2", "i1", "s3", "after"] if not nested else ["i1", "s3", "after"]), "nothing before REF re-ran"
    assert app.get_state(cfg("inside")).values == uninterrupted(backend, edit["bump"])


def test_fork_ns_without_edit_replays_nothing_before_ref(backend):
    app = apps.with_saver(apps.steps_graph, backend.saver)
    final = apps.run_steps(app, "st-1")
    ns = sub_ns(backend, "st-1")
    index, ref_id = index_where(app, "st-1", ns, lambda s: s.next == ("nest",))
    with api.open(backend.url, graph=app) as db:
        result = db.fork("st-1", index, ns=ns)
        assert result.thread_id.startswith("st-1_branch_sg_")
        fork_tl = db.timeline(result.thread_id)
        src_tl = db.timeline("st-1")
        # the root path up to the step that ran the subgraph, its head is that step's checkpoint
        assert fork_tl.head.checkpoint_id == result.root_checkpoint_id == app.get_state(
            cfg("st-1", ns, ref_id)).metadata["parents"][""]
        assert [e.checkpoint_id for e in fork_tl.entries] == [e.checkpoint_id for e in src_tl.entries][: len(fork_tl.entries)]
        assert fork_tl.head.next == ["sg"]
        assert db.check([result.thread_id]).ok, db.check([result.thread_id]).problems
        apps.RAN.clear()
        db.resume()  # no THREAD: the most recent fork lgtt made
    assert apps.RAN == ["i1", "s3", "after"]
    assert app.get_state(cfg(result.thread_id)).values == final


def test_fork_ns_of_a_stable_subgraph(backend):
    """checkpointer=True: --ns memory, REF in the third run; the fork carries the namespace's earlier runs."""
    app = apps.with_saver(apps.memory_graph, backend.saver)
    apps.run_memory(app, "m-1", "abc")
    index, ref_id = index_where(app, "m-1", "memory", lambda s: s.next == ("remember",) and s.values["item"] == "c")
    with api.open(backend.url, graph=app) as db:
        db.fork("m-1", ref_id, ns="memory", to="mem", updates={"seen": ["z"]})
        db.resume("mem")
    assert app.get_state(cfg("mem", "memory")).values["seen"] == ["z", "c"]
    assert app.get_state(cfg("mem")).values["log"][-1] == "total 2"


def test_fork_ns_cli_and_errors(backend):
    app = apps.with_saver(apps.steps_graph, backend.saver)
    apps.run_steps(app, "st-1")
    ns = sub_ns(backend, "st-1")
    index, ref_id = index_where(app, "st-1", ns, lambda s: s.next == ("s2",))
    g = ["--db", backend.url, "--graph", "tests/subgraph_apps.py:steps_graph"]
    root_id = next(iter(app.get_state_history(cfg("st-1")))).config["configurable"]["checkpoint_id"]
    assert_one_line_error(lgtt(*g, "fork", "st-1", root_id, "--ns", ns), "in namespace")
    assert_one_line_error(lgtt(*g, "fork", "st-1", "0", "--ns", "nope:123"), "not a subgraph namespace")
    assert_one_line_error(lgtt(*g, "fork", "st-1", "99", "--ns", ns), "out of range")
    assert_one_line_error(lgtt(*g, "fork", "st-1", str(index), "--ns", ns, "--set", "nokey=1"), "not state keys", code=2)
    assert_one_line_error(lgtt(*g, "fork", "st-1", str(index), "--ns", ns, "--as-node", "before", "--set", "x=1"), "not a node", code=2)
    assert [t.thread_id for t in api.open(backend.url).threads()] == ["st-1"], "no thread was created"
    proc = lgtt(*g, "fork", "st-1", str(index), "--ns", ns, "--set", "x=7", "--set", "bump=6", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["checkpoint_ns"] == ns and out["next"] == ["s2"] and out["edited"] == ["bump", "x"]
    assert out["forked_from"] == {"thread_id": "st-1", "checkpoint_id": ref_id, "index": index}
    done = lgtt(*g, "resume", out["thread_id"], "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "done"
    assert app.get_state(cfg(out["thread_id"])).values == uninterrupted(backend, 6)


def test_fork_ns_through_any_saver():
    from langgraph.checkpoint.memory import InMemorySaver

    app = apps.with_saver(apps.steps_graph, InMemorySaver())
    apps.run_steps(app, "st-1")
    with api.open(graph=app) as db:
        ns = next(n for n in db.store.namespaces("st-1") if "|" not in n)
        index, _ = index_where(app, "st-1", ns, lambda s: s.next == ("s2",))
        db.fork("st-1", index, ns=ns, to="mf", updates={"x": 7, "bump": 6})
        apps.RAN.clear()
        db.resume("mf")
    assert apps.RAN == ["s2", "i1", "s3", "after"]
    plain = apps.with_saver(apps.steps_graph, InMemorySaver())
    assert app.get_state(cfg("mf")).values == apps.run_steps(plain, "p", bump=6)


def test_fork_ns_before_an_interrupt_inside_the_subgraph(backend):
    """Fork just before a subgraph's interrupt() with an edit: it fires again with the edited state,
    and answering it finishes the subgraph as an uninterrupted run with that answer."""
    from langgraph.types import Command

    app = apps.with_saver(apps.hitl_graph, backend.saver)
    app.invoke({"x": 1}, cfg("h-1"))
    app.invoke(Command(resume="yes"), cfg("h-1"))
    ns = sub_ns(backend, "h-1")
    index, _ = index_where(app, "h-1", ns, lambda s: s.next == ("ask",))
    with api.open(backend.url, graph=app) as db:
        db.fork("h-1", index, ns=ns, to="hf", updates={"x": 5})
        apps.RAN.clear()
        waiting = db.resume("hf")
        assert waiting.status == "interrupted" and [i["value"] for i in waiting.interrupts] == [{"x": 5}]
        assert apps.RAN == ["ask"], "s1 did not run again"
        done = db.resume("hf", answer="no", has_answer=True)
        assert done.status == "done" and db.check(["hf"]).ok
    app.invoke({"x": 4}, cfg("plain"))  # s1 makes it 5, as the edit did
    app.invoke(Command(resume="no"), cfg("plain"))
    assert app.get_state(cfg("hf")).values == app.get_state(cfg("plain")).values
