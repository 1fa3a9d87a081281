"""Databases written by older LangGraph releases (tests/fixtures/old, built by build.sh there):
lgtt on the database as the old release left it (never migrated) and on a migrated copy, against
LangGraph 1.x's own get_state / get_state_history / invoke on a migrated copy."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from conftest import pg_database
from test_errors_and_safety import assert_one_line_error, lgtt

import lgtt as api
from lgtt.errors import LgttError
from lgtt.jsonform import to_jsonable

FIXTURES = Path(__file__).parent / "fixtures" / "old"
sys.path.insert(0, str(FIXTURES))
import old_graphs  # noqa: E402

# era -> (langgraph release, checkpoint format it writes)
ERAS = {"lg0250": ("0.2.50", 2), "lg04": ("0.4.8", 3), "lg06": ("0.6.11", 4)}
THREADS = ["steps-1", "steps-2", "chat-1", "hitl-1", "hitl-2", "stopped-1", "fanout-1", "subgraph-1", "failing-1"]
STRAY = "stored by LangGraph before 1.0"


@dataclass
class OldDb:
    era: str
    kind: str
    url: str        # what lgtt reads: the old database as written (or the migrated copy)
    ref_url: str    # a copy LangGraph 1.x migrated (setup()), for the reference answers
    ref_saver: Any
    migrated: bool  # whether `url` itself has been migrated

    def app(self, thread_id: str) -> Any:
        return old_graphs.graph_of(thread_id).copy(update={"checkpointer": self.ref_saver})


def load_dump(url: str, era: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / f"{era}.pg.sql").read_text())


@contextmanager
def open_old(era: str, kind: str, tmp: Path, migrated: bool = False) -> Iterator[OldDb]:
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        read, ref = tmp / f"{era}.sqlite", tmp / f"{era}-ref.sqlite"
        shutil.copy(FIXTURES / f"{era}.sqlite", read)
        shutil.copy(FIXTURES / f"{era}.sqlite", ref)
        conn = sqlite3.connect(ref, check_same_thread=False)
        saver = SqliteSaver(conn)
        saver.setup()  # LangGraph's migration, on the reference copy only
        try:
            yield OldDb(era, kind, str(ref if migrated else read), str(ref), saver, migrated)
        finally:
            conn.close()
        return
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    with pg_database() as read, pg_database() as ref:
        load_dump(read, era)
        load_dump(ref, era)
        conn = psycopg.connect(ref, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        saver = PostgresSaver(conn)
        saver.setup()
        try:
            yield OldDb(era, kind, ref if migrated else read, ref, saver, migrated)
        finally:
            conn.close()


@pytest.fixture(scope="module", params=[(e, k) for e in ERAS for k in ("sqlite", "postgres")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def old(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OldDb]:
    """Read-only tests share one copy per era and backend; lgtt reads the unmigrated database."""
    era, kind = request.param
    with open_old(era, kind, tmp_path_factory.mktemp(f"{era}-{kind}")) as db:
        yield db


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def history(old: OldDb, thread_id: str) -> list[Any]:
    return list(reversed(list(old.app(thread_id).get_state_history(cfg(thread_id)))))


def stored_writes(old: OldDb, thread_id: str, checkpoint_id: str) -> list[tuple[str, str, Any]]:
    return list(old.ref_saver.get_tuple(cfg(thread_id, checkpoint_id)).pending_writes or [])


def stray(snap: Any, writes: list[tuple[str, str, Any]]) -> list[dict]:
    """Interrupt writes LangGraph 1.x attaches to none of its tasks (old task ids)."""
    ids = {t.id for t in snap.tasks}
    out = []
    for task, chan, value in writes:
        if chan == "__interrupt__" and task not in ids:
            for i in value if isinstance(value, (list, tuple)) else [value]:
                out.append({"id": i.id, "value": to_jsonable(i.value)})
    return out


def flagged_incomplete(view: Any) -> bool:
    return any("may be incomplete" in n for n in view.notes)


# -- reads -------------------------------------------------------------------------------------


def test_fixtures_are_the_old_formats(old):
    """The fixtures hold what the old releases wrote: format version, old channel names, no task_path."""
    release, version = ERAS[old.era]
    assert release in (FIXTURES / f"{old.era}.versions.txt").read_text()
    with api.open(old.url) as db:
        rows = db.store.bookkeeping("hitl-1")
        assert {r.v for r in rows} == {version}
        if version < 3:
            assert any(c.startswith("start:") for r in rows for c in r.channel_versions)
            assert any(c == "write_draft" for r in rows for c in r.channel_versions)
        if old.era == "lg0250":
            assert db.store.has_task_path is False
    if old.era == "lg0250":
        assert "writes" in history(old, "hitl-1")[-1].metadata  # metadata `writes` of the 0.2 era


@pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
def test_timeline_matches_get_state_history(old, with_graph):
    checked = exact = 0
    flagged = []
    for tid in THREADS:
        hist = history(old, tid)
        with api.open(old.url, graph=old_graphs.graph_of(tid) if with_graph else None) as db:
            tl = db.timeline(tid)
            assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
            for i, (e, snap) in enumerate(zip(tl.entries, hist, strict=True)):
                parent = snap.parent_config["configurable"]["checkpoint_id"] if snap.parent_config else None
                assert (e.parent_id, e.step, e.source, e.created_at) == (
                    parent, snap.metadata["step"], snap.metadata["source"], snap.created_at)
                checked += 1
                if with_graph:
                    assert e.next == list(snap.next), (tid, i)
                elif Counter(e.next) == Counter(snap.next):
                    exact += 1
                    assert not e.next_incomplete or (not e.next and not e.children), (tid, i)
                else:  # only where the old format does not record it, and then lgtt says so
                    assert set(e.next) < set(snap.next) and flagged_incomplete(db.show(tid, i)), (tid, i, e.next)
                    assert e.next_incomplete
                    flagged.append(tid)
                # changed: every state key whose value differs from the parent's, and no internal channel
                state_keys = set(old_graphs.graph_of(tid).builder.channels)
                assert set(e.changed) <= state_keys, (tid, i, e.changed)
                if snap.metadata["source"] == "loop" and i:
                    before = to_jsonable(hist[i - 1].values) if hist[i - 1].config["configurable"]["checkpoint_id"] == parent else None
                    if before is not None:
                        now = to_jsonable(snap.values)
                        assert {k for k in now if now.get(k) != before.get(k)} <= set(e.changed), (tid, i)
                        assert e.nodes == list(dict.fromkeys(hist[i - 1].next)), (tid, i)
                writes = snap.metadata.get("writes")
                if isinstance(writes, dict) and snap.metadata["source"] == "loop":
                    assert set(e.nodes) == set(writes), (tid, i)
    if not with_graph:
        # Pre-v3 successors come from the history or are proven by the step's stored writes; only a
        # thread stopped by interrupt_before at its first node (no write, never ran) stays unknown.
        assert flagged == (["stopped-1"] if ERAS[old.era][1] < 3 else [])
        assert exact == checked - len(flagged)
    print(f"{old.era}/{old.kind}: {checked} rows, {exact if not with_graph else checked} with exact next")


def test_threads_match_get_state(old):
    with api.open(old.url) as db:
        rows = {r.thread_id: r for r in db.threads()}
    assert set(rows) == set(THREADS)
    for tid, row in rows.items():
        hist = history(old, tid)
        live = old.app(tid).get_state(cfg(tid))
        head = live.config["configurable"]["checkpoint_id"]
        assert (row.checkpoints, row.latest_checkpoint_id, row.updated_at, row.step) == (
            len(hist), head, live.created_at, live.metadata["step"])
        channels = {c for _, c, _ in stored_writes(old, tid, head)}
        if "__error__" in channels:
            expected = "error"
        elif "__interrupt__" in channels or live.interrupts:
            expected = "interrupted"
        else:
            expected = "pending" if live.next else "done"
        if row.status == "unknown":  # a pre-1.0 head whose next only the graph knows: said, never "done"
            assert expected in ("done", "pending") and ERAS[old.era][1] < 3, tid
            with api.open(old.url) as db:
                assert flagged_incomplete(db.show(tid, -1)), tid
        else:
            assert row.status == expected, tid
        if Counter(row.next) not in (Counter(live.next), Counter(hist[-1].next)):  # live or as recorded
            with api.open(old.url) as db:
                assert flagged_incomplete(db.show(tid, -1)), tid


@pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
def test_show_every_checkpoint_and_live(old, with_graph):
    for tid in THREADS:
        hist = history(old, tid)
        app = old.app(tid)
        graph = old_graphs.graph_of(tid) if with_graph else None
        with api.open(old.url, graph=graph) as db:
            views = [(db.show(tid, i), snap) for i, snap in enumerate(hist)]
            views.append((db.show(tid), app.get_state(cfg(tid))))
        for view, snap in views:
            cid = snap.config["configurable"]["checkpoint_id"]
            assert view.checkpoint_id == cid
            got, expected = view.to_json()["values"], to_jsonable(snap.values)
            if view.live and any("values are as recorded" in n for n in view.notes):
                expected = to_jsonable(hist[-1].values)  # without the graph finished writes are not applied (said)
            assert not {k for k in got if k in old_graphs.GRAPHS or k.startswith(("start:", "branch:"))}, got
            if not with_graph:  # a reducer key never written: only the graph knows its empty default
                for key in set(expected) - set(got):
                    assert expected.pop(key) in ([], {}, 0, ""), (tid, key)
            assert got == expected, (tid, cid)
            writes = stored_writes(old, tid, cid)
            assert view.interrupts == [{"id": x.id, "value": to_jsonable(x.value)} for x in snap.interrupts] + stray(snap, writes)
            if stray(snap, writes):
                assert any(STRAY in n for n in view.notes)
            tasks = [(t.id, t.name, None if t.error is None else str(t.error)) for t in snap.tasks]
            if with_graph:
                assert view.next == list(snap.next)
                assert [(t.id, t.name, t.error) for t in view.tasks] == tasks
            elif Counter(view.next) == Counter(snap.next):
                assert sorted((t.id, t.name, t.error) for t in view.tasks) == sorted(tasks), (tid, cid)
            else:
                assert flagged_incomplete(view) and set(view.next) < set(snap.next), (tid, cid)


def test_diff_applies_to_langgraph_values(old):
    for tid in ("chat-1", "fanout-1", "steps-1", "hitl-2"):
        hist = history(old, tid)
        with api.open(old.url, graph=old_graphs.graph_of(tid)) as db:
            for i in range(1, len(hist)):
                ops = db.diff(tid, i - 1, i).ops
                before, after = to_jsonable(hist[i - 1].values), to_jsonable(hist[i].values)
                assert jsonpatch.apply_patch(before, ops) == after, (tid, i)
        with api.open(old.url) as db:
            ops = db.diff(tid, 0, -1).ops
            assert not [op for op in ops if op["path"].lstrip("/").split("/")[0] in old_graphs.GRAPHS]


def test_cli_reads_without_migrating(old):
    """timeline --all --json and show work on the unmigrated file, which stays byte-for-byte the same."""
    before = _fingerprint(old)
    for args in (["threads", "--json"], ["timeline", "hitl-1", "--all", "--json"], ["show", "hitl-1", "--json"],
                 ["diff", "chat-1", "-1", "--json"], ["--graph", f"{FIXTURES / 'old_graphs.py'}:hitl", "show", "hitl-1"]):
        proc = lgtt("--db", old.url, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "write_draft': 'write_draft" not in proc.stdout
    assert _fingerprint(old) == before


def _fingerprint(old: OldDb) -> str:
    if old.kind == "sqlite":
        return hashlib.sha256(Path(old.url).read_bytes()).hexdigest()
    import psycopg

    with psycopg.connect(old.url) as conn:
        rows = [conn.execute(f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {t} t").fetchone()
                for t in ("checkpoints", "checkpoint_writes", "checkpoint_blobs", "checkpoint_migrations")]
    return repr(rows)


# -- writes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_unmigrated_database_refuses_every_write(kind, tmp_path):
    with open_old("lg0250", kind, tmp_path) as old:
        before = _fingerprint(old)
        with api.open(old.url, graph=old_graphs.hitl) as db:
            for write in (lambda: db.fork("hitl-1", -1), lambda: db.resume("hitl-1", answer="yes", has_answer=True),
                          lambda: db.prune(keep=1), lambda: db.delete(["hitl-2"])):
                with pytest.raises(LgttError, match="has not migrated it yet") as err:
                    write()
                assert "setup()" in err.value.hint and "Read commands work" in err.value.hint
            assert db.prune(keep=1, dry_run=True).checkpoints_deleted > 0  # a dry run is a read
        proc = lgtt("--db", old.url, "--graph", f"{FIXTURES / 'old_graphs.py'}:hitl", "resume", "hitl-1", "--answer", '"yes"')
        assert_one_line_error(proc, "has not migrated it yet", "setup()")
        assert "OperationalError" not in proc.stderr and "UndefinedColumn" not in proc.stderr
        assert _fingerprint(old) == before


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_migration_command_lgtt_names_works(kind, tmp_path):
    """Running exactly what the error line says migrates the database; then writes go through."""
    import subprocess

    with open_old("lg0250", kind, tmp_path) as old:
        with api.open(old.url) as db, pytest.raises(LgttError) as err:
            db.fork("chat-1", -1)
        command = err.value.hint.split(" or run ", 1)[1].split("; then retry")[0]
        if kind == "postgres":
            command = command.replace("YOUR_DATABASE_URL", old.url)
        subprocess.run(command, shell=True, check=True, executable="/bin/bash",
                       env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
        with api.open(old.url) as db:
            assert db.fork("chat-1", -1).thread_id.startswith("chat-1_branch_")


@pytest.mark.parametrize("era", list(ERAS))
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_resume_answer_matches_command_resume(era, kind, tmp_path):
    """`resume --answer '"yes"'` on an interrupted old thread does what LangGraph's
    invoke(Command(resume="yes")) does on a copy: it completes."""
    from langgraph.types import Command

    with open_old(era, kind, tmp_path, migrated=True) as old:
        with api.open(old.url) as db:
            db.fork("hitl-1", -1, to="by-langgraph")
        app = old.app("hitl-1")
        app.invoke(Command(resume="yes"), cfg("by-langgraph"))
        expected = app.get_state(cfg("by-langgraph"))
        assert expected.values["final"].startswith("Draft about") and not expected.next
        with api.open(old.url, graph=old_graphs.hitl) as db:
            result = db.resume("hitl-1", answer="yes", has_answer=True)
        assert (result.status, result.action) == ("done", "answer")
        live = app.get_state(cfg("hitl-1"))
        assert live.values == expected.values and live.next == expected.next == ()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_fork_of_old_thread_resumes_like_langgraph(kind, tmp_path):
    """A fork of an old-format fanout thread at its Send step re-runs the three workers."""
    with open_old("lg0250", kind, tmp_path, migrated=True) as old:
        hist = history(old, "fanout-1")
        step = next(i for i, s in enumerate(hist) if list(s.next) == ["worker"] * 3)
        with api.open(old.url, graph=old_graphs.fanout) as db:
            if kind == "postgres":  # the sends live in the parent's writes: lgtt refuses, says what to do
                with pytest.raises(LgttError, match="Send task"):
                    db.fork("fanout-1", step)
                step -= 1
            fork = db.fork("fanout-1", step)
            assert fork.next == (["split"] if kind == "postgres" else ["worker", "worker", "worker"])
            result = db.resume(fork.thread_id)
        assert result.status == "done"
        assert old.app("fanout-1").get_state(cfg(fork.thread_id)).values == hist[-1].values


def test_stats_counts_old_trigger_channels_as_internal(old):
    state_keys = {k for g in old_graphs.GRAPHS.values() for k in g.builder.channels}
    with api.open(old.url) as db:
        stats = db.stats()
    assert {k.key for k in stats.keys} <= state_keys
    if ERAS[old.era][1] < 3:
        assert {"write_draft", "start:write_draft"} <= {k.key for k in stats.internal_keys}
