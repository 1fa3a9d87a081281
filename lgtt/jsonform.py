"""The one JSON form of checkpoint values used by every command (show, diff, fork, compare)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import pathlib
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

import orjson

_ORJSON_OPTS = orjson.OPT_NON_STR_KEYS


def to_jsonable(value: Any) -> Any:
    """Pydantic models, dataclasses and LangChain messages as field dicts; datetimes as ISO
    strings; sets and tuples as lists; bytes as base64; anything else unknown as its repr.

    Large states go through orjson (a C round trip, ~10x faster than walking them here);
    whatever orjson cannot take (huge ints, NaN, non-str keys of odd types) takes the walk."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    try:
        return orjson.loads(orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTS))
    except (TypeError, orjson.JSONEncodeError):
        return _walk(value)


def dumps(value: Any, *, indent: bool = False) -> bytes:
    """`to_jsonable(value)` as JSON text, written straight from `value` (no intermediate objects:
    the same text, several times faster on large states). Raises TypeError where orjson cannot
    take the value (huge ints, …): then use `to_jsonable` and the standard library."""
    try:
        return orjson.dumps(value, default=_orjson_default,
                            option=_ORJSON_OPTS | (orjson.OPT_INDENT_2 if indent else 0))
    except orjson.JSONEncodeError as exc:
        raise TypeError(str(exc)) from None


def _orjson_default(value: Any) -> Any:
    """Types orjson does not serialize natively, in the form `_walk` gives them (orjson goes on
    converting whatever this returns)."""
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return value.model_dump()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, deque):
        return list(value)
    if hasattr(value, "_asdict"):
        return value._asdict()
    if type(value).__name__ == "Send" and hasattr(value, "node"):
        return {"node": value.node, "arg": value.arg}
    return _walk(value)


def _walk(value: Any) -> Any:
    """The reference conversion, in Python."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None  # as orjson
    if isinstance(value, Mapping):
        return {str(k): _walk(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, deque)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_walk(v) for v in items]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (uuid.UUID, decimal.Decimal, pathlib.PurePath)):
        return str(value)
    if isinstance(value, enum.Enum):
        return _walk(value.value)
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return _walk(value.model_dump())
    if type(value).__name__ == "Interrupt" and hasattr(value, "value"):
        return {"id": getattr(value, "id", None), "value": _walk(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "_asdict"):
        return _walk(value._asdict())
    if type(value).__name__ == "Send" and hasattr(value, "node"):
        return {"node": value.node, "arg": _walk(value.arg)}
    if isinstance(value, BaseException):
        return repr(value)
    return repr(value)
