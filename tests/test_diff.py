"""`lgtt diff` and `lgtt compare` against the states LangGraph's own API returns."""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import jsonpatch
import pytest
from conftest import DEMO_THREADS, require_readable, scenario_module, state_history
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage

import lgtt
from lgtt.jsonform import to_jsonable
from lgtt.ops.diff import changes, json_patch, pointer, summarize, summary_line

ROOT = Path(__file__).resolve().parents[1]


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def lg_states(backend, thread_id: str) -> tuple[list[str], dict[str, dict], dict[str, str | None]]:
    """Checkpoint ids oldest first, their values (JSON form) and parents, from LangGraph's API."""
    require_readable(backend, thread_id)
    app = backend.app(scenario_module(thread_id))
    hist = state_history(app, cfg(thread_id))
    ids = [s.config["configurable"]["checkpoint_id"] for s in hist]
    values = {}
    for cid in ids:  # get_state with the id, as the spec says
        values[cid] = to_jsonable(app.get_state(cfg(thread_id, cid)).values)
    parents = {s.config["configurable"]["checkpoint_id"]:
               s.parent_config["configurable"]["checkpoint_id"] if s.parent_config else None for s in hist}
    return ids, values, parents


def apply(doc: dict, ops: list[dict]) -> dict:
    return jsonpatch.apply_patch(copy.deepcopy(doc), ops)


def check_ops_shape(ops: list[dict]) -> None:
    for op in ops:
        assert op["op"] in ("add", "remove", "replace", "test")  # test: a key the step wrote, value unchanged
        assert op["path"].startswith("/")
        if op["op"] in ("add", "replace", "test"):
            assert "value" in op
        if op["op"] in ("remove", "replace"):
            assert "old" in op


# -- every checkpoint pair of every demo thread -------------------------------------------------------
@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_patch_applies_for_every_step_and_random_pairs(demo, thread_id):
    ids, values, parents = lg_states(demo, thread_id)
    module = scenario_module(thread_id)
    with lgtt.open(demo.url, graph=module.graph) as db:
        for i, cid in enumerate(ids):  # one ref: against its parent
            d = db.diff(thread_id, i)
            check_ops_shape(d.ops)
            before = values[parents[cid]] if parents[cid] else {}
            assert d.b.checkpoint_id == cid
            assert apply(before, d.ops) == values[cid], (thread_id, i)
            changing = [op for op in d.ops if op["op"] != "test"]
            assert (changing == []) == (before == values[cid])
            assert d.summary.startswith("no changes") == (changing == [])
        for i in range(1, len(ids)):  # consecutive in id order (across branches too)
            d = db.diff(thread_id, i - 1, i)
            assert apply(values[ids[i - 1]], d.ops) == values[ids[i]], (thread_id, i)
        rng = random.Random(f"{thread_id}-{demo.kind}")
        for _ in range(15):
            i, j = rng.randrange(len(ids)), rng.randrange(len(ids))
            short = ids[i][-12:]
            ref_i = ids[i] if short.isdigit() else short  # an all-digit ref is an index (see README, REF)
            d = db.diff(thread_id, ref_i, str(j))
            check_ops_shape(d.ops)
            assert apply(values[ids[i]], d.ops) == values[ids[j]], (thread_id, i, j)
            assert d.notes == [] and d.left_out == []


@pytest.mark.parametrize("thread_id", DEMO_THREADS)
def test_without_graph_delta_keys_left_out(demo, thread_id):
    """Without --graph: the patch applies on the recorded values; DeltaChannel keys are left out, with a note."""
    with lgtt.open(demo.url) as db:
        n = len(db.checkpoint_ids(thread_id))
        for i in range(1, n):
            a, b = db.show(thread_id, i - 1), db.show(thread_id, i)
            d = db.diff(thread_id, i - 1, i)
            left = set(a.not_rebuilt) | set(b.not_rebuilt)
            va = {k: v for k, v in a.to_json()["values"].items() if k not in left}
            vb = {k: v for k, v in b.to_json()["values"].items() if k not in left}
            assert apply(va, d.ops) == vb
            assert not any(op["path"].split("/")[1] in left for op in d.ops)
            assert bool(d.notes) == bool(left)
            assert d.left_out == sorted(left)
    if thread_id == "delta-1":
        assert left, "the delta scenario should have a key stored as deltas"


