"""One damaged row never hides the rest: rows written by the official savers, then damaged with
plain SQL (bytes, metadata, versions, parent links); every read command still answers for every
other thread exactly as before, marks what it cannot read, and `check` names each damage."""

from __future__ import annotations

import json
import os

import msgpack
import pytest
from conftest import DEMO_THREADS, open_backend
from test_errors_and_safety import assert_one_line_error, lgtt
from test_health import sql

import lgtt as lgtt_api
from lgtt.ops.show import Unreadable

GARBAGE = b"\xc1" + os.urandom(48)  # 0xc1 is never valid msgpack


def _ids(b, tid: str) -> list[str]:
    return [r[0] for r in sql(b, "SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s AND checkpoint_ns = '' "
                                 "ORDER BY checkpoint_id", (tid,))]


def _set_blob(b, tid: str, cid: str, blob: bytes) -> None:
    sql(b, "UPDATE checkpoints SET checkpoint = %s WHERE thread_id = %s AND checkpoint_id = %s", (blob, tid, cid))


def _edit_checkpoint(b, tid: str, cid: str, path: list[str], value: object) -> None:
    """Set one field of the stored checkpoint (SQLite: re-packed msgpack; Postgres: jsonb_set)."""
    if b.kind == "sqlite":
        (blob,), = sql(b, "SELECT checkpoint FROM checkpoints WHERE thread_id = %s AND checkpoint_id = %s", (tid, cid))
        cp = msgpack.unpackb(blob, raw=False, strict_map_key=False)
        target = cp
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        _set_blob(b, tid, cid, msgpack.packb(cp, use_bin_type=True))
    else:
        sql(b, "UPDATE checkpoints SET checkpoint = jsonb_set(checkpoint, %s, %s::jsonb) "
               "WHERE thread_id = %s AND checkpoint_id = %s", (path, json.dumps(value), tid, cid))


def _set_metadata(b, tid: str, cid: str, text: str) -> None:
    cast = "" if b.kind == "sqlite" else "::jsonb"
    value = text.encode() if b.kind == "sqlite" else text
    sql(b, f"UPDATE checkpoints SET metadata = %s{cast} WHERE thread_id = %s AND checkpoint_id = %s", (value, tid, cid))


def _set_parent(b, tid: str, cid: str, parent: str) -> None:
    sql(b, "UPDATE checkpoints SET parent_checkpoint_id = %s WHERE thread_id = %s AND checkpoint_id = %s",
        (parent, tid, cid))


def _damage_head_value(b, tid: str, ids: list[str]) -> None:
    if b.kind == "sqlite":
        _set_blob(b, tid, ids[-1], GARBAGE)
        return
    (version,), = sql(b, "SELECT checkpoint -> 'channel_versions' ->> 'steps_completed' FROM checkpoints "
                         "WHERE thread_id = %s AND checkpoint_id = %s", (tid, ids[-1]))
    sql(b, "UPDATE checkpoint_blobs SET blob = %s WHERE thread_id = %s AND channel = 'steps_completed' "
           "AND version = %s", (GARBAGE, tid, version))


# name -> (backends, damage(backend, thread, ids), check kind, row of the problem, timeline flags it)
CASES = {
    "head_value": (("sqlite", "postgres"), _damage_head_value, "undecodable", -1, "sqlite"),
    "mid_blob": (("sqlite",), lambda b, t, i: _set_blob(b, t, i[3], GARBAGE), "undecodable", 3, "sqlite"),
    "meta_array": (("sqlite", "postgres"), lambda b, t, i: _set_metadata(b, t, i[3], "[1, 2, 3]"), "bad_metadata", 3, "both"),
    "meta_string": (("sqlite", "postgres"), lambda b, t, i: _set_metadata(b, t, i[3], '"str"'), "bad_metadata", 3, "both"),
    "meta_null": (("sqlite", "postgres"), lambda b, t, i: _set_metadata(b, t, i[3], "null"), "bad_metadata", 3, "both"),
    "meta_not_json": (("sqlite",), lambda b, t, i: _set_metadata(b, t, i[3], "{not json"), "bad_metadata", 3, "both"),
    "self_parent": (("sqlite", "postgres"), lambda b, t, i: _set_parent(b, t, i[3], i[3]), "parent_cycle", 3, None),
    "cycle": (("sqlite", "postgres"), lambda b, t, i: _set_parent(b, t, i[2], i[5]), "parent_cycle", 2, None),
    "v_four": (("sqlite", "postgres"), lambda b, t, i: _edit_checkpoint(b, t, i[3], ["v"], "four"), "bad_version", 3, "both"),
    "channel_version_four": (("sqlite", "postgres"),
                             lambda b, t, i: _edit_checkpoint(b, t, i[3], ["channel_versions", "current_step"], "four"),
                             "bad_version", 3, "both"),
}


