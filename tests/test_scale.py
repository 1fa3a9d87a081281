"""At-scale paths on small data: keyset pages, the optional newest-first index, streamed output,
chunked head reads, and cancellation of server-side statements (--timeout, SIGTERM, Ctrl-C)."""

from __future__ import annotations

import io
import json
import random
import signal
import subprocess
import sys
import time

import msgpack
import psycopg
import pytest
from test_errors_and_safety import ROOT, assert_one_line_error, lgtt

import lgtt as lgtt_api
from lgtt.render.jsonout import emit_stream
from lgtt.store import scan


def _keyset_pages(db, size: int) -> list[list]:
    pages, after = [], None
    while page := db.threads(limit=size, order="id", after=after):
        pages.append(page)
        after = page[-1].thread_id
    return pages


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_keyset_pages_equal_the_full_list(demo, size):
    with lgtt_api.open(demo.url) as db:
        full = db.threads()
        pages = _keyset_pages(db, size)
    flat = [t for page in pages for t in page]
    assert all(len(p) <= size for p in pages)
    assert [t.thread_id for t in flat] == sorted(t.thread_id for t in full)
    by_id = {t.thread_id: t for t in full}
    assert [t.to_json() for t in flat] == [by_id[t.thread_id].to_json() for t in flat]


def test_limit_is_a_prefix_of_the_full_list(demo):
    with lgtt_api.open(demo.url) as db:
        full = [t.to_json() for t in db.threads()]
        for n in (1, 3, len(full) + 2):
            assert [t.to_json() for t in db.threads(limit=n)] == full[:n]
        assert [t.to_json() for t in db.threads(order="id")] == sorted(full, key=lambda t: t["thread_id"])


def test_threads_json_streamed_equals_the_list(demo):
    proc = lgtt("--db", demo.url, "threads", "--json")
    assert proc.returncode == 0, proc.stderr
    with lgtt_api.open(demo.url) as db:
        assert json.loads(proc.stdout) == [t.to_json() for t in db.threads()]
    paged = lgtt("--db", demo.url, "threads", "--json", "--by", "id", "--limit", "2")
    assert [t["thread_id"] for t in json.loads(paged.stdout)] == sorted(t["thread_id"] for t in json.loads(proc.stdout))[:2]


def test_after_needs_id_order(demo):
    assert_one_line_error(lgtt("--db", demo.url, "threads", "--after", "x"), "--by id", code=2)
    assert_one_line_error(lgtt("--db", demo.url, "threads", "--by", "size"), "--by", code=2)


@pytest.mark.parametrize("items", [[], [{"a": [1, 2]}], [{"a": 1}, {"b": "x\ny", "c": None}]])
@pytest.mark.parametrize("tty", [False, True])
def test_emit_stream_writes_what_json_dumps_writes(monkeypatch, items, tty):
    buf = io.StringIO()
    buf.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdout", buf)
    emit_stream(iter(items))
    assert buf.getvalue() == json.dumps(items, indent=2 if tty else None, ensure_ascii=False) + "\n"


def test_chunked_presence_equals_the_full_walk():
    rng = random.Random(7)
    shapes = [1, -5, 2**40, -2**40, 1.5, None, True, "", "x" * 300, "y" * 70_000, b"z" * 70_000,
              [1, [2, {"a": None}]] * 20, {"m": {"n": [1] * 20}}, msgpack.ExtType(5, b"e" * 300),
              msgpack.ExtType(1, b"1"), list(range(70_000))]
    for _ in range(100):
        values = {f"k{i}": rng.choice(shapes) for i in range(rng.randint(0, 20))}
        values["join:a+b:c"] = ["a"]
        blob = msgpack.packb({"v": 4, "ts": "t", "id": "x", "channel_values": values,
                              "channel_versions": {"a": 1}, "versions_seen": {}, "updated_channels": []},
                             use_bin_type=True)
        present, raw = scan.present_streaming(lambda o, n, b=blob: b[o : o + n], len(blob))
        _, present2, raw2 = scan.full_fields(blob)
        assert (present, raw) == (present2, raw2)


