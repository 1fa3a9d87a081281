"""The psycopg connection every Postgres module uses (read-only sessions unless asked)."""

from __future__ import annotations

from typing import Any

from lgtt.dburl import redact
from lgtt.errors import LgttError
from lgtt.store import deadline


def connect(url: str, *, read_only: bool = True) -> Any:
    """A psycopg connection as PostgresSaver expects it; read-only sessions by default."""
    import psycopg
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=10,
                               application_name="lgtt")
    except psycopg.Error as exc:
        detail = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise LgttError(f"cannot connect to PostgreSQL at {redact(url)}: {detail}",
                        "check that the server is running and the URL is right") from None
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    if conn.info.server_version >= 140000:  # a killed lgtt (SIGKILL, a lost link): the server stops its statement
        conn.execute("SET client_connection_check_interval = 1000")
    deadline.apply_pg(conn)
    try:  # jsonb parsing dominates bookkeeping reads; orjson comes with langgraph-checkpoint-postgres
        import orjson
        from psycopg.types.json import set_json_loads

        set_json_loads(orjson.loads, conn)
    except ImportError:
        pass
    return conn
