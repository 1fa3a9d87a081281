"""Rich tables and trees for people; layout only, no logic."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from lgtt.jsonform import to_jsonable

STATUS_STYLE = {"error": "bold red", "interrupted": "bold yellow", "pending": "cyan", "done": "green"}
MAX_VALUE = 400


def console() -> Console:
    """Rich console; wide when piped (Rich would assume 80 columns), so tables stay readable in logs."""
    import sys

    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def threads_table(rows: list[Any]) -> Table:
    t = Table(title=f"{len(rows)} thread(s)", title_justify="left")
    for col in ("thread", "checkpoints", "updated", "step", "status", "next"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r.thread_id, str(r.checkpoints), r.updated_at[:19].replace("T", " "),
                  "" if r.step is None else str(r.step), Text(r.status, STATUS_STYLE.get(r.status, "")),
                  ", ".join(r.next))
    return t


def timeline_table(tl: Any, entries: list[Any], hidden: int) -> Table:
    title = f"thread {tl.thread_id}" + (f" ns {tl.ns}" if tl.ns else "") + f": {len(tl.entries)} checkpoints"
    if tl.branches > 1:
        title += f", {tl.branches} branches (* = on the head's path)"
    t = Table(title=title, title_justify="left", caption=f"{hidden} older row(s) hidden; --all or --limit N" if hidden else None)
    for col in ("#", "id", "br", "step", "source"):
        t.add_column(col, no_wrap=True)
    for col in ("by", "changed", "next", "flags"):
        t.add_column(col, overflow="fold")
    for e in entries:
        flags = []
        if e.errors:
            flags.append(Text(f"error×{e.errors}", "bold red"))
        if e.interrupts:
            flags.append(Text(f"interrupt×{e.interrupts}", "bold yellow"))
        if getattr(e, "next_incomplete", False):
            flags.append(Text("next needs --graph", "dim"))
        if e.children > 1:
            flags.append(Text(f"splits→{e.children}", "magenta"))
        for sg in e.subgraphs:
            flags.append(Text(f"subgraph {sg['ns'].split(':')[0]} ({sg['checkpoints']})", "blue"))
        branch = f"{e.branch}{'*' if e.on_head_path and tl.branches > 1 else ''}"
        t.add_row(str(e.index), e.short_id, branch, "" if e.step is None else str(e.step), e.source,
                  ", ".join(e.nodes), ", ".join(e.changed), ", ".join(e.next), Text(" ").join(flags))
    return t


def timeline_tree(tl: Any) -> Tree:
    """The thread's checkpoint tree: a line continues at its level, a later sibling opens a branch."""
    root = Tree(f"thread {tl.thread_id}")
    node: dict[str, Tree] = {}
    holder: dict[str, Tree] = {}
    first_child: dict[str, str] = {}
    for e in tl.entries:
        label = Text(f"{e.index} {e.short_id} step {e.step} {e.source}")
        if e.nodes:
            label.append(f" by {', '.join(e.nodes)}", "cyan")
        if e.next:
            label.append(f" → {', '.join(e.next)}", "dim")
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
    head = Text.assemble((f"thread {view.thread_id}", "bold"), f"  checkpoint {view.index} ",
                         (view.checkpoint_id, "dim"), f"  ({kind})")
    out: list[Any] = [head]
    meta = view.metadata
    out.append(Text(f"step {meta.get('step')}  source {meta.get('source')}  created {view.created_at}  "
                    f"parent {view.parent_id or '-'}"))
    vals = Table(title="values", title_justify="left", show_header=True)
    vals.add_column("key", style="bold")
    vals.add_column("value", overflow="fold")
    for k, v in view.values.items():
        vals.add_row(k, value_text(v, full))
    for k in view.not_rebuilt:
        vals.add_row(k, Text("(DeltaChannel: not rebuilt without --graph)", "yellow"))
    if internal:
        for k, v in view.internal.items():
            vals.add_row(Text(k, "dim"), value_text(v, full))
    out.append(vals)
    out.append(Text(f"next: {', '.join(view.next) if view.next else '(nothing: done)'}"))
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
    out.append(Text("metadata: " + value_text(meta, full), "dim"))
    for note in view.notes:
        out.append(Text("note: " + note, "yellow"))
    return out


def fork_summary(result: Any, resume_cmd: str) -> Text:
    """What `lgtt fork` made, and how to go on."""
    src = result.forked_from
    out = Text()
    out.append(f"forked {src['thread_id']} at {src['index']} ({src['checkpoint_id']})\n", "bold")
    out.append(f"  new thread  {result.thread_id}  ({result.copied} checkpoints copied)\n")
    if getattr(result, "checkpoint_ns", ""):
        out.append(f"  namespace   {result.checkpoint_ns}  (resuming continues inside this subgraph)\n")
    out.append(f"  head        {result.checkpoint_id}  step {result.step}\n")
    out.append(f"  next        {', '.join(result.next) or '(nothing: done)'}\n")
    if result.edited:
        out.append(f"  edited      {', '.join(result.edited)}\n", "yellow")
    out.append(f"resume with: {resume_cmd}", "green")
    return out