def test_across_threads_with_thread_ref(demo):
    ids_a, values_a, _ = lg_states(demo, "chat-1")
    ids_b, values_b, _ = lg_states(demo, "steps-1")
    with lgtt.open(demo.url) as db:
        d = db.diff("chat-1", "-1", "steps-1:-1")
    assert d.b.thread_id == "steps-1" and d.b.checkpoint_id == ids_b[-1]
    assert apply(values_a[ids_a[-1]], d.ops) == values_b[ids_b[-1]]


def test_identical_states_give_no_ops(demo):
    with lgtt.open(demo.url) as db:
        for tid in DEMO_THREADS:
            d = db.diff(tid, -1, -1)
            assert d.ops == [] and d.changes == [] and d.summary == "no changes"


# -- messages by id ---------------------------------------------------------------------------------------
def test_chat_messages_by_id(demo):
    ids, values, parents = lg_states(demo, "chat-1")
    human2 = next(i for i, cid in enumerate(ids) if any(m["id"] == "human-2" for m in values[cid].get("messages", [])))
    with lgtt.open(demo.url, graph=scenario_module("chat-1").graph) as db:
        d = db.diff("chat-1", human2)
        added = [c for c in d.changes if c.message is not None]
        assert [(c.kind, c.path, c.message["id"]) for c in added] == [("+", "messages[2]", "human-2")]
        assert d.counts["messages_added"] == 1
        assert d.ops == [{"op": "add", "path": "/messages/2", "value": values[ids[human2]]["messages"][2]}]
        whole = db.diff("chat-1", 1, -1)
        assert whole.counts["messages_added"] == 3
        assert {c.message["id"] for c in whole.changes if c.message} == {"ai-1", "human-2", "ai-2"}
        assert apply(values[ids[1]], whole.ops) == values[ids[-1]]
    from lgtt.render.diffview import diff_view
    from lgtt.render.tables import console

    con = console()
    with con.capture() as cap:
        con.print(diff_view(d))
    out = cap.get()
    assert 'HumanMessage id=human-2: "Continue the task"' in out
    assert "1 message added" in out


def _msg(mid, content, kind="ai"):
    return {"content": content, "type": kind, "id": mid, "name": None}


def test_message_removed_and_edited_field_by_field():
    a = {"messages": [_msg("h1", "hi", "human"), _msg("a1", "old answer"), _msg("a2", "gone")]}
    b = {"messages": [_msg("h1", "hi", "human"), _msg("a1", "new answer"), _msg("a3", "fresh")]}
    cs = changes(a, b)
    lines = {(c.kind, c.path, c.message["id"]) for c in cs}
    assert lines == {("-", "messages[2]", "a2"), ("~", "messages[1].content", "a1"), ("+", "messages[2]", "a3")}
    counts = summarize(cs)
    assert counts["messages_added"] == counts["messages_removed"] == counts["messages_edited"] == 1
    assert apply(a, json_patch(a, b)) == b
    # a message removed from the middle: the patch still applies (positional ops)
    c = {"messages": [_msg("h1", "hi", "human"), _msg("a2", "gone")]}
    assert apply(a, json_patch(a, c)) == c
    assert {(x.kind, x.message["id"]) for x in changes(a, c)} == {("-", "a1")}


def test_readable_paths_and_summary():
    a = {"task_progress": {"current_step": 1, "total": 5}, "items": [1, 2, 3], "gone": 1, "text": "x" * 100}
    b = {"task_progress": {"current_step": 2, "total": 5}, "items": [1, 9], "new": {"a": 1}, "text": "y" * 100}
    got = [(c.kind, c.path) for c in changes(a, b)]
    assert got == [("-", "gone"), ("~", "task_progress.current_step"), ("~", "items[1]"), ("-", "items[2]"),
                   ("~", "text"), ("+", "new")]
    assert summary_line(summarize(changes(a, b))) == "3 keys changed, 1 key added, 1 key removed"
    ops = json_patch(a, b)
    assert [o["path"] for o in ops if o["op"] == "remove"] == ["/gone", "/items/2"]
    assert apply(a, ops) == b
    # removals from the highest index down; appends are adds at their index
    assert [o["path"] for o in json_patch({"l": [1, 2, 3, 4]}, {"l": [1]})] == ["/l/3", "/l/2", "/l/1"]
    assert json_patch({"l": [1]}, {"l": [1, 2, 3]}) == [
        {"op": "add", "path": "/l/1", "value": 2}, {"op": "add", "path": "/l/2", "value": 3}]
    assert pointer(("a/b", "c~d", 3)) == "/a~1b/c~0d/3"


