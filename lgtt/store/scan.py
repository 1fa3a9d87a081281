"""Read a checkpoint's bookkeeping out of its msgpack bytes without building its state values.

A SQLite row stores the whole checkpoint inline as one msgpack map, in the order
v, ts, id, channel_values, channel_versions, versions_seen, updated_channels. The
state values sit before the bookkeeping, so the fast path finds the bookkeeping
from the end of the blob and checks that it parses to exactly the end; the full
path walks the map and skips over each value with `Unpacker.skip`.
"""

from __future__ import annotations

from typing import Any

import msgpack

_TAIL_KEY = b"\xb0channel_versions"  # msgpack fixstr of length 16
_TAIL_KEYS = ("channel_versions", "versions_seen", "updated_channels")
# Internal channels whose value (not only presence) decides `next`.
VALUE_PREFIXES = ("join:", "__pregel_tasks")


def _unpacker(blob: bytes, offset: int = 0) -> msgpack.Unpacker:
    u = msgpack.Unpacker(raw=False, strict_map_key=False, max_buffer_size=max(len(blob), 1))
    u.feed(memoryview(blob)[offset:])
    return u


def head_fields(blob: bytes) -> dict[str, Any]:
    """The leading scalar entries (v, ts, id) of a checkpoint map."""
    u = _unpacker(blob)
    n = u.read_map_header()
    out: dict[str, Any] = {}
    for _ in range(n):
        key = u.unpack()
        if key == "channel_values":
            break
        out[key] = u.unpack()
    return out


def tail_fields(blob: bytes) -> dict[str, Any] | None:
    """The trailing bookkeeping, found from the end; None when the layout is not the expected one.

    The bytes from the last `channel_versions` key to the end must be exactly 2 or 3 map
    entries with the expected keys: they are unpacked in one call as a map of that size."""
    pos = blob.rfind(_TAIL_KEY)
    if pos < 0:
        return None
    tail = bytes(memoryview(blob)[pos:])
    for header in (b"\x83", b"\x82"):
        try:
            out = msgpack.unpackb(header + tail, raw=False, strict_map_key=False)
        except (ValueError, msgpack.ExtraData, msgpack.OutOfData, TypeError):
            continue
        if isinstance(out, dict) and tuple(out) == _TAIL_KEYS[: len(out)]:
            return out
    return None


def full_fields(blob: bytes) -> tuple[dict[str, Any], set[str], dict[str, bytes]]:
    """Every entry but the state values: (fields, channels present, raw bytes of VALUE_PREFIXES channels)."""
    u = _unpacker(blob)
    n = u.read_map_header()
    fields: dict[str, Any] = {}
    present: set[str] = set()
    raw: dict[str, bytes] = {}
    for _ in range(n):
        key = u.unpack()
        if key != "channel_values":
            fields[key] = u.unpack()
            continue
        for _ in range(u.read_map_header()):
            chan = u.unpack()
            start = u.tell()
            u.skip()
            present.add(chan)
            if chan.startswith(VALUE_PREFIXES):
                raw[chan] = bytes(blob[start : u.tell()])
    return fields, present, raw
