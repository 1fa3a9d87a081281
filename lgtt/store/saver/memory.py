"""`stats`, `check`, `prune` and `delete` on an in-process InMemorySaver (MemorySaver), through its
storage: `storage[thread][ns][id] = (checkpoint, metadata, parent)`, `writes[(thread, ns, id)]`,
`blobs[(thread, ns, channel, version)]`, every value a serialized (type, bytes) pair.

Values are decoded with lgtt's strict serializer, as for the databases; deletion changes the three
dicts of one thread at once, after its plan is made (no other thread sees a half-pruned thread).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from lgtt.serde import StrictSerializer
from lgtt.store.base import CheckpointRow

TYPED_EMPTY = "empty"


def is_memory_saver(saver: Any) -> bool:
    from langgraph.checkpoint.memory import InMemorySaver

    return isinstance(saver, InMemorySaver)


def memory_saver(store: Any) -> Any:
    """The InMemorySaver behind a SaverStore, or None."""
    saver = getattr(store, "_saver", None)
    return saver if saver is not None and is_memory_saver(saver) else None


def _size(typed: Any) -> int:
    return len(typed[1]) if isinstance(typed, tuple) and len(typed) == 2 and isinstance(typed[1], (bytes, bytearray)) else 0


def _rows(saver: Any, thread_id: str) -> Iterator[tuple[str, str, tuple[Any, Any, str | None]]]:
    for ns, by_id in list(saver.storage.get(thread_id, {}).items()):
        for cid, row in list(by_id.items()):
            yield ns, cid, row


def _thread_blobs(saver: Any, thread_id: str) -> list[tuple[str, str, str, Any]]:
    return [k for k in list(saver.blobs) if k[0] == thread_id]


def _thread_writes(saver: Any, thread_id: str) -> list[tuple[str, str, str]]:
    return [k for k in list(saver.writes) if k[0] == thread_id]


# -- stats ----------------------------------------------------------------------------------------
def stats(store: Any, top: int, sample: int) -> dict[str, Any]:
    saver = memory_saver(store)
    serde = StrictSerializer()
    threads = [t for t in saver.storage if saver.storage[t]]
    per_thread: list[dict[str, Any]] = []
    total_cp = 0
    count_cp = 0
    largest: dict[str, Any] | None = None
    for tid in threads:
        n = root_n = 0
        nbytes = 0
        for ns, cid, (ck, meta, _) in _rows(saver, tid):
            size = _size(ck) + _size(meta)
            n += 1
            root_n += ns == ""
            nbytes += size
            total_cp += size
            if largest is None or size > largest["bytes"]:
                largest = {"thread_id": tid, "checkpoint_ns": ns, "checkpoint_id": cid, "bytes": size}
        count_cp += n
        writes = _thread_writes(saver, tid)
        nw = sum(len(saver.writes[k]) for k in writes)
        wbytes = sum(_size(w[2]) for k in writes for w in saver.writes[k].values())
        blobs = _thread_blobs(saver, tid)
        bbytes = sum(_size(saver.blobs[k]) for k in blobs)
        per_thread.append({"thread_id": tid, "checkpoints": root_n, "checkpoints_all_ns": n, "writes": nw,
                           "blobs": len(blobs), "bytes": nbytes + wbytes + bbytes})
    key_totals: dict[str, tuple[int, int, int]] = {}
    for key in list(saver.blobs):
        typed = saver.blobs[key]
        if typed[0] == TYPED_EMPTY:
            continue
        size = _size(typed)
        n, tot, mx = key_totals.get(key[2], (0, 0, 0))
        key_totals[key[2]] = (n + 1, tot + size, max(mx, size))
    del serde
    per_thread.sort(key=lambda r: (-r["bytes"], r["thread_id"]))
    size_all = (total_cp + sum(_size(w[2]) for k in list(saver.writes) for w in saver.writes[k].values())
                + sum(_size(v) for v in list(saver.blobs.values())))
    return {
        "size_bytes": size_all,
        "threads": len(threads),
        "checkpoints": count_cp,
        "writes": sum(len(v) for v in list(saver.writes.values())),
        "blobs": sum(1 for v in list(saver.blobs.values()) if v[0] != TYPED_EMPTY),
        "checkpoint_bytes_total": total_cp,
        "checkpoint_bytes_avg": round(total_cp / count_cp) if count_cp else 0,
        "largest_checkpoint": largest,
        "top_threads": per_thread[:top],
        "per_key": {},
        "key_totals": key_totals,
        "sampled": None,
        "method": "every stored value: the serialized bytes of each channel value (each version once), in memory",
    }


# -- check ----------------------------------------------------------------------------------------
def check_thread_ids(store: Any) -> list[str]:
    saver = memory_saver(store)
    ids = {t for t in saver.storage if saver.storage[t]} | {k[0] for k in list(saver.writes)}
    return sorted(ids)


def thread_known(store: Any, thread_id: str) -> bool:
    saver = memory_saver(store)
    return bool(saver.storage.get(thread_id)) or any(k[0] == thread_id for k in list(saver.writes))


def check_thread(store: Any, thread_id: str, report: Any, internal: Any) -> None:
    """Decode every checkpoint, blob it references and write; hand the links to `report`."""
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    saver = memory_saver(store)
    serde = StrictSerializer()
    referenced: set[tuple[str, str, str, Any]] = set()
    for ns, cid, (ck, meta, parent) in _rows(saver, thread_id):
        snapshots: set[str] = set()
        versions: dict[str, Any] = {}
        try:
            cp = serde.loads_typed(ck)
            versions = dict(cp.get("channel_versions") or {})
        except Exception as exc:
            report.undecodable(thread_id, ns, cid, "checkpoint", f"{type(exc).__name__}: {exc}")
        try:
            metadata = dict(serde.loads_typed(meta) or {})
        except Exception as exc:
            report.bad_metadata(thread_id, ns, cid, f"{type(exc).__name__}: {exc}")
            metadata = {}
        missing = []
        for chan, ver in versions.items():
            key = (thread_id, ns, chan, ver)
            referenced.add(key)
            typed = saver.blobs.get(key)
            if typed is None:
                if not internal(chan):
                    missing.append(f"{chan} v{ver}")
                continue
            if typed[0] == TYPED_EMPTY:
                continue
            try:
                if isinstance(serde.loads_typed(typed), _DeltaSnapshot):
                    snapshots.add(chan)
            except Exception as exc:
                report.undecodable(thread_id, ns, cid, "blob", f"{chan} v{ver}: {type(exc).__name__}: {exc}")
        if missing:
            report.missing_blob(thread_id, ns, cid, missing)
        report.checkpoint(thread_id, ns, cid, parent, metadata, snapshots)
    orphans: dict[str, list[str]] = {}
    for key in _thread_blobs(saver, thread_id):
        if key not in referenced:
            orphans.setdefault(key[1], []).append(f"{key[2]} v{key[3]}")
    for ns, what in orphans.items():
        report.orphan_blobs(thread_id, ns, what)
    for key in _thread_writes(saver, thread_id):
        _, ns, cid = key
        for (task, idx), w in list(saver.writes[key].items()):
            report.write(thread_id, ns, cid)
            try:
                serde.loads_typed(w[2])
            except Exception as exc:
                report.undecodable(thread_id, ns, cid, "write", f"{w[1]} (task {task}, idx {idx}): {type(exc).__name__}: {exc}")


# -- prune / delete -------------------------------------------------------------------------------
class MemoryPrune:
    """The PruneBackend of an InMemorySaver (see lgtt.ops.prune)."""

    kind = "memory"

    def __init__(self, saver: Any) -> None:
        self.saver = saver
        self.serde = StrictSerializer()

    def all_threads(self) -> list[str]:
        return [t for t in list(self.saver.storage) if self.saver.storage[t]]

    def thread_exists(self, thread_id: str) -> bool:
        return bool(self.saver.storage.get(thread_id))

    def transaction(self) -> Any:
        return contextlib.nullcontext()

    def thread_rows(self, thread_id: str) -> list[Any]:
        out = []
        for ns, cid, (ck, meta, parent) in _rows(self.saver, thread_id):
            cp = self.serde.loads_typed(ck)
            md = dict(self.serde.loads_typed(meta) or {})
            counters = md.get("counters_since_delta_snapshot")
            out.append(CheckpointRow(ns, cid, parent, cp.get("ts"), cp.get("v"), (md.get("parents") or {}).get(""),
                                     bool(counters), _size(ck) + _size(meta),
                                     dict(cp.get("channel_versions") or {})))
        self._rows = out
        return out

    def apply(self, thread_id: str, d: Any, dry_run: bool) -> tuple[int, int, int]:
        saver = self.saver
        wkeys = [(thread_id, ns, cid) for ns, cid in d.deleted if (thread_id, ns, cid) in saver.writes]
        writes = sum(len(saver.writes[k]) for k in wkeys)
        wbytes = sum(_size(w[2]) for k in wkeys for w in saver.writes[k].values())
        # blobs only the deleted checkpoints reference (one no checkpoint references is left alone)
        kept: set[tuple[str, str, Any]] = set()
        gone: set[tuple[str, str, Any]] = set()
        for r in self._rows:
            refs = {(r.ns, ch, ver) for ch, ver in (r.versions or {}).items()}
            (gone if (r.ns, r.checkpoint_id) in d.deleted else kept).update(refs)
        blob_keys = [(thread_id, *k) for k in gone - kept if (thread_id, *k) in saver.blobs]
        bbytes = sum(_size(saver.blobs[k]) for k in blob_keys)
        if not dry_run and d.deleted:
            storage = saver.storage[thread_id]
            for ns, cid in d.orphaned:
                ck, meta, _ = storage[ns][cid]
                storage[ns][cid] = (ck, meta, None)
            for ns, cid in d.deleted:
                storage[ns].pop(cid, None)
            for ns in [ns for ns, by_id in storage.items() if not by_id]:
                del storage[ns]
            for k in wkeys:
                saver.writes.pop(k, None)
            for k in blob_keys:
                saver.blobs.pop(k, None)
        return writes, wbytes + bbytes, len(blob_keys)

    def delete_thread(self, thread_id: str, dry_run: bool) -> tuple[int, int, int, int]:
        saver = self.saver
        rows = list(_rows(saver, thread_id))
        wkeys = _thread_writes(saver, thread_id)
        bkeys = _thread_blobs(saver, thread_id)
        nbytes = (sum(_size(ck) + _size(meta) for _, _, (ck, meta, _) in rows)
                  + sum(_size(w[2]) for k in wkeys for w in saver.writes[k].values())
                  + sum(_size(saver.blobs[k]) for k in bkeys))
        n = (len(rows), sum(len(saver.writes[k]) for k in wkeys), len(bkeys), nbytes)
        if not dry_run:
            saver.delete_thread(thread_id)
        return n

    def size(self) -> int:
        saver = self.saver
        return (sum(_size(ck) + _size(meta) for by_ns in list(saver.storage.values()) for by_id in by_ns.values()
                    for ck, meta, _ in by_id.values())
                + sum(_size(w[2]) for ws in list(saver.writes.values()) for w in ws.values())
                + sum(_size(v) for v in list(saver.blobs.values())))

    def finish(self) -> None:
        pass

    def free_bytes(self) -> int | None:
        return None

    def vacuum(self, full: bool) -> None:
        pass

    def close(self) -> None:
        pass