# -- property test: random JSON documents ---------------------------------------------------------------
KEYS = st.sampled_from(["a", "b", "c", "x/y", "m~n", "~1", "", "messages"])
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=25)
MESSAGES = st.lists(st.builds(_msg, st.sampled_from(["m1", "m2", "m3", "m4", "m5"]), st.text(max_size=3)),
                    max_size=5, unique_by=lambda m: m["id"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=5), st.dictionaries(KEYS, JSON, max_size=5))
def test_patch_property(a, b):
    ops = json_patch(a, b)
    assert apply(a, ops) == b
    assert json.loads(json.dumps(apply(a, ops))) == json.loads(json.dumps(b))
    assert (ops == []) == (json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True))
    changes(a, b)  # never fails


@settings(max_examples=200, deadline=None)
@given(MESSAGES, MESSAGES)
def test_patch_property_messages(a, b):
    da, db_ = {"messages": a}, {"messages": b}
    assert apply(da, json_patch(da, db_)) == db_
    cs = changes(da, db_)
    ids_a, ids_b = {m["id"] for m in a}, {m["id"] for m in b}
    counts = summarize(cs)
    if a or b:
        assert counts["messages_added"] == len(ids_b - ids_a)
        assert counts["messages_removed"] == len(ids_a - ids_b)


# -- compare -----------------------------------------------------------------------------------------------
def test_compare_identical_independent_runs(backend):
    module = scenario_module("chat-1")
    app = backend.app(module)
    module.scenario(app, "left")
    module.scenario(app, "right")
    with lgtt.open(backend.url) as db:
        c = db.compare("left-1", "right-1")
        n = len(db.timeline("left-1").entries)
        same = db.compare("left-1", "left-1")
    j = c.to_json()
    assert j["common"] == j["divergence_index"] == n and j["identical"]
    assert j["common_same_checkpoint"] == 0
    assert j["divergence_checkpoint_ids"] == [None, None]
    assert j["only_a"] == j["only_b"] == [] and j["diff_at_heads"] == [] and j["diff_at_divergence"] is None
    assert same.common == same.same_ids == n


def test_compare_diverging_runs(backend):
    module = scenario_module("chat-1")
    app = backend.app(module)
    first = {"user_id": "u", "messages": [HumanMessage(content="Start", id="human-1")],
             "task_progress": {"current_step": 0, "total_steps": 5}, "last_checkpoint": ""}
    for tid, second in (("a-1", "Continue"), ("b-1", "Stop now")):
        app.invoke(first, cfg(tid))
        app.invoke({"messages": [HumanMessage(content=second, id="human-2")]}, cfg(tid))
    app.invoke({"messages": [HumanMessage(content="More", id="human-3")]}, cfg("b-1"))
    hist_a = state_history(app, cfg("a-1"))
    hist_b = state_history(app, cfg("b-1"))
    expect = next(i for i, (x, y) in enumerate(zip(hist_a, hist_b, strict=False))
                  if to_jsonable(x.values) != to_jsonable(y.values) or x.next != y.next)
    with lgtt.open(backend.url) as db:
        c = db.compare("a-1", "b-1")
        tl_a = db.timeline("a-1")
    j = c.to_json()
    assert j["common"] == j["divergence_index"] == expect > 0
    assert j["divergence_checkpoint_ids"] == [hist_a[expect].config["configurable"]["checkpoint_id"],
                                              hist_b[expect].config["configurable"]["checkpoint_id"]]
    assert j["only_a"] == [e.to_json() for e in tl_a.entries[expect:]]
    assert len(j["only_b"]) == len(hist_b) - expect
    assert j["a"]["status"] == j["b"]["status"] == "done"
    assert "process_message" in j["b"]["nodes"]
    head_a, head_b = to_jsonable(hist_a[-1].values), to_jsonable(hist_b[-1].values)
    assert apply(head_a, j["diff_at_heads"]) == head_b
    div_a, div_b = to_jsonable(hist_a[expect].values), to_jsonable(hist_b[expect].values)
    assert apply(div_a, j["diff_at_divergence"]) == div_b


