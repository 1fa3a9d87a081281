"""`lgtt threads`: every thread with its size, last update and status."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lgtt import oldformat
from lgtt.nextnodes import (
    START,
    Triggers,
    entry_from_task_paths,
    inferred_triggers,
    next_nodes,
    thread_entry,
)
from lgtt.ops.status import DAMAGED, DONE, PENDING, live_next, status_of
from lgtt.store.base import Store
from lgtt.tasks import task_ids, task_statuses


@dataclass
class ThreadInfo:
    thread_id: str
    checkpoints: int
    latest_checkpoint_id: str
    updated_at: str
    step: int | None
    status: str
    next: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


ORDERS = ("newest", "id")


class ThreadList(list):
    """The threads `threads` returns: a list of ThreadInfo that shows as a table in a notebook."""


def stream_threads(store: Store, triggers: Triggers | None = None, where: Sequence[tuple[str, Any]] = (),
                   limit: int | None = None, order: str = "newest", after: str | None = None,
                   graph: Any = None, status: Sequence[str] = ()) -> Iterator[ThreadInfo]:
    """Threads newest first (by head checkpoint id) or by id (`order="id"`, after `after`),
    optionally filtered by metadata; produced one by one from bounded batches. `graph` migrates
    heads of older LangGraph formats as LangGraph does."""
    if order not in ORDERS:
        from lgtt.errors import UsageError

        raise UsageError(f"bad order {order!r}", "use --by newest or --by id")
    if after is not None and order != "id":
        from lgtt.errors import UsageError

        raise UsageError("--after pages in thread-id order", "add --by id")
    shown = 0  # with `status`, the limit counts the threads that match it
    for row in store.threads(where=where, limit=None if status else limit, order=order, after=after):
        if status and limit and shown >= limit:
            return
        if row.head.damage:  # a head that cannot be read: listed, marked, never fails the batch
            nxt, state = [], DAMAGED
        elif oldformat.is_old(row.head):
            from lgtt.ops.oldtasks import prover

            history = store.bookkeeping(row.thread_id) if graph is None and row.head.v < 3 else []
            store.complete(row.thread_id, history)
            oldformat.upgrade([row.head], graph, history or None, prove=prover(store, row.thread_id, history))
            # 1.x derives other task ids for pre-1.0 steps: the head's writes say the status
            nxt = next_nodes(row.head, triggers)
            state = status_of(nxt, row.head_writes)
        else:
            nxt, state = _live(store, row, triggers)
        info = ThreadInfo(
            thread_id=row.thread_id,
            checkpoints=row.checkpoints,
            latest_checkpoint_id=row.head.checkpoint_id,
            updated_at=row.head.ts,
            step=row.head.step,
            status=oldformat.status(state, row.head),
            next=nxt,
        )
        if status and info.status not in status:
            continue
        shown += 1
        yield info


def _live(store: Store, row: Any, triggers: Triggers | None) -> tuple[list[str], str]:
    """The head's `next` and status as the live view (`get_state(thread)`) gives them: tasks of the
    head that finished are not listed."""
    entry = None
    if triggers is None:
        entry = thread_entry([row.head])
        if entry is None and START in row.head.channel_versions:
            entry = entry_from_task_paths(store.task_paths(row.thread_id, "", row.head.checkpoint_id))
    names = next_nodes(row.head, triggers, entry)
    trig = triggers if triggers is not None else inferred_triggers(row.head.channel_versions, entry)
    statuses = task_statuses(row.head_writes)
    nxt, status = live_next(names, task_ids(row.head, names, trig), statuses)
    if triggers is None and entry is None and START in names and statuses:  # entrypoint's task id unknown
        _, status = live_next(list(statuses), list(statuses), statuses)
        status = status if status != DONE else PENDING
    return nxt, status


def list_threads(store: Store, triggers: Triggers | None = None, where: Sequence[tuple[str, Any]] = (),
                 limit: int | None = None, order: str = "newest", after: str | None = None) -> list[ThreadInfo]:
    """`stream_threads` as a list."""
    return list(stream_threads(store, triggers, where, limit, order, after))


def damage_warning(rows: Sequence[ThreadInfo]) -> str | None:
    """One warning line naming the threads whose head checkpoint cannot be read."""
    bad = [r.thread_id for r in rows if r.status == DAMAGED]
    if not bad:
        return None
    shown = ", ".join(repr(t) for t in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return (f"{len(bad)} thread(s) have a head checkpoint that cannot be read (status damaged): {shown}; "
            "run `lgtt check` for details")


def parse_where(items: Sequence[str]) -> list[tuple[str, str]]:
    """`KEY=VALUE` strings as pairs."""
    from lgtt.errors import UsageError

    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"bad --where {item!r}", "use KEY=VALUE, e.g. --where user_id=u42")
        out.append((key, value))
    return out


def parse_status(items: Sequence[str]) -> list[str]:
    """`--status` values, checked against the statuses."""
    from lgtt.errors import UsageError
    from lgtt.ops.status import STATUSES

    for item in items:
        if item not in STATUSES:
            raise UsageError(f"bad --status {item!r}", f"use one of {', '.join(STATUSES)} (repeatable)")
    return list(items)
