"""Errors say what really went wrong, before anything runs, and never print a password.

Disk full on a real (tmpfs) file system, a SELECT-only PostgreSQL role, a read-only SQLite file
for an unprivileged user, passwords with every URL-special character, crafted blobs, bad ages.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import msgpack
import pytest
from conftest import PG_URL, open_backend, require_pg

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "p/ss#w?rd@: %x"  # every character that breaks a URL, and a space


def lgtt(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH", "LGTT_DEBUG")}
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True, env=full_env,
                          cwd=ROOT, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line(proc: subprocess.CompletedProcess, *needles: str, code: int | None = None) -> str:
    assert proc.returncode != 0, proc.stdout
    if code is not None:
        assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n.lower() in lines[0].lower(), lines[0]
    return lines[0]


SIDE_EFFECT_GRAPH = '''
import os
from typing_extensions import TypedDict
from langgraph.graph import StateGraph, START, END

class S(TypedDict, total=False):
    n: int

def bump(state):
    with open(os.environ["LGTT_TEST_SIDE_EFFECT"], "a") as f:
        f.write("ran\\n")
    return {"n": state.get("n", 0) + 1}

builder = StateGraph(S)
builder.add_node("bump", bump)
builder.add_edge(START, "bump")
builder.add_edge("bump", END)
graph = builder.compile()
'''


def side_effect_graph(tmp_path: Path, saver) -> str:
    """A graph file whose node appends to a file; one done thread `se-1` written by `saver`."""
    path = tmp_path / "side_effect_graph.py"
    path.write_text(SIDE_EFFECT_GRAPH)
    ns: dict = {}
    exec(compile(SIDE_EFFECT_GRAPH, str(path), "exec"), ns)  # the same code, compiled with the saver
    marker = tmp_path / "during_setup"
    os.environ["LGTT_TEST_SIDE_EFFECT"] = str(marker)
    try:
        ns["builder"].compile(checkpointer=saver).invoke({"n": 0}, {"configurable": {"thread_id": "se-1"}})
    finally:
        del os.environ["LGTT_TEST_SIDE_EFFECT"]
    assert marker.read_text() == "ran\n"
    return f"{path}:graph"


# -- passwords -------------------------------------------------------------------------------------
def test_password_with_special_characters_parses_as_typed():
    """Raw or percent-encoded, the password libpq receives is the one typed; display masks it."""
    from psycopg.conninfo import conninfo_to_dict

    from lgtt.dburl import parse_db, scrub

    for url in (f"postgresql://bob:{PASSWORD}@db.example:5432/app",
                f"postgresql://bob:{quote(PASSWORD, safe='')}@db.example:5432/app",
                f"postgres://bob:{PASSWORD}@db.example/app"):
        spec = parse_db(url)
        assert conninfo_to_dict(spec.target)["password"] == PASSWORD
        assert conninfo_to_dict(spec.target)["host"] == "db.example"
        assert PASSWORD not in spec.display and "p/ss" not in spec.display and "bob:***@db.example" in spec.display
        assert "p/ss" not in scrub(f"could not connect to {url}: timeout")
    dsn = f"host=db.example dbname=app user=bob password='{PASSWORD}'"
    spec = parse_db(dsn)
    assert spec.kind == "postgres" and conninfo_to_dict(spec.target)["password"] == PASSWORD
    assert "p/ss" not in spec.display and "password=***" in spec.display
    spec = parse_db("sslmode=disable host=db.example sslpassword='key pass' dbname=app")  # any libpq keyword first
    assert spec.kind == "postgres" and "key pass" not in spec.display
    parse_db("postgresql://db.example/app?password=query-secret&sslmode=disable")
    assert "query-secret" not in scrub("libpq said: password=query-secret rejected; query-secret")
    assert parse_db("results=1.sqlite").kind == "sqlite"  # not a libpq keyword: a file name


@pytest.fixture
def pg_role():
    """A database with checkpoint tables, and a SELECT-only LOGIN role with PASSWORD; dropped afterwards."""
    require_pg()
    import psycopg
    from conftest import pg_database

    role = f"lgtt_ro_{uuid.uuid4().hex[:8]}"
    with pg_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s".replace("%s", "'" + PASSWORD.replace("'", "''") + "'"))
            from langgraph.checkpoint.postgres import PostgresSaver

            PostgresSaver(conn).setup()
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        host = PG_URL.split("@", 1)[1]  # 127.0.0.1:5432/postgres
        dbname = url.rsplit("/", 1)[1]
        try:
            yield url, role, f"postgresql://{role}:{PASSWORD}@{host.rsplit('/', 1)[0]}/{dbname}"
        finally:
            with psycopg.connect(PG_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def leaks(proc: subprocess.CompletedProcess) -> list[str]:
    out = proc.stdout + proc.stderr
    return [p for p in (PASSWORD, quote(PASSWORD, safe=""), "p/ss", "w?rd", "rd@") if p in out]


def test_select_only_role_reads_but_never_runs_a_node(pg_role, tmp_path):
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    admin_url, role, ro_url = pg_role
    with psycopg.connect(admin_url, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        graph = side_effect_graph(tmp_path, PostgresSaver(conn))
    dsn = (f"host=127.0.0.1 port={ro_url.rsplit(':', 1)[1].split('/')[0]} dbname={ro_url.rsplit('/', 1)[1]} "
           f"user={role} password='{PASSWORD}'")
    encoded = ro_url.replace(PASSWORD, quote(PASSWORD, safe=""))
    for db in (ro_url, encoded, dsn):
        for args in (["threads"], ["show", "se-1", "--json"], ["stats", "--json"], ["prune", "--keep", "1", "--dry-run"]):
            proc = lgtt("--db", db, *args)
            assert proc.returncode == 0, (args, proc.stderr)
            assert not leaks(proc), (args, leaks(proc))
        stats = json.loads(lgtt("--db", db, "stats", "--json").stdout)
        assert "***" in stats["db"] and not any(p in stats["db"] for p in ("p/ss", "w?rd"))
    marker = tmp_path / "side_effect"
    env = {"LGTT_TEST_SIDE_EFFECT": str(marker)}
    resume = lgtt("--db", ro_url, "--graph", graph, "resume", "se-1", "--input", '{"n": 5}', env=env)
    line = one_line(resume, "cannot write", role, "nothing was run")
    assert not marker.exists(), "the node ran although the role cannot write"
    assert not leaks(resume)
    fork = lgtt("--db", ro_url, "--graph", graph, "fork", "se-1", "-1", "--to", "se-copy", env=env)
    one_line(fork, "cannot write", role)
    assert not leaks(fork) and "p/ss" not in line
    prune = lgtt("--db", ro_url, "prune", "--keep", "1", "--yes")
    one_line(prune, "cannot write")
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = 'se-copy'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = 'se-1'").fetchone()[0] == 3


def test_passwords_absent_from_errors_and_debug_tracebacks():
    require_pg()
    for db in (f"postgresql://bob:{PASSWORD}@127.0.0.1:1/x", f"postgresql://bob:{quote(PASSWORD, safe='')}@127.0.0.1:1/x",
               f"host=127.0.0.1 port=1 dbname=x user=bob password='{PASSWORD}'",
               f"postgresql://bob:{PASSWORD}@127.0.0.1:notaport/x"):
        proc = lgtt("--db", db, "threads")
        one_line(proc)
        assert not leaks(proc), (db, proc.stderr)
        debug = lgtt("--db", db, "threads", env={"LGTT_DEBUG": "1"})
        assert debug.returncode != 0 and not leaks(debug), debug.stderr


def test_malformed_dsn_is_one_redacted_line():
    proc = lgtt("--db", f"host=h dbname=x password='{PASSWORD}' bogus", "threads")
    one_line(proc, "malformed", code=2)
    assert not leaks(proc)


# -- disk full ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def tiny_disk(tmp_path: Path, mib: int):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system until about `leave` bytes are free."""
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def rows(path: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT thread_id, checkpoint_ns, checkpoint_id, checkpoint FROM checkpoints ORDER BY 1, 2, 3").fetchall()


def test_disk_full_during_fork_and_prune_says_so(tmp_path):
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with, steps

    with tiny_disk(tmp_path, 8) as mnt:
        path = mnt / "db.sqlite"
        conn = sqlite3.connect(path, check_same_thread=False)
        saver = SqliteSaver(conn)
        app = compile_with(steps, saver)
        steps.scenario(app, "big")  # a thread of a dozen checkpoints
        big = {"configurable": {"thread_id": "big-1"}}
        for i in range(6):  # large values, so a fork copies a lot of bytes
            app.update_state(big, {"task_id": f"{i}-" + "x" * 200_000})
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        before = rows(path)
        fill(mnt, 64 * 1024)
        fork = lgtt("--db", str(path), "fork", "big-1", "-1", "--to", "big-copy")
        line = one_line(fork, "database or disk is full")
        assert "cannot rollback" not in line
        prune = lgtt("--db", str(path), "prune", "--keep", "1", "--yes")
        line = one_line(prune, "database or disk is full")
        assert "cannot rollback" not in line
        (mnt / "filler").unlink()
        assert rows(path) == before, "nothing changed"


# -- read-only SQLite for an unprivileged user --------------------------------------------------------
DROP_CAPS = ["setpriv", "--inh-caps=-dac_override,-dac_read_search,-fowner",
             "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def unprivileged(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """lgtt as a user the file permissions apply to: root without the capabilities that bypass them."""
    prefix = DROP_CAPS if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "lgtt", *args],
                          capture_output=True, text=True, cwd="/", timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.mark.parametrize("journal", ["wal", "delete", "wal-left-open"])
def test_read_only_sqlite_reads_everything_and_refuses_writes_before_running(journal):
    """A 0444 file in a 0555 folder, read by `nobody`: every read works, writes refuse before running."""
    import tempfile

    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root: needs setpriv to drop the capabilities that bypass file permissions")
    tmp_path = Path(tempfile.mkdtemp(prefix="lgtt-ro-"))
    try:
        _read_only_case(tmp_path, journal)
    finally:
        for p in tmp_path.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(tmp_path)


def _read_only_case(tmp_path: Path, journal: str) -> None:
    from sample_graphs import SCENARIOS, compile_with

    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "db.sqlite"
    with open_backend("sqlite", tmp_path) as b:
        b.saver.conn.execute(f"PRAGMA journal_mode={journal[:3] if journal != 'delete' else 'delete'}")
        graph = side_effect_graph(tmp_path, b.saver)
        for name in ("steps", "hitl"):
            SCENARIOS[name].scenario(compile_with(SCENARIOS[name], b.saver), name)
        if journal == "wal-left-open":  # the app is still running: its -wal and -shm files are there
            for suffix in ("", "-wal", "-shm"):
                shutil.copy(f"{tmp_path / 'db.sqlite'}{suffix}", f"{db}{suffix}")
    if journal != "wal-left-open":
        shutil.copy(tmp_path / "db.sqlite", db)
    tmp_path.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    names = sorted(p.name for p in folder.iterdir())
    before = db.read_bytes()
    try:
        for args in (["threads"], ["timeline", "steps-1"], ["timeline", "steps-1", "--tree"], ["show", "hitl-1"],
                     ["diff", "steps-1", "-1"], ["compare", "steps-1", "hitl-1"], ["stats"], ["check"],
                     ["prune", "--keep", "1", "--dry-run"], ["delete", "steps-1", "--dry-run"]):
            proc = unprivileged("--db", str(db), *args)
            assert proc.returncode == 0, (args, proc.stderr)
        marker = Path("/tmp") / f"lgtt-side-effect-{uuid.uuid4().hex}"
        resume = unprivileged("--db", str(db), "--graph", graph,
                           "resume", "se-1", "--input", '{"n": 1}', env={"LGTT_TEST_SIDE_EFFECT": str(marker)})
        one_line(resume, "cannot write", "read-only", "nothing was run")
        assert not marker.exists(), "the node ran although the database cannot be written"
        fork = unprivileged("--db", str(db), "fork", "steps-1", "2")
        one_line(fork, "cannot write")
    finally:
        folder.chmod(0o755)
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == names


# -- prune --dry-run is a read -------------------------------------------------------------------------
def test_prune_dry_run_does_not_wait_for_the_write_lock(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        from sample_graphs import compile_with, steps

        steps.scenario(compile_with(steps, b.saver), "steps")
    path = tmp_path / "db.sqlite"
    app_writer = sqlite3.connect(path, isolation_level=None)
    app_writer.execute("BEGIN IMMEDIATE")  # the app is in the middle of a write
    app_writer.execute("UPDATE checkpoints SET metadata = metadata WHERE 0")
    try:
        proc = lgtt("--db", str(path), "prune", "--keep", "1", "--dry-run", "--json", timeout=20)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["checkpoints_deleted"] > 0
        real = lgtt("--db", str(path), "fork", "steps-1", "1", env={}, timeout=60)
        assert real.returncode != 0  # a write waits for the lock, then says who holds it
    finally:
        app_writer.execute("ROLLBACK")
        app_writer.close()


# -- crafted blobs, bad inputs, graphs that exit ----------------------------------------------------------
def test_crafted_blobs_get_their_own_lines(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        from sample_graphs import compile_with, steps

        steps.scenario(compile_with(steps, b.saver), "steps")
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as conn:
        cid, blob = conn.execute("SELECT checkpoint_id, checkpoint FROM checkpoints WHERE thread_id = 'steps-1' "
                                 "ORDER BY checkpoint_id DESC LIMIT 1").fetchone()
        cp = msgpack.unpackb(blob, raw=False, strict_map_key=False)
        cp["channel_values"]["task_id"] = 7
        packed = msgpack.packb(cp)
        marker = b"\xa7task_id\x07"
        assert marker in packed
        deep = packed.replace(marker, b"\xa7task_id" + b"\x91" * 200_000 + b"\xc0")
        conn.execute("UPDATE checkpoints SET checkpoint = ? WHERE checkpoint_id = ?", (deep, cid))
    for args in (["show", "steps-1"], ["show", "steps-1", "-1", "--json"], ["diff", "steps-1", "-1"]):
        proc = lgtt("--db", str(path), *args)
        line = one_line(proc, "lgtt check")
        assert "error: StackError" not in line and not line.rstrip().endswith(":"), line


def test_bad_inputs_exit_2_with_a_line(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        from sample_graphs import compile_with, steps

        steps.scenario(compile_with(steps, b.saver), "steps")
    db = str(tmp_path / "db.sqlite")
    for age in ("999999999d", "99999999999999999999h"):
        one_line(lgtt("--db", db, "prune", "--older-than", age, "--dry-run"), "--older-than", code=2)
    one_line(lgtt("--db", db, "stats", "--top", "99999999999999999999"), "too large", code=2)
    one_line(lgtt("--db", db, "--graph", "sample_graphs/steps.py:graph", "resume", "steps-1", "--config", "[1]"),
             "--config must be a JSON object", code=2)
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    one_line(lgtt("--db", db, "--graph", f"{exits}:graph", "show", "steps-1"), "sys.exit(3)")
    exits.write_text("import sys\nsys.exit()\n")
    one_line(lgtt("--db", db, "--graph", f"{exits}:graph", "threads"), "sys.exit(None)")


def test_unknown_exceptions_are_never_a_bare_class_name():
    """The common classes each get a line with what to do; the rest still say what happened."""
    import errno

    import msgpack as mp

    from lgtt.failures import explain

    cases = {
        sqlite3.OperationalError("database or disk is full"): "free some space",
        sqlite3.OperationalError("database is locked"): "another process",
        sqlite3.OperationalError("attempt to write a readonly database"): "read-only",
        sqlite3.DatabaseError("database disk image is malformed"): "damaged",
        mp.exceptions.StackError(): "nested too deeply",
        mp.exceptions.ExtraData(1, b""): "does not decode",
        RecursionError(): "nested too deeply",
        OverflowError("int too large"): "out of range",
        MemoryError(): "out of memory",
        OSError(errno.ENOSPC, "No space left on device", "/x"): "disk is full",
        OSError(errno.EACCES, "Permission denied", "/x"): "permission denied",
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"): "utf-8",
        KeyError(): "KeyError (no message)",
    }
    for exc, needle in cases.items():
        line = explain(exc).line()
        assert needle.lower() in line.lower(), (exc, line)
        assert not line.endswith(": "), line
