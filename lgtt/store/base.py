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


@dataclass
class CheckpointRow:
    """What planning needs of one checkpoint (no state values)."""

    ns: str
    checkpoint_id: str
    parent_id: str | None
    ts: str | None  # the checkpoint's own timestamp (None: unknown, never "older than")
    v: int | None  # checkpoint format version (None: unknown, treated as pre-v4)
    root: str | None  # metadata.parents[""]: the root checkpoint a subgraph call started from
    delta: bool  # metadata has counters_since_delta_snapshot (rebuilt from ancestors)
    size: int  # bytes of the checkpoint and metadata
    versions: dict[str, Any] | None = None  # channel_versions (Postgres: blob GC)


@dataclass
class Deletion:
    """One thread's plan: (ns, id) pairs to delete, kept ones whose parent goes."""

    total: int
    deleted: set[tuple[str, str]]
    orphaned: set[tuple[str, str]]  # kept checkpoints whose parent link becomes NULL
    bytes: int  # checkpoint + metadata bytes deleted
    kept_for_deps: int  # older checkpoints kept because kept ones depend on them


class DictCheckpoints:
    """Writers whose backend stores a checkpoint as a dict (Postgres jsonb, Redis JSON, any saver):
    fork edits it as is. (SQLite's writer packs and unpacks its msgpack blob instead.)"""

    def checkpoint_map(self, type_: Any, stored: dict[str, Any]) -> dict[str, Any]:
        """A stored checkpoint as a dict to edit (a shallow copy)."""
        return dict(stored)

    def stored_checkpoint(self, type_: Any, cp: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return type_, cp


class PruneBackend(Protocol):
    """What `prune` and `delete` need of a backend (each backend's prune.py)."""

    kind: str

    def all_threads(self) -> list[str]: ...
    def thread_exists(self, thread_id: str) -> bool: ...
    def transaction(self) -> Any: ...
    def thread_rows(self, thread_id: str) -> list[CheckpointRow]: ...
    def apply(self, thread_id: str, d: Deletion, dry_run: bool) -> tuple[int, int, int]:
        """(writes, bytes of writes and blobs, blobs) that `d` removes; nothing changes when dry_run."""
        ...
    def delete_thread(self, thread_id: str, dry_run: bool) -> tuple[int, int, int, int]: ...
    def size(self) -> int: ...
    def finish(self) -> None:
        """After the deletes (not on a dry run): SQLite folds its WAL back into the file."""
        ...
    def free_bytes(self) -> int | None: ...
    def vacuum(self, full: bool) -> None: ...
    def writer(self) -> Any:
        """A read-write handle for fork (each backend's write.py); refuses before anything is written."""
        ...

    # What a backend can do beyond reading: each returns None where the backend cannot.
    def health(self) -> Any:
        """The module behind `stats` and `check` (stats, check_thread_ids, thread_known, check_thread)."""
        ...

    def pruner(self, *, read_only: bool = False) -> PruneBackend | None: ...

    def transfer(self) -> Any:
        """What export and copy read (export_thread(thread_id), value_types(thread_ids))."""
        ...

    def close(self) -> None: ...


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
