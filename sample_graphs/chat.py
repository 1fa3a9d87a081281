"""Persistent chat/task graph (tutorial section 1): save_checkpoint -> process_message -> task_processor."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class ChatState(TypedDict, total=False):
    user_id: str
    messages: Annotated[list[AnyMessage], add_messages]
    task_progress: dict
    last_checkpoint: str


def save_checkpoint(state: ChatState) -> dict[str, Any]:
    """Record a deterministic checkpoint label (no timestamps)."""
    return {"last_checkpoint": f"checkpoint_{len(state.get('messages', []))}"}


def process_message(state: ChatState) -> dict[str, Any]:
    """Answer the latest human message."""
    messages = state.get("messages", [])
    if not messages:
        return {}
    n = sum(isinstance(m, AIMessage) for m in messages) + 1
    reply = AIMessage(content=f"Processed: {messages[-1].content}", id=f"ai-{n}")
    return {"messages": [reply]}


def task_processor(state: ChatState) -> dict[str, Any]:
    """Advance the long-running task by one step."""
    progress = state.get("task_progress") or {}
    current = progress.get("current_step", 0)
    total = progress.get("total_steps", 5)
    if current >= total:
        return {}
    current += 1
    return {
        "task_progress": {
            "current_step": current,
            "total_steps": total,
            "progress_percentage": current / total * 100,
        }
    }


builder = StateGraph(ChatState)
builder.add_node("save_checkpoint", save_checkpoint)
builder.add_node("process_message", process_message)
builder.add_node("task_processor", task_processor)
builder.add_edge(START, "save_checkpoint")
builder.add_edge("save_checkpoint", "process_message")
builder.add_edge("process_message", "task_processor")
builder.add_edge("task_processor", END)

graph = builder.compile()

USER_ID = "user_001"


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """Invoke twice on one thread; the second call appends a user message."""
    tid = f"{thread_prefix}-1"
    config = {"configurable": {"thread_id": tid, "user_id": USER_ID}}
    app.invoke(
        {
            "user_id": USER_ID,
            "messages": [HumanMessage(content="Start the task", id="human-1")],
            "task_progress": {"current_step": 0, "total_steps": 5},
            "last_checkpoint": "",
        },
        config,
    )
    app.invoke({"messages": [HumanMessage(content="Continue the task", id="human-2")]}, config)
    return [tid]