def test_compare_branch_from_update_state(backend):
    """A thread forked with update_state from an earlier checkpoint: its head path leaves the old one."""
    module = scenario_module("steps-1")
    app = backend.app(module)
    module.scenario(app, "orig")
    hist = state_history(app, cfg("orig-1"))
    module.scenario(app, "copy")
    fork_at = hist[3].config
    app.update_state(fork_at, {"task_id": "forked"})
    with lgtt.open(backend.url) as db:
        c = db.compare("copy-1", "orig-1")
    assert c.common == 4
    assert c.b.steps == 1 and c.b.entries[0].source == "update"
    assert [op for op in c.at_divergence.ops if op["path"] == "/task_id"][0]["value"] == "forked"


# -- the CLI --------------------------------------------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LGTT_DB", None)
    env.pop("LGTT_GRAPH", None)
    return subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_cli_diff_json_applies(demo):
    ids, values, _ = lg_states(demo, "chat-1")
    proc = run("--db", demo.url, "diff", "chat-1", "1", "-1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert apply(values[ids[1]], json.loads(proc.stdout)) == values[ids[-1]]
    proc = run("--db", demo.url, "diff", "chat-1", "-1", "--json")
    assert proc.returncode == 0 and apply(values[ids[-2]], json.loads(proc.stdout)) == values[ids[-1]]


def test_cli_diff_delta_note_on_stderr(demo):
    proc = run("--db", demo.url, "diff", "delta-1", "-1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "not rebuilt" in proc.stderr and "--graph" in proc.stderr
    json.loads(proc.stdout)


def test_cli_diff_rich(demo):
    proc = run("--db", demo.url, "diff", "chat-1", "0", "-1")
    assert proc.returncode == 0, proc.stderr
    assert "4 keys added" in proc.stdout
    same = run("--db", demo.url, "diff", "chat-1", "-1", "-1")
    assert same.returncode == 0 and "no changes" in same.stdout


def test_cli_compare_json(demo):
    proc = run("--db", demo.url, "compare", "chat-1", "steps-1", "--json")
    assert proc.returncode == 0, proc.stderr
    j = json.loads(proc.stdout)
    for key in ("common", "divergence_index", "divergence_checkpoint_ids", "only_a", "only_b"):
        assert key in j
    assert j["common"] == j["divergence_index"]
    assert len(j["divergence_checkpoint_ids"]) == 2
    rich = run("--db", demo.url, "compare", "chat-1", "steps-1")
    assert rich.returncode == 0 and "common prefix" in rich.stdout


@pytest.mark.parametrize("args", [["diff", "chat-1", "zzzzzz"], ["diff", "chat-1", "0", "nosuch:0"],
                                  ["diff", "chat-1", "999"], ["compare", "chat-1", "nosuch"]])
def test_cli_bad_ref_one_line(demo, args):
    proc = run("--db", demo.url, *args)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lgtt: ") and "Traceback" not in proc.stderr


def test_internal_channels_only_with_internal(demo):
    with lgtt.open(demo.url) as db:
        for i in range(1, len(db.checkpoint_ids("chat-1"))):
            plain, full = db.diff("chat-1", i), db.diff("chat-1", i, internal=True)
            assert not any(op["path"].split("/")[1].startswith(("branch:", "__")) for op in plain.ops)
            a, b = db.show("chat-1", i - 1), db.show("chat-1", i)
            va = {**a.to_json()["values"], **to_jsonable(a.internal)}
            vb = {**b.to_json()["values"], **to_jsonable(b.internal)}
            assert apply(va, full.ops) == vb
        assert any("branch:" in op["path"] for op in db.diff("chat-1", 3, internal=True).ops)
