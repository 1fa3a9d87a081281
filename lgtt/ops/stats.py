"""`stats`: how big the database is, which threads and which state keys take the space.

Aggregate SQL only; per-key sizes on SQLite come from a sample of checkpoints whose
msgpack values are measured (skipped over), never decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lgtt.errors import LgttError
from lgtt.ops.check import is_internal

TOP_THREADS = 10
SAMPLE = 200


@dataclass
class KeySize:
    key: str
    bytes: int
    values: int  # how many values were measured (sampled checkpoints holding it / stored versions)
    avg_bytes: int
    max_bytes: int


@dataclass
class Stats:
    backend: str
    db: str
    size_bytes: int
    threads: int
    checkpoints: int
    writes: int
    blobs: int | None
    checkpoint_bytes_avg: int
    checkpoint_bytes_total: int
    largest_checkpoint: dict[str, Any] | None
    top_threads: list[dict[str, Any]]
    keys: list[KeySize]
    internal_keys: list[KeySize]
    key_sizes_from: str
    sampled: int | None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def ks(items: list[KeySize]) -> list[dict[str, Any]]:
            return [vars(k).copy() for k in items]

        return {
            "backend": self.backend, "db": self.db, "size_bytes": self.size_bytes, "threads": self.threads,
            "checkpoints": self.checkpoints, "writes": self.writes, "blobs": self.blobs,
            "checkpoint_bytes_avg": self.checkpoint_bytes_avg, "checkpoint_bytes_total": self.checkpoint_bytes_total,
            "largest_checkpoint": self.largest_checkpoint, "top_threads": self.top_threads,
            "keys": ks(self.keys), "internal_keys": ks(self.internal_keys),
            "key_sizes_from": self.key_sizes_from, "sampled": self.sampled, **self.extra,
        }


def collect_stats(store: Any, top: int = TOP_THREADS, sample: int = SAMPLE) -> Stats:
    health = store.health()
    if health is None:
        raise LgttError(f"stats reads the tables directly and does not support a {store.kind} store",
                        "pass --db with a SQLite path or a postgresql:// URL")
    raw = health.stats(store, top, sample)
    totals: dict[str, tuple[int, int, int]] = dict(raw.get("key_totals") or {})
    for key, sizes in raw["per_key"].items():
        totals[key] = (len(sizes), sum(sizes), max(sizes))
    sizes = sorted(
        (KeySize(k, total, n, round(total / n) if n else 0, mx) for k, (n, total, mx) in totals.items()),
        key=lambda k: (-k.bytes, k.key),
    )
    extra = {k: raw[k] for k in ("page_bytes", "files") if k in raw}
    # Before LangGraph 0.3 each node also had a channel named after it, and edges from START used
    # `start:NODE`: internal, like the channels that replaced them (lgtt/oldformat.py).
    old_nodes = store.node_names() if hasattr(store, "node_names") else set()

    def internal(key: str) -> bool:
        return is_internal(key) or key.startswith("start:") or key in old_nodes

    return Stats(
        backend=store.kind, db=store.display, size_bytes=raw["size_bytes"], threads=raw["threads"],
        checkpoints=raw["checkpoints"], writes=raw["writes"], blobs=raw["blobs"],
        checkpoint_bytes_avg=raw["checkpoint_bytes_avg"], checkpoint_bytes_total=raw["checkpoint_bytes_total"],
        largest_checkpoint=raw["largest_checkpoint"], top_threads=raw["top_threads"],
        keys=[k for k in sizes if not internal(k.key)], internal_keys=[k for k in sizes if internal(k.key)],
        key_sizes_from=raw["method"], sampled=raw["sampled"], extra=extra,
    )
