"""prune keeps what it promises: after `prune --keep 1` every thread's
get_state is what it was (values, next, tasks, interrupts); `check` finds nothing wrong in the
corpus, with and without the graph."""

from __future__ import annotations

import pytest

import lgtt
from corpus.conftest import fresh
from corpus.lg import cfg, interrupts_json, tasks_key
from corpus.scenarios import SCENARIOS
from lgtt.errors import LgttError
from lgtt.jsonform import to_jsonable

NAMES = pytest.mark.parametrize("name", list(SCENARIOS))


def _state(app, thread_id):
    snap = app.get_state(cfg(thread_id))
    return {"values": to_jsonable(snap.values), "next": list(snap.next), "tasks": tasks_key(snap),
            "interrupts": interrupts_json(snap), "id": snap.config["configurable"]["checkpoint_id"]}


@NAMES
def test_prune_keeps_get_state(fresh_kind, tmp_path, checker, name, keep=1):
    with fresh(fresh_kind, tmp_path, name) as (b, built):
        before = {t: _state(built.app, t) for t in built.threads}
        with lgtt.open(b.url) as db:
            db.prune(keep=keep)
        with lgtt.open(b.url, graph=built.app) as db:
            report = db.check()
            checker.eq([p.kind for p in report.problems], [], "check after prune")
        for t in built.threads:
            checker.eq(_state(built.app, t), before[t], f"{t} get_state after prune --keep {keep}")
    checker.done()


@pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
def test_check_clean(corpus, checker, with_graph):
    if corpus.kind == "saver":  # check reads the tables: through a saver it refuses, with one clear error
        with pytest.raises(LgttError, match="saver"), corpus.open(None) as db:
            db.check()
        checker.true(True, "check refuses a saver store")
        checker.done()
        return
    for name, built in corpus.built.items():
        with corpus.open(built.app if with_graph else None) as db:
            report = db.check(built.threads)
        checker.eq([(p.kind, p.thread_id, p.detail) for p in report.problems], [], f"{name} check")
    checker.done()
