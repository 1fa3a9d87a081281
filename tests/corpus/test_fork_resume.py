"""fork + resume against LangGraph's own time travel on the same checkpoint: lgtt's fork of REF,
resumed with invoke(None), ends where LangGraph's replay from REF ends (values, next, interrupt
values); a fork with an edit ends where update_state(REF) + invoke(None) ends."""

from __future__ import annotations

import re
from typing import Any

import pytest

import lgtt
from corpus.conftest import fresh
from corpus.lg import cfg, cid, history
from corpus.scenarios import SCENARIOS
from lgtt.jsonform import to_jsonable

NAMES = pytest.mark.parametrize("name", list(SCENARIOS))


def _run(app: Any, payload: Any, config: dict) -> str | None:
    try:
        app.invoke(payload, config)
    except Exception as exc:  # a scenario's failing node fails the same way on both sides
        return type(exc).__name__
    return None


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _ids_masked(value: Any) -> Any:
    """Message ids LangGraph / ToolNode make up at random (uuid4) differ between two runs."""
    if isinstance(value, dict):
        return {k: "<uuid>" if k == "id" and isinstance(v, str) and UUID.match(v) else _ids_masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_ids_masked(v) for v in value]
    return value


def _outcome(app: Any, thread_id: str, error: str | None) -> dict[str, Any]:
    snap = app.get_state(cfg(thread_id))
    return {"values": _ids_masked(to_jsonable(snap.values)), "next": list(snap.next), "error": error,
            "interrupts": sorted(str(to_jsonable(i.value)) for i in snap.interrupts)}


def _refs(n: int) -> list[int]:
    """Up to three checkpoints of a thread: the first step, the middle and the head."""
    return sorted({i for i in (1, n // 2, n - 1) if 0 <= i < n})


@NAMES
def test_fork_resume_matches_replay(fresh_kind, tmp_path, checker, name):
    with fresh(fresh_kind, tmp_path, name) as (b, built):
        app, edit = built.app, getattr(built.module, "EDIT", None)
        plans = []
        with lgtt.open(b.url, graph=app) as db:
            for t in built.threads:
                hist = history(app, t)
                for i in _refs(len(hist)):
                    fork = db.fork(t, i, to=f"{t}~{i}")
                    edited = db.fork(t, i, to=f"{t}~{i}e", updates={edit[0]: edit[1]}) if edit else None
                    plans.append((t, i, cid(hist[i]), fork.thread_id, edited.thread_id if edited else None))
        for t, i, ref, fork_t, edit_t in plans:
            w = f"{t}[{i}]"
            got = _outcome(app, fork_t, _run(app, None, cfg(fork_t)))
            expected = _outcome(app, t, _run(app, None, cfg(t, ref)))
            checker.eq(got, expected, f"{w} fork+resume vs replay")
            if edit_t:
                got = _outcome(app, edit_t, _run(app, None, cfg(edit_t)))
                new = app.update_state(cfg(t, ref), {edit[0]: edit[1]})
                expected = _outcome(app, t, _run(app, None, new))
                checker.eq(got, expected, f"{w} fork --set + resume vs update_state + invoke")
    checker.done()