def _thread(name: str) -> str:
    return f"dmg_{name}-1"


def _snapshot(db) -> dict:
    """Everything the read commands answer, per thread (JSON forms)."""
    threads = {t.thread_id: t.to_json() for t in db.threads()}
    out = {"threads": threads, "timeline": {}, "show": {}}
    for tid in threads:
        out["timeline"][tid] = [e.to_json() for e in db.timeline(tid).entries]
        try:
            out["show"][tid] = db.show(tid).to_json()
        except Unreadable:
            out["show"][tid] = "unreadable"
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def damaged(request, tmp_path_factory):
    """The demo threads plus one copy of the steps scenario per damage case, then every damage applied."""
    from sample_graphs import steps
    from sample_graphs.demo import build_demo

    with open_backend(request.param, tmp_path_factory.mktemp("damaged")) as b:
        build_demo(b.saver)
        app = b.app(steps)
        cases = {n: c for n, c in CASES.items() if b.kind in c[0]}
        for name in cases:
            steps.scenario(app, f"dmg_{name}")
        with lgtt_api.open(b.url) as db:
            before = _snapshot(db)
        ids = {name: _ids(b, _thread(name)) for name in cases}
        for name, (_, damage, *_rest) in cases.items():
            damage(b, _thread(name), ids[name])
        if b.kind == "sqlite":  # edited in place behind LangGraph's back: the bookkeeping cache cannot tell
            lgtt_api.clear_cache(b.url)
        yield b, cases, ids, before


def test_check_names_every_damage_and_nothing_else(damaged):
    b, cases, ids, _ = damaged
    with lgtt_api.open(b.url) as db:
        report = db.check()
    got = {(p.thread_id, p.kind) for p in report.problems}
    expected = {(_thread(n), c[2]) for n, c in cases.items()}
    assert got == expected, [p.line() for p in report.problems]
    for name, (_, _, kind, row, _) in cases.items():
        problems = [p for p in report.problems if p.thread_id == _thread(name)]
        if kind == "undecodable" and b.kind == "postgres":  # a blob row: the namespace, no checkpoint
            assert problems[0].checkpoint_id is None and "steps_completed" in problems[0].detail
        else:
            assert [p.checkpoint_id for p in problems] == [ids[name][row]], name
    assert not any(p.thread_id in DEMO_THREADS for p in report.problems)


def test_every_read_still_answers_for_every_other_thread(damaged):
    b, cases, ids, before = damaged
    with lgtt_api.open(b.url) as db:
        after = _snapshot(db)
        assert set(after["threads"]) == set(before["threads"])
        for tid in DEMO_THREADS:
            assert after["threads"][tid] == before["threads"][tid]
            assert after["timeline"][tid] == before["timeline"][tid]
            assert after["show"][tid] == before["show"][tid]
        for name, (_, _, _kind, row, flags) in cases.items():
            tid = _thread(name)
            rows = after["timeline"][tid]
            assert [r["checkpoint_id"] for r in rows] == ids[name]
            flagged = [r["index"] for r in rows if r["undecodable"]]
            marked = flags == "both" or flags == b.kind
            assert flagged == ([len(rows) + row if row < 0 else row] if marked else []), name
            if marked:
                assert any(tid in w and "undecodable" in w for w in db.warnings)
            head_damaged = marked and row == -1
            assert (after["threads"][tid]["status"] == "damaged") == head_damaged, name
            if not marked:  # a damage that no bookkeeping read needs: rows answer as before
                keep = ("index", "checkpoint_id", "step", "source", "next", "changed")
                assert [{k: r[k] for k in keep} for r in rows] == [{k: r[k] for k in keep} for r in before["timeline"][tid]]
        # metadata filters and a prune plan cover every thread
        assert {t.thread_id for t in db.threads(where=[("source", "loop")])} == set(before["threads"])
        plan = db.prune(keep=2, dry_run=True)
        assert {t.thread_id for t in plan.threads} == set(before["threads"])
        assert {t.thread_id: t.checkpoints for t in plan.threads}["chat-1"] > 2


def test_only_the_damaged_checkpoint_fails_to_show(damaged):
    b, cases, ids, _ = damaged
    with lgtt_api.open(b.url) as db:
        for name, (_, _, kind, row, _flags) in cases.items():
            tid = _thread(name)
            if kind == "parent_cycle":
                assert db.show(tid, row).checkpoint_id == ids[name][row]
                db.compare(tid, "steps-1")
                continue
            if kind == "bad_metadata" and name == "meta_null":
                continue  # LangGraph reads a null metadata as no metadata: the checkpoint shows
            with pytest.raises(Unreadable) as exc:
                db.show(tid, row)
            assert ids[name][row] in exc.value.message and f"db.check({tid!r})" in exc.value.hint  # the API speaks its own words
            others = [i for i in range(len(ids[name])) if i != (row % len(ids[name]))]
            assert db.show(tid, others[0]).checkpoint_id == ids[name][others[0]]


