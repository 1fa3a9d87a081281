"""Issue 13: `check` on a long thread whose message list grows parses each row once, builds no
objects, holds one row at a time, still finds damage, and shows progress on a terminal."""

from __future__ import annotations

import sqlite3
import sys
import tracemalloc
from pathlib import Path

import pytest
from conftest import open_backend
from ptyrun import run_in_pty

import lgtt
from lgtt.serde import StrictSerializer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import growing_messages  # noqa: E402


@pytest.fixture(scope="module")
def long_db(tmp_path_factory) -> Path:
    with open_backend("sqlite", tmp_path_factory.mktemp("long")) as b:
        growing_messages.build(b.saver, 300)
        b.close()
    return Path(b.url)


def test_check_parses_each_row_once_and_builds_nothing(long_db, monkeypatch):
    with sqlite3.connect(long_db) as conn:
        n_cp, biggest = conn.execute("SELECT count(*), max(length(checkpoint)) FROM checkpoints").fetchone()
        (n_w,) = conn.execute("SELECT count(*) FROM writes").fetchone()
    parsed: list[int] = []
    built: list[str] = []
    real = StrictSerializer.loads_for_check
    monkeypatch.setattr(StrictSerializer, "loads_for_check", lambda self, d: parsed.append(len(d[1])) or real(self, d))
    monkeypatch.setattr(StrictSerializer, "loads_typed", lambda self, d: built.append(d[0]))
    from langchain_core.messages import AIMessage

    init = AIMessage.__init__
    monkeypatch.setattr(AIMessage, "__init__", lambda self, *a, **k: built.append("AIMessage") or init(self, *a, **k))
    with lgtt.open(str(long_db)) as db:
        tracemalloc.start()
        report = db.check()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert report.ok and report.checkpoints == n_cp == 300 - 1
    assert len(parsed) == n_cp + n_w  # every checkpoint and write once, nothing twice
    assert [t for t in built if t not in ("null", "json", "bytes")] == []  # no msgpack decode, no message built
    # memory: a few rows' worth, not the thread (which holds ~n_cp/2 times the biggest row)
    assert peak < 6 * biggest + (4 << 20), (peak, biggest)


def test_fast_parse_fails_exactly_where_loads_typed_fails(long_db):
    serde = StrictSerializer()
    with sqlite3.connect(long_db) as conn:
        type_, blob = conn.execute("SELECT type, checkpoint FROM checkpoints ORDER BY checkpoint_id DESC LIMIT 1").fetchone()
    cases = [blob, blob[: len(blob) // 2], b"\xc1" + blob[1:], blob.replace(b"AIMessage", b"AIMessagX", 1),
             blob.replace(b"langchain_core", b"os.system\x00\x00\x00\x00\x00", 1)]
    seen = set()
    for data in cases:
        outcomes = []
        for fn in (serde.loads_typed, serde.loads_for_check):
            try:
                fn((type_, data))
                outcomes.append("ok")
            except Exception:
                outcomes.append("error")
        assert outcomes[0] == outcomes[1], data[:40]
        seen.add(outcomes[0])
    assert seen == {"ok", "error"}


def test_check_finds_a_damaged_row_in_a_long_thread(long_db, tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    with sqlite3.connect(long_db) as src, sqlite3.connect(damaged) as dst:
        src.backup(dst)
        cid, blob = dst.execute("SELECT checkpoint_id, checkpoint FROM checkpoints ORDER BY checkpoint_id LIMIT 1 OFFSET 150").fetchone()
        dst.execute("UPDATE checkpoints SET checkpoint = ? WHERE checkpoint_id = ?", (blob[: len(blob) // 3], cid))
    with lgtt.open(str(damaged)) as db:
        problems = db.check().problems
    assert [(p.kind, p.checkpoint_id) for p in problems] == [("undecodable", cid)]


def test_check_shows_progress_on_a_terminal(long_db):
    code, text = run_in_pty(["--db", str(long_db), "check"], cols=100)
    assert code == 0, text
    assert "checking" in text and "checkpoints" in text
    assert "no problems in 1 threads, 299 checkpoints" in text
