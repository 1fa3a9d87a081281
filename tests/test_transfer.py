"""export / import / copy: round trips between real SQLite and Postgres savers, checked with
LangGraph's own get_state_history / get_state on every side; bad files write nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from conftest import open_backend, pg_database

import lgtt
from lgtt.errors import LgttError
from sample_graphs import SCENARIOS, compile_with
from sample_graphs.demo import build_demo

ROOT = Path(__file__).resolve().parents[1]


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def cfg(thread_id: str, ns: str = "") -> dict:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns}}


def snapshot(s) -> tuple:
    """Everything a StateSnapshot says, with typed values compared as they are (types included)."""
    return (s.values, s.next, s.config, s.metadata, s.parent_config,
            [(t.id, t.name, t.path, repr(t.error), t.interrupts) for t in s.tasks], s.interrupts)


def langgraph_view(saver, threads: dict[str, list[str]]) -> dict:
    """get_state_history and get_state of every thread, plus every namespace's saver.list ids."""
    out = {}
    for name, tids in threads.items():
        app = compile_with(SCENARIOS[name], saver)
        for tid in tids:
            hist = [snapshot(s) for s in app.get_state_history({"configurable": {"thread_id": tid}})]
            live = snapshot(app.get_state({"configurable": {"thread_id": tid}}))
            rows = [(t.config["configurable"]["checkpoint_ns"], t.config["configurable"]["checkpoint_id"],
                     (t.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
                     sorted((w[0], w[1]) for w in t.pending_writes or []))
                    for t in saver.list({"configurable": {"thread_id": tid}})]
            out[tid] = (hist, live, sorted(rows))
    return out


def body(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()[1:]


def test_sqlite_to_file_to_postgres_to_file_to_sqlite(tmp_path):
    with open_backend("sqlite", _dir(tmp_path / "a")) as src:
        threads = build_demo(src.saver)
        first = tmp_path / "first.jsonl"
        with lgtt.open(src.url) as db:
            all_ids = [t for tids in threads.values() for t in tids]
            db.export(all_ids, first)
        expected = langgraph_view(src.saver, threads)
    assert all_ids, "the demo has threads"
    with pg_database() as url:
        result = lgtt.import_file(str(first), url)
        assert sorted(t.thread_id for t in result.threads) == sorted(all_ids)
        with open_backend_at_pg(url) as pg_saver:
            assert langgraph_view(pg_saver, threads) == expected
        second = tmp_path / "second.jsonl"
        with lgtt.open(url) as db:
            db.export(all_ids, second)
    assert body(first) == body(second), "the two export files differ apart from the header"
    assert orjson.loads(second.read_bytes().splitlines()[0])["source"]["backend"] == "postgres"
    final = tmp_path / "final.sqlite"
    lgtt.import_file(str(second), str(final))
    conn = sqlite3.connect(final, check_same_thread=False)
    try:
        from langgraph.checkpoint.sqlite import SqliteSaver

        assert langgraph_view(SqliteSaver(conn), threads) == expected
    finally:
        conn.close()


class open_backend_at_pg:
    """The official PostgresSaver on an existing database (a context manager)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self):
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        self.conn = psycopg.connect(self.url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        return PostgresSaver(self.conn)

    def __exit__(self, *exc) -> None:
        self.conn.close()


@pytest.mark.parametrize("direction", ["sqlite->postgres", "postgres->sqlite", "sqlite->sqlite"])
def test_copy_then_resume_matches_the_source(tmp_path, direction):
    """An interrupted thread copied, then answered on both sides, ends in the same state."""
    from langgraph.types import Command

    from sample_graphs import hitl

    src_kind, dst_kind = direction.split("->")
    with open_backend(src_kind, _dir(tmp_path / "src")) as src, open_backend(dst_kind, _dir(tmp_path / "dst")) as dst:
        threads = hitl.scenario(src.app(hitl), "h")
        tid = threads[0]
        with lgtt.open(src.url) as db:
            copied = db.copy([tid], dst.url)
        assert [t.thread_id for t in copied.threads] == [tid]
        a, b = src.app(hitl), dst.app(hitl)
        assert snapshot(b.get_state(cfg(tid))) == snapshot(a.get_state(cfg(tid)))
        with lgtt.open(dst.url, graph=b) as db:
            via_lgtt = db.resume(tid, answer=True, has_answer=True)
        a.invoke(Command(resume=True), {"configurable": {"thread_id": tid}})
        assert via_lgtt.status == "done"
        assert b.get_state(cfg(tid)).values == a.get_state(cfg(tid)).values


@pytest.mark.parametrize("direction", ["sqlite->sqlite", "sqlite->postgres", "postgres->sqlite", "postgres->postgres"])
def test_copy_gives_langgraph_the_source_view_in_every_direction(tmp_path, direction):
    """Every demo thread copied (rows whole between databases of one kind, values rebuilt as the
    target's saver stores them across kinds): LangGraph reads the target as it reads the source."""
    src_kind, dst_kind = direction.split("->")
    with open_backend(src_kind, _dir(tmp_path / "src")) as src, open_backend(dst_kind, _dir(tmp_path / "dst")) as dst:
        threads = build_demo(src.saver)
        all_ids = [t for tids in threads.values() for t in tids]
        with lgtt.open(src.url) as db:
            result = db.copy(all_ids, dst.url)
        assert sorted(t.thread_id for t in result.threads) == sorted(all_ids)
        assert langgraph_view(dst.saver, threads) == langgraph_view(src.saver, threads)
        with lgtt.open(dst.url) as db:
            assert db.check(all_ids).ok


def test_import_into_postgres_beside_stray_rows_of_the_thread(tmp_path):
    """Blobs and writes left behind without their checkpoints (a half-deleted thread) do not block
    an import: those rows are kept, the rest inserted around them (no COPY), and LangGraph reads the
    thread as on the source."""
    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        threads = {"steps": build_demo(src.saver)["steps"][:1]}
        tid = threads["steps"][0]
        out = tmp_path / "t.jsonl"
        with lgtt.open(src.url) as db:
            db.export([tid], out)
        expected = langgraph_view(src.saver, threads)
    with pg_database() as url:
        lgtt.import_file(str(out), url, rename="first")
        with open_backend_at_pg(url) as saver:
            saver.conn.execute("INSERT INTO checkpoint_blobs SELECT %s, checkpoint_ns, channel, version, type, blob "
                               "FROM checkpoint_blobs WHERE thread_id = 'first'", (tid,))
            stray = saver.conn.execute("SELECT count(*) AS n FROM checkpoint_blobs WHERE thread_id = %s",
                                       (tid,)).fetchone()["n"]
            assert stray > 0
            lgtt.import_file(str(out), url)
            assert langgraph_view(saver, threads) == expected


def test_redacted_key_imported_into_postgres_passes_check(tmp_path):
    """A redacted key keeps its versions (LangGraph's bookkeeping is unchanged); Postgres gets the
    saver's `empty` blob rows for them, so `lgtt check` finds nothing missing and LangGraph reads the
    key as absent, as on SQLite."""
    from sample_graphs import chat

    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        tid = chat.scenario(src.app(chat), "c")[0]
        out = tmp_path / "r.jsonl"
        with lgtt.open(src.url) as db:
            db.export([tid], out, redact=["messages"])
        original = src.app(chat).get_state(cfg(tid)).values
        with pg_database() as url:
            lgtt.import_file(str(out), url)
            with lgtt.open(url) as db:
                report = db.check([tid])
            assert report.ok, [p.kind for p in report.problems]
            with open_backend_at_pg(url) as saver:
                redacted = chat.builder.compile(checkpointer=saver).get_state(cfg(tid)).values
        assert original["messages"] and redacted.get("messages", []) == []
        assert {k: v for k, v in original.items() if k != "messages"} == \
            {k: v for k, v in redacted.items() if k != "messages"}


def test_an_existing_thread_is_never_overwritten_and_as_renames(tmp_path):
    with open_backend("sqlite", tmp_path) as src:
        threads = build_demo(src.saver)
        tid = threads["steps"][0]
        dst = tmp_path / "dst.sqlite"
        with lgtt.open(src.url) as db:
            db.copy([tid], str(dst))
            with pytest.raises(LgttError, match="already exists"):
                db.copy([tid], str(dst))
            db.copy([tid], str(dst), rename="steps-copy")
        conn = sqlite3.connect(dst)
        counts = dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id").fetchall())
        conn.close()
        src_count = sqlite3.connect(src.url).execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = ?", (tid,)).fetchone()[0]
        assert counts == {tid: src_count, "steps-copy": src_count}


def test_redact_leaves_the_key_out_and_says_so(tmp_path):
    from sample_graphs import chat

    with open_backend("sqlite", tmp_path) as src:
        tid = chat.scenario(src.app(chat), "c")[0]
        out = tmp_path / "r.jsonl"
        with lgtt.open(src.url) as db:
            db.export([tid], out, redact=["messages"])
        header = orjson.loads(out.read_bytes().splitlines()[0])
        assert header["redacted"] == ["messages"]
        dst = tmp_path / "dst.sqlite"
        lgtt.import_file(str(out), str(dst))
        conn = sqlite3.connect(dst, check_same_thread=False)
        from langgraph.checkpoint.sqlite import SqliteSaver

        redacted = chat.builder.compile(checkpointer=SqliteSaver(conn)).get_state(cfg(tid)).values
        original = src.app(chat).get_state(cfg(tid)).values
        conn.close()
        assert original["messages"] and redacted.get("messages", []) == []  # the reducer's empty default
        assert {k: v for k, v in original.items() if k != "messages"} == \
            {k: v for k, v in redacted.items() if k != "messages"}
        assert b"Start the task" not in out.read_bytes()


def _demo_file(tmp_path: Path) -> Path:
    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        threads = build_demo(src.saver)
        out = tmp_path / "good.jsonl"
        with lgtt.open(src.url) as db:
            db.export([threads["hitl"][0], threads["steps"][0]], out)
    return out


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _first(lines: list[bytes], kind: str) -> int:
    return next(i for i, ln in enumerate(lines) if orjson.loads(ln)["record"] == kind)


def _truncated(lines):
    data = b"".join(lines)
    return [data[: len(data) - 40]]


def _no_end(lines):
    return lines[:-1]


def _write_first(lines):
    i = _first(lines, "write")
    return [lines[0], lines[i], *lines[1:i], *lines[i + 1 :]]


def _child_first(lines):
    recs = [orjson.loads(ln) for ln in lines]
    i = _first(lines, "checkpoint")
    j = next(k for k, r in enumerate(recs) if r["record"] == "checkpoint"
             and r["parent_checkpoint_id"] == recs[i]["checkpoint_id"])
    return [*lines[:i], lines[j], *lines[i:j], *lines[j + 1 :]]


def _newer_format(lines):
    header = orjson.loads(lines[0])
    header["version"] = 99
    return [orjson.dumps(header) + b"\n", *lines[1:]]


def _edited(lines):
    i = _first(lines, "checkpoint")
    rec = orjson.loads(lines[i])
    rec["metadata"]["step"] = 12345
    return [*lines[:i], orjson.dumps(rec) + b"\n", *lines[i + 1 :]]


def _missing_checkpoint(lines):
    i = next(j for j, ln in enumerate(lines) if orjson.loads(ln)["record"] == "write")
    cid = orjson.loads(lines[i])["checkpoint_id"]
    return [ln for ln in lines if not (orjson.loads(ln).get("record") == "checkpoint"
                                       and orjson.loads(ln)["checkpoint_id"] == cid)]


def _not_json(lines):
    return [*lines[:3], b"{oops\n", *lines[3:]]


@pytest.mark.parametrize("damage,needle", [
    (_truncated, "truncated"), (_no_end, "truncated"), (_write_first, "comes before it"),
    (_child_first, "after its child"), (_newer_format, "newer"), (_edited, "do not match"),
    (_missing_checkpoint, "not in the file"), (_not_json, "not JSON"),
])
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_bad_files_write_nothing(tmp_path, damage, needle, kind):
    good = _demo_file(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(damage(_lines(good))))
    if kind == "sqlite":
        target = tmp_path / "target.sqlite"
        proc = _lgtt("import", str(bad), "--into", str(target))
        assert not target.exists(), "the target was created for a bad file"
    else:
        with pg_database() as url:
            proc = _lgtt("import", str(bad), "--into", url)
            import psycopg

            with psycopg.connect(url) as conn:
                tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_name = 'checkpoints'").fetchone()[0]
            assert tables == 0, "the target was set up for a bad file"
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lgtt: ") and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def _lgtt(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lgtt", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_export_import_copy(tmp_path):
    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        threads = build_demo(src.saver)
        tid = threads["subgraph"][0]
        out = tmp_path / "sub.jsonl"
        proc = _lgtt("--db", src.url, "export", tid, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert "exported 1 thread" in proc.stdout
        piped = _lgtt("--db", src.url, "export", tid)
        assert piped.stdout.encode().splitlines()[1:] == out.read_bytes().splitlines()[1:]
        dst = tmp_path / "dst.sqlite"
        proc = _lgtt("import", str(out), "--into", str(dst), "--as", "sub-copy", "--json")
        assert proc.returncode == 0, proc.stderr
        doc = orjson.loads(proc.stdout)
        assert doc["threads"][0]["thread_id"] == "sub-copy" and doc["threads"][0]["source_thread_id"] == tid
        proc = _lgtt("--db", src.url, "copy", tid, "--to", str(dst))
        assert proc.returncode == 0 and "copied 1 thread" in proc.stdout, proc.stderr
        again = _lgtt("--db", src.url, "copy", tid, "--to", str(dst))
        assert again.returncode != 0 and "already exists" in again.stderr
        missing = _lgtt("--db", src.url, "export", "no-such-thread")
        assert missing.returncode != 0 and "not found" in missing.stderr
        nowhere = _lgtt("--db", src.url, "copy", tid, "--to", str(tmp_path / "no" / "such" / "dir.sqlite"))
        assert nowhere.returncode != 0 and nowhere.stderr.count("\n") == 1 and "cannot open" in nowhere.stderr
        # the subgraph namespaces came along: the copy's namespaces equal the source's
        with lgtt.open(src.url) as a, lgtt.open(str(dst)) as b:
            assert b.store.namespaces("sub-copy") == a.store.namespaces(tid)
            assert [e.checkpoint_id for e in b.timeline("sub-copy").entries] == \
                [e.checkpoint_id for e in a.timeline(tid).entries]


def test_encrypted_threads_move_byte_for_byte_within_sqlite_and_refuse_across(tmp_path, monkeypatch):
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import steps

    key = "0123456789abcdef0123456789abcdef"
    path = tmp_path / "enc.sqlite"
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn, serde=EncryptedSerializer.from_pycryptodome_aes(key=key.encode()))
    tid = steps.scenario(compile_with(steps, saver), "enc")[0]
    conn.close()
    monkeypatch.setenv("LANGGRAPH_AES_KEY", key)
    dst = tmp_path / "dst.sqlite"
    with lgtt.open(str(path)) as db:
        db.copy([tid], str(dst))
    q = "SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints ORDER BY 1, 2"
    qw = "SELECT checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value FROM writes ORDER BY 1, 2, 3, 4"
    a, b = sqlite3.connect(path), sqlite3.connect(dst)
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    assert a.execute(qw).fetchall() == b.execute(qw).fetchall()
    assert {r[0] for r in b.execute("SELECT type FROM checkpoints")} == {"msgpack+aes"}
    a.close()
    b.close()
    with pg_database() as url, lgtt.open(str(path)) as db:
        with pytest.raises(LgttError, match="encrypted"):
            db.copy([tid], url)
        import psycopg

        with psycopg.connect(url) as pg:
            assert pg.execute("SELECT count(*) FROM checkpoints").fetchone()[0] == 0



@pytest.mark.parametrize("era", ["lg0250", "lg04", "lg06"])
def test_old_format_sqlite_threads_copy_as_langgraph_reads_them(tmp_path, era):
    """Databases from older LangGraph releases (inline `pending_sends` before format v4) copy to SQLite
    with every checkpoint and pending write as LangGraph 1.x reads the source; Postgres refuses the
    inline Send packets before writing."""
    import shutil

    from langgraph.checkpoint.sqlite import SqliteSaver

    fixtures = Path(__file__).parent / "fixtures" / "old"
    src = tmp_path / "src.sqlite"
    shutil.copy(fixtures / f"{era}.sqlite", src)
    dst = tmp_path / "dst.sqlite"
    with lgtt.open(str(src)) as db:
        tids = [t.thread_id for t in db.threads()]
        db.copy(tids, str(dst))
    ref = tmp_path / "ref.sqlite"  # LangGraph 1.x reads the old file after its own migration
    shutil.copy(src, ref)
    a, b = sqlite3.connect(ref, check_same_thread=False), sqlite3.connect(dst, check_same_thread=False)
    try:
        sa, sb = SqliteSaver(a), SqliteSaver(b)
        sa.setup()

        def rows(saver, tid):
            return [(t.config, t.parent_config, t.checkpoint, t.metadata,
                     sorted(t.pending_writes or [], key=lambda w: (w[0], w[1], repr(w[2]))))
                    for t in saver.list({"configurable": {"thread_id": tid}})]

        for tid in tids:
            assert rows(sb, tid) == rows(sa, tid), tid
    finally:
        a.close()
        b.close()
    inline_sends = era in ("lg0250", "lg04")  # formats v2 and v3: Send packets inline
    with pg_database() as url, lgtt.open(str(src)) as db:
        if inline_sends:
            with pytest.raises(LgttError, match="Send packets inline"):
                db.copy(tids, url)
        else:
            db.copy(tids, url)


def test_transfer_summary_shows_hostile_thread_ids_as_text(tmp_path):
    """A thread id with Rich markup and an ESC is printed visibly escaped, without stray backslashes."""
    from sample_graphs import steps

    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        tid = steps.scenario(src.app(steps), "[red]x\x1b[2J")[0]
        proc = _lgtt("--db", src.url, "copy", tid, "--to", str(tmp_path / "dst.sqlite"))
    assert proc.returncode == 0, proc.stderr
    assert "[red]x\\x1b[2J-1" in proc.stdout and "\x1b" not in proc.stdout and "\\[" not in proc.stdout


def test_redis_refuses_export_copy_and_import_in_one_line(tmp_path, redis_url):
    """Redis is neither a source nor a target of transfers yet: one clear line, nothing written."""
    from sample_graphs import steps

    with open_backend("sqlite", _dir(tmp_path / "src")) as src:
        tid = steps.scenario(src.app(steps), "s")[0]
        out = tmp_path / "s.jsonl"
        with lgtt.open(src.url) as db:
            db.export([tid], out)
    with open_backend("redis", tmp_path, redis_url) as rd:
        rtid = steps.scenario(rd.app(steps), "r")[0]
        for args in (("--db", redis_url, "export", rtid), ("--db", redis_url, "copy", rtid, "--to", str(tmp_path / "d.sqlite")),
                     ("import", str(out), "--into", redis_url), ("--db", src.url, "copy", tid, "--to", redis_url)):
            proc = _lgtt(*args)
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode != 0 and len(lines) == 1 and lines[0].startswith("lgtt: "), (args, proc.stderr)
        assert not (tmp_path / "d.sqlite").exists()
