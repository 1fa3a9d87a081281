"""Helpers shared by the SQL backends: turning raw rows into Bookkeeping."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson

from lgtt.store import scan
from lgtt.store.base import Bookkeeping

if TYPE_CHECKING:
    from langgraph.checkpoint.serde.base import SerializerProtocol


class LazySerializer:
    """lgtt's default StrictSerializer, imported and built when something is first decoded."""

    def __init__(self) -> None:
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            from lgtt.serde import StrictSerializer

            self._real = StrictSerializer()
        return getattr(self._real, name)


def load_metadata(raw: Any) -> dict[str, Any]:
    """Checkpoint metadata as stored (JSON text/bytes in SQLite, jsonb in Postgres)."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    return orjson.loads(raw)


def from_decoded(checkpoint: dict[str, Any], cid: str, parent: str | None, ns: str,
                 metadata: dict[str, Any]) -> Bookkeeping:
    """Bookkeeping of a checkpoint dict already decoded by a saver (its values say what is present)."""
    values = checkpoint.get("channel_values") or {}
    internal = {k: v for k, v in values.items() if k.startswith(scan.VALUE_PREFIXES)}
    book = _book(checkpoint, checkpoint, cid, parent, ns, metadata, set(values), internal)
    book.pending_sends = checkpoint.get(scan.PENDING_SENDS) or None
    return book


def from_edges(start: bytes, end: bytes, cid: str, parent: str | None, ns: str,
               metadata: dict[str, Any]) -> Bookkeeping | None:
    """Bookkeeping from the first and last bytes of a msgpack checkpoint; None when they do not suffice."""
    try:
        head = scan.head_fields(start)
    except Exception:
        return None
    tail = scan.tail_fields(end)
    if tail is None or "ts" not in head:
        return None
    return _book(head, tail, cid, parent, ns, metadata, None, {})


def from_blob(type_: str | None, blob: bytes, cid: str, parent: str | None, ns: str,
              metadata: dict[str, Any], serde: SerializerProtocol, *, full: bool) -> Bookkeeping:
    """Bookkeeping of an inline msgpack checkpoint (SQLite), skipping the state values."""
    if type_ != "msgpack":
        return from_decoded(serde.loads_typed((type_, blob)), cid, parent, ns, metadata)
    tail = None if full else scan.tail_fields(blob)
    present: set[str] | None = None
    internal: dict[str, Any] = {}
    if tail is None:  # one walk gives every field: v, ts and id as well as the bookkeeping
        tail, present, raw = scan.full_fields(blob)
        internal = {k: serde.loads_typed(("msgpack", v)) for k, v in raw.items()}
        book = _book(tail, tail, cid, parent, ns, metadata, present, internal)
        book.pending_sends = pending_sends(tail, serde)
        return book
    return _book(scan.head_fields(blob), tail, cid, parent, ns, metadata, present, internal)


def pending_sends(fields: dict[str, Any], serde: Any) -> list[Any] | None:
    """The Send packets of a format-before-v4 checkpoint (raw bytes from `scan.full_fields`)."""
    raw = fields.get(scan.PENDING_SENDS)
    if not raw:
        return None
    sends = serde.loads_typed(("msgpack", raw)) if isinstance(raw, bytes) else raw
    return list(sends) or None


def _book(head: dict[str, Any], tail: dict[str, Any], cid: str, parent: str | None, ns: str,
          metadata: dict[str, Any], present: set[str] | None, internal: dict[str, Any]) -> Bookkeeping:
    return Bookkeeping(
        checkpoint_id=cid,
        parent_id=parent,
        ns=ns,
        metadata=metadata,
        ts=str(head.get("ts", "")),
        v=int(head.get("v", 0) or 0),
        channel_versions=tail.get("channel_versions") or {},  # freshly unpacked: no copies needed
        versions_seen=tail.get("versions_seen") or {},
        updated_channels=tail.get("updated_channels"),
        present=present,
        internal=internal,
    )


def match_values(value: Any) -> tuple[Any, Any]:
    """A --where value as the JSON value it parses to, and as the plain string typed."""
    raw = value if isinstance(value, str) else str(value)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    if isinstance(parsed, bool):
        parsed = int(parsed)
    if not isinstance(parsed, (str, int, float)) and parsed is not None:
        parsed = raw
    return parsed, raw
