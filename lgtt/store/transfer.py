"""What the backends' transfer modules share: base64 for stored bytes, rows merged in file order."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


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
