"""Bad input gives one clear line and a non-zero exit; reads never write; blobs never run code."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest
from conftest import require_pg

ROOT = Path(__file__).resolve().parents[1]


def lgtt(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("LGTT_DB", "LGTT_GRAPH")}
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str, code: int | None = None) -> None:
    assert proc.returncode != 0, proc.stdout
    if code is not None:
        assert proc.returncode == code
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]


def digest(path: Path) -> dict[str, str]:
    """The main file's bytes and any WAL frames (the -shm index may be created, as SQLite does)."""
    files = [path, Path(f"{path}-wal")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists() and p.stat().st_size}


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT,
                   capture_output=True)
    return path


def test_missing_file_is_an_error_and_not_created(tmp_path):
    missing = tmp_path / "nope.sqlite"
    assert_one_line_error(lgtt("--db", str(missing), "threads"), "not found", str(missing))
    assert not missing.exists()


def test_not_a_sqlite_file(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("hello, I am not a database\n" * 100)
    before = junk.read_bytes()
    assert_one_line_error(lgtt("--db", str(junk), "threads"), "not a SQLite database")
    assert junk.read_bytes() == before


def test_sqlite_of_another_app(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    before = other.read_bytes()
    assert_one_line_error(lgtt("--db", str(other), "threads"), "no LangGraph checkpoint tables")
    assert other.read_bytes() == before


def test_unreachable_postgres_hides_password():
    proc = lgtt("--db", "postgresql://bob:s3cretpw@127.0.0.1:1/x", "threads")
    assert_one_line_error(proc, "cannot connect")
    assert "s3cretpw" not in proc.stderr + proc.stdout


def test_malformed_urls():
    assert_one_line_error(lgtt("--db", "postgresql://u:pw@host:notaport/db", "threads"), "malformed", code=2)
    assert_one_line_error(lgtt("--db", "mysql://x/y", "threads"), "unsupported", code=2)


def test_no_db_given():
    assert_one_line_error(lgtt("threads"), "no database")


def test_unknown_thread_and_bad_refs(sqlite_demo):
    db = str(sqlite_demo)
    before = digest(sqlite_demo)
    assert_one_line_error(lgtt("--db", db, "timeline", "no-such-thread"), "not found")
    assert_one_line_error(lgtt("--db", db, "show", "no-such-thread"), "not found")
    assert_one_line_error(lgtt("--db", db, "show", "steps-1", "99"), "out of range")
    assert_one_line_error(lgtt("--db", db, "show", "steps-1", "xyz"), "bad ref", code=2)
    assert_one_line_error(lgtt("--db", db, "show", "steps-1", "ffffffffffff"), "no checkpoint")
    assert_one_line_error(lgtt("--db", db, "show", "steps-1", "1f"), "bad ref", code=2)
    assert digest(sqlite_demo) == before


def test_ambiguous_ref_lists_matches(sqlite_demo):
    import lgtt as api

    with api.open(str(sqlite_demo)) as db:
        ids = db.checkpoint_ids("steps-1")
    common = os.path.commonprefix([i.replace("-", "") for i in ids])
    assert len(common) >= 6, "uuid6 ids of one run share their first characters"
    proc = lgtt("--db", str(sqlite_demo), "show", "steps-1", common[:8])
    assert_one_line_error(proc, "ambiguous", "matches")


def test_refs_resolve_by_index_id_prefix_and_suffix(sqlite_demo):
    import lgtt as api

    with api.open(str(sqlite_demo)) as db:
        ids = db.checkpoint_ids("steps-1")
        tl = db.timeline("steps-1")
        assert db.resolve("steps-1", "-1") == (len(ids) - 1, ids[-1])
        assert db.resolve("steps-1", "0") == (0, ids[0])
        assert db.resolve("steps-1", ids[3]) == (3, ids[3])
        assert db.resolve("steps-1", tl.entries[4].short_id) == (4, ids[4])
        hexid = ids[5].replace("-", "")
        n = 8
        while hexid[-n:].isdigit():  # an all-digit REF is an index, so the suffix needs a letter
            n += 1
        assert db.resolve("steps-1", hexid[-n:]) == (5, ids[5])
        assert db.resolve_pair("chat-1", "steps-1:2") == ("steps-1", 2, ids[2])


@pytest.mark.parametrize("spec,needle", [
    ("sample_graphs/nope.py:graph", "not found"),
    ("sample_graphs/chat.py:nothing", "no attribute"),
    ("sample_graphs/chat.py:START", "not a LangGraph graph"),
    ("no_such_module_xyz:graph", "importing no_such_module_xyz failed"),
    ("justaname", "bad graph spec"),
])
def test_bad_graph_specs(sqlite_demo, spec, needle):
    assert_one_line_error(lgtt("--db", str(sqlite_demo), "--graph", spec, "show", "chat-1"), needle)


def test_graph_that_raises_on_import(sqlite_demo, tmp_path):
    bad = tmp_path / "bad_graph.py"
    bad.write_text("raise RuntimeError('boom at import')\n")
    assert_one_line_error(lgtt("--db", str(sqlite_demo), "--graph", f"{bad}:graph", "threads"), "boom at import")


def test_graph_spec_forms_and_langgraph_json(sqlite_demo, tmp_path):
    ok = lgtt("--db", str(sqlite_demo), "--graph", "sample_graphs.steps:builder", "show", "steps-1", "--json")
    assert ok.returncode == 0, ok.stderr
    spec = json.dumps({"graphs": {"agent": f"{ROOT}/sample_graphs/steps.py:graph"}})
    (tmp_path / "langgraph.json").write_text(spec)
    by_id = lgtt("--db", str(sqlite_demo), "--graph", "agent", "show", "steps-1", "--json", cwd=tmp_path)
    implicit = lgtt("--db", str(sqlite_demo), "show", "steps-1", "--json", cwd=tmp_path)
    assert by_id.returncode == 0 and implicit.returncode == 0, by_id.stderr + implicit.stderr
    assert by_id.stdout == implicit.stdout == ok.stdout


def test_read_commands_leave_sqlite_bytes_identical(sqlite_demo):
    before = digest(sqlite_demo)
    assert before, "the demo DB has bytes"
    for args in (["threads"], ["threads", "--json"], ["timeline", "steps-1", "--all", "--json"],
                 ["timeline", "subgraph-1", "--tree"], ["show", "hitl-1"], ["show", "delta-1", "3", "--json"],
                 ["--graph", "sample_graphs/delta.py:graph", "show", "delta-1", "--json"]):
        proc = lgtt("--db", str(sqlite_demo), *args)
        assert proc.returncode == 0, (args, proc.stderr)
    assert digest(sqlite_demo) == before


def test_read_works_in_a_folder_lgtt_cannot_write(sqlite_demo, tmp_path):
    """As an unprivileged user the folder is read-only; lgtt still reads and changes nothing."""
    import shutil

    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root to run lgtt as an unprivileged user")
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "demo.sqlite"
    shutil.copy(sqlite_demo, db)
    folder.chmod(0o555)
    db.chmod(0o444)
    tmp_path.chmod(0o755)
    for p in list(tmp_path.parents)[:-1]:
        if not os.access(p, os.X_OK):
            pytest.skip("temp dir is not traversable by nobody")
    before = digest(db)
    proc = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-m", "lgtt", "--db", str(db),
                           "timeline", "steps-1", "--json"], capture_output=True, text=True, cwd="/",
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/tmp"})
    folder.chmod(0o755)
    if "Permission denied" in proc.stderr and "python" in proc.stderr.lower():
        pytest.skip("nobody cannot run this Python")
    assert proc.returncode == 0, proc.stderr
    assert digest(db) == before
    assert sorted(p.name for p in folder.iterdir()) == ["demo.sqlite"]


def test_crafted_blob_naming_a_function_is_never_called(tmp_path):
    """A checkpoint value that names os.mkdir would run under LangGraph's default serde; lgtt never runs it."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    path = tmp_path / "db.sqlite"
    subprocess.run([sys.executable, "-m", "sample_graphs.demo", str(path)], check=True, cwd=ROOT, capture_output=True)
    target = tmp_path / "pwned"
    evil = msgpack.ExtType(0, msgpack.packb(["os", "mkdir", str(target)]))
    with sqlite3.connect(path) as conn:
        cid, blob = conn.execute("SELECT checkpoint_id, checkpoint FROM checkpoints WHERE thread_id='steps-1' "
                                 "AND checkpoint_ns='' ORDER BY checkpoint_id DESC LIMIT 1").fetchone()
        cp = msgpack.unpackb(blob, raw=False, strict_map_key=False)
        cp["channel_values"]["task_id"] = evil
        crafted = msgpack.packb(cp)
        conn.execute("UPDATE checkpoints SET checkpoint=? WHERE thread_id='steps-1' AND checkpoint_id=?", (crafted, cid))
    # the control: LangGraph's default (permissive) serializer would call it
    control = tmp_path / "control"
    JsonPlusSerializer().loads_typed(("msgpack", msgpack.packb(msgpack.ExtType(0, msgpack.packb(["os", "mkdir", str(control)])))))
    assert control.exists()
    for args in (["show", "steps-1", "--json"], ["show", "steps-1", "-1"], ["timeline", "steps-1", "--json"],
                 ["threads"]):
        proc = lgtt("--db", str(path), *args)
        assert proc.returncode == 0, proc.stderr
    assert not target.exists()
    proc = lgtt("--db", str(path), "show", "steps-1", "--key", "task_id")
    assert str(target) in proc.stdout  # shown as plain data
    assert "os.mkdir" in proc.stderr  # one warning naming the refused type


def test_encrypted_checkpoints_need_the_key(tmp_path):
    pytest.importorskip("Crypto")
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with, steps

    key = "0123456789abcdef0123456789abcdef"
    path = tmp_path / "enc.sqlite"
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn, serde=EncryptedSerializer.from_pycryptodome_aes(key=key.encode()))
    app = compile_with(steps, saver)
    steps.scenario(app, "enc")
    expected = app.get_state({"configurable": {"thread_id": "enc-1"}}).values
    conn.close()
    assert_one_line_error(lgtt("--db", str(path), "show", "enc-1"), "encrypted", "LANGGRAPH_AES_KEY")
    proc = lgtt("--db", str(path), "show", "enc-1", "--json", env={"LANGGRAPH_AES_KEY": key})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["values"] == json.loads(json.dumps(expected))


def test_postgres_without_tables_and_shallow_layout():
    require_pg()
    import psycopg
    from conftest import pg_database

    with pg_database() as url:
        assert_one_line_error(lgtt("--db", url, "threads"), "no LangGraph checkpoint tables")
        with psycopg.connect(url, autocommit=True) as conn:
            from langgraph.checkpoint.postgres.shallow import ShallowPostgresSaver

            ShallowPostgresSaver(conn).setup()
        assert_one_line_error(lgtt("--db", url, "threads"), "ShallowPostgresSaver")


def test_postgres_newer_schema_is_refused():
    require_pg()
    import psycopg
    from conftest import pg_database
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.postgres.base import MIGRATIONS

    with pg_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            PostgresSaver(conn).setup()
            conn.execute("INSERT INTO checkpoint_migrations (v) VALUES (%s)", (len(MIGRATIONS) + 5,))
        assert_one_line_error(lgtt("--db", url, "threads"), "newer than the installed")


def test_postgres_read_commands_do_not_write(tmp_path):
    require_pg()
    import psycopg
    from conftest import open_backend

    from sample_graphs import SCENARIOS, compile_with

    query = ("SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM checkpoints t), "
             "(SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM checkpoint_writes t), "
             "(SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM checkpoint_blobs t), "
             "(SELECT max(v) FROM checkpoint_migrations)")
    with open_backend("postgres", tmp_path) as pg:
        for name in ("chat", "hitl"):
            SCENARIOS[name].scenario(compile_with(SCENARIOS[name], pg.saver), name)
        with psycopg.connect(pg.url) as conn:
            before = conn.execute(query).fetchone()
        for args in (["threads"], ["timeline", "chat-1", "--json"], ["show", "hitl-1", "--json"]):
            assert lgtt("--db", pg.url, *args).returncode == 0
        with psycopg.connect(pg.url) as conn:
            assert conn.execute(query).fetchone() == before
        assert before[0] is not None


def test_saver_spec_reads_through_any_saver(sqlite_demo, tmp_path):
    """--saver module:callable: the generic path gives the same answers as the SQL fast path."""
    (tmp_path / "my_saver.py").write_text(
        "import os, sqlite3\n"
        "from langgraph.checkpoint.sqlite import SqliteSaver\n"
        "def make():\n"
        "    conn = sqlite3.connect(os.environ['DEMO_DB'], check_same_thread=False)\n"
        "    saver = SqliteSaver(conn)\n"
        "    saver.is_setup = True\n"
        "    return saver\n")
    env = {"DEMO_DB": str(sqlite_demo)}
    for args in (["threads", "--json"], ["timeline", "fanout-1", "--all", "--json"], ["show", "hitl-1", "--json"]):
        generic = lgtt("--saver", "my_saver:make", *args, env=env, cwd=tmp_path)
        fast = lgtt("--db", str(sqlite_demo), *args, cwd=tmp_path)
        assert generic.returncode == 0 and fast.returncode == 0, generic.stderr + fast.stderr
        assert json.loads(generic.stdout) == json.loads(fast.stdout), args
    assert_one_line_error(lgtt("--saver", "my_saver:nothing", "threads", env=env, cwd=tmp_path), "no attribute")


def test_short_ids_never_read_as_an_index():
    from lgtt.refs import resolve, short_id

    ids = ["1f1e8ca3-80c1-6975-8001-000000000000", "1f1e8ca3-80c1-6975-8001-123456789012",
           "1f1e8ca3-80c1-6975-8001-e7b00e39d7a8"]
    shown = [short_id(i) for i in ids]
    assert all(not s.isdigit() for s in shown)
    assert [resolve(s, ids, "t") for s in shown] == [0, 1, 2]
    assert shown[2] == "e7b00e39d7a8"


def test_db_url_forms_and_paging(sqlite_demo):
    plain = lgtt("--db", str(sqlite_demo), "threads", "--json")
    url = lgtt("--db", f"sqlite:///{sqlite_demo}", "threads", "--json")
    env = lgtt("threads", "--json", env={"LGTT_DB": str(sqlite_demo)})
    assert plain.returncode == url.returncode == env.returncode == 0
    assert json.loads(plain.stdout) == json.loads(url.stdout) == json.loads(env.stdout)
    paged = lgtt("--db", str(sqlite_demo), "timeline", "steps-1", "--limit", "3", "--json")
    rows = json.loads(paged.stdout)
    assert [r["index"] for r in rows] == [6, 7, 8] and "6 older row(s) not shown" in paged.stderr
    table = lgtt("--db", str(sqlite_demo), "timeline", "steps-1", "--limit", "3")
    assert "6 older row(s) hidden" in table.stdout


def test_graph_factory_and_user_graph_untouched(sqlite_demo, tmp_path):
    (tmp_path / "factory.py").write_text(
        "from sample_graphs import steps\n"
        "def make_graph():\n"
        "    return steps.builder.compile(interrupt_before=['complete'], name='mine')\n")
    proc = lgtt("--db", str(sqlite_demo), "--graph", f"{tmp_path / 'factory.py'}:make_graph", "show", "steps-1", "--json")
    assert proc.returncode == 0, proc.stderr
    import lgtt as api
    from sample_graphs import steps

    user = steps.builder.compile(interrupt_before=["complete"], name="mine")
    with api.open(str(sqlite_demo), graph=user) as db:
        db.show("steps-1", 3)
        attached = __import__("lgtt.graphs", fromlist=["with_saver"]).with_saver(user, db.store.saver())
    assert user.checkpointer is None, "the user's graph object is not mutated"
    assert attached.interrupt_before_nodes == ["complete"] and attached.name == "mine"
