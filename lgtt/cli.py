"""The `lgtt` command line: parse options, call the API, hand results to a renderer."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import typer

from lgtt.cliparse import LgttGroup
from lgtt.errors import LgttError, UsageError

app = typer.Typer(
    name="lgtt",
    cls=LgttGroup,
    help="Time-travel debugger for LangGraph checkpoint databases (SQLite and PostgreSQL).\n\n"
    "Example: lgtt --db checkpoints.sqlite timeline my-thread",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # Rich tracebacks print locals: a password, untrusted data
    context_settings={"help_option_names": ["-h", "--help"]},
)

JSON_OPT = typer.Option(False, "--json", help="Print JSON for scripts (shapes in the README).")
FORCE_OPT = typer.Option(False, "--force", help="Write even though the graph does not match the thread's "
                         "recorded keys and nodes (lgtt refuses otherwise).")


class State:
    """Options given before the command, and the database opened from them."""

    def __init__(self, db: str | None, graph: str | None, saver: str | None, cache: bool = True) -> None:
        self.db, self.graph_spec, self.saver_spec, self.cache = db, graph, saver, cache
        self._debugger: Any = None
        self._stack = contextlib.ExitStack()

    def open(self, *, need_graph: bool = False) -> Any:
        """The Debugger for this invocation (opened once)."""
        if self._debugger is not None:
            return self._debugger
        from lgtt.api import Debugger, open_store
        from lgtt.graphs import default_spec, load_graph

        spec = self.graph_spec or default_spec()
        if need_graph and not spec:
            raise LgttError("this command needs the graph", "pass --graph path/to/file.py:graph (or set LGTT_GRAPH)")
        graph = load_graph(spec) if spec else None
        saver = self._load_saver() if self.saver_spec else None
        if self.db is None and saver is None:
            raise LgttError("no database given", "pass --db PATH|URL (or set LGTT_DB), or --saver module:callable")
        store = open_store(self.db, saver=saver, graph=graph, cache=self.cache)
        self._stack.callback(store.close)
        self._debugger = Debugger(store, graph)
        self._debugger.cli = True
        return self._debugger

    def _load_saver(self) -> Any:
        from lgtt.graphs import _import_module

        target, _, attr = (self.saver_spec or "").rpartition(":")
        if not target or not attr:
            raise LgttError(f"bad --saver {self.saver_spec!r}", "use module:callable returning a BaseCheckpointSaver")
        factory = getattr(_import_module(target, __import__("pathlib").Path.cwd()), attr, None)
        if factory is None:
            raise LgttError(f"{target} has no attribute {attr!r}", "check the name after ':' in --saver")
        made = factory() if callable(factory) else factory
        if hasattr(made, "__enter__") and not hasattr(made, "get_tuple"):
            made = self._stack.enter_context(made)
        from langgraph.checkpoint.base import BaseCheckpointSaver

        if not isinstance(made, BaseCheckpointSaver):
            raise LgttError(f"--saver {self.saver_spec} gave a {type(made).__name__}, not a BaseCheckpointSaver", "")
        return made

    def close(self) -> None:
        self._stack.close()


@contextlib.contextmanager
def handled(ctx: typer.Context) -> Iterator[State]:
    """Run a command: LgttError (and driver errors) become one line on stderr and an exit code."""
    state: State = ctx.obj
    code = 0
    try:
        yield state
        if state._debugger is not None:
            _warn_blocked(state._debugger)
            for line in state._debugger.warnings:
                _err(f"warning: {line}")
    except LgttError as exc:
        _err(exc.line())
        code = exc.code
    except typer.Exit:
        raise
    except KeyboardInterrupt as exc:
        _err("interrupted" if not isinstance(exc, Terminated) else "terminated")
        code = 130 if not isinstance(exc, Terminated) else 143
    except Exception as exc:  # a driver, decoder or LangGraph error: one line saying what it means
        from lgtt.failures import debug_traceback, explain

        if not os.environ.get("LGTT_DEBUG") and _timed_out(exc):
            from lgtt.store import deadline

            _err(f"stopped by --timeout {deadline.timeout():g} (the database cancelled its running statement). "
                 "raise --timeout, or narrow the command (--limit, a thread id)")
            raise typer.Exit(1) from None

        if os.environ.get("LGTT_DEBUG"):
            from lgtt.escape import visible

            sys.stderr.write(visible(debug_traceback(exc)))
            code = 1
        else:
            found = explain(exc)
            _err(found.line())
            code = found.code
    finally:
        state.close()
    if code:
        raise typer.Exit(code)


def output(as_json: bool, doc: Callable[[], Any], view: Callable[[], Any], *, plain: bool = False) -> None:
    """`--json`: the document on stdout; otherwise the Rich renderable (both built only when needed)."""
    if as_json:
        from lgtt.render.jsonout import emit

        emit(doc(), plain=plain)
    else:
        from lgtt.render.tables import console

        console().print(view())


class Terminated(KeyboardInterrupt):
    """SIGTERM / SIGHUP: unwound like Ctrl-C, so the drivers cancel running statements."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def _timed_out(exc: BaseException) -> bool:
    from lgtt.store import deadline

    if deadline.timeout() is None:
        return False
    if type(exc).__name__ == "QueryCanceled":
        return True
    return deadline.expired() and "interrupted" in str(exc)


