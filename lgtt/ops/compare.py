"""`lgtt compare`: two threads' current paths, their common prefix and where they diverge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lgtt.ops.diff import Diff, diff_views


@dataclass
class PathSummary:
    """What a thread did after the divergence point."""

    thread_id: str
    length: int
    entries: list[Any]  # TimelineEntry after the divergence point
    status: str
    head_id: str
    pruned: int = 0  # positions at the start of the path that prune deleted

    @property
    def nodes(self) -> list[str]:
        return [n for e in self.entries for n in e.nodes]

    @property
    def steps(self) -> int:
        return len(self.entries)

    def to_json(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "path_length": self.length, "head_id": self.head_id,
                "status": self.status, "steps": self.steps, "nodes": self.nodes, "pruned": self.pruned}


@dataclass
class Comparison:
    a: PathSummary
    b: PathSummary
    common: int
    same_ids: int  # how many of the common checkpoints are the very same checkpoint
    divergence_ids: list[str | None]
    at_divergence: Diff | None
    at_heads: Diff
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.common == self.a.length == self.b.length

    def to_json(self) -> dict[str, Any]:
        return {
            "thread_a": self.a.thread_id, "thread_b": self.b.thread_id,
            "common": self.common, "common_same_checkpoint": self.same_ids,
            "divergence_index": self.common, "divergence_checkpoint_ids": self.divergence_ids,
            "identical": self.identical,
            "a": self.a.to_json(), "b": self.b.to_json(),
            "only_a": [e.to_json() for e in self.a.entries],
            "only_b": [e.to_json() for e in self.b.entries],
            "diff_at_divergence": None if self.at_divergence is None else self.at_divergence.ops,
            "diff_at_heads": self.at_heads.ops,
            "notes": self.notes + sorted(set((self.at_divergence.notes if self.at_divergence else [])
                                              + self.at_heads.notes)),
        }


def head_path(db: Any, thread_id: str) -> list[Any]:
    """Timeline entries from the first checkpoint to the head, following parent links."""
    return [e for e in db.timeline(thread_id).entries if e.on_head_path]


def _status(entry: Any) -> str:
    if entry.errors:
        return "error"
    if entry.interrupts:
        return "interrupted"
    return "pending" if entry.next else "done"


def pruned_offset(path: list[Any]) -> int:
    """How many positions prune took from the start of a path: its first checkpoint has no parent
    but a step past the first (`step` is -1 at a path's first checkpoint and +1 at each next one)."""
    first = path[0] if path else None
    if first is None or first.parent_id is not None or not isinstance(first.step, int) or first.step < 0:
        return 0
    return first.step + 1


def compare_threads(db: Any, thread_a: str, thread_b: str) -> Comparison:
    pa, pb = head_path(db, thread_a), head_path(db, thread_b)
    off_a, off_b = pruned_offset(pa), pruned_offset(pb)
    start = max(off_a, off_b)  # the first position both paths still hold
    notes = [f"{t}'s first {off} checkpoint(s) were pruned; positions count from its original start"
             for t, off in ((thread_a, off_a), (thread_b, off_b)) if off]
    same_ids = 0
    common = start
    views: dict[tuple[str, int], Any] = {}

    def view(thread: str, e: Any) -> Any:
        if (thread, e.index) not in views:
            views[(thread, e.index)] = db.show(thread, e.index)
        return views[(thread, e.index)]

    for ea, eb in zip(pa[start - off_a:], pb[start - off_b:], strict=False):
        if ea.checkpoint_id == eb.checkpoint_id:
            same_ids += 1
        elif not (ea.next == eb.next and view(thread_a, ea).to_json()["values"] == view(thread_b, eb).to_json()["values"]):
            break
        common += 1
    end_a, end_b = off_a + len(pa), off_b + len(pb)
    if start >= min(end_a, end_b):
        common = 0
        notes.append(f"after pruning the paths share no position ({thread_a} holds {off_a}..{end_a - 1}, "
                     f"{thread_b} {off_b}..{end_b - 1}): their common prefix cannot be known")
    elif start:
        if common > start:
            notes.append(f"the first {start} position(s) are counted as common: the checkpoints both threads "
                         f"still hold agree from position {start} on (values and next are cumulative)")
        else:
            notes.append(f"the threads differ at the first position both still hold ({start}); "
                         "they may have diverged earlier, in pruned checkpoints")
    div_a = pa[common - off_a] if off_a <= common < end_a else None
    div_b = pb[common - off_b] if off_b <= common < end_b else None
    at_div = diff_views(view(thread_a, div_a), view(thread_b, div_b)) if div_a and div_b else None
    at_heads = diff_views(view(thread_a, pa[-1]), view(thread_b, pb[-1]))
    return Comparison(
        a=PathSummary(thread_a, off_a + len(pa), pa[max(common - off_a, 0):], _status(pa[-1]), pa[-1].checkpoint_id,
                      off_a),
        b=PathSummary(thread_b, off_b + len(pb), pb[max(common - off_b, 0):], _status(pb[-1]), pb[-1].checkpoint_id,
                      off_b),
        common=common, same_ids=same_ids,
        divergence_ids=[div_a.checkpoint_id if div_a else None, div_b.checkpoint_id if div_b else None],
        at_divergence=at_div, at_heads=at_heads, notes=notes,
    )
