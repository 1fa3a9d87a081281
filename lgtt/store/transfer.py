"""What the backends' transfer modules share: stored bytes in records, rows merged in file order.

Sources yield records whose values are the stored `bytes`; `for_file` turns them into base64 text
for an export file, and `stored` takes either form back (copy passes bytes straight through).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

EMPTY = "empty"  # a value left out (`export --redact`): PostgresSaver's type tag for a blob row without bytes


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def stored(data: str | bytes) -> bytes:
    """The stored bytes of a record's value: base64 text from a file, or bytes passed through."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    return base64.b64decode(data, validate=True)


def _pair(pair: list[Any]) -> list[Any]:
    type_, data = pair
    return [type_, b64(data) if isinstance(data, (bytes, bytearray, memoryview)) else data]


def for_file(rec: dict[str, Any]) -> dict[str, Any]:
    """A record with its stored bytes as base64 text (what an export file holds)."""
    if rec["record"] == "write":
        return {**rec, "value": _pair(rec["value"])}
    out = dict(rec)
    if "values" in rec:
        out["values"] = {chan: _pair(v) for chan, v in rec["values"].items()}
    if "raw" in rec:
        out["raw"] = _pair(rec["raw"])
    if "raw_fields" in rec:
        out["raw_fields"] = {k: _pair(v) for k, v in rec["raw_fields"].items()}
    return out


def merge_rows(checkpoints: Iterator[dict[str, Any]], writes: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Checkpoint records in (ns, id) order, each followed by its writes (both inputs sorted alike).
    A write whose checkpoint does not exist comes out where it sorts, and import rejects it."""
    pending = next(writes, None)
    for cp in checkpoints:
        key = (cp["checkpoint_ns"], cp["checkpoint_id"])
        while pending is not None and (pending["checkpoint_ns"], pending["checkpoint_id"]) < key:
            yield pending
            pending = next(writes, None)
        yield cp
        while pending is not None and (pending["checkpoint_ns"], pending["checkpoint_id"]) == key:
            yield pending
            pending = next(writes, None)
    while pending is not None:
        yield pending
        pending = next(writes, None)
