"""Result objects in a notebook or REPL: a one-line repr, and the CLI's tables through Rich
(`__rich_console__`) or HTML (`_repr_html_`, what Jupyter shows). Attached to the ops classes by lgtt.api."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

NOTEBOOK_WIDTH = 120


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- one-line reprs ----------------------------------------------------------------------------
def _r_threads(x: Any) -> str:
    shown = ", ".join(f"{t.thread_id} ({t.status})" for t in x[:5]) + (", …" if len(x) > 5 else "")
    return f"<ThreadList {_plural(len(x), 'thread')}: {shown}>"


def _r_thread(x: Any) -> str:
    return f"<ThreadInfo {x.thread_id}: {x.status}, {_plural(x.checkpoints, 'checkpoint')}, step {x.step}>"


def _r_timeline(x: Any) -> str:
    ns = f" ns {x.ns}" if x.ns else ""
    head = f", head {x.head.short_id} step {x.head.step}" if x.entries else ""
    return f"<Timeline {x.thread_id}{ns}: {_plural(len(x.entries), 'checkpoint')}{head}, {x.branches} branch(es)>"


def _r_entry(x: Any) -> str:
    return f"<TimelineEntry {x.index} {x.short_id} step {x.step} {x.source} by {', '.join(x.nodes) or '-'}>"


def _r_view(x: Any) -> str:
    kind = "live" if x.live else "recorded"
    return (f"<CheckpointView {x.thread_id} #{x.index} {x.checkpoint_id} ({kind}): keys {', '.join(x.values) or '-'}; "
            f"next {', '.join(x.next) or '-'}>")


def _r_diff(x: Any) -> str:
    return f"<Diff {x.summary}>"


def _r_compare(x: Any) -> str:
    return f"<Comparison {x.a.thread_id} vs {x.b.thread_id}: common prefix {x.common}, identical={x.identical}>"


def _r_stats(x: Any) -> str:
    return f"<Stats {x.backend}: {x.size_bytes} bytes, {_plural(x.threads, 'thread')}, {_plural(x.checkpoints, 'checkpoint')}>"


def _r_check(x: Any) -> str:
    state = "ok" if x.ok else _plural(len(x.problems), "problem")
    return f"<CheckReport {state} in {_plural(x.threads, 'thread')}, {_plural(x.checkpoints, 'checkpoint')}>"


def _r_fork(x: Any) -> str:
    return f"<ForkResult {x.thread_id} from {x.forked_from['thread_id']}#{x.forked_from['index']}, head step {x.step}>"


def _r_resume(x: Any) -> str:
    return f"<ResumeResult {x.thread_id}: {x.status} ({x.action}), {_plural(len(x.steps), 'step')}>"


def _r_prune(x: Any) -> str:
    dry = " (dry run)" if x.dry_run else ""
    return f"<PruneResult {x.action}{dry}: {_plural(x.checkpoints_deleted, 'checkpoint')} in {_plural(len(x.threads), 'thread')}>"


# -- renderables (the CLI's views) -------------------------------------------------------------
def _v_threads(x: Any, width: int | None = None) -> Any:
    from lgtt.render.tables import threads_table

    return threads_table(list(x), width=width)


def _v_timeline(x: Any, width: int | None = None) -> Any:
    from lgtt.render.tables import timeline_table

    rows, hidden = x.page(20)
    return timeline_table(x, rows, hidden, width=width)


def _v_view(x: Any) -> Any:
    from lgtt.render.tables import show_view

    return Group(*show_view(x, full=False, internal=False))


def _v_diff(x: Any) -> Any:
    from lgtt.render.diffview import diff_view

    return diff_view(x)


def _v_compare(x: Any) -> Any:
    from lgtt.render.diffview import compare_view

    return compare_view(x)


def _v_stats(x: Any) -> Any:
    from lgtt.render.health import stats_view

    return stats_view(x)


def _v_check(x: Any) -> Any:
    from lgtt.render.health import check_lines

    return Group(*check_lines(x))


def _v_fork(x: Any) -> Any:
    from lgtt.render.tables import fork_summary

    return fork_summary(x, f"db.resume({x.thread_id!r})")


def _v_resume(x: Any) -> Any:
    out = Text(f"{x.action}: thread {x.thread_id} {x.status} at {x.checkpoint_id}\n", "bold")
    for s in x.steps:
        out.append(f"  {'✗' if s.error else '⏸' if s.interrupted else '✓'} {s.node}  {s.duration:.3f}s"
                   f"{'  changed: ' + ', '.join(s.changed) if s.changed else ''}\n")
    if x.error:
        out.append(f"error: {x.error}\n", "red")
    return out


def _v_prune(x: Any) -> Any:
    from lgtt.render.prune import prune_view

    return prune_view(x)


def html(renderable: Any) -> str:
    """A renderable as self-contained HTML (inline styles), as wide as a notebook cell."""
    import io

    from rich.console import Console

    con = Console(record=True, width=NOTEBOOK_WIDTH, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    con.print(renderable)
    return con.export_html(inline_styles=True, code_format='<pre style="font-family: monospace; '
                           'line-height: 1.2">{code}</pre>')


def _attach(cls: type, rep: Any, view: Any = None) -> None:
    import inspect

    cls.__repr__ = rep  # type: ignore[method-assign]
    if view is None:
        return
    sized = "width" in inspect.signature(view).parameters

    def rich_console(self: Any, console: Any, options: Any) -> Any:  # Rich's protocol: the width is known here
        yield view(self, width=options.max_width) if sized else view(self)

    cls.__rich_console__ = rich_console  # type: ignore[attr-defined]
    cls._repr_html_ = lambda self: html(view(self, width=NOTEBOOK_WIDTH) if sized else view(self))  # type: ignore[attr-defined]


_CLASSES = (
    ("lgtt.ops.threads", "ThreadList", _r_threads, _v_threads), ("lgtt.ops.threads", "ThreadInfo", _r_thread, None),
    ("lgtt.ops.timeline", "Timeline", _r_timeline, _v_timeline),
    ("lgtt.ops.timeline", "TimelineEntry", _r_entry, None),
    ("lgtt.ops.show", "CheckpointView", _r_view, _v_view), ("lgtt.ops.diff", "Diff", _r_diff, _v_diff),
    ("lgtt.ops.compare", "Comparison", _r_compare, _v_compare), ("lgtt.ops.stats", "Stats", _r_stats, _v_stats),
    ("lgtt.ops.check", "CheckReport", _r_check, _v_check), ("lgtt.ops.fork", "ForkResult", _r_fork, _v_fork),
    ("lgtt.ops.resume", "ResumeResult", _r_resume, _v_resume), ("lgtt.ops.prune", "PruneResult", _r_prune, _v_prune),
)
_done: set[str] = set()


def install() -> None:
    """Give the API's result classes their repr and notebook views: those whose module is loaded
    (so opening a database imports nothing more); cheap to call again after each API call."""
    import sys

    for module, name, rep, view in _CLASSES:
        key = f"{module}.{name}"
        if key in _done or module not in sys.modules:
            continue
        cls = getattr(sys.modules[module], name, None)
        if cls is not None:
            _attach(cls, rep, view)
            _done.add(key)
