"""Connecting to Redis and paging through RediSearch aggregations (cursors: no result cap)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from lgtt.dburl import redact
from lgtt.errors import LgttError
from lgtt.store.redis.keys import CHECKPOINT_INDEX, WRITE_INDEX

PAGE = 1000  # rows per cursor read
CONNECT_TIMEOUT = 10
HINT = "check that the server is running and the URL is right"


def connect(url: str) -> Any:
    """A redis-py client (RESP2, as redisvl under RedisSaver parses it; bytes) after a PING;
    LgttError when the server does not answer."""
    import redis

    try:
        client = redis.Redis.from_url(url, protocol=2, socket_connect_timeout=CONNECT_TIMEOUT,
                                      client_name="lgtt")
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        detail = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise LgttError(f"cannot connect to Redis at {redact(url)}: {detail}", HINT) from None
    return client


def check_indexes(client: Any, display: str) -> None:
    """Refuse a Redis without RediSearch or without the RedisSaver indexes (reads create none)."""
    import redis

    try:
        names = {n.decode() if isinstance(n, bytes) else str(n) for n in client.execute_command("FT._LIST")}
    except redis.ResponseError as exc:
        raise LgttError(f"the Redis at {display} has no RediSearch module ({str(exc).splitlines()[0]})",
                        "RedisSaver needs Redis 8 or Redis Stack (RedisJSON and RediSearch)") from None
    missing = sorted({CHECKPOINT_INDEX, WRITE_INDEX} - names)
    if missing:
        raise LgttError(f"the Redis at {display} has no LangGraph checkpoint index (missing: {', '.join(missing)})",
                        "point --db at the Redis (and database number) your app's RedisSaver writes; "
                        "its setup() creates the indexes")


def json_reply(raw: Any) -> Any:
    """A JSON.GET / JSON.MGET reply as data: raw text, or what redis-py's JSON callbacks (registered
    on the client once RedisSaver has used it) made of it."""
    return orjson.loads(raw) if isinstance(raw, (bytes, str)) else raw


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _rows(reply: Any) -> list[dict[str, str]]:
    """RESP2 aggregation rows: [count, [name, value, name, value, …], …] (a JSON null: no entry)."""
    return [{_text(r[i]): _text(r[i + 1]) for i in range(0, len(r) - 1, 2) if r[i + 1] is not None}
            for r in reply[1:]]


def aggregate(client: Any, index: str, query: str, load: Sequence[str] = (),
              steps: Sequence[Any] = (), page: int = PAGE) -> Iterator[dict[str, str]]:
    """FT.AGGREGATE rows (field -> text) read through a cursor. `load`: "$.path AS name" pairs
    given as "path=name" or plain field names; `steps`: GROUPBY / REDUCE arguments."""
    args: list[Any] = ["FT.AGGREGATE", index, query]
    if load:
        spec: list[str] = []
        for item in load:
            path, _, name = item.partition("=")
            spec += [path, "AS", name] if name else [path]
        args += ["LOAD", len(spec), *spec]
    args += [*steps, "WITHCURSOR", "COUNT", page, "DIALECT", 2]
    reply, cursor = client.execute_command(*args)
    try:
        while True:
            yield from _rows(reply)
            if not cursor:
                return
            reply, cursor = client.execute_command("FT.CURSOR", "READ", index, cursor, "COUNT", page)
    finally:
        if cursor:
            try:
                client.execute_command("FT.CURSOR", "DEL", index, cursor)
            except Exception:  # noqa: BLE001 - an expired cursor is already gone
                pass
