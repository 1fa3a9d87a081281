"""`lgtt index create|drop`: the one optional index lgtt can use, made only when the user asks.

LangGraph's checkpoint tables have no index that serves "newest first" (their primary key
starts with thread_id), so listing the newest threads of a big database needs one aggregate
over every checkpoint. This partial index on (checkpoint_id, thread_id) of the root namespace
turns `threads --limit N` newest-first into a short backward index scan.
"""

from __future__ import annotations

from lgtt.errors import LgttError
from lgtt.store.postgres.connect import connect
from lgtt.store.postgres.read import NEWEST_INDEX

CREATE_SQL = (f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NEWEST_INDEX} "
              "ON checkpoints (checkpoint_id, thread_id) WHERE checkpoint_ns = ''")
DROP_SQL = f"DROP INDEX CONCURRENTLY IF EXISTS {NEWEST_INDEX}"
VALID_SQL = "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)"


def index_sql(action: str) -> str:
    """The statement `lgtt index ACTION` runs."""
    return CREATE_SQL if action == "create" else DROP_SQL


def run_index(url: str, action: str) -> bool:
    """Create or drop the newest-first index (autocommit: CONCURRENTLY cannot run in a transaction).
    Returns whether the index exists afterwards. A create that fails leaves no invalid index."""
    import psycopg

    conn = connect(url, read_only=False)
    try:
        row = conn.execute(VALID_SQL, (NEWEST_INDEX,)).fetchone()
        if action == "create" and row is not None and not row["indisvalid"]:
            conn.execute(DROP_SQL)  # a half-built index from an interrupted create
        try:
            conn.execute(index_sql(action))
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction) as exc:
            raise LgttError(f"cannot {action} the index: {str(exc).splitlines()[0]}",
                            "run it as the owner of the checkpoints table (the statement is printed above)") from None
        except BaseException:
            if action == "create":
                try:
                    conn.execute(DROP_SQL)
                except Exception:
                    pass
            raise
        row = conn.execute(VALID_SQL, (NEWEST_INDEX,)).fetchone()
        exists = bool(row and row["indisvalid"])
        if action == "create" and not exists:
            raise LgttError(f"the index {NEWEST_INDEX} was not built", "run `lgtt index create` again")
        return exists
    finally:
        conn.close()
