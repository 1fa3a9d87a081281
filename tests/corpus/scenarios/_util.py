"""Small helpers the scenarios share."""

from __future__ import annotations

from typing import Any


def cfg(thread_id: str, checkpoint_id: str | None = None, **extra: Any) -> dict[str, Any]:
    conf: dict[str, Any] = {"thread_id": thread_id, **extra}
    if checkpoint_id:
        conf["checkpoint_id"] = checkpoint_id
        conf.setdefault("checkpoint_ns", "")
    return {"configurable": conf}


def history(app: Any, thread_id: str) -> list[Any]:
    """get_state_history oldest first."""
    return list(reversed(list(app.get_state_history(cfg(thread_id)))))


def checkpoint_at(app: Any, thread_id: str, index: int) -> str:
    return history(app, thread_id)[index].config["configurable"]["checkpoint_id"]


def replay(app: Any, thread_id: str, index: int, payload: Any = None) -> Any:
    """LangGraph's replay from the checkpoint at `index` (a branch inside the thread)."""
    return app.invoke(payload, cfg(thread_id, checkpoint_at(app, thread_id, index)))


def update_at(app: Any, thread_id: str, index: int, values: Any, as_node: str | None = None) -> Any:
    """update_state on an older checkpoint: a branch inside the thread."""
    return app.update_state(cfg(thread_id, checkpoint_at(app, thread_id, index)), values, as_node=as_node)
