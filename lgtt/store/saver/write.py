"""Writes through any saver's public `put` / `put_writes` (the general, slower path)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from lgtt.store.base import DictCheckpoints


class SaverWriter(DictCheckpoints):
    """Fork support for savers lgtt has no SQL for. Not one transaction: on failure the new
    thread is removed again with `delete_thread`, so no partial thread is left behind."""

    def __init__(self, saver: BaseCheckpointSaver) -> None:
        self.saver = saver
        self.serde = saver.serde
        self._created: list[str] = []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._created = []
        try:
            yield
        except BaseException:
            for thread_id in self._created:
                try:
                    self.saver.delete_thread(thread_id)
                except NotImplementedError:
                    pass
            raise

    def _conf(self, thread_id: str, ns: str = "", checkpoint_id: str | None = None) -> dict[str, Any]:
        conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
        if checkpoint_id:
            conf["checkpoint_id"] = checkpoint_id
        return {"configurable": conf}

    def thread_exists(self, thread_id: str) -> bool:
        return any(True for _ in self.saver.list({"configurable": {"thread_id": thread_id}}, limit=1))

    def parent_links(self, thread_id: str, ns: str = "") -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for t in self.saver.list(self._conf(thread_id, ns)):
            if t.config["configurable"].get("checkpoint_ns", "") != ns:
                continue
            out[t.config["configurable"]["checkpoint_id"]] = (
                t.parent_config["configurable"]["checkpoint_id"] if t.parent_config else None)
        return out

    def namespace_rows(self, thread_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(t.config["configurable"]["checkpoint_ns"], t.config["configurable"]["checkpoint_id"], dict(t.metadata or {}))
                for t in self.saver.list({"configurable": {"thread_id": thread_id}})
                if t.config["configurable"].get("checkpoint_ns", "")]

    def copy_rows(self, src: str, dst: str, checkpoints: Sequence[tuple[str, str]], writes: Sequence[tuple[str, str]]) -> int:
        """put() each checkpoint (in id order, parents first) and put_writes() its writes into `dst`."""
        self._created.append(dst)
        with_writes = set(writes)
        for ns, cid in sorted(checkpoints, key=lambda p: (p[0] != "", p[1])):
            t = self.saver.get_tuple(self._conf(src, ns, cid))
            parent = t.parent_config["configurable"]["checkpoint_id"] if t.parent_config else None
            self.saver.put(self._conf(dst, ns, parent), t.checkpoint, t.metadata, dict(t.checkpoint["channel_versions"]))
            if (ns, cid) in with_writes:
                by_task: dict[str, list[tuple[str, Any]]] = {}
                for task_id, chan, value in t.pending_writes or []:
                    by_task.setdefault(task_id, []).append((chan, value))
                for task_id, items in by_task.items():
                    self.saver.put_writes(self._conf(dst, ns, cid), items, task_id)
        return len(checkpoints)

    def copy_null_writes(self, src: str, dst: str, ns: str, ref_id: str, head_id: str) -> int:
        """REF's Command(update=…) writes as pending writes of the fork head, through put_writes."""
        from lgtt.tasks import CONTROL, NULL_TASK_ID

        t = self.saver.get_tuple(self._conf(src, ns, ref_id))
        items = [(c, v) for tid, c, v in (t.pending_writes or []) if tid == NULL_TASK_ID and c not in CONTROL]
        if items:
            self.saver.put_writes(self._conf(dst, ns, head_id), items, NULL_TASK_ID)
        return len(items)

    def raw_checkpoint(self, thread_id: str, ns: str, checkpoint_id: str) -> tuple[str | None, None, dict[str, Any], dict[str, Any]]:
        t = self.saver.get_tuple(self._conf(thread_id, ns, checkpoint_id))
        parent = t.parent_config["configurable"]["checkpoint_id"] if t.parent_config else None
        return parent, None, copy.copy(t.checkpoint), dict(t.metadata or {})

    def insert_raw(self, thread_id: str, ns: str, checkpoint_id: str, parent: str | None,
                   type_: Any, checkpoint: dict[str, Any], metadata: dict[str, Any]) -> None:
        self.saver.put(self._conf(thread_id, ns, parent), checkpoint, metadata, dict(checkpoint["channel_versions"]))

    def tx_saver(self) -> BaseCheckpointSaver:
        return self.saver

    def close(self) -> None:
        """The caller owns the saver."""
