"""RedisSaver's JSON serializer made strict: it builds only allowed types.

`JsonPlusRedisSerializer` imports any module an `lc` constructor envelope names and builds any
dataclass it finds there. Here a class is resolved only when LangGraph's safe types or the
loaded graph's state declare it; other envelopes go to LangGraph's own gated reviver, which
leaves unknown objects as data. Values of the msgpack fallback use the same allowlist.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.redis.jsonplus_redis import JsonPlusRedisSerializer


class StrictRedisSerializer(JsonPlusRedisSerializer):
    def __init__(self, allowlist: set[tuple[str, ...]] | None = None) -> None:
        from langgraph.checkpoint.serde._msgpack import SAFE_MSGPACK_TYPES

        self.allowed = set(SAFE_MSGPACK_TYPES) | set(allowlist or ())
        allowed = tuple(allowlist) if allowlist else None
        super().__init__(allowed_msgpack_modules=allowed, allowed_json_modules=allowed, pickle_fallback=False)

    def _constructor_class(self, obj: dict[str, Any]) -> type[Any]:
        parts = obj.get("id")
        if not isinstance(parts, list) or len(parts) < 2 or not all(isinstance(p, str) for p in parts):
            raise ValueError("not a constructor envelope")
        if (".".join(parts[:-1]), parts[-1]) not in self.allowed:
            raise ValueError(f"{'.'.join(parts)} is not on the allowlist")
        return super()._constructor_class(obj)

    def _reviver(self, value: dict[str, Any]) -> Any:
        try:
            return super()._reviver(value)
        except ValueError:  # LangChain refuses a class outside its own: keep the envelope as data
            return value


def strict_for(serde: Any) -> StrictRedisSerializer:
    """The Redis serializer allowing what lgtt's StrictSerializer `serde` allows (None: safe types)."""
    inner = getattr(getattr(serde, "_real", None) or serde, "inner", None)
    allowed = getattr(inner, "_allowed_msgpack_modules", None)
    return StrictRedisSerializer(set(allowed) if isinstance(allowed, (set, frozenset, tuple, list)) else None)
