"""Issue 13, command line: options after the subcommand, usage errors, --version, completion,
`~N` refs, `threads --status`, `--ns` prefixes; checked against LangGraph's own API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import scenario_module
from typer.testing import CliRunner

from lgtt.cli import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("everyday") / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT,
                   capture_output=True)
    return path


def run(*args: str, env: dict | None = None):
    clean = {"LGTT_DB": None, "LGTT_GRAPH": None, **(env or {})}
    return CliRunner().invoke(app, list(args), env=clean)


def one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("lgtt: ") and "Traceback" not in result.stderr
    for needle in needles:
        assert needle.lower() in line.lower(), line
    return line


def history_ids(db: Path, thread_id: str) -> list[str]:
    """Checkpoint ids newest first, as LangGraph's get_state_history gives them."""
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with

    conn = sqlite3.connect(db, check_same_thread=False)
    try:
        graph = compile_with(scenario_module(thread_id), SqliteSaver(conn))
        return [s.config["configurable"]["checkpoint_id"]
                for s in graph.get_state_history({"configurable": {"thread_id": thread_id}})]
    finally:
        conn.close()


def test_global_options_after_the_subcommand(demo_db):
    before = run("--db", str(demo_db), "diff", "chat-1", "0", "-1", "--json")
    after = run("diff", "chat-1", "0", "-1", "--json", "--db", str(demo_db))
    equals = run("diff", "chat-1", "0", "-1", f"--db={demo_db}", "--json")
    assert before.exit_code == after.exit_code == equals.exit_code == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout) == json.loads(equals.stdout)
    assert json.loads(after.stdout)  # the whole run changed something
    graph = f"{ROOT / 'sample_graphs' / 'chat.py'}:graph"
    with_graph = run("show", "chat-1", "-1", "--json", "--graph", graph, "--db", str(demo_db))
    assert with_graph.exit_code == 0, with_graph.stderr
    # the later --db wins, as for any repeated option
    wrong_then_right = run("--db", "/nonexistent.sqlite", "threads", "--json", "--db", str(demo_db))
    assert wrong_then_right.exit_code == 0, wrong_then_right.stderr


@pytest.mark.parametrize(("args", "code", "needles"), [
    (["timeline", "chat-1", "--bogus"], 2, ["no such option: --bogus", "lgtt timeline --help"]),
    (["diff"], 2, ["missing argument", "lgtt diff --help"]),
    (["nosuch"], 2, ["no such command", "lgtt --help"]),
    (["threads", "--limit", "x"], 2, ["--limit", "lgtt threads --help"]),
    (["threads", "--status", "nope"], 2, ["--status", "interrupted"]),
    (["show", "chat-1", "HEAD~99"], 1, ["out of range"]),
    (["diff", "NOSUCH", "chat-1:-1"], 1, ["NOSUCH", "not found"]),
])
def test_usage_errors_are_one_line(demo_db, args, code, needles):
    one_line_error(run(*args, "--db", str(demo_db)), code, *needles)


def test_usage_error_from_a_real_process_has_no_usage_block(demo_db):
    env = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH")}
    proc = subprocess.run([sys.executable, "-m", "lgtt", "timeline", "chat-1", "--nope"], capture_output=True,
                          text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "lgtt: no such option: --nope. Did you mean --ns? See `lgtt timeline --help`"]


def test_timeline_without_thread_lists_recent_threads(demo_db):
    line = one_line_error(run("timeline", "--db", str(demo_db)), 2, "timeline needs a THREAD", "recent threads")
    listed = run("threads", "--json", "--limit", "5", "--db", str(demo_db))
    newest = [t["thread_id"] for t in json.loads(listed.stdout)]
    assert ", ".join(newest) in line
    one_line_error(run("timeline"), 2, "timeline needs a THREAD")  # no database: still the usage line


