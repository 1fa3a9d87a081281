"""Issue 13, output: tables take the terminal's width (or COLUMNS), names are never split,
times are local with their zone (`--utc`), JSON keeps ISO 8601; checked against LangGraph."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import scenario_module
from ptyrun import run_in_pty

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("everyday_out") / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT,
                   capture_output=True)
    return path


def lgtt(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH", "COLUMNS")}
    full.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True, env=full,
                          cwd=ROOT, timeout=120)


def history(db: Path, thread_id: str) -> list:
    """LangGraph's snapshots, oldest first."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with

    conn = sqlite3.connect(db, check_same_thread=False)
    try:
        graph = compile_with(scenario_module(thread_id), SqliteSaver(conn))
        return list(reversed(list(graph.get_state_history({"configurable": {"thread_id": thread_id}}))))
    finally:
        conn.close()


def node_names(db: Path, thread_id: str) -> set[str]:
    names: set[str] = set()
    for snap in history(db, thread_id):
        names.update(snap.next)
        names.update((snap.metadata.get("writes") or {}).keys())
    return names


def cell_tokens(line: str, start: int, end: int) -> list[str]:
    return [tok.strip() for tok in line[start:end].split(",") if tok.strip()]


@pytest.mark.parametrize("thread_id", ["chat-1", "subgraph-1", "fanout-1"])
def test_timeline_at_80_columns_never_splits_a_node_name(demo_db, thread_id):
    proc = lgtt("--db", str(demo_db), "timeline", thread_id, env={"COLUMNS": "80"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    header = next(line for line in lines if line.lstrip().startswith("#"))
    names = node_names(demo_db, thread_id)
    cols = {name: header.index(name) for name in ("by", "changed", "next", "flags")}
    rows = lines[lines.index(header) + 2:]
    seen = 0
    for column, following in (("by", "changed"), ("next", "flags")):
        for line in rows:
            for tok in cell_tokens(line, cols[column], cols[following]):
                seen += 1
                # a whole name, or a name shortened with "…": never a fragment continued on the next line
                assert tok in names or (tok.endswith("…") and any(n.startswith(tok[:-1]) for n in names)), tok
    assert seen


def test_pipe_without_columns_and_terminal_width(demo_db):
    wide = lgtt("--db", str(demo_db), "timeline", "chat-1")
    assert max(map(len, wide.stdout.splitlines())) <= 160
    code, text = run_in_pty(["--db", str(demo_db), "timeline", "chat-1"], cols=100)
    assert code == 0, text
    lines = [ANSI.sub("", line) for line in text.splitlines() if line.strip()]
    assert max(map(len, lines)) <= 100
    assert max(map(len, lines)) > 80  # it used the room it was given
    code, text = run_in_pty(["--db", str(demo_db), "timeline", "chat-1"], cols=200)
    plain = ANSI.sub("", text)
    assert "…" not in plain  # wide enough: every name whole
    for name in node_names(demo_db, "chat-1"):
        assert name in plain


def test_timeline_times_are_local_with_zone_and_utc_on_request(demo_db):
    hist = history(demo_db, "chat-1")
    tokyo = lgtt("--db", str(demo_db), "timeline", "chat-1", "--all", env={"TZ": "Asia/Tokyo", "COLUMNS": "200"})
    utc = lgtt("timeline", "chat-1", "--all", "--utc", "--db", str(demo_db), env={"TZ": "Asia/Tokyo", "COLUMNS": "200"})
    for proc, zone, label in ((tokyo, ZoneInfo("Asia/Tokyo"), "JST"), (utc, ZoneInfo("UTC"), "UTC")):
        assert proc.returncode == 0, proc.stderr
        first = datetime.fromisoformat(hist[-1].created_at).astimezone(zone)
        assert f"times {label} on {first:%Y-%m-%d}" in proc.stdout.splitlines()[0]
        rows = {int(m.group(1)): m.group(2) for m in re.finditer(r"^[│\s]*(\d+)[│\s]+[0-9a-f]{12,}[│\s]+(\d\d:\d\d:\d\d)",
                                                                 proc.stdout, re.M)}
        assert len(rows) == len(hist)
        for i, snap in enumerate(hist):
            assert rows[i] == datetime.fromisoformat(snap.created_at).astimezone(zone).strftime("%H:%M:%S")
    as_json = json.loads(lgtt("--db", str(demo_db), "timeline", "chat-1", "--all", "--json",
                              env={"TZ": "Asia/Tokyo"}).stdout)
    assert [e["created_at"] for e in as_json] == [s.created_at for s in hist]  # ISO 8601 with offset
    assert all(datetime.fromisoformat(e["created_at"]).utcoffset() is not None for e in as_json)


def test_threads_and_show_times_have_the_zone(demo_db):
    head = history(demo_db, "chat-1")[-1]
    local = datetime.fromisoformat(head.created_at).astimezone(ZoneInfo("America/New_York"))
    env = {"TZ": "America/New_York", "COLUMNS": "200"}
    threads = lgtt("--db", str(demo_db), "threads", env=env)
    assert local.strftime("%Y-%m-%d %H:%M:%S ") + local.tzname() in threads.stdout
    shown = lgtt("--db", str(demo_db), "show", "chat-1", "-1", env=env)
    assert "created " + local.strftime("%Y-%m-%d %H:%M:%S ") + local.tzname() in shown.stdout
