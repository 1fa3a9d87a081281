"""Any BaseCheckpointSaver (--saver, or a graph's checkpointer): read.py reads through the saver's
own API, write.py forks through put/put_writes, memory.py backs stats, check, prune and delete on
an InMemorySaver."""

from __future__ import annotations

from lgtt.store.saver.read import SaverStore

__all__ = ["SaverStore"]
