"""The Python API behind every command: `lgtt.open(db, graph=...)`."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from lgtt.apiwords import speaks_api
from lgtt.errors import LgttError, NotFound
from lgtt.refs import resolve, split_thread_ref
from lgtt.store.base import Store


def _install_views() -> None:
    from lgtt.render.notebook import install

    install()


def _public(method: Any) -> Any:
    """An API method: errors in API words, and its result class gets its repr and notebook view."""
    import functools

    wrapped = speaks_api(method)

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = wrapped(self, *args, **kwargs)
        _install_views()
        return result
    return call


class Debugger:
    """A checkpoint database, optionally with the user's compiled graph."""

    def __init__(self, store: Store, graph: Any = None) -> None:
        self.store = store
        self.graph = graph
        self.cli = False  # the CLI sets it: errors then keep speaking of flags
        self._blocked_mark = _blocked_counts()
        self.warnings: list[str] = []  # what a command could not read (damaged rows); the CLI prints them
        self._mismatch: dict[str, Any] = {}

    def warn(self, line: str | None) -> None:
        if line and line not in self.warnings:
            self.warnings.append(line)

    # -- helpers ----------------------------------------------------------------
    @property
    def triggers(self):
        from lgtt.nextnodes import graph_triggers

        return graph_triggers(self.graph) if self.graph is not None else None

    def triggers_for(self, ns: str = ""):
        """Node triggers of the (sub)graph that writes namespace `ns`; None (inferred from channel
        names) without a graph or when the graph declares no subgraph there."""
        from lgtt.graphs import subgraph_for
        from lgtt.nextnodes import graph_triggers

        graph = subgraph_for(self.graph, ns) if self.graph is not None else None
        return graph_triggers(graph) if graph is not None else None

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]:
        ids = self.store.checkpoint_ids(thread_id, ns)
        if not ids:
            if ns and self.store.thread_exists(thread_id):
                raise NotFound(f"thread {thread_id!r} has no namespace {ns!r}", f"see `lgtt timeline {thread_id}`")
            raise NotFound(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
        return ids

    @_public
    def resolve_ns(self, thread_id: str, ns: str) -> str:
        """The full namespace `ns` names: itself, the subgraph's node name, or a unique prefix."""
        if not ns:
            return ns
        names = self.store.namespaces(thread_id)
        if ns in names:
            return ns
        matches = sorted(n for n in names if n.startswith(ns))
        if len(matches) == 1:
            return matches[0]
        if not matches:
            if not self.store.thread_exists(thread_id):
                raise NotFound(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
            known = ", ".join(sorted(names)[:5]) or "none"
            raise NotFound(f"thread {thread_id!r} has no namespace {ns!r} (namespaces: {known})",
                           f"see `lgtt timeline {thread_id}`")
        shown = ", ".join(matches[:5]) + (f" and {len(matches) - 5} more" if len(matches) > 5 else "")
        from lgtt.errors import UsageError

        raise UsageError(f"namespace {ns!r} is ambiguous in thread {thread_id!r}: {shown}",
                         "give more of the namespace (node:task id)")

    @_public
    def resolve(self, thread_id: str, ref: str, ns: str = "") -> tuple[int, str]:
        """(timeline index, checkpoint id) that `ref` names in `thread_id`."""
        ids = self.checkpoint_ids(thread_id, ns)
        i = resolve(str(ref), ids, thread_id)
        return i, ids[i]

    @_public
    def resolve_pair(self, default_thread: str, text: str) -> tuple[str, int, str]:
        """`REF` or `THREAD:REF` -> (thread, index, checkpoint id)."""
        thread, ref = split_thread_ref(text)
        if thread is not None and not self.store.thread_exists(thread):
            thread, ref = None, text  # a ':' inside a plain ref is not a thread separator
        thread = thread if thread is not None else default_thread
        i, cid = self.resolve(thread, ref)
        return thread, i, cid

    def graph_mismatch(self, thread_id: str, rows: Any = None):
        """What `thread_id` recorded that the graph does not have (a Mismatch, falsy when it matches;
        None without a graph or for an unknown thread). Bookkeeping of the head (or `rows`) and the
        thread's namespaces only, cached per thread."""
        if self.graph is None:
            return None
        if thread_id not in self._mismatch:
            from lgtt.ops.graphmatch import graph_mismatch

            if rows is None:  # the head's versions accumulate everything its path recorded: one row suffices
                head = getattr(self.store, "head_bookkeeping", None)
                rows = [r for r in [head(thread_id)] if r is not None] if head else self.store.bookkeeping(thread_id, "")
            if not rows:
                return None
            self._mismatch[thread_id] = graph_mismatch(self.graph, thread_id, rows, self.store.namespaces(thread_id))
        return self._mismatch[thread_id]

    def check_graph(self, thread_id: str, *, write: bool = False, force: bool = False) -> None:
        """Warn (reads) or refuse (writes, unless `force`) when the graph does not match the thread."""
        mismatch = self.graph_mismatch(thread_id)
        if not mismatch:
            return
        if write and not force:
            raise mismatch.refusal()
        self.warn(mismatch.warning())

    def check_types(self, thread_id: str, ref: str | int | None = None, *, what: str, ns: str = "") -> Any:
        """Refuse a write through the graph when reading what it carries back turns a stored custom type
        into plain data (the graph does not define it under the name stored). Returns the view read."""
        from lgtt.serde import BLOCKED

        mark = dict(BLOCKED.counts)
        view = self.show(thread_id, ref, ns)
        lost = BLOCKED.since(mark)
        if lost:
            raise LgttError(
                f"{what} would write values of {', '.join(lost)} back as plain dicts: the graph does not define "
                "these types under the module names the thread stored; nothing was written",
                "pass the graph as the module your app imports (--graph package.module:graph, or a file path "
                "from the app's folder)",
            )
        return view

    def blocked_types(self) -> list[str]:
        """Types the strict decoder refused to build since the last call (for one warning)."""
        import sys

        if "lgtt.serde" not in sys.modules:  # nothing was decoded: nothing was refused
            return []
        from lgtt.serde import BLOCKED

        names = BLOCKED.since(self._blocked_mark)
        self._blocked_mark = dict(BLOCKED.counts)
        return names

    # -- operations -------------------------------------------------------------
    @_public
    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None, status: Sequence[str] | str = ()):
        """Every thread, newest first (or `order="id"`: by thread id, after `after`, for keyset
        pages). `where` filters on checkpoint metadata (KEY, VALUE); `status`: only threads with
        one of these statuses (error, interrupted, pending, done, damaged)."""
        from lgtt.ops.threads import ThreadList

        return ThreadList(self.stream_threads(where, limit, order=order, after=after, status=status))

    def index(self, action: str, *, dry_run: bool = False) -> tuple[str, bool | None]:
        """`action` "create" or "drop" the optional newest-first index (Postgres only): the SQL
        statement, and whether the index exists afterwards (None on a dry run)."""
        from lgtt.errors import UsageError

        if action not in ("create", "drop"):
            raise UsageError(f"bad index action {action!r}", "use `lgtt index create` or `lgtt index drop`")
        if not hasattr(self.store, "newest_index"):
            raise UsageError("lgtt index is for Postgres databases",
                             "SQLite lists threads from its primary key and needs no extra index")
        return self.store.newest_index(action, dry_run=dry_run)

    def stream_threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                       order: str = "newest", after: str | None = None, status: Sequence[str] | str = ()):
        """`threads` one at a time, read in bounded batches: memory stays flat on any number of threads."""
        from lgtt.ops.status import DAMAGED
        from lgtt.ops.threads import damage_warning, parse_status, stream_threads

        wanted = parse_status([status] if isinstance(status, str) else list(status))
        infos = stream_threads(self.store, self.triggers, where, limit, order, after, graph=self.graph,
                               status=wanted)

        def rows():
            damaged = []
            for row in infos:
                if row.status == DAMAGED:
                    damaged.append(row)
                yield row
            self.warn(damage_warning(damaged))

        return rows()


    @_public
    def timeline(self, thread_id: str, ns: str = ""):
        """Every checkpoint of a thread's namespace, oldest first."""
        from lgtt.graphs import subgraph_for
        from lgtt.ops.timeline import build_timeline

        ns = self.resolve_ns(thread_id, ns)
        graph = subgraph_for(self.graph, ns) if self.graph is not None else None
        rows = self.store.bookkeeping(thread_id, ns)
        tl = build_timeline(self.store, thread_id, ns, self.triggers_for(ns), graph=graph, rows=rows)
        self.warn(tl.damage_warning())
        if self.graph is not None:
            self.graph_mismatch(thread_id, rows if ns == "" else None)
            self.check_graph(thread_id)
        return tl

    def follow(self, thread_id: str, ns: str = "", *, on_event: Any, until: str | None = None,
               interval: float = 0.5, timeout: float | None = None, skip_existing: bool = False) -> str:
        """Call `on_event(FollowEvent)` for the thread's rows, then for each new checkpoint, status
        change and subgraph activity, until its status is `until` (done|interrupted|error|pending)."""
        from lgtt.ops.follow import follow

        return follow(self, thread_id, ns, on_event=on_event, until=until, interval=interval, timeout=timeout,
                      skip_existing=skip_existing)

    @_public
    def show(self, thread_id: str, ref: str | int | None = None, ns: str = "", *, json_values: bool = False):
        """LangGraph's live view of the thread (no ref) or one checkpoint as recorded.
        `json_values`: without a graph, decode values straight to their JSON form (faster)."""
        from lgtt.ops.show import show_checkpoint

        ns = self.resolve_ns(thread_id, ns)
        ids = self.checkpoint_ids(thread_id, ns)
        index = len(ids) - 1 if ref is None else resolve(str(ref), ids, thread_id)
        self.check_graph(thread_id)
        return show_checkpoint(self.store, thread_id, index, ids, live=ref is None, ns=ns, graph=self.graph,
                               json_values=json_values)

    @_public
    def diff(self, thread_id: str, a: str | int, b: str | int | None = None, internal: bool = False):
        """What changed: checkpoint `a` against its parent (no `b`), or `a` -> `b` (`THREAD:REF` allowed)."""
        from lgtt.ops.diff import diff_views

        if not self.store.thread_exists(thread_id):  # even when A and B both name other threads
            raise NotFound(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
        thread_a, ia, _ = self.resolve_pair(thread_id, str(a))
        view_a = self.show(thread_a, ia, json_values=True)
        if b is None:
            parent = None
            if view_a.parent_id is not None:
                parent = self.show(thread_a, self.resolve(thread_a, view_a.parent_id)[0], json_values=True)
            return diff_views(parent, view_a, internal=internal, step=True)
        thread_b, ib, _ = self.resolve_pair(thread_id, str(b))
        return diff_views(view_a, self.show(thread_b, ib, json_values=True), internal=internal)

    @_public
    def compare(self, thread_a: str, thread_b: str):
        """Two threads' current paths side by side: common prefix, divergence, what each did after."""
        from lgtt.ops.compare import compare_threads

        return compare_threads(self, thread_a, thread_b)

    @_public
    def stats(self, top: int = 10, sample: int = 200):
        """Size of the database, the biggest threads and which state keys take the most space."""
        from lgtt.ops.stats import collect_stats

        return collect_stats(self.store, top=top, sample=sample)

    @_public
    def check(self, threads: Sequence[str] = (), rebuild: bool | None = None, progress: Any = None):
        """Integrity report (read-only). `rebuild` (default: when a graph is given) also runs graph.get_state.
        `progress(n)` is called as checkpoints are read (n at a time)."""
        from lgtt.ops.check import check

        graph = self.graph if (rebuild is None or rebuild) else None
        if rebuild and graph is None:
            raise LgttError("rebuilding values needs the graph", "pass --graph")
        return check(self.store, threads, graph=graph, progress=progress,
                     mismatch=self.graph_mismatch if self.graph is not None else None)

    @_public
    def fork(self, thread_id: str, ref: str | int, *, to: str | None = None,
             updates: dict[str, Any] | None = None, as_node: str | None = None, ns: str = "",
             force: bool = False):
        """Copy `thread_id`'s path up to `ref` into a new thread with a fresh head; edits need the graph
        (refused when the graph does not match the thread, unless `force`).
        `ns`: `ref` is a checkpoint of that subgraph namespace, and resuming the fork continues inside it."""
        from lgtt.ops.fork import fork

        return fork(self, thread_id, str(ref), to=to, updates=updates, as_node=as_node, ns=ns, force=force)

    @_public
    def prune(self, threads: Sequence[str] = (), *, keep: int | None = None, older_than: str | None = None,
              dry_run: bool = False, vacuum: bool = False, vacuum_full: bool = False, progress: Any = None):
        """Delete all but the newest `keep` checkpoints (and/or those older than e.g. "30d") of each
        thread's root namespace, with their writes, subgraph calls and unreferenced blobs.
        Returns a PruneResult (the plan when dry_run). SQLite and Postgres only."""
        from lgtt.ops.prune import prune

        return prune(self.store, threads, keep=keep, older_than=older_than, dry_run=dry_run,
                     vacuum=vacuum, vacuum_full=vacuum_full, progress=progress)

    @_public
    def delete(self, threads: Sequence[str] = (), *, where: Sequence[tuple[str, Any]] = (), dry_run: bool = False,
               vacuum: bool = False, vacuum_full: bool = False, progress: Any = None):
        """Delete whole threads (named, and/or those matching `where` as in `threads`). Returns a PruneResult."""
        from lgtt.ops.prune import delete

        targets = list(threads)
        if where:
            targets += [t.thread_id for t in self.threads(where=where)]
        return delete(self.store, targets, dry_run=dry_run, vacuum=vacuum, vacuum_full=vacuum_full, progress=progress)

    @_public
    def resume(self, thread_id: str | None = None, **kwargs: Any):
        """Run the graph forward from a thread's head (see lgtt.ops.resume.resume for options)."""
        from lgtt.ops.resume import resume

        return resume(self, thread_id, **kwargs)

    def export(self, threads: Sequence[str] = (), out: Any = None, *, where: Sequence[tuple[str, Any]] = (),
               redact: Sequence[str] = (), progress: Any = None):
        """Write threads (named, and/or matching `where`) as an export file to `out` (a binary
        file object or a path). Values travel as stored bytes. Returns a TransferResult."""
        from lgtt.ops.transfer import export_threads

        targets = self._targets(threads, where)
        if out is None or isinstance(out, (str, bytes)) or hasattr(out, "__fspath__"):
            if out is None:
                raise LgttError("export needs somewhere to write", "pass out= a path or a binary file object")
            with builtins.open(out, "wb") as f:
                return export_threads(self.store, targets, f, redact=redact, progress=progress)
        return export_threads(self.store, targets, out, redact=redact, progress=progress)

    def copy(self, threads: Sequence[str] = (), to: str | None = None, *, where: Sequence[tuple[str, Any]] = (),
             rename: str | None = None):
        """Copy threads into another database (`to`: a SQLite path or postgresql:// URL), one
        transaction per thread; an existing thread is never overwritten. Returns a TransferResult."""
        from lgtt.ops.transfer import copy_threads

        if not to:
            raise LgttError("copy needs a target database", "pass to= a SQLite path or postgresql:// URL")
        return copy_threads(self.store, self._targets(threads, where), to, rename=rename)

    def _targets(self, threads: Sequence[str], where: Sequence[tuple[str, Any]]) -> list[str]:
        targets = list(dict.fromkeys(threads))
        if where:
            targets += [t.thread_id for t in self.threads(where=where) if t.thread_id not in targets]
        return targets

    def graph_shape(self):
        """The graph's nodes and edges (`graph.get_graph()`); needs the graph."""
        from lgtt.ops.graphshape import graph_shape

        if self.graph is None:
            raise LgttError("drawing the graph needs the graph", "pass --graph (or graph= to lgtt.open)")
        return graph_shape(self.graph)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Debugger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _blocked_counts() -> dict[str, int]:
    import sys

    serde = sys.modules.get("lgtt.serde")
    return dict(serde.BLOCKED.counts) if serde is not None else {}


def open_store(db: str | None = None, *, saver: Any = None, graph: Any = None, cache: bool = True) -> Store:
    """A Store for a --db spec, a saver object, or the checkpointer of an in-process graph.
    `cache`: SQLite bookkeeping is kept in the user cache folder (see `clear_cache`)."""
    serde = None  # the stores build the default strict serializer when they first decode
    if graph is not None:
        from lgtt.serde import StrictSerializer, graph_allowlist

        serde = StrictSerializer(graph_allowlist(graph))
    if db is not None:
        from lgtt.dburl import parse_db
        from lgtt.store.registry import open_store as open_backend

        spec = parse_db(db)
        return open_backend(spec.kind, spec.target, serde, cache=cache)
    if saver is None and graph is not None:
        saver = getattr(graph, "checkpointer", None)
    if saver is None or isinstance(saver, bool):
        raise LgttError("no database given", "pass --db PATH|URL (or set LGTT_DB), or --saver module:callable")
    from lgtt.store.saver import SaverStore

    return SaverStore(saver)


def import_file(path: str, into: str, *, rename: str | None = None):
    """Write an export file's threads into `into` (SQLite path or postgresql:// URL, set up by its
    official saver); the whole file is checked first, then one transaction per thread."""
    from lgtt.ops.transfer import import_file as _import

    return _import(path, into, rename=rename)


def clear_cache(db: str | None = None):
    """Delete lgtt's bookkeeping cache: of one SQLite database (`db`), or all of it. Returns
    what was removed (`folder`, `files`, `bytes`). The cache folder is LGTT_CACHE_DIR or the
    user cache folder (~/.cache/lgtt); lgtt never keeps anything in the user's database."""
    from lgtt.store.cache import Cleared, cache_dir, clear

    if db is None:
        return clear()
    from lgtt.dburl import parse_db

    spec = parse_db(db)
    return clear(spec.target) if spec.kind == "sqlite" else Cleared(str(cache_dir()), 0, 0)


def open(db: str | None = None, *, graph: Any = None, saver: Any = None, cache: bool = True) -> Debugger:  # noqa: A001
    """Open a checkpoint database read-only.

    `db` is a SQLite path, `sqlite:///path` or `postgresql://…`; or pass `saver` (any
    BaseCheckpointSaver), or only `graph` compiled with a checkpointer (MemorySaver too).
    `graph` may be a compiled graph, a StateGraph, or a spec string like "file.py:graph".
    `cache=False`: read every SQLite row from the database, without the local bookkeeping cache.
    """
    if isinstance(graph, str):
        from lgtt.graphs import load_graph

        graph = load_graph(graph)
    elif graph is not None and not hasattr(graph, "get_state"):
        from lgtt.graphs import _as_compiled

        graph = _as_compiled(graph, type(graph).__name__)
    return Debugger(open_store(db, saver=saver, graph=graph, cache=cache), graph)
