"""State as a Pydantic model with a nested model and a dataclass-typed field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field


@dataclass
class Budget:
    limit: int
    spent: int = 0
    tags: list[str] = field(default_factory=list)


class Address(BaseModel):
    city: str
    country: str = "NL"


class Order(BaseModel):
    customer: str
    address: Address
    budget: Budget
    lines: list[str] = Field(default_factory=list)
    status: str = "new"


def add_lines(state: Order) -> dict[str, Any]:
    lines = [*state.lines, "widget", "gadget"]
    return {"lines": lines, "budget": Budget(state.budget.limit, 10 * len(lines), ["priced"])}


def ship(state: Order) -> dict[str, Any]:
    over = state.budget.spent > state.budget.limit
    return {
        "status": "held" if over else "shipped",
        "address": Address(city=state.address.city.upper()),
    }


builder = StateGraph(Order)
builder.add_node("add_lines", add_lines)
builder.add_node("ship", ship)
builder.add_edge(START, "add_lines")
builder.add_edge("add_lines", "ship")
builder.add_edge("ship", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """One run from a fresh Order."""
    tid = f"{thread_prefix}-1"
    order = Order(customer="ada", address=Address(city="Delft"), budget=Budget(limit=100))
    app.invoke(order, {"configurable": {"thread_id": tid}})
    return [tid]
