"""Custom types nested inside a TypedDict state's fields: a Pydantic model, a dataclass, a list,
a dict and an Optional of models, and a reducer list of models. Not part of the demo database:
tests run it to check that lgtt's writes keep every value's type."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from pydantic import BaseModel
from typing_extensions import TypedDict


class Tag(BaseModel):
    label: str


class Note(BaseModel):
    text: str
    tags: list[Tag] = []


class Animal(BaseModel):
    name: str


class Dog(Animal):  # stored in a field typed Animal: only the graph's code says it exists
    barks: bool = True


@dataclass
class Budget:
    limit: int
    spent: int = 0
    history: list[int] = field(default_factory=list)


class NestedState(TypedDict, total=False):
    note: Note
    budget: Budget
    items: list[Note]
    by_name: dict[str, Note]
    maybe: Optional[Note]  # noqa: UP045 - the Optional spelling is what is being tested
    pet: Animal
    log: Annotated[list[Note], operator.add]
    answer: str


def draft(state: NestedState) -> dict[str, Any]:
    return {
        "note": Note(text="draft", tags=[Tag(label="new")]),
        "budget": Budget(limit=100, spent=10, history=[10]),
        "items": [Note(text="a"), Note(text="b", tags=[Tag(label="x")])],
        "by_name": {"first": Note(text="first")},
        "maybe": Note(text="maybe"),
        "pet": Dog(name="rex"),
        "log": [Note(text="drafted")],
    }


def review(state: NestedState) -> dict[str, Any]:
    answer = interrupt({"question": "approve?", "note": state["note"].text})
    return {"answer": str(answer), "log": [Note(text=f"reviewed: {answer}")]}


def finish(state: NestedState) -> dict[str, Any]:
    b = state["budget"]
    return {"budget": Budget(limit=b.limit, spent=b.spent + 1, history=[*b.history, b.spent + 1]),
            "log": [Note(text="finished")]}


builder = StateGraph(NestedState)
builder.add_node("draft", draft)
builder.add_node("review", review)
builder.add_node("finish", finish)
builder.add_edge(START, "draft")
builder.add_edge("draft", "review")
builder.add_edge("review", "finish")
builder.add_edge("finish", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """Run up to the review interrupt."""
    tid = f"{thread_prefix}-1"
    app.invoke({"answer": ""}, {"configurable": {"thread_id": tid}})
    return [tid]
