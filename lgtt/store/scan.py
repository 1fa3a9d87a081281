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
# Internal channels whose value (not only presence) decides `next` (a deferred node's
# `branch:to:X` holds (value, finished)).
VALUE_PREFIXES = ("join:", "__pregel_tasks", "branch:to:")
# Formats before v4 keep Send packets in this top-level key (kept as raw bytes, decoded by the caller).
PENDING_SENDS = "pending_sends"


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


def walk(blob: bytes) -> tuple[dict[str, Any], dict[str, bytes], list[tuple[str, int, int]]]:
    """One pass over a checkpoint map without building state values: (the other entries, decoded;
    the entries kept as raw msgpack bytes — `pending_sends` of formats before v4, which may hold
    ext-typed Send packets; each channel value's (channel, start, end) span in `blob`)."""
    u = _unpacker(blob)
    fields: dict[str, Any] = {}
    raw_fields: dict[str, bytes] = {}
    spans: list[tuple[str, int, int]] = []
    for _ in range(u.read_map_header()):
        key = u.unpack()
        if key == PENDING_SENDS:
            start = u.tell()
            u.skip()
            raw_fields[key] = bytes(blob[start : u.tell()])
        elif key != "channel_values":
            fields[key] = u.unpack()
        else:
            for _ in range(u.read_map_header()):
                chan = u.unpack()
                start = u.tell()
                u.skip()
                spans.append((chan, start, u.tell()))
    return fields, raw_fields, spans


def full_fields(blob: bytes) -> tuple[dict[str, Any], set[str], dict[str, bytes]]:
    """Every entry but the state values: (fields, channels present, raw bytes of VALUE_PREFIXES channels).
    A `pending_sends` entry (formats before v4) stays raw msgpack bytes in `fields`."""
    fields, raw_fields, spans = walk(blob)
    fields.update(raw_fields)
    raw = {chan: bytes(blob[start:end]) for chan, start, end in spans if chan.startswith(VALUE_PREFIXES)}
    return fields, {chan for chan, _, _ in spans}, raw


class _Reader:
    """Sequential reads over a random-access source `read_at(offset, n)`, in bounded chunks."""

    CHUNK = 1 << 16

    def __init__(self, read_at: Any, size: int) -> None:
        self.read_at, self.size = read_at, size
        self.buf, self.buf_at, self.pos = b"", 0, 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > self.size:
            raise ValueError("truncated msgpack data")
        if not (self.buf_at <= self.pos and end <= self.buf_at + len(self.buf)):
            self.buf_at, self.buf = self.pos, self.read_at(self.pos, max(n, self.CHUNK))
        out = self.buf[self.pos - self.buf_at : end - self.buf_at]
        self.pos = end
        return out

    def skip(self, n: int) -> None:
        self.pos += n
        if self.pos > self.size:
            raise ValueError("truncated msgpack data")


_FIXED = {0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
          0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17}
_SIZED = {0xc4: (1, 0), 0xc5: (2, 0), 0xc6: (4, 0), 0xc7: (1, 1), 0xc8: (2, 1), 0xc9: (4, 1),
          0xd9: (1, 0), 0xda: (2, 0), 0xdb: (4, 0)}  # length bytes, extra bytes (ext type)
_COUNTED = {0xdc: (2, 1), 0xdd: (4, 1), 0xde: (2, 2), 0xdf: (4, 2)}  # length bytes, objects per entry


def _skip(r: _Reader) -> None:
    """Skip one msgpack object without building it (lengths read, payloads jumped over)."""
    pending = 1
    while pending:
        pending -= 1
        b = r.take(1)[0]
        if b <= 0x7F or b >= 0xE0:
            continue
        if b <= 0x8F:
            pending += 2 * (b & 0x0F)
        elif b <= 0x9F:
            pending += b & 0x0F
        elif b <= 0xBF:
            r.skip(b & 0x1F)
        elif b in _FIXED:
            r.skip(_FIXED[b])
        elif b in _SIZED:
            width, extra = _SIZED[b]
            r.skip(int.from_bytes(r.take(width), "big") + extra)
        elif b in _COUNTED:
            width, per = _COUNTED[b]
            pending += per * int.from_bytes(r.take(width), "big")
        else:
            raise ValueError(f"bad msgpack byte 0x{b:02x}")


def _unpack_small(r: _Reader) -> Any:
    """Unpack one small object (a map key) at the reader's position."""
    start = r.pos
    _skip(r)
    return msgpack.unpackb(r.read_at(start, r.pos - start), raw=False, strict_map_key=False)


def _map_len(r: _Reader) -> int:
    b = r.take(1)[0]
    if 0x80 <= b <= 0x8F:
        return b & 0x0F
    if b in (0xDE, 0xDF):
        return int.from_bytes(r.take(2 if b == 0xDE else 4), "big")
    raise ValueError("not a msgpack map")


def _map_len(r: _Reader) -> int:
    b = r.take(1)[0]
    if 0x80 <= b <= 0x8F:
        return b & 0x0F
    if b in (0xDE, 0xDF):
        return int.from_bytes(r.take(2 if b == 0xDE else 4), "big")
    raise ValueError("not a msgpack map")


def present_streaming(read_at: Any, size: int) -> tuple[set[str], dict[str, bytes]]:
    """Channels present in a checkpoint's channel_values, and the raw bytes of VALUE_PREFIXES
    channels, reading the blob in bounded chunks: memory does not grow with the state's size."""
    r = _Reader(read_at, size)
    n = _map_len(r)
    present: set[str] = set()
    raw: dict[str, bytes] = {}
    for _ in range(n):
        key = _unpack_small(r)
        if key != "channel_values":
            _skip(r)
            continue
        for _ in range(_map_len(r)):
            chan = _unpack_small(r)
            start = r.pos
            _skip(r)
            present.add(chan)
            if isinstance(chan, str) and chan.startswith(VALUE_PREFIXES):
                raw[chan] = r.read_at(start, r.pos - start)
        break
    return present, raw