def _err(line: str) -> None:
    """One line on stderr; data in it (thread ids, values) is escaped and passwords masked."""
    from lgtt.dburl import scrub
    from lgtt.escape import visible

    sys.stderr.write(f"lgtt: {visible(scrub(line), one_line=True)}\n")


def _warn_blocked(db: Any) -> None:
    names = db.blocked_types()
    if names:
        _err(f"warning: custom types shown as plain data (not in the strict allowlist): {', '.join(names)}; "
             "pass --graph to get them back as themselves")


def _version(value: bool) -> None:
    if value:
        from lgtt.cliparse import version_lines

        print("\n".join(version_lines()))
        raise typer.Exit()


def _complete_threads(ctx: typer.Context, incomplete: str) -> list[str]:
    from lgtt.cliparse import complete_threads

    return complete_threads(ctx, incomplete)


def _complete_ns(ctx: typer.Context, incomplete: str) -> list[str]:
    from lgtt.cliparse import complete_namespaces

    return complete_namespaces(ctx, incomplete)


THREAD_ARG = typer.Argument(..., help="Thread id.", autocompletion=_complete_threads)


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", envvar="LGTT_DB", help="SQLite path, sqlite:///path or postgresql://… URL."),
    graph: str | None = typer.Option(None, "--graph", envvar="LGTT_GRAPH",
                                        help="Your graph: file.py:attr, package.module:attr or a langgraph.json id."),
    saver: str | None = typer.Option(None, "--saver", help="module:callable returning any BaseCheckpointSaver."),
    timeout: float | None = typer.Option(None, "--timeout", min=0.001,
                                         help="Stop after SECONDS, cancelling the database's running statements."),
    utc: bool = typer.Option(False, "--utc", help="Show times in UTC (default: local time with its zone)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every SQLite row from the database, "
                                  "without the local bookkeeping cache (see `lgtt cache clear`)."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Show lgtt's version and the LangGraph packages it found."),
) -> None:
    """Time-travel debugger for LangGraph checkpoint databases."""
    from lgtt.render.times import use_utc

    use_utc(utc)
    logging.getLogger("langgraph").setLevel(logging.ERROR)
    from lgtt.store import deadline

    deadline.set_timeout(timeout)
    ctx.obj = State(db, graph, saver, cache=not no_cache)


@app.command()
def threads(
    ctx: typer.Context,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most N threads."),
    where: list[str] = typer.Option([], "--where", help="KEY=VALUE on checkpoint metadata (repeatable)."),
    by: str = typer.Option("newest", "--by", help="Order: newest (head checkpoint, newest first) or id."),
    after: str | None = typer.Option(None, "--after", help="With --by id: the page after this thread id."),
    status: list[str] = typer.Option([], "--status", help="Only threads with this status: error, interrupted, "
                                     "pending, done or damaged (repeatable)."),
    as_json: bool = JSON_OPT,
) -> None:
    """List threads, newest first, with status.

    Example: lgtt --db app.sqlite threads --where user_id=user_001 --status error
    """
    from lgtt.ops.threads import parse_status, parse_where

    with handled(ctx) as st:
        db = st.open()
        rows = db.stream_threads(where=parse_where(where), limit=limit, order=by, after=after,
                                 status=parse_status(status))
        if by == "newest" and sys.stderr.isatty() and getattr(db.store, "kind", "") == "postgres" \
                and not db.store.has_newest_index():
            _err("note: newest first aggregates every checkpoint (no index serves it); "
                 "`lgtt index create` makes it instant, or page with --by id")
        if as_json:
            from lgtt.render.jsonout import emit_stream

            emit_stream(r.to_json() for r in rows)
            return
        from lgtt.render.tables import threads_table

        listed = list(rows)
        output(False, lambda: None, lambda: threads_table(listed))