def test_cli_marks_damage_and_exits_0(damaged):
    b, cases, ids, _ = damaged
    proc = lgtt("--db", b.url, "threads", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["thread_id"]: r for r in json.loads(proc.stdout)}
    assert set(DEMO_THREADS) <= set(rows)
    warning = [ln for ln in proc.stderr.splitlines() if "warning" in ln]
    if b.kind == "sqlite":
        assert rows[_thread("head_value")]["status"] == "damaged"
        assert len(warning) == 1 and _thread("head_value") in warning[0] and "lgtt check" in warning[0]
    tid = _thread("v_four")
    proc = lgtt("--db", b.url, "timeline", tid, "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["index"] for r in json.loads(proc.stdout) if r["undecodable"]] == [3]
    assert "undecodable" in proc.stderr and "lgtt check" in proc.stderr
    assert_one_line_error(lgtt("--db", b.url, "show", tid, "3"), ids["v_four"][3], "lgtt check")
    check = lgtt("--db", b.url, "check", "--json")
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert {p["kind"] for p in json.loads(check.stdout)["problems"]} == {c[2] for c in cases.values()}


def test_follow_export_and_ui_read_around_damage(damaged, tmp_path):
    """`timeline --follow` marks the row and the damaged head's status; `export` keeps a damaged row
    as stored (SQLite → SQLite import gives the same bytes); `lgtt ui` lists the thread, draws every
    row and says in the detail pane that the damaged checkpoint cannot be read."""
    import asyncio
    import sqlite3

    from lgtt.tui.app import LgttApp

    b, cases, ids, _ = damaged
    if b.kind != "sqlite":
        pytest.skip("the damaged head's bytes are a SQLite case (Postgres keeps them in blobs)")
    tid = _thread("head_value")
    events = []
    with lgtt_api.open(b.url) as db:
        db.follow(tid, on_event=events.append, timeout=0)
    rows = [e for e in events if e.kind == "row"]
    assert [e.entry.checkpoint_id for e in rows] == ids["head_value"]
    assert rows[-1].entry.undecodable and rows[-1].status == "damaged"
    proc = lgtt("--db", b.url, "timeline", tid, "--follow", "--timeout", "1")  # stops after 1 s
    assert "[undecodable]" in proc.stdout and "(damaged)" in proc.stdout and "Traceback" not in proc.stderr

    out, copy = tmp_path / "dmg.jsonl", tmp_path / "copy.sqlite"
    proc = lgtt("--db", b.url, "export", tid, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    proc = lgtt("import", str(out), "--into", str(copy))
    assert proc.returncode == 0, proc.stderr
    q = "SELECT checkpoint FROM checkpoints WHERE thread_id = ? AND checkpoint_id = ?"
    with sqlite3.connect(b.url) as a, sqlite3.connect(copy) as c:
        assert c.execute(q, (tid, ids["head_value"][-1])).fetchone() == a.execute(q, (tid, ids["head_value"][-1])).fetchone()

    async def flow():
        app = LgttApp(lambda: lgtt_api.open(b.url), tid, poll=3600)
        async with app.run_test(size=(160, 48)) as pilot:
            end = asyncio.get_running_loop().time() + 60
            while not (app.timeline is not None and app.last_detail is not None
                       and app.threads_pane.table.row_count > 0):
                assert asyncio.get_running_loop().time() < end, "timed out waiting for the screen"
                await pilot.pause(0.05)
            assert [r.entry.checkpoint_id for r in app.timeline_pane.rows if not r.ns] == ids["head_value"]
            assert app.selected.entry.undecodable
            text = app.detail.text_of("state")
            assert "cannot be read" in text and ids["head_value"][-1] in text
            assert next(t for t in app.threads_pane.rows if t.thread_id == tid).status == "damaged"

    asyncio.run(flow())


def test_every_version_langgraph_writes_is_a_version():
    """InMemorySaver / PostgresSaver versions end in `f"{random():016}"`: a small draw prints as
    "00000001.234e-05" (about 1 in 10,000 writes), which must not read as a damaged version."""
    import random

    from langgraph.checkpoint.memory import InMemorySaver

    from lgtt.store.common import version_problem

    seed = next(s for s in range(1_000_000) if random.Random(s).random() < 1e-4)
    random.seed(seed)
    version = InMemorySaver().get_next_version("00000000000000000000000000000002.0.5", None)
    assert "e-" in version
    assert version_problem(4, {"a": version, "b": "00000000000000000000000000000001.0.25"}, {"n": {"a": version}}) is None
    assert version_problem(4, {"a": "four"}, {}) is not None