def test_big_head_is_read_in_chunks_with_the_same_answer(backend):
    """A head bigger than the edges lgtt reads: `threads` agrees with get_state on it."""
    from sample_graphs import steps

    app = backend.app(steps)
    (tid,) = steps.scenario(app, "big")
    cfg = {"configurable": {"thread_id": tid}}
    app.update_state(cfg, {"steps_completed": ["x" * 50_000] * 8})
    snap = app.get_state(cfg)
    with lgtt_api.open(backend.url, graph=steps.graph) as db:
        (row,) = [t for t in db.threads() if t.thread_id == tid]
    assert row.latest_checkpoint_id == snap.config["configurable"]["checkpoint_id"]
    assert row.next == list(snap.next)
    assert row.step == snap.metadata["step"]


# -- Postgres: the optional index and cancellation -------------------------------------------------
@pytest.fixture
def pg_threads(backend):
    if backend.kind != "postgres":
        pytest.skip("Postgres only")
    from sample_graphs import steps

    app = backend.app(steps)
    for i in range(4):
        steps.scenario(app, f"s{i}")
    return backend


def _index_exists(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('lgtt_checkpoints_newest') IS NOT NULL").fetchone()[0]


def test_index_create_and_drop_serve_the_same_answer(pg_threads):
    url = pg_threads.url
    with lgtt_api.open(url) as db:
        before = [t.to_json() for t in db.threads(limit=3)]
    dry = lgtt("--db", url, "index", "create", "--dry-run")
    assert dry.returncode == 0 and "CREATE INDEX CONCURRENTLY" in dry.stdout and not _index_exists(url)
    made = lgtt("--db", url, "index", "create")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("CREATE INDEX CONCURRENTLY") and _index_exists(url)
    with lgtt_api.open(url) as db:
        assert db.store.has_newest_index()
        assert [t.to_json() for t in db.threads(limit=3)] == before
        assert [t.to_json() for t in db.threads()][:3] == before
    again = lgtt("--db", url, "--timeout", "30", "index", "create", "--json")
    assert json.loads(again.stdout)["exists"] is True
    dropped = lgtt("--db", url, "index", "drop")
    assert dropped.returncode == 0 and "DROP INDEX CONCURRENTLY" in dropped.stdout and not _index_exists(url)


def test_index_refused_on_sqlite(tmp_path, demo):
    if demo.kind != "sqlite":
        pytest.skip("SQLite only")
    assert_one_line_error(lgtt("--db", demo.url, "index", "create"), "postgres", code=2)


def _lgtt_statements(url: str) -> list[str]:
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = 'lgtt' AND datname = %s "
            "AND state <> 'idle'", (dbname,))]


def _wait_for(pred, seconds: float = 30.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def locked(pg_threads):
    """The checkpoints table locked by another session: lgtt's reads wait on the server."""
    conn = psycopg.connect(pg_threads.url)
    conn.execute("LOCK TABLE checkpoints IN ACCESS EXCLUSIVE MODE")
    yield pg_threads.url
    conn.rollback()
    conn.close()


def test_timeout_cancels_the_server_statement(locked):
    t0 = time.monotonic()
    proc = lgtt("--db", locked, "--timeout", "1.5", "threads")
    assert time.monotonic() - t0 < 60
    assert_one_line_error(proc, "--timeout", code=1)
    assert _lgtt_statements(locked) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_kill_cancels_the_server_statement(locked, sig, code):
    env = {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "lgtt", "--db", locked, "threads", "--json"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert _wait_for(lambda: _lgtt_statements(locked)), "lgtt's statement never reached the server"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert _wait_for(lambda: _lgtt_statements(locked) == [], 10), _lgtt_statements(locked)


def test_reads_import_only_what_they_need(backend):
    """`threads` and `timeline` of a plain thread never import LangChain (the decoder's import)."""
    from sample_graphs import steps

    (tid,) = steps.scenario(backend.app(steps), "plain")
    code = ("import sys, lgtt\n"
            f"with lgtt.open({backend.url!r}) as db:\n"
            f"    db.threads(); db.timeline({tid!r})\n"
            "print(sorted(m for m in ('langchain_core', 'lgtt.serde') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
