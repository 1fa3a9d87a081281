"""What every backend returns, and the interface the operations call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

# Special write channels (langgraph.constants) that decide a checkpoint's status.
ERROR = "__error__"
INTERRUPT = "__interrupt__"
RESUME = "__resume__"
TASKS = "__pregel_tasks"


@dataclass
class Bookkeeping:
    """A checkpoint's cheap facts: ids, metadata and versions, without the state values.

    `present` is the set of channels holding a value (None when the backend could not
    tell without decoding, see `scan.py`); `internal` holds the decoded values of the
    few internal channels that decide `next` (joins and Send packets). A row that does
    not decode has `damage` set and empty versions.
    """

    checkpoint_id: str
    parent_id: str | None
    ns: str
    metadata: dict[str, Any]
    ts: str
    v: int
    channel_versions: dict[str, Any]
    versions_seen: dict[str, dict[str, Any]]
    updated_channels: list[str] | None
    present: set[str] | None = None
    internal: dict[str, Any] = field(default_factory=dict)
    # Formats before v4 (see lgtt/oldformat.py): the Send packets stored beside the channels, and
    # after migration the nodes whose successors only the graph knows.
    pending_sends: list[Any] | None = None
    unknown_successors: list[str] = field(default_factory=list)
    damage: str | None = None  # why the row cannot be read (undecodable bytes, bad metadata or versions)

    @property
    def source(self) -> str:
        return str(self.metadata.get("source", ""))

    @property
    def step(self) -> int | None:
        step = self.metadata.get("step")
        return step if isinstance(step, int) else None


@dataclass
class ThreadRow:
    """One thread as `threads` lists it: its root-namespace head and size."""

    thread_id: str
    checkpoints: int
    head: Bookkeeping
    head_writes: list[tuple[str, str]]  # distinct (task_id, channel) of the head's pending writes


@dataclass
class WriteRow:
    """One pending write, decoded."""

    task_id: str
    channel: str
    value: Any
    task_path: str = ""
    idx: int = 0


class Store(Protocol):
    """The read interface every backend offers (SQLite, Postgres, any saver)."""

    kind: str
    display: str

    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None) -> Iterable[ThreadRow]:
        """Threads, newest first (by head checkpoint id) or, with order="id", by thread id after
        `after`; produced in bounded batches (only each head's bookkeeping is read)."""
        ...

    def thread_exists(self, thread_id: str) -> bool: ...

    def bookkeeping(self, thread_id: str, ns: str = "") -> list[Bookkeeping]:
        """Every checkpoint of one namespace of a thread, oldest first (by id)."""
        ...

    def complete(self, thread_id: str, rows: Sequence[Bookkeeping]) -> None:
        """Fill `present` and `internal` of rows whose `present` is None."""
        ...

    def special_writes(self, thread_id: str, ns: str, checkpoint_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """checkpoint id -> (task_id, channel) of its error/interrupt/resume writes and the null task's writes."""
        ...

    def task_paths(self, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
        """Task paths of one checkpoint's pending writes (empty where the backend does not keep them)."""
        ...

    def namespaces(self, thread_id: str) -> dict[str, tuple[int, str | None]]:
        """Non-root namespace -> (checkpoints, root checkpoint id it ran under)."""
        ...

    def get_tuple(self, thread_id: str, ns: str, checkpoint_id: str | None) -> CheckpointTuple | None:
        """A checkpoint fully decoded by LangGraph's own saver code."""
        ...

    def saver(self) -> BaseCheckpointSaver:
        """A read-only saver over the same connection, for graph.get_state."""
        ...

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]: ...

    def iter_threads(self) -> Iterator[str]: ...

    def close(self) -> None: ...
