"""Databases LangGraph 1.x has not migrated yet: readable as they are, never written by lgtt.

An older langgraph-checkpoint-sqlite created the `writes` table without `task_path`; an older
langgraph-checkpoint-postgres left `checkpoint_migrations` below the installed saver's last
migration. LangGraph migrates them itself (SqliteSaver.setup() on first use, PostgresSaver.setup()
when the app calls it); lgtt never does, so every write refuses first, with what to run.
"""

from __future__ import annotations

from lgtt.errors import LgttError

SQLITE_SETUP = ("python -c \"import sqlite3; from langgraph.checkpoint.sqlite import SqliteSaver; "
                "SqliteSaver(sqlite3.connect({path!r})).setup()\"")
POSTGRES_SETUP = ("python -c \"import psycopg, psycopg.rows; from langgraph.checkpoint.postgres import PostgresSaver; "
                  "PostgresSaver(psycopg.connect('YOUR_DATABASE_URL', autocommit=True, "
                  "row_factory=psycopg.rows.dict_row)).setup()\"")


def require_sqlite_migrated(path: str, has_task_path: bool) -> None:
    """Refuse a write to a SQLite file whose `writes` table predates `task_path`."""
    if has_task_path:
        return
    raise LgttError(
        f"{path} was written by langgraph-checkpoint-sqlite before 3.0 and LangGraph 1.x has not migrated it yet "
        "(its writes table has no task_path column), so lgtt does not write to it",
        "let LangGraph migrate it first: run your app once with langgraph-checkpoint-sqlite 3.x (SqliteSaver "
        f"migrates the file on first use) or run {SQLITE_SETUP.format(path=path)}; then retry. "
        "Read commands work without it",
    )


def require_postgres_migrated(display: str, version: int | None, latest: int) -> None:
    """Refuse a write to a Postgres database whose checkpoint schema is below the installed saver's."""
    if version is not None and version >= latest:
        return
    at = "has no checkpoint_migrations" if version is None else f"is at checkpoint schema version {version}"
    raise LgttError(
        f"{display} {at}, older than the installed langgraph-checkpoint-postgres's {latest}: LangGraph 1.x has not "
        "migrated it yet, so lgtt does not write to it",
        "let LangGraph migrate it first: start your app once with langgraph-checkpoint-postgres 3.x and its "
        f"PostgresSaver.setup(), or run {POSTGRES_SETUP} with your URL; then retry. Read commands work without it",
    )
