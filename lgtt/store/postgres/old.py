"""Postgres databases from older langgraph-checkpoint-postgres releases.

- Before the `task_path` migration, PostgresSaver's own reads fail (`column cw.task_path does not
  exist`): `legacy_saver` is the same saver with that column read as '' (what the migration fills in).
- Checkpoints before format v4 keep their Send packets as the parent checkpoint's `__pregel_tasks`
  writes; `attach_pending_sends` reads them as PostgresSaver does (`SELECT_PENDING_SENDS_SQL`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lgtt.store.base import TASKS, Bookkeeping

WRITES_HAS_TASK_PATH_SQL = """
SELECT 1 FROM information_schema.columns
WHERE table_schema = ANY(current_schemas(false)) AND table_name = 'checkpoint_writes' AND column_name = 'task_path'
"""
PENDING_SENDS_SQL = f"""
SELECT checkpoint_id, type, blob FROM checkpoint_writes
WHERE thread_id = %s AND checkpoint_id = ANY(%s) AND channel = '{TASKS}'
ORDER BY checkpoint_id, {{order}}
"""


def has_task_path(conn: Any) -> bool:
    return bool(conn.execute(WRITES_HAS_TASK_PATH_SQL).fetchall())


def saver_class(task_path: bool) -> type:
    """PostgresSaver, or without `task_path` the same saver reading that column as '' (never writes)."""
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.postgres.base import SELECT_PENDING_SENDS_SQL, SELECT_SQL

    if task_path:
        return PostgresSaver
    legacy = SELECT_SQL.replace("convert_to(cw.task_path, 'UTF8')", "convert_to('', 'UTF8')")
    if legacy == SELECT_SQL:
        raise RuntimeError("PostgresSaver.SELECT_SQL no longer reads task_path as lgtt expects")
    return type("LegacyPostgresSaver", (PostgresSaver,), {
        "SELECT_SQL": legacy,
        "SELECT_PENDING_SENDS_SQL": SELECT_PENDING_SENDS_SQL.replace("order by task_path, task_id, idx", "order by task_id, idx"),
    })


def attach_pending_sends(conn: Any, serde: Any, thread_id: str, rows: Sequence[Bookkeeping], task_path: bool) -> None:
    """Set `pending_sends` of rows before format v4 from their parents' `__pregel_tasks` writes."""
    wanted = {r.parent_id for r in rows if r.v < 4 and r.parent_id}
    if not wanted:
        return
    order = "task_path, task_id, idx" if task_path else "task_id, idx"
    sends: dict[str, list[Any]] = {}
    for w in conn.execute(PENDING_SENDS_SQL.format(order=order), (thread_id, sorted(wanted))):
        sends.setdefault(w["checkpoint_id"], []).append(serde.loads_typed((w["type"], bytes(w["blob"]))))
    for r in rows:
        if r.v < 4 and r.parent_id in sends:
            r.pending_sends = sends[r.parent_id]
