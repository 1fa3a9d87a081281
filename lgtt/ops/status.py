"""A thread's status from its head: error, interrupted, pending or done."""

from __future__ import annotations

from collections.abc import Sequence

from lgtt.store.base import ERROR, INTERRUPT

ERROR_S, INTERRUPTED, PENDING, DONE = "error", "interrupted", "pending", "done"
DAMAGED = "damaged"  # the head checkpoint cannot be read (see `lgtt check`)
STATUSES = (ERROR_S, INTERRUPTED, PENDING, DONE, DAMAGED)


def status_of(next_nodes: Sequence[str], head_writes: Sequence[tuple[str, str]]) -> str:
    """`error` when the head has an error write, `interrupted` when it has an interrupt write
    (a step that finished would have made a newer checkpoint), `pending` when something is
    still to run, else `done`."""
    channels = {chan for _, chan in head_writes}
    if ERROR in channels:
        return ERROR_S
    if INTERRUPT in channels:
        return INTERRUPTED
    return PENDING if next_nodes else DONE


def live_next(names: Sequence[str], ids: Sequence[str], statuses: dict) -> tuple[list[str], str]:
    """What `get_state(thread)` says is still to run (tasks with no output write) and the status:
    `error` (a task of the step failed), `interrupted` (an unfinished task waits on an interrupt),
    `pending` (something still to run) or `done`."""
    remaining, error, waiting = [], False, False
    for name, tid in zip(names, ids, strict=True):
        st = statuses.get(tid)
        if st is not None and st.error is not None:
            error = True
        if st is not None and st.pending_interrupts:
            waiting = True
        if st is None or not st.finished:
            remaining.append(name)
    status = ERROR_S if error else INTERRUPTED if waiting else PENDING if remaining else DONE
    return remaining, status
