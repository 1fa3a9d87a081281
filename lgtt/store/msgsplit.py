"""Take a SQLite checkpoint's msgpack map apart into bookkeeping and raw value bytes, and back.

Moving a thread between backends must never decode and re-encode state values: a custom type lgtt
cannot build, or a DeltaChannel snapshot, has to arrive byte for byte. msgpack is context-free, so
the bytes of one value inside the checkpoint map are exactly what `serde.dumps_typed(value)` gives
for that value alone (what PostgresSaver stores as a blob), and splicing them back in rebuilds the
map SqliteSaver would have written.
"""

from __future__ import annotations

from typing import Any

import msgpack

from lgtt.store.scan import walk

# SqliteSaver's checkpoint map order (serde.dumps_typed of the Checkpoint dict).
KEY_ORDER = ("v", "ts", "id", "channel_values", "channel_versions", "versions_seen", "updated_channels")
DELTA_SNAPSHOT_EXT = 7  # langgraph.checkpoint.serde.jsonplus: EXT_DELTA_SNAPSHOT (_DeltaSnapshot)


def split(blob: bytes) -> tuple[dict[str, Any], dict[str, bytes], dict[str, bytes]]:
    """(the entries but channel_values, decoded; the entries kept raw, e.g. `pending_sends` before
    format v4; {channel: raw msgpack bytes of its value})."""
    fields, raw_fields, spans = walk(blob)
    return fields, raw_fields, {chan: blob[start:end] for chan, start, end in spans}


def join(fields: dict[str, Any], values: dict[str, bytes], raw_fields: dict[str, bytes] | None = None) -> bytes:
    """The checkpoint map SqliteSaver writes, with the values' (and `raw_fields`') raw bytes spliced in."""
    raw_fields = raw_fields or {}
    packer = msgpack.Packer(use_bin_type=True)
    keys = [k for k in KEY_ORDER if k == "channel_values" or k in fields or k in raw_fields]
    keys += [k for k in (*fields, *raw_fields) if k not in KEY_ORDER]
    out = [packer.pack_map_header(len(keys))]
    for key in keys:
        out.append(packer.pack(key))
        if key in raw_fields:
            out.append(raw_fields[key])
            continue
        if key != "channel_values":
            out.append(packer.pack(fields[key]))
            continue
        out.append(packer.pack_map_header(len(values)))
        for chan, raw in values.items():
            out.append(packer.pack(chan))
            out.append(raw)
    return b"".join(out)


def primitive(raw: bytes) -> tuple[bool, Any]:
    """(True, value) when the msgpack bytes hold None, a bool, an int, a float or a str —
    what PostgresSaver keeps inline in the checkpoint's jsonb — else (False, None)."""
    first = raw[0]
    scalar = (first <= 0x7F or first >= 0xE0 or 0xA0 <= first <= 0xBF or first in (0xC0, 0xC2, 0xC3)
              or 0xCA <= first <= 0xD3 or 0xD9 <= first <= 0xDB)
    if not scalar:
        return False, None
    return True, msgpack.unpackb(raw, raw=False)


def pack_primitive(value: Any) -> bytes:
    """The msgpack bytes of an inline jsonb primitive, as the serializer would write them."""
    return msgpack.packb(value, use_bin_type=True)


def is_delta_snapshot(raw: bytes) -> bool:
    """Whether the bytes are a `_DeltaSnapshot` ext value (Postgres: blob plus an inline `true`)."""
    first = raw[0]
    if first in (0xD4, 0xD5, 0xD6, 0xD7, 0xD8):
        code = raw[1]
    elif first == 0xC7:
        code = raw[2]
    elif first == 0xC8:
        code = raw[3]
    elif first == 0xC9:
        code = raw[5]
    else:
        return False
    return code == DELTA_SNAPSHOT_EXT
