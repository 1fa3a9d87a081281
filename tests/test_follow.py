"""`lgtt timeline --follow` against a real graph running in another process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from conftest import pg_database

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "apps" / "slow_app.py"


def _setup(db: str) -> None:
    """The saver's tables, so lgtt can open the database before the app writes its first row."""
    if db.startswith("postgres"):
        from langgraph.checkpoint.postgres import PostgresSaver as Saver
    else:
        from langgraph.checkpoint.sqlite import SqliteSaver as Saver
    with Saver.from_conn_string(db) as saver:
        saver.setup()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_follow_prints_every_checkpoint_the_app_commits_and_stops_on_until(tmp_path, kind):
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.sqlite import SqliteSaver

    sys.path.insert(0, str(APP.parent))
    import slow_app

    def run(db: str) -> None:
        _setup(db)
        follower = subprocess.Popen([sys.executable, "-m", "lgtt", "--db", db, "timeline", "live-1", "--follow",
                                     "--until", "interrupted", "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        try:
            time.sleep(1.0)  # lgtt is waiting for a thread that does not exist yet
            assert follower.poll() is None, follower.stderr.read().decode()
            subprocess.run([sys.executable, str(APP), db, "live-1"], check=True, cwd=ROOT, timeout=120)
            out, err = follower.communicate(timeout=60)
        finally:
            if follower.poll() is None:
                follower.kill()
        assert follower.returncode == 0, err.decode()
        events = [orjson.loads(line) for line in out.splitlines()]
        rows = [e for e in events if e["event"] == "row"]
        if kind == "sqlite":
            conn = sqlite3.connect(db, check_same_thread=False)
            saver = SqliteSaver(conn)
        else:
            import psycopg
            from psycopg.rows import dict_row

            conn = psycopg.connect(db, autocommit=True, prepare_threshold=0, row_factory=dict_row)
            saver = PostgresSaver(conn)
        try:
            app = slow_app.builder.compile(checkpointer=saver)
            hist = list(reversed(list(app.get_state_history({"configurable": {"thread_id": "live-1"}}))))
            live = app.get_state({"configurable": {"thread_id": "live-1"}})
        finally:
            conn.close()
        assert [r["checkpoint_id"] for r in rows] == [s.config["configurable"]["checkpoint_id"] for s in hist]
        assert [r["next"] for r in rows] == [sorted(s.next) for s in hist]
        assert live.interrupts and rows[-1]["interrupts"] == 1
        assert any(e["event"] == "subgraph" and e["ns"].startswith("inner:") for e in events), events
        last = events[-1]
        assert last["status"] == "interrupted"

    if kind == "sqlite":
        run(str(tmp_path / "live.sqlite"))
    else:
        with pg_database() as url:
            run(url)
