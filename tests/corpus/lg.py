"""LangGraph's own answers for a thread, in the JSON form lgtt prints, and the relaxations that
apply without `--graph` (each one something lgtt says about itself in a note)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lgtt.jsonform import to_jsonable


def cfg(thread_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    conf = {"thread_id": thread_id}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
        conf["checkpoint_ns"] = ""
    return {"configurable": conf}


def history(app: Any, thread_id: str) -> list[Any]:
    return list(reversed(list(app.get_state_history(cfg(thread_id)))))


def cid(snap: Any) -> str:
    return snap.config["configurable"]["checkpoint_id"]


def parent_id(snap: Any) -> str | None:
    return snap.parent_config["configurable"]["checkpoint_id"] if snap.parent_config else None


def interrupts_json(snap: Any) -> list[dict[str, Any]]:
    return [{"id": i.id, "value": to_jsonable(i.value)} for i in snap.interrupts]


def tasks_key(snap: Any) -> list[tuple[Any, ...]]:
    return [(t.id, t.name, None if t.error is None else str(t.error)) for t in snap.tasks]


def status(snap: Any) -> str:
    if any(t.error for t in snap.tasks):
        return "error"
    if snap.interrupts:
        return "interrupted"
    return "pending" if snap.next else "done"


def same_next(got: list[str], expected: tuple[str, ...], with_graph: bool) -> bool:
    """Exact with the graph; without it the same names and duplicates (lgtt sorts)."""
    return list(got) == list(expected) if with_graph else Counter(got) == Counter(expected)


def expected_values(snap_values: Any, view: Any, with_graph: bool) -> Any:
    """LangGraph's values in JSON form, less what lgtt without the graph says it cannot know:
    DeltaChannel keys it marks not rebuilt, and reducer keys never written (only the graph knows
    their empty default)."""
    expected = to_jsonable(snap_values)
    if with_graph or not isinstance(expected, dict):
        return expected
    got = view.to_json()["values"]
    for key in view.not_rebuilt:
        expected.pop(key, None)
    if isinstance(got, dict):
        for key in set(expected) - set(got):
            if expected[key] in ([], {}, 0, "", None):
                expected.pop(key)
    return expected


def entry_unknown_reported(notes: list[str], got_next: list[str], expected_next: tuple[str, ...]) -> bool:
    """lgtt says it cannot tell a functional entrypoint's name (a saver keeps no task paths) and
    shows `__start__` where LangGraph names the entrypoint."""
    from lgtt.nextnodes import ENTRY_UNKNOWN

    return ENTRY_UNKNOWN in notes and list(got_next) == ["__start__"] and len(expected_next) == 1