def test_version_lists_langgraph_packages():
    from importlib import metadata

    from lgtt import __version__

    result = run("--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"lgtt {__version__}"
    assert f"langgraph {metadata.version('langgraph')}" in result.stdout
    assert f"langgraph-checkpoint-sqlite {metadata.version('langgraph-checkpoint-sqlite')}" in result.stdout


def complete(words: str, cword: int, env: dict | None = None) -> list[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH")}
    full.update({"PYTHONPATH": str(ROOT), "_LGTT_COMPLETE": "complete_bash", "COMP_WORDS": words,
                 "COMP_CWORD": str(cword), **(env or {})})
    proc = subprocess.run([sys.executable, "-m", "lgtt"], capture_output=True, text=True, env=full, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return proc.stdout.split()


def test_completion_of_threads_and_namespaces(demo_db):
    assert complete(f"lgtt --db {demo_db} timeline h", 4) == ["hitl-1", "hitl-2"]
    assert complete("lgtt show f", 2, {"LGTT_DB": str(demo_db)}) == ["failing-1", "fanout-1"]
    import sqlite3

    with sqlite3.connect(demo_db) as conn:
        (ns,) = conn.execute("SELECT DISTINCT checkpoint_ns FROM checkpoints WHERE thread_id = 'subgraph-1' "
                             "AND checkpoint_ns != ''").fetchone()
    assert complete(f"lgtt --db {demo_db} timeline subgraph-1 --ns r", 6) == ["research", ns]
    assert complete("lgtt timeline h", 2) == []  # no database: nothing, and no error in the shell
    shown = run("--show-completion", "bash")
    assert shown.exit_code == 0 and "_LGTT_COMPLETE" in shown.stdout


def test_tilde_refs_count_back_from_the_head_like_get_state_history(demo_db):
    newest_first = history_ids(demo_db, "chat-1")
    for n in (0, 1, 3, len(newest_first) - 1):
        for form in (f"~{n}", f"HEAD~{n}", f"head~{n}"):
            result = run("show", "chat-1", form, "--json", "--db", str(demo_db))
            assert result.exit_code == 0, result.stderr
            assert json.loads(result.stdout)["checkpoint_id"] == newest_first[n], form
    a = run("diff", "steps-1", "chat-1:~1", "chat-1:HEAD~0", "--json", "--db", str(demo_db))
    b = run("diff", "chat-1", "-2", "-1", "--json", "--db", str(demo_db))
    assert a.exit_code == 0 and json.loads(a.stdout) == json.loads(b.stdout)


def test_threads_status_filter_matches_get_state(demo_db):
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with

    listed = json.loads(run("threads", "--json", "--db", str(demo_db)).stdout)
    conn = sqlite3.connect(demo_db, check_same_thread=False)
    try:
        interrupted, errored = set(), set()
        for t in listed:
            state = compile_with(scenario_module(t["thread_id"]), SqliteSaver(conn)).get_state(
                {"configurable": {"thread_id": t["thread_id"]}})
            if any(task.error for task in state.tasks):
                errored.add(t["thread_id"])
            elif state.interrupts:
                interrupted.add(t["thread_id"])
    finally:
        conn.close()
    assert interrupted and errored
    got = run("threads", "--status", "interrupted", "--status", "error", "--json", "--db", str(demo_db))
    assert {t["thread_id"] for t in json.loads(got.stdout)} == interrupted | errored
    one = run("threads", "--status", "interrupted", "--limit", "1", "--json", "--db", str(demo_db))
    rows = json.loads(one.stdout)
    assert len(rows) == 1 and rows[0]["thread_id"] in interrupted
    done = json.loads(run("threads", "--status", "done", "--json", "--db", str(demo_db)).stdout)
    assert done and all(t["status"] == "done" for t in done)
    assert not {t["thread_id"] for t in done} & (interrupted | errored)


def test_ns_accepts_node_name_or_prefix_and_timeline_shows_full_ns(demo_db):
    import sqlite3

    with sqlite3.connect(demo_db) as conn:
        (ns,) = conn.execute("SELECT DISTINCT checkpoint_ns FROM checkpoints WHERE thread_id = 'subgraph-1' "
                             "AND checkpoint_ns != ''").fetchone()
    full = json.loads(run("timeline", "subgraph-1", "--ns", ns, "--json", "--db", str(demo_db)).stdout)
    for given in ("research", "res", ns[:20]):
        got = run("timeline", "subgraph-1", "--ns", given, "--json", "--db", str(demo_db))
        assert got.exit_code == 0, got.stderr
        assert json.loads(got.stdout) == full
    shown = run("show", "subgraph-1", "-1", "--ns", "research", "--json", "--db", str(demo_db))
    assert json.loads(shown.stdout)["checkpoint_ns"] == ns
    one_line_error(run("timeline", "subgraph-1", "--ns", "nope", "--db", str(demo_db)), 1, "no namespace", ns)
    table = run("timeline", "subgraph-1", "--db", str(demo_db), env={"COLUMNS": "250"})
    assert ns in table.stdout
