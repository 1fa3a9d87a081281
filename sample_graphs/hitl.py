"""Human in the loop: `review` calls interrupt(); thread 1 stays interrupted, thread 2 is resumed."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict


class ReviewState(TypedDict, total=False):
    draft: str
    approved: bool
    final: str


def write_draft(state: ReviewState) -> dict[str, Any]:
    return {"draft": f"Draft about {state.get('draft') or 'nothing'}"}


def review(state: ReviewState) -> dict[str, Any]:
    """Ask a human whether to approve the draft."""
    answer = interrupt({"question": "Approve this draft?", "draft": state["draft"]})
    return {"approved": answer == "yes"}


def publish(state: ReviewState) -> dict[str, Any]:
    return {"final": state["draft"] if state.get("approved") else "rejected"}


builder = StateGraph(ReviewState)
builder.add_node("write_draft", write_draft)
builder.add_node("review", review)
builder.add_node("publish", publish)
builder.add_edge(START, "write_draft")
builder.add_edge("write_draft", "review")
builder.add_edge("review", "publish")
builder.add_edge("publish", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """Thread -1 is left interrupted; thread -2 is resumed with "yes" and finishes."""
    tids = [f"{thread_prefix}-1", f"{thread_prefix}-2"]
    for tid in tids:
        app.invoke({"draft": "checkpoints"}, {"configurable": {"thread_id": tid}})
    app.invoke(Command(resume="yes"), {"configurable": {"thread_id": tids[1]}})
    return tids
