"""threads, timeline --all, live show and show at every checkpoint against LangGraph's
get_state / get_state_history, for every scenario, backend, with and without --graph."""

from __future__ import annotations

import pytest
from langgraph.pregel._task_status import read_task_statuses

from corpus.lg import cfg as lgcfg
from corpus.lg import (
    cid,
    entry_unknown_reported,
    expected_values,
    history,
    interrupts_json,
    parent_id,
    same_next,
    status,
    tasks_key,
)
from corpus.scenarios import SCENARIOS

GRAPH = pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
NAMES = pytest.mark.parametrize("name", list(SCENARIOS))


@NAMES
@GRAPH
def test_timeline(corpus, checker, name, with_graph):
    built = corpus.built[name]
    with corpus.open(built.app if with_graph else None) as db:
        for t in built.threads:
            hist = history(built.app, t)
            tl = db.timeline(t)
            entries = tl.entries
            checker.eq([e.checkpoint_id for e in entries], [cid(s) for s in hist], f"{t} ids")
            for e, s in zip(entries, hist, strict=False):
                w = f"{t}[{e.index}]"
                checker.eq(e.parent_id, parent_id(s), f"{w} parent")
                checker.eq((e.step, e.source), (s.metadata["step"], s.metadata["source"]), f"{w} step/source")
                checker.eq(e.created_at, s.created_at, f"{w} created_at")
                checker.true(same_next(e.next, s.next, with_graph) or entry_unknown_reported(tl.notes, e.next, s.next),
                             f"{w} next: lgtt {e.next} != {list(s.next)}")
                if not entry_unknown_reported(tl.notes, e.next, s.next):  # which writes are the entrypoint's: unknown
                    checker.eq(e.interrupts, len(s.interrupts), f"{w} interrupts")
                checker.eq(e.errors, sum(1 for x in s.tasks if x.error), f"{w} errors")
    checker.done()


@NAMES
@GRAPH
def test_show_every_checkpoint(corpus, checker, name, with_graph):
    built = corpus.built[name]
    with corpus.open(built.app if with_graph else None) as db:
        for t in built.threads:
            for i, s in enumerate(history(built.app, t)):
                w = f"{t}[{i}]"
                view = db.show(t, i)
                checker.eq(view.checkpoint_id, cid(s), f"{w} id")
                unknown = entry_unknown_reported(view.notes, view.next, s.next)
                checker.eq(view.to_json()["values"], {} if unknown else expected_values(s.values, view, with_graph),
                           f"{w} values")
                checker.true(same_next(view.next, s.next, with_graph) or unknown, f"{w} next: lgtt {view.next} != {list(s.next)}")
                got_tasks = [(x.id, x.name, x.error) for x in view.tasks]
                exp_tasks = tasks_key(s)
                if unknown:  # the entrypoint's task id is unknown: only its name is reported as such
                    got_tasks, exp_tasks = [], []
                checker.eq(got_tasks if with_graph else sorted(got_tasks, key=str),
                           exp_tasks if with_graph else sorted(exp_tasks, key=str), f"{w} tasks")
                checker.eq(sorted(view.interrupts, key=str), sorted(interrupts_json(s), key=str), f"{w} interrupts")
    checker.done()


@NAMES
@GRAPH
def test_live_show_and_threads(corpus, checker, name, with_graph):
    built = corpus.built[name]
    with corpus.open(built.app if with_graph else None) as db:
        rows = {r.thread_id: r for r in db.threads()}
        for t in built.threads:
            live = built.app.get_state(lgcfg(t))
            view = db.show(t)
            checker.eq(view.checkpoint_id, cid(live), f"{t} live id")
            unknown = entry_unknown_reported(view.notes, view.next, live.next)
            checker.true(same_next(view.next, live.next, with_graph) or unknown,
                         f"{t} live next: lgtt {view.next} != {list(live.next)}")
            checker.eq(sorted(view.interrupts, key=str), sorted(interrupts_json(live), key=str), f"{t} live interrupts")
            expected = expected_values(live.values, view, with_graph)
            got = view.to_json()["values"]
            if unknown:
                checker.eq(got, {}, f"{t} live values (entry unknown)")
            elif got != expected and not with_graph:  # lgtt must say it shows the values as recorded
                recorded = built.app.get_state(lgcfg(t, cid(live)))
                checker.true(any("pass --graph" in n for n in view.notes), f"{t} live values differ without a note")
                checker.eq(got, expected_values(recorded.values, view, False), f"{t} live values (recorded)")
            else:
                checker.eq(got, expected, f"{t} live values")
            statuses = read_task_statuses(built.app.checkpointer.get_tuple(live.config).pending_writes or [])
            done = {x.id for x in live.tasks if x.id in statuses and statuses[x.id].finished and not x.error}
            checker.eq({x.id for x in view.tasks if x.done}, done, f"{t} live tasks done")
            row = rows.get(t)
            if not checker.true(row is not None, f"{t} missing from threads"):
                continue
            checker.eq(row.checkpoints, len(history(built.app, t)), f"{t} threads checkpoints")
            checker.eq(row.latest_checkpoint_id, cid(live), f"{t} threads head")
            checker.eq(row.step, live.metadata["step"], f"{t} threads step")
            checker.eq(row.status, status(live), f"{t} threads status")
            checker.true(same_next(row.next, live.next, with_graph) or (unknown and row.next == view.next),
                         f"{t} threads next: lgtt {row.next} != {list(live.next)}")
    checker.done()
