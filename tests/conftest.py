"""Fixtures: the sample graphs' demo database on the real SQLite and Postgres savers."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# lgtt's bookkeeping cache (lgtt/store/cache.py) goes to a folder of this test process, removed at
# the end, never to ~/.cache; subprocesses inherit it. Tests of the cache itself point it at tmp_path.
_CACHE_DIR = tempfile.mkdtemp(prefix="lgtt-test-cache-")
os.environ["LGTT_CACHE_DIR"] = _CACHE_DIR
os.environ.pop("LGTT_NO_CACHE", None)

PG_URL = os.environ.get("LGTT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_available() -> str | None:
    """None when the test server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL at {PG_URL} ({str(exc).strip().splitlines()[0] if str(exc) else exc})"


def require_pg() -> None:
    reason = pg_available()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards; yields its URL."""
    import psycopg

    require_pg()
    name = f"lgtt_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis Stack server (RedisJSON + RediSearch) for this test session; see tests/redis_stack.py."""
    from tests import redis_stack

    url, port, reason = redis_stack.start()
    try:
        if reason:
            if IN_CI:
                pytest.fail(f"{reason}; CI=true requires it")
            pytest.skip(reason)
        yield url
    finally:
        if port:
            redis_stack.stop(port)


@dataclass
class Backend:
    """A database lgtt reads and the official saver that wrote it."""

    kind: str
    url: str
    saver: Any
    close: Any

    def app(self, module: Any) -> Any:
        from sample_graphs import compile_with

        return compile_with(module, self.saver)


@contextmanager
def open_backend(kind: str, tmp: Path) -> Iterator[Backend]:
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = tmp / "db.sqlite"
        conn = sqlite3.connect(path, check_same_thread=False)
        saver = SqliteSaver(conn)
        saver.setup()
        try:
            yield Backend("sqlite", str(path), saver, conn.close)
        finally:
            conn.close()
        return
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    with pg_database() as url:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        saver = PostgresSaver(conn)
        saver.setup()
        try:
            yield Backend("postgres", url, saver, conn.close)
        finally:
            conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty checkpoint DB per test, on each backend."""
    with open_backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The demo DB (every sample scenario) built once per backend; read-only tests share it."""
    from sample_graphs.demo import build_demo

    with open_backend(request.param, tmp_path_factory.mktemp(request.param)) as b:
        build_demo(b.saver)
        yield b


def scenario_module(thread_id: str) -> Any:
    from sample_graphs import SCENARIOS

    return SCENARIOS[thread_id.rsplit("-", 1)[0]]


DEMO_THREADS = ["chat-1", "steps-1", "hitl-1", "hitl-2", "subgraph-1", "fanout-1",
                "pydantic-1", "failing-1", "delta-1"]


def pytest_sessionstart(session: pytest.Session) -> None:
    from corpus.counts import reset  # the differential corpus's check counter (tests/corpus)

    reset()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from corpus.counts import summary

    summary(terminalreporter)
