"""Helpers shared by the SQL backends: turning raw rows into Bookkeeping."""

from __future__ import annotations

import json
import re
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
    """Checkpoint metadata as stored (JSON text/bytes in SQLite, jsonb in Postgres); {} when unreadable."""
    return read_metadata(raw)[0]


def read_metadata(raw: Any) -> tuple[dict[str, Any], str | None]:
    """(metadata, problem): a stored metadata that is not a JSON object gives ({}, what is wrong)."""
    if raw is None:  # SQL NULL, or a jsonb null as psycopg returns it
        return {}, "metadata is null, not an object"
    if isinstance(raw, dict):
        return raw, None
    if isinstance(raw, (bytes, bytearray, memoryview, str)):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return {}, f"metadata is not JSON ({exc})"
    if isinstance(raw, dict):
        return raw, None
    return {}, f"metadata is a JSON {_json_kind(raw)}, not an object"


def root_of(metadata: dict[str, Any]) -> str | None:
    """metadata.parents[""]: the root checkpoint a subgraph call ran under (None when absent or malformed)."""
    parents = metadata.get("parents")
    root = parents.get("") if isinstance(parents, dict) else None
    return root if isinstance(root, str) else None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value), type(value).__name__)


# A channel version as LangGraph's savers write it: an int (SqliteSaver, older savers) or a
# zero-padded string "0000…0003.0.5194…" (PostgresSaver, InMemorySaver). Their get_next_version
# reads only the digits before the first "."; the random tail is `f"{random():016}"`, which is
# "00000001.234e-05" for a small draw, so anything may follow the dot.
_STR_VERSION = re.compile(r"^\d+(\.\S*)?$")


def version_problem(v: Any, channel_versions: Any, versions_seen: Any) -> str | None:
    """What is wrong with a checkpoint's format version and channel versions, or None."""
    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
        return f"checkpoint format version v is {v!r}, not an integer"
    if channel_versions is not None and not isinstance(channel_versions, dict):
        return f"channel_versions is a {type(channel_versions).__name__}, not a map"
    if versions_seen is not None and not isinstance(versions_seen, dict):
        return f"versions_seen is a {type(versions_seen).__name__}, not a map"
    kinds: set[type] = set()
    items = [(f"channel_versions[{k!r}]", ver) for k, ver in (channel_versions or {}).items()]
    for node, seen in (versions_seen or {}).items():
        if not isinstance(seen, dict):
            return f"versions_seen[{node!r}] is a {type(seen).__name__}, not a map"
        items += [(f"versions_seen[{node!r}][{k!r}]", ver) for k, ver in seen.items()]
    for where, ver in items:
        if isinstance(ver, bool) or not (isinstance(ver, (int, float)) or (isinstance(ver, str) and _STR_VERSION.match(ver))):
            return f"{where} is {ver!r}, not a channel version"
        kinds.add(str if isinstance(ver, str) else int)
    if len(kinds) > 1:
        return "channel versions mix numbers and strings"
    return None


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
    problem = version_problem(head.get("v"), tail.get("channel_versions"), tail.get("versions_seen"))
    if problem is not None:
        return damaged(cid, parent, ns, metadata, problem)
    updated = tail.get("updated_channels")
    return Bookkeeping(
        checkpoint_id=cid,
        parent_id=parent,
        ns=ns,
        metadata=metadata,
        ts=str(head.get("ts", "")),
        v=int(head.get("v", 0) or 0),
        channel_versions=tail.get("channel_versions") or {},  # freshly unpacked: no copies needed
        versions_seen=tail.get("versions_seen") or {},
        updated_channels=updated if isinstance(updated, list) else None,
        present=present,
        internal=internal,
    )


def damaged(cid: str, parent: str | None, ns: str, metadata: dict[str, Any], problem: str) -> Bookkeeping:
    """A row lgtt cannot read: ids and parent link only, `damage` says why (nothing runs from it)."""
    return Bookkeeping(checkpoint_id=cid, parent_id=parent, ns=ns, metadata=metadata, ts="", v=0,
                       channel_versions={}, versions_seen={}, updated_channels=None, present=set(),
                       damage=problem)


def describe(exc: BaseException) -> str:
    """An exception raised while decoding a row, as a short phrase."""
    from lgtt.errors import LgttError

    if isinstance(exc, LgttError):
        return exc.message
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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
