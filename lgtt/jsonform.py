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


def to_jsonable(value: Any) -> Any:
    """Pydantic models, dataclasses and LangChain messages as field dicts; datetimes as ISO
    strings; sets and tuples as lists; bytes as base64; anything else unknown as its repr."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, deque)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (uuid.UUID, decimal.Decimal, pathlib.PurePath)):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return to_jsonable(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "_asdict"):
        return to_jsonable(value._asdict())
    if type(value).__name__ == "Send" and hasattr(value, "node"):
        return {"node": value.node, "arg": to_jsonable(value.arg)}
    if type(value).__name__ == "Interrupt" and hasattr(value, "value"):
        return {"id": getattr(value, "id", None), "value": to_jsonable(value.value)}
    if isinstance(value, BaseException):
        return repr(value)
    return repr(value)
