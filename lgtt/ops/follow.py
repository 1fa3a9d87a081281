"""`lgtt timeline --follow`: the rows of a thread as the app commits them.

Each poll asks for the namespace's checkpoint ids newer than the last one seen, the head's special writes (an interrupt or an
error lands on the head without a new checkpoint) and the subgraph namespaces' sizes; only when one
of them changed is the timeline read again. Every query is a single read-only statement in
autocommit mode: no transaction or lock is held between polls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lgtt.errors import NotFound, UsageError
from lgtt.ops.status import DAMAGED, DONE, ERROR_S, INTERRUPTED, PENDING, status_of

UNTIL = (DONE, INTERRUPTED, ERROR_S, PENDING)


@dataclass
class FollowEvent:
    """What a poll found: new timeline rows, a head whose status changed, subgraph growth."""

    kind: str  # "row" | "status" | "subgraph"
    entry: Any = None
    status: str | None = None
    ns: str | None = None
    checkpoints: int = 0

    def to_json(self) -> dict[str, Any]:
        if self.kind == "row":
            return {"event": "row", **self.entry.to_json(), "status": self.status}
        if self.kind == "status":
            return {"event": "status", "checkpoint_id": self.entry.checkpoint_id, "index": self.entry.index,
                    "status": self.status}
        return {"event": "subgraph", "ns": self.ns, "checkpoints": self.checkpoints}


def follow(db: Any, thread_id: str, ns: str = "", *, on_event: Callable[[FollowEvent], None],
           until: str | None = None, interval: float = 0.5, timeout: float | None = None,
           skip_existing: bool = False) -> str:
    """Report the thread's rows (the existing ones first, unless `skip_existing`) and then each change
    until the thread's status is `until` (or forever / `timeout` seconds). Returns the last status."""
    if until is not None and until not in UNTIL:
        raise UsageError(f"--until takes one of {', '.join(UNTIL)}, not {until!r}", "e.g. --until done")
    store = db.store
    shown: set[str] = set()
    last_key: tuple[Any, ...] | None = None
    status: str | None = None
    sizes: dict[str, int] = {}
    first = True
    deadline = None if timeout is None else time.monotonic() + timeout
    newer = getattr(store, "checkpoint_ids_after", None)
    ids: list[str] = []
    while True:
        if ids and newer is not None:
            ids = ids + newer(thread_id, ns, ids[-1])
        else:
            try:
                ids = db.checkpoint_ids(thread_id, ns)
            except NotFound:  # the app has not written the thread (or namespace) yet: wait for it
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                time.sleep(interval)
                continue
        head_writes = store.special_writes(thread_id, ns, [ids[-1]]).get(ids[-1], [])
        spaces = {k: v[0] for k, v in store.namespaces(thread_id).items() if k} if ns == "" else {}
        key = (len(ids), ids[-1], tuple(sorted(head_writes)), tuple(sorted(spaces.items())))
        if key != last_key:
            last_key = key
            tl = db.timeline(thread_id, ns)
            head = tl.head
            new_status = DAMAGED if head.undecodable else status_of(head.next, head_writes)
            for e in tl.entries:
                if e.checkpoint_id in shown:
                    continue
                shown.add(e.checkpoint_id)
                if not (first and skip_existing):
                    on_event(FollowEvent("row", e, new_status if e is head else None))
            if not first:
                for space, n in spaces.items():
                    if n != sizes.get(space):
                        on_event(FollowEvent("subgraph", ns=space, checkpoints=n))
                if status is not None and new_status != status and head.checkpoint_id in shown:
                    on_event(FollowEvent("status", head, new_status))
            sizes, status, first = spaces, new_status, False
            if until is not None and status == until:
                return status
        if deadline is not None and time.monotonic() >= deadline:
            return status or PENDING
        time.sleep(interval)
