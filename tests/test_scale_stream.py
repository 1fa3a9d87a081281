"""Whole-database paths at scale, on small data: the streamed `check` gives the per-thread answers,
a killed lgtt leaves no statement running, and progress lines appear only on a terminal."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys

import pytest
from test_errors_and_safety import ROOT, lgtt
from test_scale import _lgtt_statements, _wait_for

import lgtt as lgtt_api
from lgtt.ops.check import check


@pytest.fixture
def pg_threads(backend):
    if backend.kind != "postgres":
        pytest.skip("Postgres only")
    from sample_graphs import steps

    app = backend.app(steps)
    for i in range(5):
        steps.scenario(app, f"s{i}")
    return backend


def test_streamed_check_equals_the_per_thread_check(pg_threads):
    import psycopg

    with psycopg.connect(pg_threads.url, autocommit=True) as conn:  # damage one thread, orphan another's writes
        tid = conn.execute("SELECT min(thread_id) FROM checkpoints").fetchone()[0]
        conn.execute("DELETE FROM checkpoint_blobs WHERE thread_id = %s AND channel <> '__start__'", (tid,))
        conn.execute("INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel,"
                     " type, blob) VALUES ('zz-only-writes', '', 'x', 't', 0, 'c', 'bytes', 'aa')")
    with lgtt_api.open(pg_threads.url) as db:
        health = db.store.health()
        ids = health.check_thread_ids(db.store)
        streamed, per_thread = check(db.store), check(db.store, ids)
    assert streamed.to_json() == per_thread.to_json()
    assert streamed.threads == len(ids) and not streamed.ok



@pytest.fixture
def locked(pg_threads):
    import psycopg

    conn = psycopg.connect(pg_threads.url)
    conn.execute("LOCK TABLE checkpoints IN ACCESS EXCLUSIVE MODE")
    yield pg_threads.url
    conn.rollback()
    conn.close()


COMMANDS = [["stats"], ["check"], ["prune", "--keep", "1", "--dry-run"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0] + ("-dry" if "--dry-run" in c else ""))
def test_timeout_cancels_whole_database_commands(locked, cmd):
    proc = lgtt("--db", locked, "--timeout", "1.5", *cmd)
    assert proc.returncode == 1 and "--timeout" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert _lgtt_statements(locked) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0] + ("-dry" if "--dry-run" in c else ""))
def test_kill_leaves_no_statement_running(locked, cmd, sig):
    """SIGINT/SIGTERM cancel through the driver; SIGKILL gives the server no word, and
    client_connection_check_interval makes it notice the closed socket and stop."""
    proc = subprocess.Popen([sys.executable, "-m", "lgtt", "--db", locked, *cmd], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert _wait_for(lambda: _lgtt_statements(locked)), "lgtt's statement never reached the server"
        proc.send_signal(sig)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert _wait_for(lambda: _lgtt_statements(locked) == [], 15), _lgtt_statements(locked)


def _on_a_tty(args: list[str]) -> str:
    """Run lgtt with stderr on a pseudo-terminal; returns what it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lgtt", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=slave, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode in (0, 1), out
    return out.decode(errors="replace")


@pytest.mark.parametrize("cmd, word", [(["stats"], "reading"), (["check"], "checking")])
def test_progress_only_on_a_terminal(pg_threads, cmd, word):
    assert word in _on_a_tty(["--db", pg_threads.url, *cmd])
    piped = lgtt("--db", pg_threads.url, *cmd)
    assert word not in piped.stderr and "\x1b[" not in piped.stderr
