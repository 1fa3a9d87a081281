"""Rich tables and trees for people; layout only, no logic."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from lgtt.escape import visible
from lgtt.jsonform import to_jsonable
from lgtt.render.console import console, safe

__all__ = ["console", "threads_table", "timeline_table", "timeline_tree", "show_view", "fork_summary"]

STATUS_STYLE = {"error": "bold red", "interrupted": "bold yellow", "pending": "cyan", "done": "green",
                "damaged": "bold red"}
MAX_VALUE = 400


NARROW = 120


def narrow_style(width: int | None = None) -> dict[str, Any]:
    """On a narrow terminal (or `width`), tables without vertical rules, so the text gets the columns."""
    from rich import box

    if (width or console().width) >= NARROW:
        return {}
    return {"box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False, "padding": (0, 1, 0, 0)}


def threads_table(rows: list[Any], width: int | None = None) -> Table:
    from lgtt.render.times import stamp

    t = Table(title=f"{len(rows)} thread(s)", title_justify="left", **narrow_style(width))
    t.add_column("thread", overflow="fold")
    for col in ("checkpoints", "updated", "step", "status"):
        t.add_column(col, no_wrap=True)
    t.add_column("next", overflow="ellipsis")  # wrapped at ", "; a name too long is shortened, never split
    for r in rows:
        t.add_row(r.thread_id, str(r.checkpoints), stamp(r.updated_at),
                  "" if r.step is None else str(r.step), safe(r.status, STATUS_STYLE.get(r.status, "")),
                  ", ".join(r.next))
    return t


def timeline_table(tl: Any, entries: list[Any], hidden: int, width: int | None = None) -> Table:
    from lgtt.render.times import clock, one_day, stamp, zone_name

    title = f"thread {tl.thread_id}" + (f" ns {tl.ns}" if tl.ns else "") + f": {len(tl.entries)} checkpoints"
    if tl.branches > 1:
        title += f", {tl.branches} branches (* = on the head's path)"
    with_date = not one_day([e.created_at for e in entries])
    if entries:
        day = "" if with_date else " on " + stamp(entries[-1].created_at)[:10]
        title += f", times {zone_name(entries[-1].created_at)}{day}"
    t = Table(title=title, title_justify="left", caption=f"{hidden} older row(s) hidden; --all or --limit N" if hidden else None,
              **narrow_style(width))
    branched = tl.branches > 1
    for col in ("#", "id", *(("br",) if branched else ()), "time", "step", "source"):
        t.add_column(col, no_wrap=True)
    # lists wrap at ", " and a name too long for its column is shortened with "…", never split mid-word
    for col in ("by", "changed", "next", "flags"):
        t.add_column(col, overflow="ellipsis")
    for e in entries:
        flags = []
        if e.undecodable:
            flags.append(safe("undecodable", "bold red"))
        if e.errors:
            flags.append(safe(f"error×{e.errors}", "bold red"))
        if e.interrupts:
            flags.append(safe(f"interrupt×{e.interrupts}", "bold yellow"))
        if getattr(e, "next_incomplete", False):
            flags.append(safe("next needs --graph", "dim"))
        if e.children > 1:
            flags.append(safe(f"splits→{e.children}", "magenta"))
        for sg in e.subgraphs:
            flags.append(safe(f"subgraph {sg['ns']} ({sg['checkpoints']})", "blue"))
        branch = (f"{e.branch}{'*' if e.on_head_path else ''}",) if branched else ()
        t.add_row(str(e.index), e.short_id, *branch, clock(e.created_at, with_date),
                  "" if e.step is None else str(e.step), e.source,
                  ", ".join(e.nodes), ", ".join(e.changed), ", ".join(e.next), Text(" ").join(flags))
    return t


def timeline_tree(tl: Any) -> Tree:
    """The thread's checkpoint tree: a line continues at its level, a later sibling opens a branch."""
    root = Tree(f"thread {tl.thread_id}")
    node: dict[str, Tree] = {}
    holder: dict[str, Tree] = {}
    first_child: dict[str, str] = {}
    for e in tl.entries:
        label = safe(f"{e.index} {e.short_id} step {e.step} {e.source}")
        if e.nodes:
            label.append(visible(f" by {', '.join(e.nodes)}"), "cyan")
        if e.next:
            label.append(visible(f" → {', '.join(e.next)}"), "dim")
        if e.on_head_path:
            label.stylize("bold")
        p = e.parent_id
        if p not in node:
            h = root
        elif first_child.setdefault(p, e.checkpoint_id) == e.checkpoint_id:
            h = holder[p]
        else:
            h = node[p]
        node[e.checkpoint_id] = h.add(label)
        holder[e.checkpoint_id] = h
    return root


