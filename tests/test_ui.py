"""`lgtt ui` driven key by key with Textual's Pilot on real SQLite / Postgres databases; what the
screen shows is checked against LangGraph's own API (get_state_history, get_state, the savers)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from conftest import scenario_module
from test_errors_and_safety import lgtt as run_cli

import lgtt
from lgtt.jsonform import to_jsonable
from lgtt.tui.app import LgttApp
from sample_graphs import chat, compile_with, hitl, steps


def cfg(thread_id: str, checkpoint_id: str | None = None, ns: str = "") -> dict:
    conf = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def history_ids(app, thread_id: str) -> list[str]:
    return [s.config["configurable"]["checkpoint_id"] for s in reversed(list(app.get_state_history(cfg(thread_id))))]


def make_app(url: str, thread: str | None = None, graph=None, poll: float = 3600) -> LgttApp:
    return LgttApp(lambda: lgtt.open(url, graph=graph), thread, poll=poll)


async def settle(pilot, rounds: int = 4) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(rounds):
        await pilot.pause(0.05)
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
    await pilot.pause(0.05)


async def wait_for(pilot, cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the screen")
        await settle(pilot, 1)


async def drawn(pilot, tab: str) -> None:
    """Wait until the detail pane shows `tab` for the selected row."""
    app = pilot.app
    await wait_for(pilot, lambda: app.selected is not None and app.last_detail == (app.selected.key, tab))


async def opened(pilot) -> None:
    """Wait until the open thread's timeline and the selected row's detail are drawn."""
    app = pilot.app
    await wait_for(pilot, lambda: app.timeline is not None and app.selected is not None
                   and app.last_detail is not None and app.last_detail[0] == app.selected.key)


async def on_screen(pilot, name: str) -> None:
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name)


def run(coro) -> None:
    asyncio.run(coro)


def root_ids(app: LgttApp) -> list[str]:
    return [r.entry.checkpoint_id for r in app.timeline_pane.rows if not r.ns]


def shown_values(app: LgttApp) -> dict:
    """The values the JSON tab shows (the State tab renders the same view)."""
    return json.loads(app.detail.text_of("json"))["values"]


# -- reading -------------------------------------------------------------------------------
@pytest.mark.parametrize("thread_id", ["chat-1", "subgraph-1", "failing-1"])
def test_open_shows_get_state_history_rows_and_get_state_values(demo, thread_id):
    graph_app = demo.app(scenario_module(thread_id))
    ids = history_ids(graph_app, thread_id)

    async def flow():
        app = make_app(demo.url, thread_id)
        async with app.run_test(size=(160, 48)) as pilot:
            await opened(pilot)
            assert root_ids(app) == ids
            assert app.selected.entry.checkpoint_id == ids[-1]  # opens at the head
            await pilot.press("5")  # JSON tab
            await drawn(pilot, "json")
            snap = graph_app.get_state(cfg(thread_id, ids[-1]))
            assert shown_values(app) == to_jsonable(snap.values)
            await pilot.press("1")
            await drawn(pilot, "state")
            state_text = app.detail.text_of("state")
            for key in snap.values:
                assert key in state_text

    run(flow())


def test_keys_move_and_each_view_is_the_cli_s(demo):
    graph_app = demo.app(chat)
    ids = history_ids(graph_app, "chat-1")

    async def flow():
        app = make_app(demo.url, "chat-1", graph=chat.graph)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await pilot.press("5")
            for keys, index in [(("k",), len(ids) - 2), (("up",), len(ids) - 3), (("g",), 0), (("j", "down"), 2),
                                (("G",), len(ids) - 1)]:
                await pilot.press(*keys)
                await drawn(pilot, "json")
                assert app.selected.index == index
                assert shown_values(app) == to_jsonable(graph_app.get_state(cfg("chat-1", ids[index])).values)
            await pilot.press("g", "j", "j", "j")
            await drawn(pilot, "json")
            proc = run_cli("--db", demo.url, "--graph", "sample_graphs/chat.py:graph", "show", "chat-1", "3", "--json")
            assert json.loads(app.detail.text_of("json")) == json.loads(proc.stdout)
            await pilot.press("1")
            await drawn(pilot, "state")
            text = app.detail.text_of("state")
            for msg in graph_app.get_state(cfg("chat-1", ids[3])).values["messages"]:
                assert msg.content in text and msg.id in text
            await pilot.press("y")
            assert app.clipboard == ids[3]
            await pilot.press("question_mark")
            await on_screen(pilot, "HelpScreen")
            await pilot.press("escape")
            await pilot.press("q")
        assert app.return_code in (0, None)

    run(flow())


def test_expand_a_subgraph_and_fold_it(demo):
    saver = demo.saver

    async def flow():
        app = make_app(demo.url, "subgraph-1")
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            rows = app.timeline_pane.rows
            target = next(i for i, r in enumerate(rows) if r.entry.subgraphs)
            ns = rows[target].entry.subgraphs[0]["ns"]
            app.timeline_pane.table.move_cursor(row=target)
            await wait_for(pilot, lambda: app.selected.index == target)
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(r.ns == ns for r in app.timeline_pane.rows))
            sub = [r for r in app.timeline_pane.rows if r.ns == ns]
            expected = [t.config["configurable"]["checkpoint_id"] for t in
                        reversed(list(saver.list(cfg("subgraph-1", ns=ns))))]
            assert [r.entry.checkpoint_id for r in sub] == expected
            first_sub = app.timeline_pane.rows.index(sub[0])
            assert first_sub == target + 1  # folded under the root step that ran it
            await pilot.press(*["down"] * len(sub), "5")
            await drawn(pilot, "json")
            assert app.selected.key == sub[-1].key
            tup = saver.get_tuple(cfg("subgraph-1", expected[-1], ns))
            values = json.loads(app.detail.text_of("json"))["values"]
            stored = {k: v for k, v in tup.checkpoint["channel_values"].items() if not k.startswith(("__", "branch:"))}
            assert values == to_jsonable(stored) and values["notes"]
            await pilot.press(*["up"] * len(sub), "enter")
            await wait_for(pilot, lambda: not any(r.ns for r in app.timeline_pane.rows))
            assert not any(r.ns for r in app.timeline_pane.rows)

    run(flow())


def test_diff_against_parent_and_marked(demo):
    graph_app = demo.app(chat)
    ids = history_ids(graph_app, "chat-1")

    async def flow():
        app = make_app(demo.url, "chat-1")
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await pilot.press("d")
            await drawn(pilot, "diff")
            text = app.detail.text_of("diff")
            before = graph_app.get_state(cfg("chat-1", ids[-2])).values
            after = graph_app.get_state(cfg("chat-1", ids[-1])).values
            changed = [k for k in after if before.get(k) != after[k]]
            assert changed and all(k in text for k in changed)
            assert f"#{len(ids) - 2}" in text and f"#{len(ids) - 1}" in text
            await pilot.press("g", "m")
            await settle(pilot)
            assert app.mark[2] == 0
            await pilot.press("G", "d")
            await drawn(pilot, "diff")
            await wait_for(pilot, lambda: "#0" in app.detail.text_of("diff"))
            text = app.detail.text_of("diff")
            assert "#0" in text and f"#{len(ids) - 1}" in text
            for msg in after["messages"]:  # the first checkpoint is empty: every message was added
                assert msg.content in text
            await pilot.press("g", "m")  # unmark: back to the parent diff
            await settle(pilot)
            assert app.mark is None

    run(flow())


def test_filter_threads_by_id_and_metadata(demo):
    async def flow():
        app = make_app(demo.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.threads_pane.table.row_count > 0)
            table = app.threads_pane.table
            all_rows = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
            latest = {}
            for t in demo.saver.list(None):
                c = t.config["configurable"]
                if not c["checkpoint_ns"]:
                    latest[c["thread_id"]] = max(latest.get(c["thread_id"], ""), c["checkpoint_id"])
            assert all_rows == sorted(latest, key=latest.get, reverse=True)  # newest first
            def names() -> list[str]:
                return [table.get_row_at(i)[0].plain for i in range(table.row_count)]

            await pilot.press("slash", *"hitl")
            hitl_rows = [t for t in all_rows if "hitl" in t]
            await wait_for(pilot, lambda: names() == hitl_rows)
            await pilot.press(*["backspace"] * 4, *"user_id=user_001")
            by_meta = {t.config["configurable"]["thread_id"] for t in demo.saver.list(None, filter={"user_id": "user_001"})}
            await wait_for(pilot, lambda: set(names()) == by_meta)
            await pilot.press("enter", "enter")  # back to the table, open the thread
            await wait_for(pilot, lambda: app.thread in by_meta)

    run(flow())


def test_escapes_in_checkpoint_data_never_reach_the_terminal(backend):
    from langchain_core.messages import HumanMessage

    graph_app = compile_with(chat, backend.saver)
    evil = "hi\x1b]0;pwned\x07\x1b[2J [bold]x[/bold]"
    graph_app.invoke({"user_id": "u", "messages": [HumanMessage(content=evil, id="m1")],
                      "task_progress": {"current_step": 0, "total_steps": 1}, "last_checkpoint": ""},
                     {"configurable": {"thread_id": "evil\x1b[31m"}})

    async def flow():
        app = make_app(backend.url, "evil\x1b[31m")
        async with app.run_test(size=(120, 40)) as pilot:
            await drawn(pilot, "state")
            text = app.detail.text_of("state")
            assert "\x1b" not in text and "\x07" not in text
            assert "[bold]x[/bold]" in text  # shown literally, not as markup
            assert "\x1b" not in app.export_screenshot()

    run(flow())


def test_small_terminal_and_no_color(demo, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def flow():
        app = make_app(demo.url, "hitl-1")
        async with app.run_test(size=(80, 24)) as pilot:
            await opened(pilot)
            assert app.no_color
            assert app.selected is not None and len(app.timeline_pane.rows) == 3
            await pilot.press("tab")
            assert app.focused is not None
            await pilot.press("3")
            await drawn(pilot, "tasks")
            assert "Approve this draft?" in app.detail.text_of("tasks")

    run(flow())


# -- writing -------------------------------------------------------------------------------
def test_fork_with_an_edit_goes_through_update_state(backend):
    graph_app = compile_with(chat, backend.saver)
    chat.scenario(graph_app, "c")
    ids = history_ids(graph_app, "c-1")

    async def flow():
        app = make_app(backend.url, "c-1", graph=chat.graph)
        async with app.run_test(size=(160, 48)) as pilot:
            await opened(pilot)
            app.timeline_pane.table.move_cursor(row=3)
            await wait_for(pilot, lambda: app.selected.index == 3)
            await pilot.press("f")
            await on_screen(pilot, "ForkScreen")
            dialog = app.screen
            to = dialog.query_one("#fork-to")
            assert to.value == "c-1_branch_3"
            to.value = "edited"
            area = dialog.query_one("#fork-values")
            values = json.loads(area.text)
            values["task_progress"] = {"current_step": 4, "total_steps": 9}
            area.text = json.dumps(values)
            await pilot.press("ctrl+s")
            await on_screen(pilot, "ConfirmScreen")
            body = app.screen.query_one("#confirm-body").content.plain
            assert "edited" in body and "task_progress" in body and "c-1 itself is not modified" in body
            await pilot.press("y")
            await wait_for(pilot, lambda: app.thread == "edited" and app.timeline is not None
                           and app.timeline.thread_id == "edited")

    run(flow())
    assert history_ids(graph_app, "c-1") == ids  # the source is untouched
    got = graph_app.get_state(cfg("edited")).values
    assert got["task_progress"] == {"current_step": 4, "total_steps": 9}
    assert got["messages"] == graph_app.get_state(cfg("c-1", ids[3])).values["messages"]


def test_fork_cancelled_writes_nothing(backend):
    graph_app = compile_with(chat, backend.saver)
    chat.scenario(graph_app, "c")

    async def flow():
        app = make_app(backend.url, "c-1", graph=chat.graph)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await pilot.press("f")
            await on_screen(pilot, "ForkScreen")
            await pilot.press("ctrl+s")
            await on_screen(pilot, "ConfirmScreen")
            await pilot.press("n")
            await on_screen(pilot, "Screen")
            await settle(pilot)
    run(flow())
    with lgtt.open(backend.url) as db:
        assert [t.thread_id for t in db.threads()] == ["c-1"]


def test_resume_answering_an_interrupt_asks_twice_in_place(backend):
    from langgraph.types import Command

    graph_app = compile_with(hitl, backend.saver)
    hitl.scenario(graph_app, "h")
    with lgtt.open(backend.url) as db:
        db.fork("h-1", -1, to="by-langgraph")
    graph_app.invoke(Command(resume="yes"), cfg("by-langgraph"))

    async def flow():
        app = make_app(backend.url, "h-1", graph=hitl.graph)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await pilot.press("r")
            await on_screen(pilot, "AnswerScreen")
            await pilot.press(*'"yes"', "enter")
            await on_screen(pilot, "ConfirmScreen")
            assert "answers" in app.screen.query_one("#confirm-body").content.plain
            first = app.screen
            await pilot.press("y")
            await wait_for(pilot, lambda: app.screen is not first and type(app.screen).__name__ == "ConfirmScreen")
            assert "Really resume" in app.screen.title_text  # someone's thread: asked twice
            await pilot.press("y")
            await wait_for(pilot, lambda: app.busy is None and any("done" in x for x in app.node_log.lines_text))
            assert any(x.startswith("review") for x in app.node_log.lines_text)
            assert any(x.startswith("publish") for x in app.node_log.lines_text)
            await wait_for(pilot, lambda: len(app.timeline_pane.rows) == len(history_ids(graph_app, "h-1")))
            assert root_ids(app) == history_ids(graph_app, "h-1")

    run(flow())
    assert graph_app.get_state(cfg("h-1")).values == graph_app.get_state(cfg("by-langgraph")).values


def test_replay_from_a_checkpoint_into_a_new_fork(backend):
    graph_app = compile_with(steps, backend.saver)
    steps.scenario(graph_app, "s")
    ids = history_ids(graph_app, "s-1")

    async def flow():
        app = make_app(backend.url, "s-1", graph=steps.graph)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            app.timeline_pane.table.move_cursor(row=2)
            await wait_for(pilot, lambda: app.selected.index == 2)
            await pilot.press("R")
            await on_screen(pilot, "ConfirmScreen")
            assert "s-1 itself is not modified" in app.screen.query_one("#confirm-body").content.plain
            await pilot.press("y")
            await wait_for(pilot, lambda: app.busy is None and app.thread == "s-1_branch_2"
                           and any(": done" in x for x in app.node_log.lines_text))
            await wait_for(pilot, lambda: root_ids(app) == history_ids(graph_app, "s-1_branch_2"))

    run(flow())
    assert history_ids(graph_app, "s-1") == ids
    assert graph_app.get_state(cfg("s-1_branch_2")).values == graph_app.get_state(cfg("s-1")).values


def test_follow_while_a_graph_writes_keeps_the_selection(backend):
    from langchain_core.messages import HumanMessage

    graph_app = compile_with(chat, backend.saver)
    chat.scenario(graph_app, "c")

    def more(n: str) -> None:
        graph_app.invoke({"messages": [HumanMessage(content=f"more {n}", id=f"more-{n}")]},
                         {"configurable": {"thread_id": "c-1", "user_id": chat.USER_ID}})

    async def flow():
        app = make_app(backend.url, "c-1", poll=0.3)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            app.timeline_pane.table.move_cursor(row=2)
            await wait_for(pilot, lambda: app.selected.index == 2)
            picked = app.selected.entry.checkpoint_id
            writer = threading.Thread(target=more, args=("1",))
            writer.start()
            writer.join()
            await wait_for(pilot, lambda: root_ids(app) == history_ids(graph_app, "c-1"), timeout=10)
            assert app.selected.entry.checkpoint_id == picked
            await pilot.press("F")
            assert not app.following
            count = len(root_ids(app))
            more("2")
            await pilot.pause(1.0)
            assert len(root_ids(app)) == count  # paused
            await pilot.press("F")
            await wait_for(pilot, lambda: root_ids(app) == history_ids(graph_app, "c-1"), timeout=10)

    run(flow())


def test_cli_ui_refuses_an_unknown_thread_and_a_missing_terminal(demo):
    from test_errors_and_safety import assert_one_line_error

    assert_one_line_error(run_cli("--db", demo.url, "ui", "no-such-thread"), "not found")
    assert_one_line_error(run_cli("--db", demo.url, "ui"), "needs a terminal", code=2)


def test_graph_tab_marks_the_nodes_that_ran(demo):
    graph_app = demo.app(chat)
    drawable = chat.graph.get_graph()

    async def flow():
        app = make_app(demo.url, "chat-1", graph=chat.graph)
        async with app.run_test(size=(120, 40)) as pilot:
            await opened(pilot)
            await pilot.press("6")
            await drawn(pilot, "graph")
            text = app.detail.text_of("graph")
            for node in drawable.nodes:
                assert node in text
            for e in drawable.edges:
                assert f"{e.source} " in text and e.target in text
            ran = app.selected.entry.nodes
            parent = graph_app.get_state(cfg("chat-1", app.selected.entry.parent_id))
            assert ran and ran == list(parent.next)  # the head was made by what its parent had next
            for node in drawable.nodes:
                assert (f"● {node}" in text) == (node in ran)

    run(flow())


def test_replay_from_a_subgraph_checkpoint_continues_inside_it(backend):
    """R on a row of a subgraph namespace: `fork --ns` then resume; nothing before that checkpoint runs
    again and the fork ends where the source ended (LangGraph's own get_state)."""
    import subgraph_apps as apps

    graph_app = apps.with_saver(apps.steps_graph, backend.saver)
    final = apps.run_steps(graph_app, "st-1")
    ids = history_ids(graph_app, "st-1")

    async def flow():
        app = make_app(backend.url, "st-1", graph=graph_app)
        async with app.run_test(size=(160, 48)) as pilot:
            await opened(pilot)
            rows = app.timeline_pane.rows
            ran_sg = next(i for i, r in enumerate(rows) if r.entry.subgraphs)
            app.timeline_pane.table.move_cursor(row=ran_sg)
            await wait_for(pilot, lambda: app.selected.index == ran_sg)
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(r.ns for r in app.timeline_pane.rows))
            target = next(i for i, r in enumerate(app.timeline_pane.rows)
                          if r.ns and "|" not in r.ns and r.entry.next == ["nest"])
            app.timeline_pane.table.move_cursor(row=target)
            await wait_for(pilot, lambda: app.selected.key == app.timeline_pane.rows[target].key)
            index = app.selected.index
            await pilot.press("R")
            await on_screen(pilot, "ConfirmScreen")
            body = app.screen.query_one("#confirm-body").content.plain
            assert "of subgraph sg" in body and "st-1 itself is not modified" in body
            apps.RAN.clear()
            await pilot.press("y")
            fork = f"st-1_branch_sg_{index}"
            await wait_for(pilot, lambda: app.busy is None and app.thread == fork
                           and any(": done" in x for x in app.node_log.lines_text))
            return fork

    fork = asyncio.run(flow())
    assert apps.RAN == ["i1", "s3", "after"]  # nothing before the subgraph checkpoint ran again
    assert graph_app.get_state(cfg(fork)).values == final
    assert history_ids(graph_app, "st-1") == ids  # the source is untouched


def test_json_tab_text_is_show_json_for_every_demo_checkpoint(demo):
    """The JSON tab writes values straight from their decoded form (jsonform.dumps): the same
    document `show --json` builds through to_jsonable, on every checkpoint of the demo database."""
    from lgtt.tui.app import json_text

    with lgtt.open(demo.url) as db:
        seen = 0
        for t in db.threads():
            for ns in ["", *sorted(set(db.store.namespaces(t.thread_id)) - {""})]:
                for i in range(len(db.checkpoint_ids(t.thread_id, ns))):
                    view = db.show(t.thread_id, i, ns, json_values=True)
                    text = json_text(view)
                    assert json.loads(text) == to_jsonable(view.to_json())
                    assert list(json.loads(text)) == list(view.to_json())  # same keys, same order
                    seen += 1
    assert seen > 50
