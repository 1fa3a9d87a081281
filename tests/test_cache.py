"""Issue 14: the local bookkeeping cache never gives an answer LangGraph would not.

Real graphs through SqliteSaver; every timeline is compared with get_state_history, cold, warm,
and after prune / delete / new steps / a replaced file / a damaged cache; --no-cache and
`lgtt cache clear`. The cache folder is tmp_path (LGTT_CACHE_DIR).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_THREADS, scenario_module
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import START, MessagesState, StateGraph
from typer.testing import CliRunner

import lgtt
from lgtt.cli import app
from lgtt.store import cache as cache_mod
from lgtt.store.sqlite import SqliteStore

THREAD = "chat"


def respond(state: MessagesState) -> dict[str, Any]:
    n = len(state["messages"])
    return {"messages": [AIMessage(content=f"reply {n}", id=f"ai-{n}")]}


def route(state: MessagesState) -> str:
    human = [m for m in state["messages"] if isinstance(m, HumanMessage)][-1]
    return "respond" if len(state["messages"]) < human.additional_kwargs["target"] else "__end__"


def chat_builder() -> StateGraph:
    b = StateGraph(MessagesState)
    b.add_node("respond", respond)
    b.add_edge(START, "respond")
    b.add_conditional_edges("respond", route)
    return b


def run_chat(path: Path, steps: int, thread: str = THREAD, tag: str = "h") -> None:
    """One more human turn on the thread, answered by `steps` replies (one checkpoint each)."""
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    graph = chat_builder().compile(checkpointer=saver)
    config = {"configurable": {"thread_id": thread}, "recursion_limit": steps + 10}
    have = len(graph.get_state(config).values.get("messages", []))
    turn = HumanMessage(content="go on", id=f"{tag}-{have}", additional_kwargs={"target": have + 1 + steps})
    graph.invoke({"messages": [turn]}, config)
    conn.close()


def history(path: Path, thread: str = THREAD) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        graph = chat_builder().compile(checkpointer=SqliteSaver(conn))
        snaps = list(reversed(list(graph.get_state_history({"configurable": {"thread_id": thread}}))))
    finally:
        conn.close()
    return [{"checkpoint_id": s.config["configurable"]["checkpoint_id"],
             "parent_id": s.parent_config["configurable"]["checkpoint_id"] if s.parent_config else None,
             "step": s.metadata["step"], "source": s.metadata["source"], "next": list(s.next),
             "created_at": s.created_at} for s in snaps]


def cli(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env={"LGTT_DB": None, "LGTT_GRAPH": None})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def timeline(path: Path, *extra: str, thread: str = THREAD) -> list[dict[str, Any]]:
    out = json.loads(cli("--db", str(path), *extra, "timeline", thread, "--all", "--json").stdout)
    keys = ("checkpoint_id", "parent_id", "step", "source", "next", "created_at")
    return [{k: e[k] for k in keys} for e in out]


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*" + cache_mod.SUFFIX)) if folder.is_dir() else []


def cached_rows(folder: Path) -> int:
    (f,) = cache_files(folder)
    with sqlite3.connect(f) as conn:
        return conn.execute("SELECT count(*) FROM books").fetchone()[0]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LGTT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def chat_db(tmp_path: Path) -> Path:
    path = tmp_path / "chat.sqlite"
    run_chat(path, 12)
    return path


def test_cold_and_warm_timelines_equal_get_state_history(chat_db: Path, cache_dir: Path) -> None:
    want = history(chat_db)
    assert len(want) == 14
    before = chat_db.read_bytes()
    assert timeline(chat_db) == want  # cold: fills the cache
    assert cached_rows(cache_dir) == len(want)
    assert timeline(chat_db) == want  # warm
    assert timeline(chat_db, "--no-cache") == want
    assert chat_db.read_bytes() == before  # the user's database is never written
    assert cache_mod.cache_file(str(chat_db)).stat().st_mode & 0o077 == 0  # private to the user


def test_new_steps_after_a_warm_cache(chat_db: Path, cache_dir: Path) -> None:
    timeline(chat_db)
    run_chat(chat_db, 5)
    want = history(chat_db)
    assert len(want) > 14
    assert timeline(chat_db) == want
    assert cached_rows(cache_dir) == len(want)


def test_prune_and_delete_after_a_warm_cache(chat_db: Path, cache_dir: Path) -> None:
    timeline(chat_db)
    cli("--db", str(chat_db), "prune", THREAD, "--keep", "4", "--yes")
    want = history(chat_db)
    assert len(want) == 4 and want[0]["parent_id"] is None  # the oldest kept row lost its parent
    assert timeline(chat_db) == want
    assert timeline(chat_db) == want
    with sqlite3.connect(chat_db) as conn:  # LangGraph's own delete, then the thread again from scratch
        SqliteSaver(conn).delete_thread(THREAD)
    result = CliRunner().invoke(app, ["--db", str(chat_db), "timeline", THREAD, "--json"])
    assert result.exit_code != 0 and "not found" in result.stderr
    run_chat(chat_db, 3, tag="again")
    want = history(chat_db)
    assert timeline(chat_db) == want
    assert cached_rows(cache_dir) == len(want)


@pytest.mark.parametrize("how", ["rename", "copy-over"])
def test_a_different_file_at_the_same_path(tmp_path: Path, chat_db: Path, cache_dir: Path, how: str) -> None:
    timeline(chat_db)
    other = tmp_path / "other.sqlite"
    run_chat(other, 7, tag="other")  # the same thread id, another run
    if how == "rename":
        os.replace(other, chat_db)
    else:  # same inode, other bytes
        shutil.copyfile(other, chat_db)
    want = history(chat_db)
    assert timeline(chat_db) == want
    assert timeline(chat_db) == want
    assert cached_rows(cache_dir) == len(want)


def test_damaged_or_unwritable_cache_still_answers(chat_db: Path, cache_dir: Path,
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = history(chat_db)
    timeline(chat_db)
    (f,) = cache_files(cache_dir)
    for p in cache_dir.iterdir():
        p.unlink()
    f.write_bytes(b"this is not a cache" * 100)
    assert timeline(chat_db) == want
    assert timeline(chat_db) == want
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LGTT_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert timeline(chat_db) == want


def test_no_cache_and_cache_clear(chat_db: Path, cache_dir: Path) -> None:
    want = history(chat_db)
    assert timeline(chat_db, "--no-cache") == want
    assert cache_files(cache_dir) == []
    with lgtt.open(str(chat_db), cache=False) as db:
        db.timeline(THREAD)
    assert cache_files(cache_dir) == []
    timeline(chat_db)
    assert len(cache_files(cache_dir)) == 1
    out = json.loads(cli("cache", "clear", "--json").stdout)
    assert out["files"] == 1 and out["folder"] == str(cache_dir)
    assert cache_files(cache_dir) == []
    assert "removed 0 cache file(s)" in cli("cache", "clear").stdout
    with lgtt.open(str(chat_db)) as db:
        db.timeline(THREAD)
    assert lgtt.clear_cache(str(chat_db)).files == 1
    bad = CliRunner().invoke(app, ["cache", "wipe"])
    assert bad.exit_code == 2 and bad.stderr.startswith("lgtt: ")


def test_demo_bookkeeping_from_cache_equals_the_database(tmp_path: Path, cache_dir: Path) -> None:
    """Every sample scenario (joins, Send, interrupts, subgraphs, delta channels): rows and their
    completed `present`/`internal` from the cache equal the rows read from the database."""
    from sample_graphs import compile_with
    from sample_graphs.demo import build_demo

    path = tmp_path / "demo.sqlite"
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    build_demo(saver)

    def books(store: SqliteStore, thread: str, ns: str) -> list[Any]:
        rows = store.bookkeeping(thread, ns)
        store.complete(thread, rows)
        return rows

    plain = SqliteStore(str(path), cache=False)
    for thread in DEMO_THREADS:
        spaces = ["", *plain.namespaces(thread)]
        for ns in spaces:
            want = books(plain, thread, ns)
            for _ in range(3):  # cold, warm with completions, warm
                with _store(path) as store:
                    assert books(store, thread, ns) == want, (thread, ns)
        graph_app = compile_with(scenario_module(thread), saver)
        hist = list(reversed(list(graph_app.get_state_history({"configurable": {"thread_id": thread}}))))
        with lgtt.open(str(path), graph=scenario_module(thread).graph) as db:
            tl = db.timeline(thread)
        assert [e.checkpoint_id for e in tl.entries] == [s.config["configurable"]["checkpoint_id"] for s in hist]
        assert [e.next for e in tl.entries] == [list(s.next) for s in hist], thread
    plain.close()
    conn.close()


class _store:  # noqa: N801 - a context manager for a cached store
    def __init__(self, path: Path) -> None:
        self.store = SqliteStore(str(path))

    def __enter__(self) -> SqliteStore:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def test_a_warm_read_touches_no_state_blob(chat_db: Path, cache_dir: Path) -> None:
    """The second timeline reads row headers only: no statement reads a checkpoint blob."""
    want = history(chat_db)
    with lgtt.open(str(chat_db)) as db:
        db.timeline(THREAD)
    with lgtt.open(str(chat_db)) as db:
        seen: list[str] = []
        db.store.conn.set_trace_callback(seen.append)
        tl = db.timeline(THREAD)
    assert [e.checkpoint_id for e in tl.entries] == [w["checkpoint_id"] for w in want]
    assert seen and not [s for s in seen if "substr(checkpoint" in s or "type, checkpoint" in s], seen


def test_a_row_rewritten_in_place(chat_db: Path, cache_dir: Path) -> None:
    """LangGraph never rewrites a row, but a hand edit must not leave a stale answer either."""
    timeline(chat_db)
    with sqlite3.connect(chat_db) as conn:
        (cid, meta), *_ = conn.execute("SELECT checkpoint_id, metadata FROM checkpoints ORDER BY checkpoint_id "
                                       "LIMIT 1 OFFSET 5").fetchall()
        doc = json.loads(meta)
        doc["step"] = 1000 + doc["step"]
        conn.execute("UPDATE checkpoints SET metadata = ? WHERE checkpoint_id = ?", (json.dumps(doc), cid))
    want = history(chat_db)
    assert [w["step"] for w in want if w["checkpoint_id"] == cid] == [doc["step"]]
    assert timeline(chat_db) == want


def test_a_cache_written_by_other_code_is_dropped(chat_db: Path, cache_dir: Path) -> None:
    want = history(chat_db)
    timeline(chat_db)
    (f,) = cache_files(cache_dir)
    with sqlite3.connect(f) as conn:  # what another lgtt version might have cached: other facts
        conn.execute("UPDATE books SET book = (SELECT book FROM books ORDER BY checkpoint_id LIMIT 1), done = NULL")
        conn.execute("UPDATE meta SET v = 'older' WHERE k = 'format'")
    assert timeline(chat_db) == want
    assert cache_mod.code_version().startswith(cache_mod.FORMAT + ":")


def test_cached_rows_that_do_not_load_are_read_again(chat_db: Path, cache_dir: Path) -> None:
    want = history(chat_db)
    timeline(chat_db)
    (f,) = cache_files(cache_dir)
    with sqlite3.connect(f) as conn:
        conn.execute("UPDATE books SET book = x'c1' WHERE checkpoint_id IN "
                     "(SELECT checkpoint_id FROM books ORDER BY checkpoint_id LIMIT 1 OFFSET 3)")
    assert timeline(chat_db) == want
    assert timeline(chat_db) == want
