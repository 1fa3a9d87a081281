"""The `lgtt ui` app: threads | timeline over detail, keys in the footer, DB work in thread workers."""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static, TabbedContent
from textual.worker import get_current_worker

from lgtt.refs import short_id
from lgtt.render.detail import clean, graph_view, metadata_view, state_view, tasks_view
from lgtt.render.tuirows import Row, build_rows, row_key
from lgtt.tui.backend import Backend
from lgtt.tui.confirm import ConfirmScreen
from lgtt.tui.detail_pane import DetailPane
from lgtt.tui.node_log import NodeLog
from lgtt.tui.strips_view import render_strips
from lgtt.tui.threads_pane import ThreadsPane
from lgtt.tui.timeline_pane import TimelinePane

POLL_SECONDS = 1.0
VIEW_CACHE = 4  # checkpoint views kept: the selected one and its neighbours
CHAT_STEP = 100  # messages the State tab draws, and how many more `e` (earlier) draws


def _q(*parts: Any) -> str:
    return " ".join(shlex.quote(clean(str(p))) for p in parts)


def json_text(view: Any) -> str:
    """`show --json`'s document of `view` indented by 2, invisible characters escaped. The values are
    written straight from their decoded form (`jsonform.dumps`: to_json's round trip through
    Python objects was most of a JSON tab's time on a large state)."""
    import dataclasses

    from lgtt import jsonform
    from lgtt.escape import json_safe

    try:
        doc = dataclasses.replace(view, values=None).to_json()  # every field as to_json gives it ...
        doc["values"] = view.values  # ... but the values, converted while written
        text = jsonform.dumps(doc, indent=True).decode()
    except TypeError:  # huge ints and the like: the standard library takes them
        text = json.dumps(jsonform.to_jsonable(view.to_json()), indent=2, ensure_ascii=False)
    return json_safe(text)