def value_text(value: Any, full: bool) -> str:
    text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2 if full else None)
    if not full and len(text) > MAX_VALUE:
        return text[:MAX_VALUE] + f"… [{len(text) - MAX_VALUE} more chars, --full]"
    return text


def show_view(view: Any, *, full: bool, internal: bool) -> list[Any]:
    """Renderables for `lgtt show`."""
    kind = "live view" if view.live else "as recorded"
    head = Text.assemble((visible(f"thread {view.thread_id}"), "bold"), f"  checkpoint {view.index} ",
                         (visible(view.checkpoint_id), "dim"), f"  ({kind})")
    out: list[Any] = [head]
    meta = view.metadata
    from lgtt.render.times import stamp

    out.append(safe(f"step {meta.get('step')}  source {meta.get('source')}  created {stamp(view.created_at)}  "
                    f"parent {view.parent_id or '-'}"))
    vals = Table(title="values", title_justify="left", show_header=True)
    vals.add_column("key", style="bold")
    vals.add_column("value", overflow="fold")
    from lgtt.render.messages import is_message_list, message_text

    if isinstance(view.values, dict):
        for k, v in view.values.items():
            as_json = to_jsonable(v)
            vals.add_row(k, message_text(as_json, full) if is_message_list(as_json) else value_text(v, full))
    else:  # the functional API: the entrypoint's value as it is
        vals.add_row(safe("(value)", "italic"), value_text(view.values, full))
    for k in view.not_rebuilt:
        vals.add_row(k, safe("(DeltaChannel: not rebuilt without --graph)", "yellow"))
    if internal:
        for k, v in view.internal.items():
            vals.add_row(safe(k, "dim"), value_text(v, full))
    out.append(vals)
    out.append(safe(f"next: {', '.join(view.next) if view.next else '(nothing: done)'}"))
    if view.tasks:
        tt = Table(title="tasks", title_justify="left")
        for col in ("id", "name", "state", "error / interrupt"):
            tt.add_column(col, overflow="fold")
        for task in view.tasks:
            state = "error" if task.error else "interrupted" if task.interrupts else "done" if task.done else "to run"
            detail = task.error or "; ".join(value_text(i["value"], full) for i in task.interrupts)
            tt.add_row(task.id or "?", task.name, state, detail)
        out.append(tt)
    if view.pending_writes:
        wt = Table(title="pending writes", title_justify="left")
        for col in ("task", "channel", "value"):
            wt.add_column(col, overflow="fold")
        for w in view.pending_writes:
            if internal or not w["channel"].startswith(("branch:", "join:")):
                wt.add_row(w["task_id"][:8], w["channel"], value_text(w["value"], full))
        out.append(wt)
    out.append(safe("metadata: " + value_text(meta, full), "dim"))
    for note in view.notes:
        out.append(safe("note: " + note, "yellow"))
    return out


def fork_summary(result: Any, resume_cmd: str) -> Text:
    """What `lgtt fork` made, and how to go on."""
    src = result.forked_from
    out = Text()
    out.append(visible(f"forked {src['thread_id']} at {src['index']} ({src['checkpoint_id']})") + "\n", "bold")
    out.append(visible(f"  new thread  {result.thread_id}  ({result.copied} checkpoints copied)") + "\n")
    if getattr(result, "checkpoint_ns", ""):
        out.append(visible(f"  namespace   {result.checkpoint_ns}  (resuming continues inside this subgraph)") + "\n")
    out.append(visible(f"  head        {result.checkpoint_id}  step {result.step}") + "\n")
    out.append(visible(f"  next        {', '.join(result.next) or '(nothing: done)'}") + "\n")
    if result.edited:
        out.append(visible(f"  edited      {', '.join(result.edited)}") + "\n", "yellow")
    out.append(visible(f"resume with: {resume_cmd}"), "green")
    return out
