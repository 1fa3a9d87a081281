"""Parent graph whose `research` node is a compiled subgraph sharing the `notes` key.

`notes` has no reducer on purpose: a subgraph node returns its whole final state, so an
`operator.add` key shared with the parent would duplicate the parent's notes.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class ResearchState(TypedDict, total=False):
    topic: str
    notes: list[str]


def gather(state: ResearchState) -> dict[str, Any]:
    return {"notes": [*state["notes"], f"fact about {state['topic']}"]}


def summarize(state: ResearchState) -> dict[str, Any]:
    return {"notes": [*state["notes"], f"summary of {len(state['notes'])} note(s)"]}


sub_builder = StateGraph(ResearchState)
sub_builder.add_node("gather", gather)
sub_builder.add_node("summarize", summarize)
sub_builder.add_edge(START, "gather")
sub_builder.add_edge("gather", "summarize")
sub_builder.add_edge("summarize", END)
subgraph = sub_builder.compile()


class ParentState(TypedDict, total=False):
    topic: str
    notes: list[str]
    report: str


def plan(state: ParentState) -> dict[str, Any]:
    return {"notes": [*state.get("notes", []), f"plan for {state['topic']}"]}


def write_report(state: ParentState) -> dict[str, Any]:
    return {"report": " | ".join(state["notes"])}


builder = StateGraph(ParentState)
builder.add_node("plan", plan)
builder.add_node("research", subgraph)
builder.add_node("write_report", write_report)
builder.add_edge(START, "plan")
builder.add_edge("plan", "research")
builder.add_edge("research", "write_report")
builder.add_edge("write_report", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """One run; the subgraph writes checkpoints under checkpoint_ns "research:<task_id>"."""
    tid = f"{thread_prefix}-1"
    app.invoke({"topic": "time travel", "notes": []}, {"configurable": {"thread_id": tid}})
    return [tid]
