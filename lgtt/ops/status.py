"""A thread's status from its head: error, interrupted, pending or done."""

from __future__ import annotations

from collections.abc import Sequence

from lgtt.store.base import ERROR, INTERRUPT

ERROR_S, INTERRUPTED, PENDING, DONE = "error", "interrupted", "pending", "done"
STATUSES = (ERROR_S, INTERRUPTED, PENDING, DONE)


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