@app.command()
def index(
    ctx: typer.Context,
    action: str = typer.Argument(..., help="create or drop"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the statement, run nothing."),
    as_json: bool = JSON_OPT,
) -> None:
    """Create or drop the optional index that makes newest-first `threads --limit N` instant (Postgres).

    lgtt never creates it by itself. It runs CREATE INDEX CONCURRENTLY (no table lock; writers keep
    working). Example: lgtt --db postgresql://… index create
    """
    with handled(ctx) as st:
        db = st.open()
        sql, _ = db.index(action, dry_run=True)
        if not as_json:
            print(sql + ";", flush=True)
        exists = None if dry_run else db.index(action)[1]
        if as_json:
            from lgtt.render.jsonout import emit

            emit({"sql": sql, "ran": not dry_run, "exists": exists}, plain=True)
        elif not dry_run:
            print(f"index lgtt_checkpoints_newest {'created' if exists else 'dropped'}")


@app.command()
def timeline(
    ctx: typer.Context,
    thread: str | None = typer.Argument(None, help="Thread id (none: list a few recent ones).",
                                        autocompletion=_complete_threads),
    ns: str = typer.Option("", "--ns", autocompletion=_complete_ns, help="Show one subgraph namespace instead of the root."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show the newest N rows."),
    all_rows: bool = typer.Option(False, "--all", help="Show every row."),
    tree: bool = typer.Option(False, "--tree", help="Show the checkpoint tree (branches)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Then print each new checkpoint as the app commits it."),
    until: str | None = typer.Option(None, "--until", help="With --follow: exit when the thread is done|interrupted|error."),
    as_json: bool = JSON_OPT,
) -> None:
    """One row per checkpoint, oldest first: step, source, nodes, changed keys, next.

    Example: lgtt --db app.sqlite timeline chat-1 --all
    """
    with handled(ctx) as st:
        if thread is None:
            raise UsageError("timeline needs a THREAD", _recent_threads_hint(st))
        if follow or until:
            from lgtt.render.follow import printer

            final = st.open().follow(thread, ns, on_event=printer(as_json), until=until)
            if final == "error" and until is not None:
                raise typer.Exit(1)
            return
        tl = st.open().timeline(thread, ns)
        rows, hidden = tl.page(None if all_rows else limit)
        if as_json:
            from lgtt.render.jsonout import emit

            emit([e.to_json() for e in rows], plain=True)
            if hidden:
                _err(f"{hidden} older row(s) not shown; pass --all")
            for note in tl.notes:
                _err(f"note: {note}")
            return
        from lgtt.render.tables import console, timeline_table, timeline_tree

        console().print(timeline_tree(tl) if tree else timeline_table(tl, rows, hidden))
        for note in tl.notes:
            _err(f"note: {note}")


def _recent_threads_hint(st: State, n: int = 5) -> str:
    """`recent threads: a, b, c (…)` from the database, or how to list them."""
    try:
        rows = list(st.open().store.threads(limit=n))
    except LgttError:
        return "e.g. lgtt timeline my-thread; list threads with `lgtt threads`"
    if not rows:
        return "the database has no threads yet"
    names = ", ".join(r.thread_id for r in rows)
    return f"recent threads: {names}; e.g. lgtt timeline {rows[0].thread_id}"


NEGATIVE_OK = {"ignore_unknown_options": True}  # so `-1` is a REF, not an option


@app.command(context_settings=NEGATIVE_OK)
def show(
    ctx: typer.Context,
    thread: str = THREAD_ARG,
    ref: str | None = typer.Argument(None, help="Index (0, -1…), checkpoint id or a unique part of one. "
                                        "None: LangGraph's live view of the thread."),
    ns: str = typer.Option("", "--ns", autocompletion=_complete_ns, help="Checkpoint namespace (subgraph)."),
    key: str | None = typer.Option(None, "--key", help="Print only this state key's value."),
    full: bool = typer.Option(False, "--full", help="Do not truncate long values."),
    internal: bool = typer.Option(False, "--internal", help="Include LangGraph's internal channels."),
    as_json: bool = JSON_OPT,
) -> None:
    """A checkpoint's values, next, tasks, interrupts and pending writes.

    Example: lgtt --db app.sqlite show chat-1 -1 --key messages
    """
    with handled(ctx) as st:
        view = st.open().show(thread, ref, ns)
        if key is not None:
            state = view.values if isinstance(view.values, dict) else {}
            if key not in state and not (internal and key in view.internal):
                keys = ", ".join(state) or "(none: the state is one value)"
                raise LgttError(f"no state key {key!r} at this checkpoint", f"keys: {keys}")
            value = state.get(key, view.internal.get(key))
            from lgtt.render.jsonout import emit

            emit(value)
            return
        if as_json:
            from lgtt.render.jsonout import emit

            emit(view.to_json(internal=internal))
            return
        from lgtt.render.tables import console, show_view

        con = console()
        for part in show_view(view, full=full, internal=internal):
            con.print(part)


@app.command(context_settings=NEGATIVE_OK)
def diff(
    ctx: typer.Context,
    thread: str = THREAD_ARG,
    a: str = typer.Argument(..., help="REF (or THREAD:REF). Alone: compared with its parent (what that step changed)."),
    b: str | None = typer.Argument(None, help="REF (or THREAD:REF): show A → B."),
    internal: bool = typer.Option(False, "--internal", help="Include LangGraph's internal channels."),
    full: bool = typer.Option(False, "--full", help="Do not truncate long values."),
    as_json: bool = JSON_OPT,
) -> None:
    """What changed between two checkpoints' values (nested keys, list items, messages by id).

    Example: lgtt --db app.sqlite diff chat-1 -1      (what the last step changed)
    """
    with handled(ctx) as st:
        d = st.open().diff(thread, a, b, internal=internal)
        if as_json:
            from lgtt.render.jsonout import emit

            emit(d.ops)
            for note in d.notes:
                _err(f"note: {note}")
            return
        from lgtt.render.diffview import diff_view
        from lgtt.render.tables import console

        console().print(diff_view(d, full=full))


@app.command()
def compare(
    ctx: typer.Context,
    thread_a: str = THREAD_ARG,
    thread_b: str = THREAD_ARG,
    full: bool = typer.Option(False, "--full", help="Do not truncate long values."),
    as_json: bool = JSON_OPT,
) -> None:
    """Two threads' current paths: common prefix, divergence point, what each did after it.

    Example: lgtt --db app.sqlite compare chat-1 chat-2
    """
    with handled(ctx) as st:
        c = st.open().compare(thread_a, thread_b)
        from lgtt.render.diffview import compare_view

        output(as_json, c.to_json, lambda: compare_view(c, full=full))


@app.command()
def stats(
    ctx: typer.Context,
    top: int = typer.Option(10, "--top", min=1, help="How many of the biggest threads to list."),
    sample: int = typer.Option(200, "--sample", min=0,
                               help="SQLite: random checkpoints measured per state key (besides every thread's head)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Database size, counts, biggest threads, and which state keys take the most space.

    Example: lgtt --db app.sqlite stats --top 5
    """
    with handled(ctx) as st:
        db = st.open()
        if sys.stderr.isatty():  # the aggregates run on the server: say so while they do
            from lgtt.render.prune import spinner

            with spinner("reading every table (sizes, counts, the biggest threads, per-key bytes)"):
                s = db.stats(top=top, sample=sample)
        else:
            s = db.stats(top=top, sample=sample)
        from lgtt.render.health import stats_view

        output(as_json, s.to_json, lambda: stats_view(s))


@app.command()
def check(
    ctx: typer.Context,
    threads: list[str] = typer.Argument(None, help="Thread ids (default: every thread).", autocompletion=_complete_threads),
    as_json: bool = JSON_OPT,
) -> None:
    """Integrity report (read-only): decodable rows, parent links, orphans, missing blobs, DeltaChannel chains.

    With --graph, also rebuilds each thread's head with graph.get_state. Exit 1 when there are problems.

    Example: lgtt --db app.sqlite check chat-1
    """
    ok = True
    with handled(ctx) as st:
        db = st.open()
        from lgtt.render.prune import counter

        with counter("checking", "checkpoints") if not as_json and sys.stderr.isatty() else \
                contextlib.nullcontext(None) as tick:
            report = db.check(threads or (), progress=tick)
        ok = report.ok
        if as_json:
            from lgtt.render.jsonout import emit

            emit(report.to_json())
        else:
            from lgtt.render.health import check_lines
            from lgtt.render.tables import console

            con = console()
            for line in check_lines(report):
                con.print(line, soft_wrap=True)
    if not ok:
        raise typer.Exit(1)


@app.command(context_settings=NEGATIVE_OK)
def fork(
    ctx: typer.Context,
    thread: str = typer.Argument(..., help="Source thread id.", autocompletion=_complete_threads),
    ref: str = typer.Argument(..., help="Checkpoint to fork at: index, id or a unique part of one."),
    to: str | None = typer.Option(None, "--to", help="New thread id (default THREAD_branch_INDEX)."),
    set_: list[str] = typer.Option([], "--set", help="KEY=JSON state edit, applied as update_state (repeatable)."),
    set_file: str | None = typer.Option(None, "--set-file", help="A JSON object of state edits."),
    edit: bool = typer.Option(False, "--edit", help="Edit the checkpoint's values as JSON in $EDITOR."),
    as_node: str | None = typer.Option(None, "--as-node", help="Apply the edits as if this node wrote them."),
    ns: str = typer.Option("", "--ns", help="REF is a checkpoint of this subgraph namespace: the fork resumes inside it."),
    force: bool = FORCE_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Copy a thread up to a checkpoint into a new thread you can change and resume.

    Example: lgtt --db app.sqlite --graph app.py:graph fork chat-1 3 --set 'task_progress={"total_steps": 9}'
    """
    from lgtt.ops.edits import parse_edits

    with handled(ctx) as st:
        db = st.open(need_graph=bool(set_ or set_file or edit or as_node))
        updates = parse_edits(db, thread, ref, set_, set_file, edit, ns)
        result = db.fork(thread, ref, to=to, updates=updates or None, as_node=as_node, ns=ns, force=force)
        from lgtt.render.tables import fork_summary

        output(as_json, result.to_json, lambda: fork_summary(result, resume_hint(st, result.thread_id)))


def resume_hint(st: State, thread_id: str) -> str:
    """The command that resumes a thread, with this invocation's --db / --graph (password masked)."""
    import shlex

    from lgtt.dburl import redact

    parts = ["lgtt"]
    if st.db:
        parts += ["--db", redact(st.db)]
    if st.graph_spec:
        parts += ["--graph", st.graph_spec]
    return shlex.join(parts + ["resume", thread_id])


# -- prune / delete --------------------------------------------------------------------------------
YES_OPT = typer.Option(False, "--yes", "-y", help="Do not ask (needed when not on a terminal).")
DRY_OPT = typer.Option(False, "--dry-run", help="Show the plan per thread; change nothing.")
VACUUM_OPT = typer.Option(False, "--vacuum", help="Reclaim space afterwards and report the size before/after "
                          "(SQLite VACUUM; Postgres plain VACUUM: space becomes reusable, the app keeps writing).")
VACUUM_FULL_OPT = typer.Option(False, "--vacuum-full", help="Postgres VACUUM FULL: returns space to the OS but "
                               "LOCKS the checkpoint tables (the app blocks) while it rewrites them.")


def _destructive(st: State, action: str, run: Any, *, dry_run: bool, yes: bool, vacuum_full: bool,
                 as_json: bool) -> None:
    """Shared flow of prune/delete: refuse or ask, progress bar, output."""
    from lgtt.errors import UsageError
    from lgtt.render.prune import progress_bar, prune_view
    from lgtt.render.tables import console

    if st.saver_spec and not st.db:  # a saver made by this process holds nothing worth pruning
        raise LgttError(f"{action} needs --db with a SQLite or PostgreSQL database, not --saver",
                        "in Python, db.prune() / db.delete() also work on an in-process InMemorySaver")

    interactive = sys.stdin.isatty()
    if not dry_run and not yes and not interactive:
        raise UsageError(f"refusing to {action} without --yes (not a terminal)", "pass --yes, or --dry-run to see the plan")
    st.open()
    if not dry_run and not yes:
        plan = run(dry_run=True, progress=None)
        console().print(prune_view(plan))
        if not plan.checkpoints_deleted:
            return
        if not typer.confirm(f"{action}: delete {plan.checkpoints_deleted} checkpoint(s) "
                             f"in {sum(1 for t in plan.threads if t.deleted)} thread(s)?", default=False):
            raise LgttError("aborted, nothing deleted", "")
    if vacuum_full and not dry_run:
        _err("warning: VACUUM FULL locks the checkpoint tables until it finishes; the app blocks meanwhile")
    bar = (not as_json) and sys.stderr.isatty()
    with (progress_bar(action) if bar else contextlib.nullcontext(None)) as progress:
        result = run(dry_run=dry_run, progress=progress)
    if as_json:
        from lgtt.render.jsonout import emit

        emit(result.to_json())
        return
    console().print(prune_view(result))


@app.command()
def prune(
    ctx: typer.Context,
    threads: list[str] = typer.Argument(None, help="Thread ids (default: every thread).", autocompletion=_complete_threads),
    keep: int | None = typer.Option(None, "--keep", min=1, help="Keep the newest N checkpoints of each thread "
                                    "(root namespace, by id, across branches)."),
    older_than: str | None = typer.Option(None, "--older-than", help="Only checkpoints older than AGE "
                                          "(30d, 12h, 90m; by the checkpoint's ts). With --keep both must hold."),
    dry_run: bool = DRY_OPT,
    yes: bool = YES_OPT,
    vacuum: bool = VACUUM_OPT,
    vacuum_full: bool = VACUUM_FULL_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Delete old checkpoints (with their writes, subgraph calls and unreferenced blobs), each thread atomically.

    What stays keeps working: get_state of every thread is unchanged (pending writes, DeltaChannel
    ancestors back to their snapshot are kept). Safe while the app writes.

    Example: lgtt --db app.sqlite prune --keep 10 --older-than 30d --dry-run
    """
    with handled(ctx) as st:
        if keep is None and older_than is None:
            from lgtt.errors import UsageError

            raise UsageError("prune needs --keep N and/or --older-than AGE", "e.g. lgtt prune --keep 10 --dry-run")
        if older_than is not None:
            from lgtt.ops.prune import parse_age

            parse_age(older_than)

        def run(*, dry_run: bool, progress: Any) -> Any:
            return st.open().prune(threads or (), keep=keep, older_than=older_than, dry_run=dry_run,
                                   vacuum=vacuum, vacuum_full=vacuum_full, progress=progress)

        _destructive(st, "prune", run, dry_run=dry_run, yes=yes, vacuum_full=vacuum_full, as_json=as_json)


@app.command()
def delete(
    ctx: typer.Context,
    threads: list[str] = typer.Argument(None, help="Thread ids.", autocompletion=_complete_threads),
    where: list[str] = typer.Option([], "--where", help="KEY=VALUE on checkpoint metadata, as in `threads` (repeatable)."),
    dry_run: bool = DRY_OPT,
    yes: bool = YES_OPT,
    vacuum: bool = VACUUM_OPT,
    vacuum_full: bool = VACUUM_FULL_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Delete whole threads: every namespace, write and blob. Unknown thread: error, nothing deleted.

    Example: lgtt --db app.sqlite delete --where user_id=user_001 --dry-run
    """
    from lgtt.ops.threads import parse_where

    with handled(ctx) as st:
        conditions = parse_where(where)
        if not threads and not conditions:
            from lgtt.errors import UsageError

            raise UsageError("delete needs thread ids or --where KEY=VALUE", "e.g. lgtt delete chat-1 --dry-run")

        def run(*, dry_run: bool, progress: Any) -> Any:
            return st.open().delete(threads or (), where=conditions, dry_run=dry_run, vacuum=vacuum,
                                    vacuum_full=vacuum_full, progress=progress)

        _destructive(st, "delete", run, dry_run=dry_run, yes=yes, vacuum_full=vacuum_full, as_json=as_json)


def _json_opt(name: str, text: str | None) -> Any:
    import json

    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name} is not valid JSON ({exc.args[0]})", f"quote it for the shell, e.g. {name} '{{\"key\": 1}}'") from None


def _answer_opt(text: str | None) -> Any:
    """--answer: JSON, or else the text as a string (said on stderr); broken JSON is an error."""
    from lgtt.answers import BrokenJson, parse_answer

    if text is None:
        return None
    try:
        value, is_json = parse_answer(text)
    except BrokenJson as exc:
        raise UsageError(f"--answer is not valid JSON ({exc})", "fix it, or quote it for the shell, e.g. --answer '{\"ok\": true}'") from None
    if not is_json:
        import json

        _err(f"note: --answer {text} is not JSON; sending it as the string {json.dumps(text, ensure_ascii=False)}")
    return value


@app.command(context_settings=NEGATIVE_OK)
def resume(
    ctx: typer.Context,
    thread: str | None = typer.Argument(None, help="Thread id (default: the most recent fork lgtt made)."),
    from_ref: str | None = typer.Option(None, "--from", help="Replay from this checkpoint (LangGraph re-runs what follows)."),
    input_: str | None = typer.Option(None, "--input", help="JSON input: start a new run on the thread."),
    answer: str | None = typer.Option(None, "--answer", help="JSON answer to a pending interrupt (a map id -> value for several)."),
    config: str | None = typer.Option(None, "--config", help="JSON configurable keys (default: those the last run recorded)."),
    context: str | None = typer.Option(None, "--context", help="JSON runtime context."),
    until: str | None = typer.Option(None, "--until", help="Stop before this node."),
    force: bool = FORCE_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Run your graph forward from a thread's head: continue, answer an interrupt, retry a failed step.

    Example: lgtt --db app.sqlite --graph app.py:graph resume chat-1_branch_3 --until task_processor
    """
    import contextlib

    from lgtt.render.progress import ask_interrupt, outcome, running, step_line

    with handled(ctx) as st:
        db = st.open(need_graph=True)
        interactive = sys.stdin.isatty() and not as_json
        args = dict(input=_json_opt("--input", input_), answer=_answer_opt(answer),
                    config=_json_opt("--config", config), context=_json_opt("--context", context))
        if args["config"] is not None and not isinstance(args["config"], dict):
            raise UsageError("--config must be a JSON object of configurable keys", "e.g. --config '{\"user_id\": \"u1\"}'")
        picked = None
        if thread is None:  # say which thread before running it
            from lgtt.ops.resume import pick_thread

            thread, picked = pick_thread(db, None)
            if not as_json:
                from lgtt.escape import visible

                print(visible(f"resuming {picked}"), flush=True)
        with contextlib.nullcontext() if as_json or interactive and answer is None else running():
            result = db.resume(
                thread, from_ref=from_ref, has_answer=answer is not None, until=until, force=force,
                ask=ask_interrupt if interactive else None, on_step=None if as_json else step_line, **args,
            )
        result.picked = result.picked or picked
        if as_json:
            from lgtt.render.jsonout import emit

            emit(result.to_json())
        else:
            outcome(result, resume_hint(st, result.thread_id))
        if result.status == "error":
            raise typer.Exit(1)


@app.command()
def export(
    ctx: typer.Context,
    threads: list[str] = typer.Argument(None, help="Thread ids."),
    where: list[str] = typer.Option([], "--where", help="KEY=VALUE on checkpoint metadata, as in `threads` (repeatable)."),
    out: str = typer.Option("-", "-o", "--output", help="File to write; - (default) for stdout."),
    redact: list[str] = typer.Option([], "--redact", help="Leave this state key's values out (repeatable)."),
) -> None:
    """Write threads as JSON Lines of their stored rows (every namespace, write and blob), values as stored bytes.

    Example: lgtt --db $PROD_URL export chat-42 -o chat-42.jsonl
    """
    from lgtt.ops.threads import parse_where
    from lgtt.render.transfer import clear_progress, progress, summary

    with handled(ctx) as st:
        conditions = parse_where(where)
        if not threads and not conditions:
            raise UsageError("export needs thread ids or --where KEY=VALUE", "e.g. lgtt export chat-1 -o chat-1.jsonl")
        db = st.open()
        tick = progress()
        try:
            if out == "-":
                result = db.export(threads or (), sys.stdout.buffer, where=conditions, redact=redact, progress=tick)
                sys.stdout.buffer.flush()
            else:
                result = db.export(threads or (), out, where=conditions, redact=redact, progress=tick)
        finally:
            if tick:
                clear_progress()
        if out != "-":
            from lgtt.render.tables import console

            console().print(summary(result))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="An export file (lgtt export -o FILE)."),
    into: str | None = typer.Option(None, "--into", help="Target database (default: --db); set up by its saver if new."),
    rename: str | None = typer.Option(None, "--as", help="Import the (one) thread under this id."),
    as_json: bool = JSON_OPT,
) -> None:
    """Write an export file's threads into a database, one transaction per thread; never overwrites.

    Example: lgtt import chat-42.jsonl --into local.sqlite
    """
    import lgtt
    from lgtt.render.transfer import summary

    with handled(ctx) as st:
        target = into or st.db
        if not target:
            raise UsageError("import needs a target database", "pass --into PATH|URL (or --db)")
        result = lgtt.import_file(file, target, rename=rename)
        output(as_json, result.to_json, lambda: summary(result))


@app.command()
def copy(
    ctx: typer.Context,
    threads: list[str] = typer.Argument(None, help="Thread ids."),
    to: str = typer.Option(..., "--to", help="Target database: a SQLite path or postgresql://… URL."),
    where: list[str] = typer.Option([], "--where", help="KEY=VALUE on checkpoint metadata, as in `threads` (repeatable)."),
    rename: str | None = typer.Option(None, "--as", help="Copy the (one) thread under this id."),
    as_json: bool = JSON_OPT,
) -> None:
    """Copy threads to another database (Postgres ↔ SQLite ↔ SQLite), values byte for byte.

    Example: lgtt --db $PROD_URL copy chat-42 --to local.sqlite
    """
    from lgtt.ops.threads import parse_where
    from lgtt.render.transfer import summary

    with handled(ctx) as st:
        conditions = parse_where(where)
        if not threads and not conditions:
            raise UsageError("copy needs thread ids or --where KEY=VALUE", "e.g. lgtt copy chat-1 --to local.sqlite")
        result = st.open().copy(threads or (), to, where=conditions, rename=rename)
        output(as_json, result.to_json, lambda: summary(result))


@app.command()
def cache(
    ctx: typer.Context,
    action: str = typer.Argument(..., help="clear"),
    as_json: bool = JSON_OPT,
) -> None:
    """Delete lgtt's local bookkeeping cache (LGTT_CACHE_DIR, or ~/.cache/lgtt), for every database.

    The cache holds each SQLite checkpoint's ids, versions and metadata, so a repeated read of a
    long thread does not walk its state again; it is checked against the database on every use.
    Example: lgtt cache clear
    """
    with handled(ctx):
        if action != "clear":
            raise UsageError(f"unknown cache action {action!r}", "use `lgtt cache clear`")
        from lgtt.api import clear_cache

        done = clear_cache()
        if as_json:
            from lgtt.render.jsonout import emit

            emit(done.to_json(), plain=True)
            return
        from lgtt.escape import visible

        print(visible(f"removed {done.files} cache file(s), {done.bytes} bytes, from {done.folder}", one_line=True))


@app.command()
def ui(
    ctx: typer.Context,
    thread: str | None = typer.Argument(None, help="Open this thread at its head (default: the thread list)."),
) -> None:
    """The interactive debugger: walk a thread's checkpoints, diff, fork, resume (keys: ?).

    Example: lgtt --db app.sqlite --graph app.py:graph ui chat-1
    """
    with handled(ctx) as st:
        db = st.open()
        if thread is not None:
            db.checkpoint_ids(thread)  # an unknown thread is one error line, before the screen opens
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("lgtt ui needs a terminal", "run it in a terminal; scripts can use the other commands")
        from lgtt.api import Debugger, open_store

        first = [db]

        def open_db() -> Any:  # the reading Debugger first, then a fresh one per write action
            if first:
                return first.pop()
            return Debugger(open_store(st.db, saver=db.store.saver() if st.saver_spec else None, graph=db.graph,
                                       cache=st.cache), db.graph)

        from lgtt.tui import run_ui

        run_ui(open_db, thread)


def main() -> None:
    # A short-lived process that builds many small dicts: collect cycles rarely (about 30%
    # of a 10,000-row timeline is otherwise spent in the cyclic GC).
    gc.set_threshold(200_000, 50, 100)
    import signal

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    app(prog_name="lgtt")
