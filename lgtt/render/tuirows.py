"""Rows of the `lgtt ui` timeline: the checkpoint tree with subgraph namespaces folded under the
root step that ran them (pure functions, no Textual)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

from lgtt.render.detail import clean

COLUMNS = ("tree", "#", "step", "source", "by", "flags", "time", "changed")
HEADERS = ("", "#", "step", "source", "by", "flags", "time", "changed")  # the tree column needs no title


@dataclass
class Row:
    key: str          # unique in the table: "<ns>|<index>"
    ns: str           # "" for the root namespace
    entry: Any        # a TimelineEntry of that namespace
    depth: int        # branch depth (root) or nesting (subgraph rows)

    @property
    def index(self) -> int:
        return self.entry.index


def row_key(ns: str, index: int) -> str:
    return f"{ns}|{index}"


def branch_depths(entries: list[Any]) -> dict[int, int]:
    """Branch number -> how far it is indented: a branch sits one level right of its parent's."""
    by_id = {e.checkpoint_id: e for e in entries}
    depth: dict[int, int] = {0: 0}
    for e in entries:
        if e.branch not in depth:
            parent = by_id.get(e.parent_id or "")
            depth[e.branch] = (depth.get(parent.branch, 0) + 1) if parent is not None else 1
    return depth


def build_rows(root: Any, expanded: set[int], subs: dict[str, Any]) -> list[Row]:
    """Root entries in id order; under an expanded entry, the entries of each subgraph namespace
    it ran (`subs` holds the loaded sub-timelines by namespace)."""
    depths = branch_depths(root.entries)
    out: list[Row] = []
    for e in root.entries:
        d = depths.get(e.branch, 0)
        out.append(Row(row_key("", e.index), "", e, d))
        if e.index in expanded:
            for sg in e.subgraphs:
                tl = subs.get(sg["ns"])
                for se in (tl.entries if tl is not None else []):
                    out.append(Row(row_key(sg["ns"], se.index), sg["ns"], se, d + 1))
    return out


def row_cells(row: Row, *, expanded: bool, marked: bool) -> list[Text]:
    """The table cells of one row; checkpoint data is cleaned of control characters."""
    e = row.entry
    if row.ns:
        tree = Text("  " * row.depth + "└ ", "blue")
        tree.append(clean(row.ns.split(":")[0]), "blue")
    else:
        tree = Text("  " * row.depth + ("●" if e.on_head_path else "○"), "bold" if e.on_head_path else "dim")
    flags = Text()
    if marked:
        flags.append("M ", "reverse")
    if getattr(e, "undecodable", False):
        flags.append("✗undecodable ", "bold red")
    if e.errors:
        flags.append(f"E{e.errors} ", "bold red")
    if e.interrupts:
        flags.append(f"I{e.interrupts} ", "bold yellow")
    if e.children > 1:
        flags.append(f"⑂{e.children} ", "magenta")
    if e.subgraphs:
        n = sum(sg["checkpoints"] for sg in e.subgraphs)
        flags.append(("▾" if expanded else "▸") + f"sub({n})", "blue")
    time = (e.created_at or "")[11:19]
    return [tree, Text(str(e.index)), Text("" if e.step is None else str(e.step)), Text(clean(e.source)),
            Text(clean(", ".join(e.nodes)), "cyan"), flags, Text(time, "dim"), Text(clean(", ".join(e.changed)))]


def thread_cells(t: Any) -> list[Text]:
    from lgtt.render.tables import STATUS_STYLE

    return [Text(clean(t.thread_id)), Text(t.status, STATUS_STYLE.get(t.status, "")),
            Text(str(t.checkpoints)), Text((t.updated_at or "")[5:16].replace("T", " "), "dim")]


MAX_WIDTHS = {"by": 28, "changed": 40}


def _flags_len(e: Any) -> int:
    n = 2 + (13 if getattr(e, "undecodable", False) else 0)  # room for the mark (and the damage flag)
    for count, extra in ((e.errors, 2), (e.interrupts, 2)):
        if count:
            n += len(str(count)) + extra
    if e.children > 1:
        n += len(str(e.children)) + 2
    if e.subgraphs:
        n += len(str(sum(sg["checkpoints"] for sg in e.subgraphs))) + 6
    return n


def column_widths(rows: list[Row]) -> list[int]:
    """Each column's width over every row, from plain lengths of the distinct values (no Text is
    built; long node and changed-key lists are capped and end in an ellipsis)."""
    from rich.cells import cell_len

    def widest(values: Any) -> int:
        return max((cell_len(v) for v in set(values)), default=0)

    entries = [r.entry for r in rows]
    tree = max((2 * r.depth + (2 + cell_len(r.ns.split(":")[0]) if r.ns else 1) for r in rows), default=0)
    flagged = [e for e in entries if e.errors or e.interrupts or e.children > 1 or e.subgraphs
               or getattr(e, "undecodable", False)]
    cells = (tree, widest(str(e.index) for e in entries), widest(str(e.step) for e in entries),
             widest(e.source for e in entries), widest(", ".join(e.nodes) for e in entries),
             max((_flags_len(e) for e in flagged), default=2), 8 if any(e.created_at for e in entries) else 0,
             widest(", ".join(e.changed) for e in entries))
    return [min(max(cell_len(h), w), MAX_WIDTHS.get(c, 10**6)) for c, h, w in zip(COLUMNS, HEADERS, cells, strict=True)]
