"""Forking on Redis: the path's documents copied as stored (nothing decoded and re-encoded), then
written with the fork head in one MULTI/EXEC, so a fork appears whole or not at all.

Documents are kept as RedisSaver writes them: `thread_id` changes, keys are built for the new
thread, each checkpoint's `has_writes` says whether its writes came along, write-key registries
(`write_keys_zset:…`) and latest pointers are written as `put` / `put_writes` do. Edits
(`update_state`) then go through the official RedisSaver on the committed fork; if they fail,
the new thread's keys are removed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from lgtt.store.base import DictCheckpoints
from lgtt.store.redis import client as rc
from lgtt.store.redis import keys as k

PARENT_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.parent_checkpoint_id=parent")
META_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.metadata=meta")
WRITE_DOC_FIELDS = ("$.thread_id=t", "$=doc")


class RedisWriter(DictCheckpoints):
    """What ops/fork.py asks of a writer, on a read-write connection of its own."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.serde = store.serde
        self.client = rc.connect(store.url)
        self._reset()

    def _reset(self) -> None:
        self._docs: dict[str, dict[str, Any]] = {}  # key -> JSON document to write
        self._zsets: dict[str, dict[str, float]] = {}
        self._strings: dict[str, str] = {}
        self._targets: set[str] = set()
        self._committed = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._reset()
        try:
            yield
            self.commit()
        except BaseException:
            if self._committed:
                for thread_id in self._targets:
                    delete_thread_keys(self.client, thread_id)
            self._reset()
            raise

    def commit(self) -> None:
        """Write everything gathered so far in one MULTI/EXEC."""
        if not (self._docs or self._zsets or self._strings):
            return
        pipe = self.client.pipeline(transaction=True)
        for key, doc in self._docs.items():
            pipe.execute_command("JSON.SET", key, "$", orjson.dumps(doc))
        for key, members in self._zsets.items():
            pipe.zadd(key, members)
        for key, value in self._strings.items():
            pipe.set(key, value)
        pipe.execute()
        self._committed = True
        self._docs, self._zsets, self._strings = {}, {}, {}

    # -- reading the source ---------------------------------------------------------------------
    def thread_exists(self, thread_id: str) -> bool:
        return self.store.thread_exists(thread_id)

    def parent_links(self, thread_id: str, ns: str = "") -> dict[str, str | None]:
        return {r["id"]: k.from_safe_id(r.get("parent") or "") or None
                for r in self.store._ns_rows(thread_id, ns, PARENT_FIELDS)}

    def namespace_rows(self, thread_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        t = k.safe_id(thread_id)
        return [(k.from_safe_ns(r["ns"]), r["id"], orjson.loads(r.get("meta") or "{}"))
                for r in self.store._rows(k.CHECKPOINT_INDEX, k.tag("thread_id", t), META_FIELDS, t=t)
                if r["ns"] != k.EMPTY_NS]

    def _get_docs(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = []
        for i in range(0, len(keys), 1000):
            raw = self.client.execute_command("JSON.MGET", *keys[i:i + 1000], "$")
            out += [rc.json_reply(r)[0] if r else None for r in raw]
        return out

    def _write_docs(self, thread_id: str, wanted: set[tuple[str, str]]) -> list[dict[str, Any]]:
        """The write documents of `thread_id` at the (ns, checkpoint id)s in `wanted`."""
        t = k.safe_id(thread_id)
        docs = []
        for r in self.store._rows(k.WRITE_INDEX, k.tag("thread_id", t), WRITE_DOC_FIELDS, t=t):
            doc = orjson.loads(r["doc"])
            if (k.from_safe_ns(doc["checkpoint_ns"]), doc["checkpoint_id"]) in wanted:
                docs.append(doc)
        return docs

    def raw_checkpoint(self, thread_id: str, ns: str, checkpoint_id: str) -> tuple[str | None, None, dict[str, Any], dict[str, Any]]:
        (doc,) = self._get_docs([k.checkpoint_key(thread_id, ns, checkpoint_id)])
        if doc is None:
            from lgtt.errors import NotFound

            raise NotFound(f"checkpoint {checkpoint_id} of {thread_id!r} is gone", "it was deleted meanwhile; list it again")
        parent = k.from_safe_id(doc.get("parent_checkpoint_id") or "") or None
        return parent, None, dict(doc["checkpoint"]), orjson.loads(doc.get("metadata") or "{}")

    # -- gathering the copy ---------------------------------------------------------------------
    def _add_write(self, dst: str, doc: dict[str, Any], checkpoint_id: str | None = None) -> None:
        ns = k.from_safe_ns(doc["checkpoint_ns"])
        cid = checkpoint_id or doc["checkpoint_id"]
        new = {**doc, "thread_id": k.safe_id(dst), "checkpoint_id": k.safe_id(cid)}
        key = k.write_key(dst, ns, cid, doc["task_id"], int(doc["idx"]))
        self._docs[key] = new
        zset = self._zsets.setdefault(k.write_zset_key(dst, ns, cid), {})
        zset[key] = float(len(zset))
        head = self._docs.get(k.checkpoint_key(dst, ns, cid))
        if head is not None:
            head["has_writes"] = True

    def _add_checkpoint(self, dst: str, ns: str, doc: dict[str, Any]) -> None:
        key = k.checkpoint_key(dst, ns, doc["checkpoint_id"])
        self._docs[key] = {**doc, "thread_id": k.safe_id(dst), "has_writes": False}
        latest = k.latest_key(dst, ns)
        if latest not in self._strings or self._strings[latest] < key:
            self._strings[latest] = key
        self._targets.add(dst)

    def copy_rows(self, src: str, dst: str, checkpoints: Sequence[tuple[str, str]], writes: Sequence[tuple[str, str]]) -> int:
        """Each checkpoint of `src` into `dst`, with the writes of those in `writes`."""
        ordered = sorted(checkpoints, key=lambda p: (p[0] != "", p[1]))
        docs = self._get_docs([k.checkpoint_key(src, ns, cid) for ns, cid in ordered])
        for (ns, cid), doc in zip(ordered, docs, strict=True):
            if doc is None:
                from lgtt.errors import LgttError

                raise LgttError(f"checkpoint {cid} of {src!r} disappeared while forking", "nothing was written; try again")
            self._add_checkpoint(dst, ns, doc)
        wanted = set(writes)
        if wanted:
            for doc in sorted(self._write_docs(src, wanted), key=lambda d: (d["task_id"], int(d["idx"]))):
                self._add_write(dst, doc)
        return len(ordered)

    def copy_null_writes(self, src: str, dst: str, ns: str, ref_id: str, head_id: str) -> int:
        """REF's Command(update=…) writes as pending writes of the fork head."""
        from lgtt.tasks import CONTROL

        docs = [d for d in self._write_docs(src, {(ns, ref_id)})
                if d["task_id"] == k.NULL_TASK_ID and d["channel"] not in CONTROL]
        for doc in sorted(docs, key=lambda d: int(d["idx"])):
            self._add_write(dst, doc, head_id)
        return len(docs)

    def insert_raw(self, thread_id: str, ns: str, checkpoint_id: str, parent: str | None,
                   type_: Any, checkpoint: dict[str, Any], metadata: dict[str, Any]) -> None:
        """A new checkpoint document as RedisSaver.put writes it (its channel values as stored)."""
        doc: dict[str, Any] = {
            "thread_id": k.safe_id(thread_id), "run_id": str(metadata.get("run_id") or ""),
            "checkpoint_ns": k.safe_ns(ns), "checkpoint_id": k.safe_id(checkpoint_id),
            "parent_checkpoint_id": k.safe_id(parent) if parent else "",
            "checkpoint_ts": dt.datetime.now(dt.timezone.utc).timestamp() * 1000,
            "checkpoint": checkpoint, "metadata": self.store.reader()._dump_metadata(metadata), "has_writes": False,
        }
        if "source" in metadata and "step" in metadata:
            doc["source"], doc["step"] = metadata["source"], metadata["step"]
        self._add_checkpoint(thread_id, ns, doc)

    def tx_saver(self) -> Any:
        """The official RedisSaver on this connection, after the fork so far is committed."""
        from langgraph.checkpoint.redis import RedisSaver
        from langgraph.checkpoint.redis.key_registry import SyncCheckpointKeyRegistry

        self.commit()
        saver = RedisSaver(redis_client=self.client)
        saver.serde = self.serde
        saver._detect_cluster_mode()
        saver._key_registry = SyncCheckpointKeyRegistry(self.client)
        return saver

    def close(self) -> None:
        self.client.close()


def thread_keys(client: Any, thread_id: str) -> list[str]:
    """Every key RedisSaver keeps for a thread: checkpoints, writes, registries, latest pointers."""
    t = k.safe_id(thread_id)
    out: list[str] = []
    namespaces = set()
    for r in rc.aggregate(client, k.CHECKPOINT_INDEX, k.tag("thread_id", t), PARENT_FIELDS):
        if r["t"] == t:
            ns = k.from_safe_ns(r["ns"])
            namespaces.add(ns)
            out += [k.checkpoint_key(thread_id, ns, r["id"]), k.write_zset_key(thread_id, ns, r["id"])]
    for r in rc.aggregate(client, k.WRITE_INDEX, k.tag("thread_id", t),
                          ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.task_id=task", "$.idx=idx")):
        if r["t"] == t:
            out.append(k.write_key(thread_id, k.from_safe_ns(r["ns"]), r["id"], r["task"], int(float(r["idx"]))))
    out += [k.latest_key(thread_id, ns) for ns in namespaces]
    return out


def delete_thread_keys(client: Any, thread_id: str) -> int:
    """Remove a thread's keys in one MULTI/EXEC; how many existed."""
    found = thread_keys(client, thread_id)
    if not found:
        return 0
    pipe = client.pipeline(transaction=True)
    for i in range(0, len(found), 1000):
        pipe.delete(*found[i:i + 1000])
    return sum(pipe.execute())
