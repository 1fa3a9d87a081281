"""The tasks of a step and what their writes say about them.

Task ids are derived as LangGraph's `prepare_next_tasks` derives them; a task's status is read
from its pending writes by the rules of `langgraph.pregel._task_status.read_task_statuses`: a
task is finished iff it has an output write (any channel but the control ones), its interrupts
are the ones its `__interrupt__` write holds, waiting only while it is unfinished. Writes of the
null task (`Command(update=…)`, `Command(resume=…)` for every interrupt) are input to the step,
not a task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lgtt.store.base import ERROR, INTERRUPT, RESUME, TASKS, Bookkeeping

NULL_TASK_ID = "00000000-0000-0000-0000-000000000000"
ERROR_SOURCE_NODE = "__error_source_node__"
CONTROL = frozenset((ERROR, ERROR_SOURCE_NODE, INTERRUPT, RESUME))


@dataclass
class TaskStatus:
    output: list[tuple[str, Any]] = field(default_factory=list)
    interrupts: list[Any] = field(default_factory=list)
    error: Any = None

    @property
    def finished(self) -> bool:
        return bool(self.output)

    @property
    def pending_interrupts(self) -> list[Any]:
        return [] if self.finished else self.interrupts


def task_statuses(writes: Iterable[Sequence[Any]]) -> dict[str, TaskStatus]:
    """task id -> status, from (task_id, channel[, value]) writes; the null task left out.
    Without values (timeline, threads) each `__interrupt__` write counts as one interrupt."""
    out: dict[str, TaskStatus] = {}
    for w in writes:
        task_id, chan = w[0], w[1]
        if task_id == NULL_TASK_ID:
            continue
        st = out.setdefault(task_id, TaskStatus())
        if chan == INTERRUPT:
            value = w[2] if len(w) > 2 else [None]
            st.interrupts.extend(value if isinstance(value, (list, tuple)) else [value])
        elif chan == ERROR:
            if st.error is None:
                st.error = w[2] if len(w) > 2 else True
        elif chan not in CONTROL:
            st.output.append((chan, w[2] if len(w) > 2 else None))
    return out


def null_writes(writes: Iterable[Sequence[Any]]) -> list[tuple[str, Any]]:
    """(channel, value) of the null task's state writes (its `__resume__` is not a state write)."""
    return [(w[1], w[2]) for w in writes if w[0] == NULL_TASK_ID and w[1] not in CONTROL]


def task_hash(v: int, namespace: bytes, *parts: str) -> str:
    """LangGraph's task-id hash (`_xxhash_str` for v > 1 checkpoints, else `_uuid5_str`, in
    langgraph.pregel._algo). Mirrored because importing langgraph.pregel costs ~0.4 s per
    command; tests check both agree."""
    data = b"".join(p.encode() for p in parts)
    if v > 1:
        from xxhash import xxh3_128_hexdigest

        hexd = xxh3_128_hexdigest(namespace + data)
    else:
        from hashlib import sha1

        sha = sha1(namespace, usedforsecurity=False)
        sha.update(data)
        hexd = sha.hexdigest()
    return f"{hexd[:8]}-{hexd[8:12]}-{hexd[12:16]}-{hexd[16:20]}-{hexd[20:32]}"


def task_ids(book: Bookkeeping, names: Sequence[str], triggers: Mapping[str, Sequence[str]], ns: str = "") -> list[str]:
    """The ids of the tasks `names` (as `next_nodes` lists them: Send packets first) at `book`."""
    func = partial(task_hash, book.v)
    id_bytes = bytes.fromhex(book.checkpoint_id.replace("-", ""))
    step = str((book.step if book.step is not None else -1) + 1)
    push_count = len(book.internal.get(TASKS) or ())
    out = []
    for i, name in enumerate(names):
        task_ns = f"{ns}|{name}" if ns else name
        if i < push_count:
            out.append(func(id_bytes, task_ns, step, name, "__pregel_push", str(i)))
        else:
            out.append(func(id_bytes, task_ns, step, name, "__pregel_pull", *sorted(triggers.get(name, ()))))
    return out
