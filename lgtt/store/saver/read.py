"""Any BaseCheckpointSaver (MemorySaver, Redis, Mongo…) through its public methods: general and slower."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

from lgtt.store.base import ERROR, INTERRUPT, RESUME, Bookkeeping, ThreadRow
from lgtt.store.common import from_decoded, match_values

SPECIAL = (ERROR, INTERRUPT, RESUME)
NULL_TASK_ID = "00000000-0000-0000-0000-000000000000"  # Command(update=…) writes


def _book(t: CheckpointTuple) -> Bookkeeping:
    conf = t.config["configurable"]
    parent = t.parent_config["configurable"].get("checkpoint_id") if t.parent_config else None
    return from_decoded(t.checkpoint, conf["checkpoint_id"], parent, conf.get("checkpoint_ns", ""), dict(t.metadata or {}))


class SaverStore:
    """Reads through `list` / `get_tuple` of any saver."""

    kind = "saver"

    def __init__(self, saver: BaseCheckpointSaver) -> None:
        self._saver = saver
        self.display = type(saver).__name__

    def _all(self) -> Iterator[CheckpointTuple]:
        return iter(self._saver.list(None))

    def _thread(self, thread_id: str, ns: str) -> list[CheckpointTuple]:
        rows = list(self._saver.list({"configurable": {"thread_id": thread_id, "checkpoint_ns": ns}}))
        rows = [t for t in rows if t.config["configurable"].get("checkpoint_ns", "") == ns]
        return sorted(rows, key=lambda t: t.config["configurable"]["checkpoint_id"])

    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None) -> list[ThreadRow]:
        heads: dict[str, CheckpointTuple] = {}
        counts: dict[str, int] = {}
        matched: set[str] = set()
        for t in self._all():
            conf = t.config["configurable"]
            tid = conf["thread_id"]
            if all(_meta_match(t.metadata or {}, k, v) for k, v in where):
                matched.add(tid)
            if conf.get("checkpoint_ns", ""):
                continue
            counts[tid] = counts.get(tid, 0) + 1
            if tid not in heads or conf["checkpoint_id"] > heads[tid].config["configurable"]["checkpoint_id"]:
                heads[tid] = t
        rows = [
            ThreadRow(tid, counts[tid], _book(t), list(dict.fromkeys((w[0], w[1]) for w in t.pending_writes or [])))
            for tid, t in heads.items() if tid in matched
        ]
        if order == "id":
            rows = sorted((r for r in rows if after is None or r.thread_id > after), key=lambda r: r.thread_id)
        else:
            rows.sort(key=lambda r: r.head.checkpoint_id, reverse=True)
        return rows[:limit] if limit else rows

    def thread_exists(self, thread_id: str) -> bool:
        return self._saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}) is not None or any(
            True for _ in self._saver.list({"configurable": {"thread_id": thread_id}}, limit=1))

    def bookkeeping(self, thread_id: str, ns: str = "") -> list[Bookkeeping]:
        return [_book(t) for t in self._thread(thread_id, ns)]

    def complete(self, thread_id: str, rows: Sequence[Bookkeeping]) -> None:
        """Rows decoded by the saver already know their channels."""

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]:
        return [t.config["configurable"]["checkpoint_id"] for t in self._thread(thread_id, ns)]

    def task_paths(self, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
        """A saver's CheckpointTuple carries no task paths."""
        return []

    def special_writes(self, thread_id: str, ns: str, checkpoint_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        wanted = set(checkpoint_ids)
        out: dict[str, list[tuple[str, str]]] = {}
        for t in self._thread(thread_id, ns):
            cid = t.config["configurable"]["checkpoint_id"]
            if cid in wanted:
                out[cid] = [(w[0], w[1]) for w in t.pending_writes or [] if w[1] in SPECIAL or w[0] == NULL_TASK_ID]
        return out

    def namespaces(self, thread_id: str) -> dict[str, tuple[int, str | None]]:
        out: dict[str, tuple[int, str | None]] = {}
        for t in self._saver.list({"configurable": {"thread_id": thread_id}}):
            ns = t.config["configurable"].get("checkpoint_ns", "")
            if ns:
                n, root = out.get(ns, (0, None))
                out[ns] = (n + 1, root or ((t.metadata or {}).get("parents") or {}).get(""))
        return out

    def get_tuple(self, thread_id: str, ns: str, checkpoint_id: str | None,
                  json_values: bool = False) -> CheckpointTuple | None:
        conf: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
        if checkpoint_id:
            conf["checkpoint_id"] = checkpoint_id
        return self._saver.get_tuple({"configurable": conf})

    def saver(self) -> BaseCheckpointSaver:
        return self._saver

    def iter_threads(self) -> Iterator[str]:
        seen = set()
        for t in self._all():
            tid = t.config["configurable"]["thread_id"]
            if tid not in seen:
                seen.add(tid)
                yield tid

    def writer(self) -> Any:
        """Fork through the saver's public put / put_writes."""
        from lgtt.store.saver.write import SaverWriter

        return SaverWriter(self._saver)

    def health(self) -> Any:
        """stats and check: only an InMemorySaver's storage can be read whole."""
        from lgtt.store.saver import memory

        return memory if memory.memory_saver(self) is not None else None

    def pruner(self, *, read_only: bool = False) -> Any:
        from lgtt.store.saver.memory import MemoryPrune, memory_saver

        saver = memory_saver(self)
        return MemoryPrune(saver) if saver is not None else None

    def transfer(self) -> Any:
        return None

    def latest_fork(self) -> str | None:
        """The thread of the newest fork checkpoint lgtt wrote, if any."""
        best = None
        for t in self._all():
            conf = t.config["configurable"]
            if "lgtt_fork" in (t.metadata or {}):
                if best is None or conf["checkpoint_id"] > best[0]:
                    best = (conf["checkpoint_id"], conf["thread_id"])
        return best[1] if best else None

    @contextmanager
    def run_saver(self) -> Iterator[BaseCheckpointSaver]:
        yield self._saver

    @asynccontextmanager
    async def async_run_saver(self) -> AsyncIterator[BaseCheckpointSaver]:
        yield self._saver

    def close(self) -> None:
        """The caller owns the saver."""


def _meta_match(meta: dict[str, Any], key: str, value: Any) -> bool:
    return key in meta and meta[key] in match_values(value)
