"""`prune` and `delete` on Redis: the plan of ops/prune.py applied with explicit keys in MULTI/EXEC.

A batch of threads (several per transaction, as on SQL) is deleted by the keys the plan names:
each deleted checkpoint's document, its write documents and write-key registry; a kept checkpoint
whose parent goes has its `parent_checkpoint_id` cleared (SQL sets it NULL); a namespace left
without checkpoints loses its latest pointer. A checkpoint or write the app puts meanwhile has a
key of its own, so it is never deleted. Sizes come from `MEMORY USAGE`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from lgtt.store.redis import client as rc
from lgtt.store.redis import keys as k
from lgtt.store.redis.health import check_thread_ids
from lgtt.store.redis.write import thread_keys

ROW_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.parent_checkpoint_id=parent",
              "$.checkpoint.ts=ts", "$.checkpoint.v=v", "$.metadata=meta")
WRITE_KEY_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.task_id=task", "$.idx=idx")


class RedisPrune:
    """The PruneBackend of ops/prune.py for a RedisStore."""

    kind = "redis"

    def __init__(self, store: Any, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        self.client = store.client if read_only else rc.connect(store.url)
        self._pipe: Any = None
        self._rows: list[Any] = []

    def all_threads(self) -> list[str]:
        return check_thread_ids(self.store)

    def thread_exists(self, thread_id: str) -> bool:
        return self.store.thread_exists(thread_id)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The batch's deletes are queued and run in one MULTI/EXEC when the batch is complete."""
        self._pipe = self.client.pipeline(transaction=True)
        try:
            yield
            if not self.read_only and len(self._pipe):
                self._pipe.execute()
        finally:
            self._pipe.reset()
            self._pipe = None

    def thread_rows(self, thread_id: str) -> list[Any]:
        from lgtt.ops.prune import CheckpointRow

        t = k.safe_id(thread_id)
        out = []
        for r in self.store._rows(k.CHECKPOINT_INDEX, k.tag("thread_id", t), ROW_FIELDS, t=t):
            meta = orjson.loads(r.get("meta") or "{}")
            meta = meta if isinstance(meta, dict) else {}
            out.append(CheckpointRow(
                ns=k.from_safe_ns(r["ns"]), checkpoint_id=r["id"],
                parent_id=k.from_safe_id(r.get("parent") or "") or None, ts=r.get("ts"),
                v=int(float(r["v"])) if r.get("v") else None, root=(meta.get("parents") or {}).get(""),
                delta="counters_since_delta_snapshot" in meta, size=0))
        self._rows = out
        return out

    def _sizes(self, keys: list[str]) -> int:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.memory_usage(key)
        return sum(n or 0 for n in pipe.execute()) if keys else 0

    def apply(self, thread_id: str, d: Any, dry_run: bool) -> tuple[int, int, int]:
        """(writes, bytes, blobs) the plan `d` removes: documents of deleted checkpoints and their writes."""
        t = k.safe_id(thread_id)
        doomed = [k.checkpoint_key(thread_id, ns, cid) for ns, cid in d.deleted]
        writes = [k.write_key(thread_id, k.from_safe_ns(w["ns"]), w["id"], w["task"], int(float(w["idx"])))
                  for w in self.store._rows(k.WRITE_INDEX, k.tag("thread_id", t), WRITE_KEY_FIELDS, t=t)
                  if (k.from_safe_ns(w["ns"]), w["id"]) in d.deleted]
        registries = [k.write_zset_key(thread_id, ns, cid) for ns, cid in d.deleted]
        nbytes = self._sizes(doomed + writes + registries)
        if not dry_run and doomed:
            for i in range(0, len(doomed + writes + registries), 1000):
                self._pipe.delete(*(doomed + writes + registries)[i:i + 1000])
            for ns, cid in d.orphaned:
                self._pipe.execute_command("JSON.SET", k.checkpoint_key(thread_id, ns, cid),
                                           "$.parent_checkpoint_id", '""')
            left = {ns for ns, _ in d.deleted} - {r.ns for r in self._rows if (r.ns, r.checkpoint_id) not in d.deleted}
            for ns in left:
                self._pipe.delete(k.latest_key(thread_id, ns))
        return len(writes), nbytes, 0

    def delete_thread(self, thread_id: str, dry_run: bool) -> tuple[int, int, int, int]:
        """(checkpoints, writes, blobs, bytes) of the whole thread; its keys go unless `dry_run`."""
        found = thread_keys(self.client, thread_id)
        checkpoints = sum(1 for key in found if key.startswith(k.CHECKPOINT_PREFIX + k.SEP))
        writes = sum(1 for key in found if key.startswith(k.WRITE_PREFIX + k.SEP))
        nbytes = self._sizes(found)
        if not dry_run and found:
            for i in range(0, len(found), 1000):
                self._pipe.delete(*found[i:i + 1000])
        return checkpoints, writes, 0, nbytes

    def size(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def finish(self) -> None:
        """Redis frees a key's memory when it is deleted: nothing to fold back."""

    def free_bytes(self) -> int | None:
        return None

    def vacuum(self, full: bool) -> None:
        """Nothing to compact: Redis returns the memory of deleted keys itself."""

    def close(self) -> None:
        if not self.read_only:
            self.client.close()