class LgttApp(App):
    """Walk a thread's checkpoints; fork, resume and replay behind confirm dialogs."""

    CSS_PATH = "app.tcss"
    TITLE = "lgtt ui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "filter", "Filter"),
        Binding("d", "diff", "Diff"),
        Binding("m", "mark", "Mark"),
        Binding("y", "copy_id", "Copy id"),
        Binding("f", "fork", "Fork"),
        Binding("r", "resume", "Resume"),
        Binding("R", "replay", "Replay"),
        Binding("F", "follow", "Follow"),
        Binding("e", "earlier", "Earlier msgs", show=False),
        *[Binding(str(n), f"tab({n})", show=False) for n in range(1, 7)],
    ]

    def __init__(self, open_db: Callable[[], Any], thread: str | None = None, *, poll: float = POLL_SECONDS) -> None:
        super().__init__()
        self.backend = Backend(open_db)
        self.start_thread = thread
        self.poll_seconds = poll
        self.thread: str | None = None
        self.timeline: Any = None
        self.expanded: set[int] = set()
        self.subs: dict[str, Any] = {}
        self.selected: Row | None = None
        self.view: Any = None  # the selected row's CheckpointView, once loaded
        # newest VIEW_CACHE views by (thread, row key): futures, so a read already under way is waited for
        self._views: OrderedDict[tuple[str, str], Future] = OrderedDict()
        self._json: OrderedDict[tuple[str, str], tuple[list[str], int]] = OrderedDict()  # their JSON tab lines
        self.chat_limit = CHAT_STEP
        self._views_lock = threading.Lock()
        self.mark: tuple[str, str, int, str] | None = None  # thread, ns, index, checkpoint id
        self.following = True
        self.filter_text = ""
        self.thread_ids: list[str] = []
        self.own_threads: set[str] = set()
        self.busy: str | None = None  # a write action running
        self._signature: tuple[int, str] | None = None
        self._polling = False
        self._shape: Any = None
        self.last_detail: tuple[str, str] | None = None  # (row key, tab) last drawn in the detail pane
        self.last_detail_at = 0.0  # when (perf_counter)
        self._timeline_drawn = False

    # -- layout -----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ThreadsPane(id="threads")
            with Vertical(id="right"):
                yield TimelinePane(id="timeline")
                yield DetailPane(self.backend.has_graph, id="detail")
                yield NodeLog(id="nodelog")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._panes: dict[type, Any] = {cls: self.query_one(cls) for cls in (ThreadsPane, TimelinePane, DetailPane, NodeLog)}
        self._panes[Static] = self.query_one("#status", Static)
        self.query_one("#threads").border_title = "threads"
        self.query_one("#timeline").border_title = "timeline"
        self.query_one("#nodelog").border_title = "node log"
        self.load_threads()
        if self.start_thread:
            self.open_thread(self.start_thread)
            self.timeline_pane.table.focus()
        else:
            self.threads_pane.table.focus()
        self.set_interval(self.poll_seconds, self.poll)
        self.update_status()

    def on_unmount(self) -> None:
        self.workers.cancel_all()
        self.backend.close()

    @property
    def threads_pane(self) -> ThreadsPane:
        return self._panes[ThreadsPane]  # found once: a message handled while the app closes finds it too

    @property
    def timeline_pane(self) -> TimelinePane:
        return self._panes[TimelinePane]  # found once: a message handled while the app closes finds it too

    @property
    def detail(self) -> DetailPane:
        return self._panes[DetailPane]  # found once: a message handled while the app closes finds it too

    @property
    def node_log(self) -> NodeLog:
        return self._panes[NodeLog]  # found once: a message handled while the app closes finds it too

    def screen_text(self) -> str:
        """The whole screen as plain text, rendered as a terminal would draw it (tests, bench)."""
        import io

        from rich.console import Console

        width, height = self.size
        console = Console(width=width, height=height, file=io.StringIO(), record=True, color_system=None,
                          legacy_windows=False, safe_box=False)
        console.print(self.screen._compositor.render_update(full=True, screen_stack=self._background_screens))
        return console.export_text()

    def update_status(self, extra: str = "") -> None:
        parts = [f"thread {self.thread}" if self.thread else "no thread open (Enter on one)"]
        if self.timeline is not None:
            parts.append(f"{len(self.timeline.entries)} checkpoints")
        if self.mark:
            parts.append(f"mark {self.mark[0]} #{self.mark[2]}")
        parts.append("following" if self.following else "follow paused (F)")
        if self.busy:
            parts.append(self.busy)
        if extra:
            parts.append(extra)
        self._panes[Static].update(Text(clean("  |  ".join(parts))))

    def _ui(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` on the app's thread from a worker; dropped once the app is closing."""
        try:
            self.call_from_thread(self._safe, fn, *args)
        except RuntimeError:  # the app has stopped
            pass

    def _safe(self, fn: Callable[..., Any], *args: Any) -> None:
        from textual.css.query import NoMatches

        try:
            fn(*args)
        except NoMatches:  # a pane is gone: the app is closing
            pass

    def report(self, exc: BaseException) -> None:
        line = exc.line() if hasattr(exc, "line") else f"{type(exc).__name__}: {exc}"
        self.notify(clean(line), severity="error", markup=False, timeout=8)

    # -- threads ----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="threads")
    def load_threads(self, keep: str | None = None) -> None:
        from lgtt.ops.threads import parse_where

        tokens = self.filter_text.split()
        where_tokens = [t for t in tokens if "=" in t]
        words = [t for t in tokens if "=" not in t]
        try:
            rows = self.backend.read("threads", where=parse_where(where_tokens))
        except Exception as exc:  # noqa: BLE001
            self._ui(self.report, exc)
            return
        rows = [r for r in rows if all(w in r.thread_id for w in words)]
        if not get_current_worker().is_cancelled:
            self._ui(self._show_threads, rows, keep)

    def _show_threads(self, rows: list[Any], keep: str | None) -> None:
        self.thread_ids = sorted(set(self.thread_ids) | {r.thread_id for r in rows})
        self.threads_pane.show_threads(rows, keep or self.thread)

    def on_threads_pane_open(self, message: ThreadsPane.Open) -> None:
        self.open_thread(message.thread_id)
        self.timeline_pane.table.focus()

    def on_threads_pane_filter_changed(self, message: ThreadsPane.FilterChanged) -> None:
        self.filter_text = message.text
        self.load_threads()

    def action_filter(self) -> None:
        self.query_one("#thread-filter", Input).focus()

    # -- timeline ---------------------------------------------------------------
    def open_thread(self, thread_id: str) -> None:
        if thread_id != self.thread:
            self.expanded, self.subs, self.view, self._signature = set(), {}, None, None
            self._forget_views()
            self.chat_limit = CHAT_STEP
            self._timeline_drawn = False  # its first rows go on screen before the detail is read
        self.thread = thread_id
        self.timeline_pane.border_title = f"timeline {clean(thread_id)}"
        self.timeline_pane.border_subtitle = "loading…"  # static: an animated indicator would cost the read CPU
        self.update_status("loading…")
        self.load_timeline(thread_id, None)

    @work(thread=True, exclusive=True, group="timeline")
    def load_timeline(self, thread_id: str, keep: str | None) -> None:
        t0 = time.perf_counter()
        try:
            tl = self.backend.read("timeline", thread_id)
            ids = (len(tl.entries), tl.entries[-1].checkpoint_id)
            subs = {}
            for e in tl.entries:
                if e.index in self.expanded:
                    for sg in e.subgraphs:
                        subs[sg["ns"]] = self.backend.read("timeline", thread_id, sg["ns"])
        except Exception as exc:  # noqa: BLE001
            self._ui(self._timeline_failed, exc)
            return
        if not get_current_worker().is_cancelled:
            self._ui(self._show_timeline, thread_id, tl, subs, ids, keep, time.perf_counter() - t0)

    def _timeline_failed(self, exc: BaseException) -> None:
        self.report(exc)
        self.update_status()

    def _show_timeline(self, thread_id: str, tl: Any, subs: dict[str, Any], sig: tuple[int, str],
                       keep: str | None, took: float) -> None:
        if thread_id != self.thread:
            return
        self.timeline, self._signature = tl, sig
        self.subs.update(subs)
        pane = self.timeline_pane
        mark = row_key(self.mark[1], self.mark[2]) if self.mark and self.mark[0] == thread_id else None
        pane.show_rows(build_rows(tl, self.expanded, self.subs), self.expanded, mark, keep)
        pane.border_subtitle = f"{len(tl.entries)} checkpoints, {tl.branches} branch(es)"
        self.update_status(f"loaded in {took:.2f} s")

    def on_timeline_pane_picked(self, message: TimelinePane.Picked) -> None:
        self.selected = message.row
        if self._timeline_drawn:
            self.refresh_detail()
        else:  # a thread just opened: its timeline goes on screen before the detail is read
            self._timeline_drawn = True
            self.call_after_refresh(self.refresh_detail)

    def on_timeline_pane_toggle(self, message: TimelinePane.Toggle) -> None:
        row = message.row
        if row.ns or not row.entry.subgraphs:
            return
        if row.index in self.expanded:
            self.expanded.discard(row.index)
        else:
            self.expanded.add(row.index)
        self.load_timeline(self.thread, row.key)

    # -- detail -----------------------------------------------------------------
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_detail()

    def action_tab(self, n: int) -> None:
        tabs = self.detail.tabs
        if 1 <= n <= len(tabs):
            self.detail.active = f"tab-{tabs[n - 1][0]}"

    def refresh_detail(self) -> None:
        from textual.css.query import NoMatches

        if self.selected is not None and self.thread is not None:
            try:
                tab = self.detail.tab
                width = 0 if tab == "json" else self.detail.body_width(tab)
            except NoMatches:  # the app is closing
                return
            self.load_detail(self.thread, self.selected, tab, self.mark, width)

    def on_strips_view_resized(self, message: Any) -> None:
        self.refresh_detail()

    @work(thread=True, exclusive=True, group="detail")
    def load_detail(self, thread_id: str, row: Row, tab: str, mark: tuple[str, str, int, str] | None,
                    width: int) -> None:
        """Read and render the tab off the app's thread: the screen then only draws what is visible."""
        with self._views_lock:
            cached = (thread_id, row.key) in self._views
        if not cached:
            time.sleep(0.02)  # let a held arrow key settle: only the last row is read
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        ref = [thread_id, row.index] + (["--ns", row.ns] if row.ns else [])
        try:
            if tab == "diff":
                command, body = self._diff_body(thread_id, row, mark)
            else:
                view = self._view(thread_id, row)
                if worker.is_cancelled:
                    return
                if tab == "state":
                    command, body = f"lgtt show {_q(*ref)}", state_view(view, self.chat_limit)
                elif tab == "tasks":
                    command, body = f"lgtt show {_q(*ref)}  (tasks, interrupts, pending writes)", tasks_view(view)
                elif tab == "meta":
                    command, body = f"lgtt show {_q(*ref)}  (metadata)", metadata_view(view)
                elif tab == "json":
                    command, body = f"lgtt show {_q(*ref)} --json", self._json_lines(thread_id, row, view)
                else:
                    if self._shape is None:
                        self._shape = self.backend.read("graph_shape")
                    command, body = "graph.get_graph(): nodes and edges", graph_view(self._shape, row.entry.nodes)
            if tab != "json" and not worker.is_cancelled:
                body = (body, render_strips(body, width), width)
        except Exception as exc:  # noqa: BLE001
            from lgtt.ops.show import Unreadable

            if not isinstance(exc, Unreadable) or tab == "diff":
                self._ui(self.report, exc)
                return
            line = clean(exc.line())  # a damaged checkpoint: said in place, the other rows still show
            command = f"lgtt show {_q(*ref)}"
            if tab == "json":
                body = ([line], len(line))
            else:
                text = Text(line, "bold red")
                body = (text, render_strips(text, width), width)
        if not worker.is_cancelled:
            self._ui(self._show_detail, row.key, tab, command, body)

    def _show_detail(self, key: str, tab: str, command: str, body: Any) -> None:
        if self.selected is not None and self.selected.key == key:
            self.detail.set_body(tab, command, body)
            self.last_detail, self.last_detail_at = (key, tab), time.perf_counter()
            if tab != "diff" and self.thread is not None:
                rows = self.timeline_pane.rows
                i = self.timeline_pane.index_of(key)
                if i is not None:
                    self.prefetch(self.thread, [rows[j] for j in (i - 1, i + 1) if 0 <= j < len(rows)], tab)

    def _view(self, thread_id: str, row: Row, *, select: bool = True) -> Any:
        """A checkpoint as `lgtt show THREAD INDEX` gives it (values in their JSON form, as
        `show --json` prints them; the newest few are kept, a read under way is waited for)."""
        key = (thread_id, row.key)
        with self._views_lock:
            fut = self._views.get(key)
            mine = fut is None
            if mine:
                fut = self._views[key] = Future()
                while len(self._views) > VIEW_CACHE:
                    old, _ = self._views.popitem(last=False)
                    self._json.pop(old, None)
            else:
                self._views.move_to_end(key)
        if mine:
            try:
                fut.set_result(self.backend.read("show", thread_id, row.index, row.ns, json_values=True))
            except BaseException as exc:
                with self._views_lock:
                    if self._views.get(key) is fut:
                        del self._views[key]
                fut.set_exception(exc)
        view = fut.result()
        if select:
            self.view = view
        return view

    def _json_lines(self, thread_id: str, row: Row, view: Any) -> tuple[list[str], int]:
        """The JSON tab's lines (`show --json`, indented) and the longest one's length, kept with the view."""
        key = (thread_id, row.key)
        with self._views_lock:
            got = self._json.get(key)
        if got is None:
            lines = json_text(view).split("\n")
            got = (lines, max(map(len, lines), default=0))
            with self._views_lock:
                if key in self._views:
                    self._json[key] = got
        return got

    def _forget_views(self) -> None:
        with self._views_lock:
            self._views.clear()
            self._json.clear()

    @work(thread=True, exclusive=True, group="prefetch")
    def prefetch(self, thread_id: str, rows: list[Row], tab: str) -> None:
        """Load the rows next to the selection, so moving onto them draws at once."""
        for row in rows:
            if get_current_worker().is_cancelled:
                return
            try:
                view = self._view(thread_id, row, select=False)
                if tab == "json" and not get_current_worker().is_cancelled:
                    self._json_lines(thread_id, row, view)
            except Exception:  # noqa: BLE001  shown (with its error) when selected
                return

    def _diff_body(self, thread_id: str, row: Row, mark: tuple[str, str, int, str] | None) -> tuple[str, Any]:
        from lgtt.render.diffview import diff_view

        if row.ns or (mark and mark[1]):
            return "lgtt diff", Text("diff of checkpoints inside a subgraph namespace: not available "
                                     "(lgtt diff compares root-namespace checkpoints)", "yellow")
        if mark:
            a = f"{mark[0]}:{mark[3]}"
            shown_a = mark[2] if mark[0] == thread_id else f"{mark[0]}:{mark[2]}"
            d = self.backend.read("diff", thread_id, a, row.entry.checkpoint_id)
            return f"lgtt diff {_q(thread_id, shown_a, row.index)}", diff_view(d, full=True)
        d = self.backend.read("diff", thread_id, row.entry.checkpoint_id)
        return f"lgtt diff {_q(thread_id, row.index)}", diff_view(d, full=True)

    def action_diff(self) -> None:
        if self.detail.tab == "diff":
            self.refresh_detail()
        else:
            self.detail.active = "tab-diff"

    def action_mark(self) -> None:
        row = self.selected
        if row is None or self.thread is None:
            return
        old = self.mark
        new = (self.thread, row.ns, row.index, row.entry.checkpoint_id)
        self.mark = None if old and old[:3] == new[:3] else new
        mark = self.mark
        self.timeline_pane.set_mark(row_key(mark[1], mark[2]) if mark and mark[0] == self.thread else None)
        self.update_status()
        if self.detail.tab == "diff":
            self.refresh_detail()

    def action_earlier(self) -> None:
        """State tab: draw CHAT_STEP more of the earlier messages."""
        if self.detail.tab == "state":
            self.chat_limit += CHAT_STEP
            self.refresh_detail()

    def action_copy_id(self) -> None:
        if self.selected is not None:
            cid = self.selected.entry.checkpoint_id
            self.copy_to_clipboard(cid)
            self.notify(f"copied {cid}", markup=False)

    def action_help(self) -> None:
        from lgtt.tui.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    # -- follow -----------------------------------------------------------------
    def action_follow(self) -> None:
        self.following = not self.following
        self.update_status()

    def poll(self) -> None:
        if self.following and not self._polling:
            self._polling = True
            self.poll_worker(self.thread, self._signature)

    @work(thread=True, group="poll")
    def poll_worker(self, thread_id: str | None, sig: tuple[int, str] | None) -> None:
        try:
            changed = False
            if thread_id is not None and sig is not None:
                ids = self.backend.read("checkpoint_ids", thread_id)
                changed = (len(ids), ids[-1]) != sig
            self._ui(self._after_poll, thread_id, changed)
        except Exception:  # noqa: BLE001  a poll that fails (thread deleted meanwhile) is retried next time
            self._ui(self._after_poll, None, False)

    def _after_poll(self, thread_id: str | None, changed: bool) -> None:
        self._polling = False
        self.load_threads()
        if changed and thread_id == self.thread:
            self._forget_views()  # a running step may have added pending writes to a shown checkpoint
            pane = self.timeline_pane
            current = pane.current()
            at_end = current is not None and pane.table.cursor_row == len(pane.rows) - 1
            self.load_timeline(thread_id, None if at_end else current.key if current else None)

    # -- write actions ----------------------------------------------------------
    def _write_row(self, what: str) -> Row | None:
        row = self.selected
        if row is None or self.thread is None:
            self.notify(f"select a checkpoint to {what} first", severity="warning")
            return None
        if self.busy:
            self.notify(f"wait: {self.busy}", severity="warning")
            return None
        return row

    def _free_thread_id(self, base: str) -> str:
        taken = set(self.thread_ids)
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def _where(self, row: Row) -> str:
        """`#INDEX`, or `#INDEX of subgraph NODE` for a row of a subgraph namespace."""
        return f"#{row.index}" + (f" of subgraph {row.ns.split(':')[0]}" if row.ns else "")

    def _default_fork_id(self, thread_id: str, row: Row) -> str:
        node = f"{row.ns.split(':')[0]}_" if row.ns else ""
        return self._free_thread_id(f"{thread_id}_branch_{node}{row.index}")

    def _copy_line(self, thread_id: str, to: str, row: Row) -> str:
        if row.ns:  # lgtt fork --ns: the root path up to the step that ran the subgraph, the namespace up to REF
            return (f"creates thread {to}: a copy of {thread_id}'s path up to the step that ran the subgraph, "
                    f"with the subgraph's checkpoints up to {self._where(row)}, plus a fork head in that namespace")
        return (f"creates thread {to}: a copy of {thread_id}'s path up to checkpoint #{row.index} "
                f"({self._path_length(row)} checkpoints) plus a fork head")

    def _path_length(self, row: Row) -> int:
        by_id = {e.checkpoint_id: e for e in self.timeline.entries}
        n, cid, seen = 0, row.entry.checkpoint_id, set()
        while cid in by_id and cid not in seen:
            seen.add(cid)
            n += 1
            cid = by_id[cid].parent_id
        return n

    def action_fork(self) -> None:
        row = self._write_row("fork")
        if row is not None:
            self.prepare_fork(self.thread, row)

    @work(thread=True, group="write")
    def prepare_fork(self, thread_id: str, row: Row) -> None:
        try:
            values = self._view(thread_id, row).to_json()["values"]
        except Exception as exc:  # noqa: BLE001
            self._ui(self.report, exc)
            return
        self._ui(self._ask_fork, thread_id, row, values)

    def _ask_fork(self, thread_id: str, row: Row, values: dict[str, Any]) -> None:
        from lgtt.tui.fork_dialog import ForkScreen

        default = self._default_fork_id(thread_id, row)

        def chosen(req: Any) -> None:
            if req is None:
                return
            lines = [self._copy_line(thread_id, req.to, row) + f" holding {self._where(row)}'s state"]
            if req.updates:
                lines.append("edits through the graph's update_state: " + ", ".join(
                    f"{k}={json.dumps(v, ensure_ascii=False)[:80]}" for k, v in req.updates.items()))
            else:
                lines.append("no edits")
            lines.append(f"{thread_id} itself is not modified")
            self.push_screen(ConfirmScreen(f"Fork {thread_id} {self._where(row)}?", [clean(x) for x in lines], "Fork"),
                             lambda ok: ok and self.run_fork(thread_id, row, req.to, req.updates))

        self.push_screen(ForkScreen(f"{thread_id} {self._where(row)} ({short_id(row.entry.checkpoint_id)})", default,
                                    values, self.backend.has_graph), chosen)

    @work(thread=True, group="write")
    def run_fork(self, thread_id: str, row: Row, to: str, updates: dict[str, Any], then_resume: bool = False) -> None:
        self._ui(self._set_busy, f"forking {thread_id} {self._where(row)}…")
        try:
            with self.backend.writer() as db:
                res = db.fork(thread_id, row.index, to=to, updates=updates or None, ns=row.ns)
        except Exception as exc:  # noqa: BLE001
            self._ui(self._write_failed, exc)
            return
        self._ui(self._forked, res, then_resume)

    def _set_busy(self, what: str | None) -> None:
        self.busy = what
        self.update_status()

    def _write_failed(self, exc: BaseException) -> None:
        self._set_busy(None)
        self.report(exc)

    def _forked(self, res: Any, then_resume: bool) -> None:
        self.own_threads.add(res.thread_id)
        edited = f", edited {', '.join(res.edited)}" if res.edited else ""
        self.notify(clean(f"forked into {res.thread_id} ({res.copied} checkpoints copied{edited})"), markup=False)
        self._set_busy(None)
        self.load_threads(res.thread_id)
        self.open_thread(res.thread_id)
        if then_resume:
            self.run_resume(res.thread_id, None, f"replay of {res.forked_from['thread_id']} #{res.forked_from['index']}"
                            + (f" of subgraph {res.checkpoint_ns.split(':')[0]}" if res.checkpoint_ns else ""))

    def action_replay(self) -> None:
        row = self._write_row("replay")
        if row is None:
            return
        if not self.backend.has_graph:
            self.notify("replay needs the graph: start with lgtt --graph file.py:graph ui", severity="error")
            return
        thread_id = self.thread
        to = self._default_fork_id(thread_id, row)
        lines = [self._copy_line(thread_id, to, row),
                 f"then runs the graph on {to} from there: {self._where(row)}'s tasks run again "
                 f"({', '.join(row.entry.next) or 'nothing to run'}), writing new checkpoints to {to}",
                 f"{thread_id} itself is not modified"]
        self.push_screen(ConfirmScreen(f"Replay {thread_id} from {self._where(row)}?", [clean(x) for x in lines],
                                       "Replay"),
                         lambda ok: ok and self.run_fork(thread_id, row, to, {}, True))

    def action_resume(self) -> None:
        if self.thread is None:
            self.notify("open a thread first", severity="warning")
            return
        if self.busy:
            self.notify(f"wait: {self.busy}", severity="warning")
            return
        if not self.backend.has_graph:
            self.notify("resume needs the graph: start with lgtt --graph file.py:graph ui", severity="error")
            return
        self.prepare_resume(self.thread)

    @work(thread=True, group="write")
    def prepare_resume(self, thread_id: str) -> None:
        try:
            live = self.backend.read("show", thread_id)
            own = thread_id in self.own_threads or self._made_by_fork(thread_id)
        except Exception as exc:  # noqa: BLE001
            self._ui(self.report, exc)
            return
        self._ui(self._ask_resume, thread_id, live, own)

    def _made_by_fork(self, thread_id: str) -> bool:
        """True when one of the thread's fork checkpoints carries lgtt's fork metadata."""
        tl = self.backend.read("timeline", thread_id)
        for e in tl.entries:
            if e.source == "fork" and "lgtt_fork" in self.backend.read("show", thread_id, e.index).metadata:
                return True
        return False

    def _ask_resume(self, thread_id: str, live: Any, own: bool) -> None:
        from lgtt.tui.answer_dialog import AnswerScreen

        def confirm(answers: dict[str, Any] | None) -> None:
            lines = [f"runs the graph on {thread_id} in place, from its head #{live.index} "
                     f"({short_id(live.checkpoint_id)}), next: {', '.join(live.next) or '(nothing)'}"]
            if answers:
                lines.append("answers: " + ", ".join(f"{k[:8]}={json.dumps(v, ensure_ascii=False)[:80]}"
                                                      for k, v in answers.items()))
            lines.append(f"new checkpoints are appended to {thread_id}; nothing else changes")

            def second(ok: bool) -> None:
                if not ok:
                    return
                if own:
                    self.run_resume(thread_id, answers)
                    return
                warn = [f"{thread_id} was not made by lgtt fork: it may be a live user's conversation.",
                        "Resuming it in place adds checkpoints to that thread for good.",
                        "To try something without touching it, press R (replay into a new fork) instead."]
                self.push_screen(ConfirmScreen(f"Really resume {thread_id} in place?", [clean(x) for x in warn],
                                               "Resume in place"),
                                 lambda sure: sure and self.run_resume(thread_id, answers))

            self.push_screen(ConfirmScreen(f"Resume {thread_id}?", [clean(x) for x in lines], "Resume"), second)

        if live.interrupts:
            self.push_screen(AnswerScreen(thread_id, live.interrupts), lambda a: a is not None and confirm(a))
        else:
            confirm(None)

    @work(thread=True, group="write")
    def run_resume(self, thread_id: str, answers: dict[str, Any] | None, label: str | None = None) -> None:
        self._ui(self._start_log, label or f"resume {thread_id}")
        kwargs: dict[str, Any] = {}
        if answers:
            kwargs = {"answer": next(iter(answers.values())) if len(answers) == 1 else answers, "has_answer": True}
        try:
            with self.backend.writer() as db:
                res = db.resume(thread_id, on_step=lambda s: self._ui(self._log_step, s), **kwargs)
        except Exception as exc:  # noqa: BLE001
            self._ui(self._write_failed, exc)
            return
        self._ui(self._resumed, res)

    def _log_step(self, record: Any) -> None:
        self.node_log.step(record)

    def _start_log(self, label: str) -> None:
        log = self.node_log
        log.add_class("visible")
        log.note(f"— {label}", "bold")
        self._set_busy(f"running: {label}")

    def _resumed(self, res: Any) -> None:
        line = f"{res.thread_id}: {res.status}" + (f" ({res.error})" if res.error else "")
        if res.interrupts:
            line += f"; waiting at {len(res.interrupts)} interrupt(s): press r to answer"
        self.node_log.note(line, "bold red" if res.status == "error" else "bold")
        self._set_busy(None)
        self._forget_views()
        if res.thread_id == self.thread:
            self.load_timeline(res.thread_id, None)
        self.load_threads()
