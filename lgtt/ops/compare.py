"""`lgtt compare`: two threads' current paths, their common prefix and where they diverge."""

from __future__ import annotations

from dataclasses import dataclass
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

    @property
    def nodes(self) -> list[str]:
        return [n for e in self.entries for n in e.nodes]

    @property
    def steps(self) -> int:
        return len(self.entries)

    def to_json(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "path_length": self.length, "head_id": self.head_id,
                "status": self.status, "steps": self.steps, "nodes": self.nodes}


@dataclass
class Comparison:
    a: PathSummary
    b: PathSummary
    common: int
    same_ids: int  # how many of the common checkpoints are the very same checkpoint
    divergence_ids: list[str | None]
    at_divergence: Diff | None
    at_heads: Diff

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
            "notes": sorted(set((self.at_divergence.notes if self.at_divergence else []) + self.at_heads.notes)),
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


def compare_threads(db: Any, thread_a: str, thread_b: str) -> Comparison:
    pa, pb = head_path(db, thread_a), head_path(db, thread_b)
    common = same_ids = 0
    views: dict[tuple[str, int], Any] = {}

    def view(thread: str, e: Any) -> Any:
        if (thread, e.index) not in views:
            views[(thread, e.index)] = db.show(thread, e.index)
        return views[(thread, e.index)]

    for ea, eb in zip(pa, pb, strict=False):
        if ea.checkpoint_id == eb.checkpoint_id:
            same_ids += 1
        elif not (ea.next == eb.next and view(thread_a, ea).to_json()["values"] == view(thread_b, eb).to_json()["values"]):
            break
        common += 1
    div_a = pa[common] if common < len(pa) else None
    div_b = pb[common] if common < len(pb) else None
    at_div = diff_views(view(thread_a, div_a), view(thread_b, div_b)) if div_a and div_b else None
    at_heads = diff_views(view(thread_a, pa[-1]), view(thread_b, pb[-1]))
    return Comparison(
        a=PathSummary(thread_a, len(pa), pa[common:], _status(pa[-1]), pa[-1].checkpoint_id),
        b=PathSummary(thread_b, len(pb), pb[common:], _status(pb[-1]), pb[-1].checkpoint_id),
        common=common, same_ids=same_ids,
        divergence_ids=[div_a.checkpoint_id if div_a else None, div_b.checkpoint_id if div_b else None],
        at_divergence=at_div, at_heads=at_heads,
    )
