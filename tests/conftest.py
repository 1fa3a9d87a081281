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
    yield from _redis_server()


@pytest.fixture(scope="session")
def redis_demo_url() -> Iterator[str]:
    """A second server of this session for the shared demo database (tests on `redis_url` flush theirs)."""
    yield from _redis_server()


def _redis_server() -> Iterator[str]:
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


def flush_redis(url: str) -> None:
    """Empty a Redis server this session started (RediSearch indexes are server-wide: FLUSHALL).
    A server given by LGTT_TEST_REDIS_URL is never flushed."""
    import redis

    if os.environ.get("LGTT_TEST_REDIS_URL"):
        return
    with redis.Redis.from_url(url) as client:
        client.flushall()


def _ordered_redis_saver() -> type:
    from langgraph.checkpoint.redis import RedisSaver

    class OrderedRedisSaver(RedisSaver):
        """The official RedisSaver, its put_writes waiting for the put of its checkpoint. LangGraph
        runs the two concurrently; when put_writes goes first, upstream's put resets `has_writes`
        and the writes are lost to get_tuple, so a test's interrupt or error would vanish at random."""

        def put_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
            import time

            conf = config["configurable"]
            key = self._make_redis_checkpoint_key_cached(conf["thread_id"], conf.get("checkpoint_ns", ""),
                                                         conf["checkpoint_id"])
            for _ in range(200):
                if self._redis.exists(key):
                    break
                time.sleep(0.01)
            super().put_writes(config, writes, task_id, task_path)

    return OrderedRedisSaver


def redis_snapshot(url: str, match: str = "*") -> list[tuple[bytes, bytes, bool]]:
    """Every key matching `match` with its DUMP and whether it has a TTL, sorted: equal snapshots,
    nothing written."""
    import redis

    with redis.Redis.from_url(url) as client:
        keys = sorted(client.scan_iter(match=match, count=1000))
        return [(key, client.dump(key), client.pttl(key) > 0) for key in keys]


@contextmanager
def open_backend(kind: str, tmp: Path, url: str | None = None) -> Iterator[Backend]:
    """`url`: the Redis server for kind "redis" (emptied before and after)."""
    if kind == "redis":
        assert url, "kind 'redis' needs the server's url"
        flush_redis(url)
        saver = _ordered_redis_saver()(redis_url=url)
        saver.setup()
        try:
            yield Backend("redis", url, saver, saver._redis.close)
        finally:
            flush_redis(url)
            saver._redis.close()
        return
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


BACKENDS = ["sqlite", "postgres", "redis"]
# Test modules whose `backend` / `demo` tests run on Redis too; the others (prune, stats, check,
# export, SQL surgery) need what the Redis store does not offer yet and keep to SQLite and Postgres.
REDIS_MODULES = {"test_read_vs_langgraph", "test_diff", "test_branches", "test_fork", "test_resume",
                 "test_subgraphs"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_redis = params.get("backend") == "redis" or params.get("demo") == "redis"
        (dropped if on_redis and item.module.__name__.rpartition(".")[2] not in REDIS_MODULES else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty checkpoint DB per test, on each backend."""
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    with open_backend(request.param, tmp_path, url) as b:
        yield b


@pytest.fixture(scope="session", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The demo DB (every sample scenario) built once per backend; read-only tests share it."""
    from sample_graphs.demo import build_demo

    url = request.getfixturevalue("redis_demo_url") if request.param == "redis" else None
    with open_backend(request.param, tmp_path_factory.mktemp(request.param), url) as b:
        build_demo(b.saver)
        yield b


def scenario_module(thread_id: str) -> Any:
    from sample_graphs import SCENARIOS

    return SCENARIOS[thread_id.rsplit("-", 1)[0]]


DEMO_THREADS = ["chat-1", "steps-1", "hitl-1", "hitl-2", "subgraph-1", "fanout-1",
                "pydantic-1", "failing-1", "delta-1"]


# Where LangGraph's own API through RedisSaver cannot give the answer lgtt is compared with.
REDIS_UNREADABLE = {"pydantic-1": "RedisSaver hands nested Pydantic models back as constructor envelopes: "
                                  "LangGraph's get_state at the earlier checkpoints fails validating them"}


def readable(backend: Backend, thread_id: str) -> bool:
    return not (backend.kind == "redis" and thread_id in REDIS_UNREADABLE)


def require_readable(backend: Backend, thread_id: str) -> None:
    if not readable(backend, thread_id):
        pytest.skip(REDIS_UNREADABLE[thread_id])


def pytest_sessionstart(session: pytest.Session) -> None:
    from corpus.counts import reset  # the differential corpus's check counter (tests/corpus)

    reset()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from corpus.counts import summary

    summary(terminalreporter)


def state_history(app: Any, config: dict) -> list[Any]:
    """`app.get_state_history(config)` oldest first. Through RedisSaver, whose list() also yields
    other namespaces' checkpoints, orders by put time, drops pending Sends and leaves messages as
    constructor dicts, each checkpoint of the asked namespace is read with get_state at its id."""
    hist = list(reversed(list(app.get_state_history(config))))
    if not any(c.__name__ == "RedisSaver" for c in type(app.checkpointer).__mro__):
        return hist
    ns = config["configurable"].get("checkpoint_ns", "")
    ids = {t.config["configurable"]["checkpoint_id"] for t in app.checkpointer.list(config)
           if t.config["configurable"].get("checkpoint_ns", "") == ns}  # snapshots' own ns can be ""
    mine = sorted((s for s in hist if s.config["configurable"]["checkpoint_id"] in ids),
                  key=lambda s: s.config["configurable"]["checkpoint_id"])  # list() orders by put time
    return [app.get_state(s.config) for s in mine]
