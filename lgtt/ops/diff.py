"""`lgtt diff`: what changed between two checkpoints' values, as JSON Patch and as a readable list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from lgtt.jsonform import to_jsonable

MESSAGE_CLASS = {"ai": "AIMessage", "human": "HumanMessage", "system": "SystemMessage", "tool": "ToolMessage",
                 "function": "FunctionMessage", "chat": "ChatMessage", "remove": "RemoveMessage"}


# -- JSON Patch (RFC 6902) -------------------------------------------------------------------------
def pointer(parts: tuple[Any, ...]) -> str:
    """A JSON Pointer (RFC 6901): '~' -> '~0', '/' -> '~1'."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: no True == 1 or 1 == 1.0 shortcuts."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _equal_tree(a: Any, b: Any) -> bool:
    """Fast, JSON-strict equality of two containers (C-level ==, then orjson bytes so that
    True/1 and 1/1.0 still differ); lets the recursive diffs skip unchanged subtrees."""
    if type(a) is not type(b) or not isinstance(a, (dict, list)) or a != b:
        return False
    try:
        return orjson.dumps(a, option=orjson.OPT_NON_STR_KEYS) == orjson.dumps(b, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return _same(a, b)


def json_patch(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Operations that turn `a` into `b` (both JSON-form): applying them in order to `a` gives `b`.

    A key new in `b` is one `add` of its whole value; in a list present on both sides, items
    are compared by position, appended items are `add`s at their index and removed ones are
    `remove`s from the highest index down. `replace` and `remove` carry `old`."""
    if _equal_tree(a, b):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        ops: list[dict[str, Any]] = []
        for k in a:
            if k not in b:
                ops.append({"op": "remove", "path": pointer((*path, k)), "old": a[k]})
        for k in a:
            if k in b:
                ops.extend(json_patch(a[k], b[k], (*path, k)))
        for k in b:
            if k not in a:
                ops.append({"op": "add", "path": pointer((*path, k)), "value": b[k]})
        return ops
    if isinstance(a, list) and isinstance(b, list):
        ops = []
        n = min(len(a), len(b))
        for i in range(n):
            ops.extend(json_patch(a[i], b[i], (*path, i)))
        for i in range(len(a) - 1, n - 1, -1):
            ops.append({"op": "remove", "path": pointer((*path, i)), "old": a[i]})
        for i in range(n, len(b)):
            ops.append({"op": "add", "path": pointer((*path, i)), "value": b[i]})
        return ops
    if _same(a, b):
        return []
    return [{"op": "replace", "path": pointer(path), "value": b, "old": a}]


# -- the human view ----------------------------------------------------------------------------------
@dataclass
class Change:
    """One line of the readable diff: `+` added, `-` removed, `~` changed, `=` written with the
    value it had (a step's diff only)."""

    kind: str
    path: str
    old: Any = None
    new: Any = None
    message: dict[str, Any] | None = None  # set for a whole message added / removed (or the one edited)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def is_message(item: Any) -> bool:
    return isinstance(item, dict) and "type" in item and "id" in item


def is_message_list(*lists: Any) -> bool:
    items = [x for lst in lists for x in lst]
    return bool(items) and all(is_message(x) for x in items) and all(
        x["id"] is not None for x in items) and all(
        len({x["id"] for x in lst}) == len(lst) for lst in lists)


def message_label(msg: dict[str, Any]) -> str:
    kind = msg.get("type")
    cls = MESSAGE_CLASS.get(kind, str(kind))
    return f"{cls} id={msg.get('id')}"


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def changes(a: Any, b: Any, path: str = "") -> list[Change]:
    """The readable diff: nested keys, list items by position, message lists by message id."""
    if _equal_tree(a, b):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Change] = []
        for k in a:
            if k not in b:
                out.append(Change("-", _join(path, k), old=a[k]))
        for k in a:
            if k in b:
                out.extend(changes(a[k], b[k], _join(path, k)))
        for k in b:
            if k not in a:
                out.append(Change("+", _join(path, k), new=b[k]))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if is_message_list(a, b):
            return _message_changes(a, b, path)
        out = []
        n = min(len(a), len(b))
        for i in range(n):
            out.extend(changes(a[i], b[i], _join(path, i)))
        out.extend(Change("-", _join(path, i), old=a[i]) for i in range(n, len(a)))
        out.extend(Change("+", _join(path, i), new=b[i]) for i in range(n, len(b)))
        return out
    if _same(a, b):
        return []
    return [Change("~", path, old=a, new=b)]


def _message_changes(a: list[dict[str, Any]], b: list[dict[str, Any]], path: str) -> list[Change]:
    old = {m["id"]: (i, m) for i, m in enumerate(a)}
    new = {m["id"]: (i, m) for i, m in enumerate(b)}
    out: list[Change] = []
    for mid, (i, m) in old.items():
        if mid not in new:
            out.append(Change("-", _join(path, i), old=m, message=m))
    for mid, (j, m) in new.items():
        if mid in old:
            edits = changes(old[mid][1], m, _join(path, j))
            for c in edits:
                c.message = m
            out.extend(edits)
        else:
            out.append(Change("+", _join(path, j), new=m, message=m))
    return out


def summarize(cs: list[Change]) -> dict[str, int]:
    """Counts for the one-line summary: top-level keys and messages."""
    counts = {"keys_added": 0, "keys_removed": 0, "keys_changed": 0,
              "messages_added": 0, "messages_removed": 0, "messages_edited": 0, "keys_rewritten": 0}
    changed_keys: set[str] = set()
    edited: set[Any] = set()
    for c in cs:
        if c.kind == "=":
            counts["keys_rewritten"] += 1
            continue
        top = c.path.split(".", 1)[0].split("[", 1)[0]
        if c.message is not None:
            if c.kind == "+" and c.new is c.message:
                counts["messages_added"] += 1
            elif c.kind == "-" and c.old is c.message:
                counts["messages_removed"] += 1
            else:
                edited.add(c.message.get("id"))
        if "." not in c.path and "[" not in c.path and c.kind in "+-":
            counts["keys_added" if c.kind == "+" else "keys_removed"] += 1
        else:
            changed_keys.add(top)
    counts["keys_changed"] = len(changed_keys)
    counts["messages_edited"] = len(edited)
    return counts


def summary_line(counts: dict[str, int]) -> str:
    parts = []
    for name, noun in (("keys_changed", "key changed"), ("keys_added", "key added"),
                       ("keys_removed", "key removed"), ("messages_added", "message added"),
                       ("messages_removed", "message removed"), ("messages_edited", "message edited"),
                       ("keys_rewritten", "key rewritten")):
        n = counts.get(name, 0)
        if n:
            word, verb = noun.split(" ")
            parts.append(f"{n} {word}{'' if n == 1 else 's'} {verb}")
    if parts and all(n.startswith("keys_rewritten") or not counts.get(n) for n in counts):
        return "no changes (" + ", ".join(parts) + " with the same value)"
    return ", ".join(parts) if parts else "no changes"


# -- diffing two checkpoints ---------------------------------------------------------------------------
@dataclass
class Side:
    thread_id: str
    index: int | None
    checkpoint_id: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Diff:
    a: Side
    b: Side
    ops: list[dict[str, Any]]
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return summarize(self.changes)

    @property
    def summary(self) -> str:
        return summary_line(self.counts)

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.to_json(), "b": self.b.to_json(), "ops": self.ops,
                "changes": [c.to_json() for c in self.changes], "summary": self.summary,
                "counts": self.counts, "left_out": self.left_out, "notes": self.notes}


def view_values(view: Any, internal: bool = False) -> dict[str, Any]:
    """A CheckpointView's values in JSON form (with LangGraph's channels when `internal`)."""
    values = view.to_json()["values"]
    if internal:
        values.update(to_jsonable(view.internal))
    return values


def diff_views(a: Any, b: Any, *, internal: bool = False, step: bool = False) -> Diff:
    """Diff of two CheckpointViews (`a` None: an empty state before the first checkpoint).
    `step`: `a` is `b`'s parent, so keys `b`'s step wrote with an unchanged value are listed too
    (kind `=`, a JSON Patch `test`), by the one definition of "changed" the timeline uses."""
    va = view_values(a, internal) if a is not None else {}
    vb = view_values(b, internal)
    left_out = sorted(set(getattr(a, "not_rebuilt", []) or []) | set(b.not_rebuilt or []))
    for key in left_out:
        va.pop(key, None)
        vb.pop(key, None)
    notes = []
    if left_out:
        notes.append(f"{', '.join(left_out)}: DeltaChannel value not rebuilt (stored as deltas), left out of the "
                     "diff; pass --graph to include it")
    if a is None:
        notes.append("first checkpoint of the thread: compared with an empty state")
    side_a = Side(a.thread_id, a.index, a.checkpoint_id) if a is not None else Side(b.thread_id, None, None)
    ops, cs = json_patch(va, vb), changes(va, vb)
    if step and getattr(b, "book", None) is not None:
        _rewritten(b, a, vb, ops, cs, left_out)
    return Diff(side_a, Side(b.thread_id, b.index, b.checkpoint_id), ops, cs, notes, left_out)


def top_key(path: str) -> str:
    """The state key a JSON Pointer starts with (`ROOT` for the whole value)."""
    from lgtt.ops.channels import ROOT

    if path == "":
        return ROOT
    return path.split("/")[1].replace("~1", "/").replace("~0", "~")


def _rewritten(b: Any, a: Any, vb: Any, ops: list[dict[str, Any]], cs: list[Change], left_out: list[str]) -> None:
    """Add `test` ops / `=` changes for keys the step wrote that kept their value."""
    from lgtt.ops.channels import ROOT, written_keys
    from lgtt.tasks import NULL_TASK_ID

    nulls = [w["channel"] for w in b.pending_writes if w["task_id"] == NULL_TASK_ID]
    written = written_keys(b.book, getattr(a, "book", None), nulls)
    touched = {ROOT} if ops and ROOT in written else {top_key(op["path"]) for op in ops}
    for key in written:
        if key in touched or key in left_out:
            continue
        if key == ROOT:
            ops.append({"op": "test", "path": "", "value": vb})
            cs.append(Change("=", "", old=vb, new=vb))
        elif isinstance(vb, dict) and key in vb:
            ops.append({"op": "test", "path": pointer((key,)), "value": vb[key]})
            cs.append(Change("=", key, old=vb[key], new=vb[key]))
