"""No write lgtt makes changes a value's type: custom types nested in state fields (a Pydantic model,
a dataclass, lists, dicts and Optionals of models, a reducer list) survive `fork --set`,
`resume --answer` on the user's own thread and replay (`resume --from`), equal to what LangGraph's
own update_state / invoke give on a copy with the default serializer; a graph whose types do not
load under the stored names is refused before anything is written."""

from __future__ import annotations

import json
import shutil
from typing import Any

from langgraph.types import Command
from test_errors_and_safety import ROOT, assert_one_line_error, lgtt
from test_wrong_graph import _rows

from sample_graphs import nested_types

SPEC = "sample_graphs/nested_types.py:graph"  # a file path, as users pass it


def cfg(tid: str, cid: str | None = None) -> dict:
    conf = {"thread_id": tid}
    if cid:
        conf["checkpoint_id"] = cid
    return {"configurable": conf}


def shape(value: Any) -> Any:
    """A value's type at every depth (what a write must keep), beside the value itself."""
    if isinstance(value, dict):
        return ("dict", {k: shape(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(v) for v in value])
    if hasattr(value, "model_dump"):
        return (type(value).__qualname__, {k: shape(getattr(value, k)) for k in type(value).model_fields})
    if hasattr(value, "__dataclass_fields__"):
        return (type(value).__qualname__, {k: shape(getattr(value, k)) for k in value.__dataclass_fields__})
    return (type(value).__name__, value)


def _setup(backend) -> Any:
    app = backend.app(nested_types)
    nested_types.scenario(app, "user")  # the user's thread lgtt writes to
    nested_types.scenario(app, "copy")  # the same run, for LangGraph's own API
    assert shape(app.get_state(cfg("user-1")).values) == shape(app.get_state(cfg("copy-1")).values)
    assert shape(app.get_state(cfg("user-1")).values)[1]["note"][0] == "Note"
    assert shape(app.get_state(cfg("user-1")).values)[1]["pet"][0] == "Dog"
    return app


def _ids(app, tid: str) -> list[str]:
    return [s.config["configurable"]["checkpoint_id"] for s in reversed(list(app.get_state_history(cfg(tid))))]


def test_fork_set_keeps_nested_types(backend):
    app = _setup(backend)
    proc = lgtt("--db", backend.url, "--graph", SPEC, "fork", "user-1", "-1", "--to", "forked",
                "--set", 'answer="edited"', "--json")
    assert proc.returncode == 0, proc.stderr
    assert "plain data" not in proc.stderr
    app.update_state(cfg("copy-1"), {"answer": "edited"})
    ours, theirs = app.get_state(cfg("forked")), app.get_state(cfg("copy-1"))
    assert shape(ours.values) == shape(theirs.values)
    assert ours.values == theirs.values and ours.next == theirs.next


def test_resume_answer_on_the_users_thread_keeps_nested_types(backend):
    app = _setup(backend)
    proc = lgtt("--db", backend.url, "--graph", SPEC, "resume", "user-1", "--answer", '"yes"', "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "done"
    app.invoke(Command(resume="yes"), cfg("copy-1"))
    ours, theirs = app.get_state(cfg("user-1")), app.get_state(cfg("copy-1"))
    assert shape(ours.values) == shape(theirs.values)
    assert ours.values == theirs.values
    assert shape(ours.values)[1]["budget"][0] == "Budget" and ours.values["budget"].history == [10, 11]


def test_replay_keeps_nested_types(backend):
    app = _setup(backend)
    # finish both runs, then replay from the checkpoint before `finish` ran
    app.invoke(Command(resume="yes"), cfg("user-1"))
    app.invoke(Command(resume="yes"), cfg("copy-1"))
    index = 3
    proc = lgtt("--db", backend.url, "--graph", SPEC, "resume", "user-1", "--from", str(index), "--json")
    assert proc.returncode == 0, proc.stderr
    app.invoke(None, cfg("copy-1", _ids(app, "copy-1")[index]))
    ours, theirs = app.get_state(cfg("user-1")), app.get_state(cfg("copy-1"))
    assert shape(ours.values) == shape(theirs.values)
    assert ours.values == theirs.values and ours.next == theirs.next
    assert len(_ids(app, "user-1")) == len(_ids(app, "copy-1"))


def test_types_that_do_not_load_are_refused_before_writing(backend, tmp_path):
    _setup(backend)
    elsewhere = tmp_path / "nested_types.py"  # the same code, outside the app's folder: a private module name
    shutil.copy(ROOT / "sample_graphs" / "nested_types.py", elsewhere)
    spec = f"{elsewhere}:graph"
    before = _rows(backend)
    for args in (("fork", "user-1", "-1", "--set", 'answer="edited"'),
                 ("resume", "user-1", "--answer", '"yes"'),
                 ("resume", "user-1", "--from", "1")):
        assert_one_line_error(lgtt("--db", backend.url, "--graph", spec, *args),
                              "back as plain dicts", "sample_graphs.nested_types.Note", "nothing was written")
    assert _rows(backend) == before
