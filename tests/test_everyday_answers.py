"""Issue 13: answering interrupts (--answer text, the prompt re-asks on broken JSON, an answer
without an interrupt is an error, db.resume(answer=…)) and fork --edit's reopen / no-change rules."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import open_backend
from ptyrun import run_in_pty
from test_errors_and_safety import assert_one_line_error, lgtt

from lgtt import api
from sample_graphs import compile_with, hitl, steps

HITL = "sample_graphs/hitl.py:graph"


def cfg(tid: str) -> dict:
    return {"configurable": {"thread_id": tid}}


@pytest.fixture()
def hitl_db(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        app = compile_with(hitl, b.saver)
        hitl.scenario(app, "h")  # h-1 waits at review's interrupt
        yield b, app


def rows(url: str) -> list:
    with sqlite3.connect(url) as conn:
        return conn.execute("SELECT thread_id, checkpoint_ns, checkpoint_id FROM checkpoints ORDER BY 1, 2, 3").fetchall()


def test_text_answer_is_sent_as_a_string_with_a_note(hitl_db):
    b, app = hitl_db
    with api.open(b.url) as db:
        db.fork("h-1", -1, to="by-langgraph")
    from langgraph.types import Command

    app.invoke(Command(resume="yes"), cfg("by-langgraph"))
    proc = lgtt("--db", b.url, "--graph", HITL, "resume", "h-1", "--answer", "yes")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == 'lgtt: note: --answer yes is not JSON; sending it as the string "yes"'
    assert app.get_state(cfg("h-1")).values == app.get_state(cfg("by-langgraph")).values
    assert app.get_state(cfg("h-1")).values["approved"] is True


def test_broken_json_answer_is_an_error_and_changes_nothing(hitl_db):
    b, _ = hitl_db
    before = rows(b.url)
    proc = lgtt("--db", b.url, "--graph", HITL, "resume", "h-1", "--answer", '{"ok": tru')
    assert_one_line_error(proc, "--answer is not valid JSON", code=2)
    assert rows(b.url) == before


def test_api_answer_without_has_answer_and_api_wording(hitl_db):
    b, app = hitl_db
    with api.open(b.url, graph=hitl.graph) as db:
        result = db.resume("h-1", answer="yes")
    assert result.status == "done" and result.action == "answer"
    assert app.get_state(cfg("h-1")).values["approved"] is True


def test_answer_without_an_interrupt_is_an_error(hitl_db):
    b, app = hitl_db
    # a fork at the interrupted checkpoint has no interrupt yet: its tasks run again first
    with api.open(b.url) as db:
        f = db.fork("h-1", -1, to="fresh-fork")
    assert not app.get_state(cfg(f.thread_id)).interrupts
    before = rows(b.url)
    proc = lgtt("--db", b.url, "--graph", HITL, "resume", "fresh-fork", "--answer", '"yes"')
    assert_one_line_error(proc, "no pending interrupt", "resume without --answer", code=2)
    assert rows(b.url) == before
    done = lgtt("--db", b.url, "--graph", HITL, "resume", "h-2", "--answer", '"yes"')
    assert_one_line_error(done, "no pending interrupt", code=2)


def test_prompt_asks_again_on_broken_json(hitl_db):
    b, app = hitl_db
    code, text = run_in_pty(["--db", b.url, "--graph", HITL, "resume", "h-1"],
                            answers=[("answer (JSON or text)", '{"approve": tru'),
                                     ("answer (JSON or text)", '"yes"')], cols=120)
    assert code == 0, text
    assert "not valid JSON" in text and text.count("answer (JSON or text)") == 2
    assert app.get_state(cfg("h-1")).values["approved"] is True  # the second answer, as JSON


def write_editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(body)
    return f"{sys.executable} {script}"


def test_fork_edit_reopens_on_parse_error_and_no_change_makes_no_fork(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        app = compile_with(steps, b.saver)
        steps.scenario(app, "e")
        calls = tmp_path / "calls"
        # 1st open: break the JSON; 2nd open: the error must be on top and the user's text kept
        editor = write_editor(tmp_path, f"CALLS = {str(calls)!r}\n" + """
import json, pathlib, sys
p = pathlib.Path(sys.argv[1]); calls = pathlib.Path(CALLS)
n = int(calls.read_text()) if calls.exists() else 0
calls.write_text(str(n + 1))
text = p.read_text()
if n == 0:
    d = json.loads(text); d['total_steps'] = 9
    p.write_text(json.dumps(d)[:-1])          # a missing closing brace
else:
    assert text.startswith('# lgtt: not valid JSON'), text
    kept = ''.join(l for l in text.splitlines(True) if not l.startswith('#'))
    assert '"total_steps": 9' in kept
    p.write_text(text + '}')
""")
        proc = lgtt("--db", b.url, "--graph", "sample_graphs/steps.py:graph", "fork", "e-1", "3", "--edit",
                    "--json", env={"EDITOR": editor, "VISUAL": ""})
        assert proc.returncode == 0, proc.stderr
        assert calls.read_text() == "2"
        out = json.loads(proc.stdout)
        assert out["edited"] == ["total_steps"]
        assert app.get_state(cfg(out["thread_id"])).values["total_steps"] == 9
        before = rows(b.url)
        same = lgtt("--db", b.url, "--graph", "sample_graphs/steps.py:graph", "fork", "e-1", "3", "--edit",
                    env={"EDITOR": write_editor(tmp_path, "pass\n"), "VISUAL": ""})
        assert_one_line_error(same, "the edit changed nothing", "no fork was made")
        assert rows(b.url) == before
        empty = lgtt("--db", b.url, "--graph", "sample_graphs/steps.py:graph", "fork", "e-1", "3", "--edit",
                     env={"EDITOR": write_editor(tmp_path, "import sys; open(sys.argv[1], 'w').close()\n"),
                          "VISUAL": ""})
        assert_one_line_error(empty, "cancelled")
        assert rows(b.url) == before
