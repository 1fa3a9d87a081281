"""Which node follows a pre-v3 node-named channel, proven from the stored writes (no graph needed).

A release before 1.0 named a task by `uuid5(checkpoint id, ns, step, node, "__pregel_pull",
*triggers that fired)`. When the thread's history does not show which node follows channel `A`
(the node never ran in it), a stored write of the step (an interrupt, an error, a finished
parallel task) whose task id equals that hash for some node name proves the node ran from `A`.
Candidate names come from the thread and the step's writes (a node writes its own channel, a join
channel names its sources) and, when that is not enough, from every node name the database's
0.2-era metadata (`writes`) records. A match is exact; no match leaves the note.
"""

from __future__ import annotations

from typing import Any

from lgtt import oldformat
from lgtt.store.base import Bookkeeping

PULL = "__pregel_pull"


def prover(store: Any, thread_id: str, history: list[Bookkeeping]) -> oldformat.Prover:
    """A `prove` callable for oldformat.upgrade over `store`'s rows of `thread_id`."""
    db_names: list[set[str]] = []

    def prove(row: Bookkeeping, unknown: list[str]) -> dict[str, set[str]]:
        tup = store.get_tuple(thread_id, row.ns, row.checkpoint_id)
        writes = (tup.pending_writes or []) if tup is not None else []
        task_ids = {t for t, _, _ in writes}
        if not task_ids:
            return {}
        names = oldformat.named_nodes(history) | _written_names(writes)
        found = _match(row, unknown, names, task_ids)
        if not found and hasattr(store, "node_names"):
            if not db_names:
                db_names.append(store.node_names())
            found = _match(row, unknown, db_names[0], task_ids)
        return found

    return prove


def _written_names(writes: list[tuple[str, str, Any]]) -> set[str]:
    """Names the step's writes mention: a node writes its own channel, a join names its sources."""
    out: set[str] = set()
    for _, chan, _ in writes:
        if chan.startswith("join:") and chan.count(":") >= 2:
            _, sources, target = chan.split(":", 2)
            out.update(sources.split("+"), [target])
        elif not chan.startswith(("__", "branch:", "start:")):
            out.add(chan)
    return out


def _match(row: Bookkeeping, unknown: list[str], names: set[str], task_ids: set[str]) -> dict[str, set[str]]:
    from lgtt.ops.show import task_hash  # show imports this module

    id_bytes = bytes.fromhex(row.checkpoint_id.replace("-", ""))
    step = str((row.step if row.step is not None else -1) + 1)
    out: dict[str, set[str]] = {}
    for name in sorted(names):
        ns = f"{row.ns}|{name}" if row.ns else name
        for chan in unknown:
            if any(task_hash(v, id_bytes, ns, step, name, PULL, chan) in task_ids for v in (1, 2)):
                out.setdefault(chan, set()).add(name)
    return out
