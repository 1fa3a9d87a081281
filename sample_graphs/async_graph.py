"""Small graph with `async def` nodes; run it with `ainvoke` and an async saver."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class FetchState(TypedDict, total=False):
    urls: list[str]
    pages: Annotated[list[str], operator.add]
    total_len: int


async def fetch(state: FetchState) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"pages": [f"<html>{u}</html>" for u in state["urls"]]}


async def measure(state: FetchState) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"total_len": sum(len(p) for p in state["pages"])}


builder = StateGraph(FetchState)
builder.add_node("fetch", fetch)
builder.add_node("measure", measure)
builder.add_edge(START, "fetch")
builder.add_edge("fetch", "measure")
builder.add_edge("measure", END)

graph = builder.compile()


async def ascenario(app: Any, thread_prefix: str) -> list[str]:
    """One async run."""
    tid = f"{thread_prefix}-1"
    await app.ainvoke({"urls": ["a.example", "b.example"]}, {"configurable": {"thread_id": tid}})
    return [tid]
