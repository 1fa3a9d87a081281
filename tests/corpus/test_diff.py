"""diff's JSON Patch applied (with jsonpatch) to LangGraph's own values gives LangGraph's values,
at every checkpoint of every thread (against its parent), and timeline's "changed" is exactly the
set of keys the step's diff names (one definition of changed)."""

from __future__ import annotations

import jsonpatch
import pytest

from corpus.lg import cid, history, parent_id
from corpus.scenarios import SCENARIOS
from lgtt.jsonform import to_jsonable
from lgtt.nextnodes import ENTRY_UNKNOWN
from lgtt.ops.channels import ROOT
from lgtt.ops.diff import top_key

GRAPH = pytest.mark.parametrize("with_graph", [True, False], ids=["graph", "nograph"])
NAMES = pytest.mark.parametrize("name", list(SCENARIOS))


def _known(values, view_a, view_b, left_out):
    """LangGraph's values less what lgtt without the graph says it leaves out (DeltaChannel keys,
    reducer keys never written whose empty default only the graph knows)."""
    out = to_jsonable(values)
    if not isinstance(out, dict):
        return out
    shown = set()
    for v in (view_a, view_b):
        vals = v.to_json()["values"] if v is not None else {}
        shown |= set(vals) if isinstance(vals, dict) else set()
    for key in list(out):
        if key in left_out or (key not in shown and out[key] in ([], {}, 0, "", None)):
            out.pop(key)
    return out


@NAMES
@GRAPH
def test_diff_applies_to_langgraph_values(corpus, checker, name, with_graph):
    built = corpus.built[name]
    with corpus.open(built.app if with_graph else None) as db:
        for t in built.threads:
            hist = history(built.app, t)
            by_id = {cid(s): s for s in hist}
            tl = {e.checkpoint_id: e for e in db.timeline(t).entries}
            for i, s in enumerate(hist):
                w = f"{t}[{i}]"
                d = db.diff(t, i)
                parent = by_id.get(parent_id(s))
                view_b = db.show(t, i)
                view_a = db.show(t, d.a.index) if d.a.index is not None else None
                if any(v is not None and ENTRY_UNKNOWN in v.notes for v in (view_a, view_b)):
                    # lgtt says it cannot tell the functional entrypoint here (a saver keeps no task paths)
                    checker.eq(view_b.to_json()["values"], {}, f"{w} values with the entrypoint unknown")
                    continue
                before = _known(parent.values if parent is not None else {}, view_a, view_b, d.left_out)
                after = _known(s.values, view_a, view_b, d.left_out)
                try:
                    patched = jsonpatch.apply_patch(before, d.ops)
                except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                    checker.true(False, f"{w} patch does not apply to LangGraph's parent values: {exc}")
                    continue
                checker.eq(patched, after, f"{w} patched values")
                changed = set(tl[cid(s)].changed)
                keys = {top_key(op["path"]) for op in d.ops} | set(d.left_out)
                if not isinstance(s.values, dict) or ROOT in changed:  # the functional API: one value
                    keys = {ROOT} if d.ops else set()
                if parent is None:  # against an empty state: the keys the graph starts with appear, no step wrote them
                    checker.true(changed <= keys, f"{w} timeline changed {changed} not in the diff {keys}")
                else:
                    checker.eq(changed, keys - (set(d.left_out) - changed), f"{w} timeline changed vs diff keys")
    checker.done()
