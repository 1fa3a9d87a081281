"""Redis backend: the RedisJSON documents and RediSearch indexes that `langgraph-checkpoint-redis` writes.

`keys` names the layout, `client` connects and pages through searches, `read` reads,
`serde` decodes strictly, `write` forks.
"""

from __future__ import annotations

from typing import Any


def open(target: str, serde: Any = None, **_: Any) -> Any:  # noqa: A001 - the registry's entry point
    from lgtt.store.redis.read import RedisStore

    return RedisStore(target, serde)
