"""Graphs with subgraphs for the subgraph tests (also loadable as --graph tests/subgraph_apps.py:NAME).

`steps_graph`: before -> sg (s1 -> s2 -> nest (i1) -> s3) -> after; every node appends its name to
RAN (a side effect outside the state) so a test can tell which nodes really ran.
`memory_graph`: prep -> memory -> report, `memory` compiled with checkpointer=True: it keeps its
own `seen` list across runs of a thread under the stable namespace "memory".
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

RAN: list[str] = []


class Steps(TypedDict, total=False):
    bump: int
    x: int
    trail: list[str]
    result: str


def _step(name: str, fn: Any) -> Any:
    def node(state: Steps) -> dict[str, Any]:
        RAN.append(name)
        return {"x": fn(state), "trail": [*state.get("trail", []), name]}

    node.__name__ = name
    return node


def after(state: Steps) -> dict[str, Any]:
    RAN.append("after")
    return {"result": f"x={state['x']}", "trail": [*state["trail"], "after"]}


inner_builder = StateGraph(Steps)
inner_builder.add_node("i1", _step("i1", lambda s: s["x"] + 5))
inner_builder.add_edge(START, "i1")
inner_builder.add_edge("i1", END)

sub_builder = StateGraph(Steps)
sub_builder.add_node("s1", _step("s1", lambda s: s["x"] + s.get("bump", 1)))
sub_builder.add_node("s2", _step("s2", lambda s: s["x"] * 10))
sub_builder.add_node("nest", inner_builder.compile())
sub_builder.add_node("s3", _step("s3", lambda s: s["x"] * 2))
sub_builder.add_edge(START, "s1")
sub_builder.add_edge("s1", "s2")
sub_builder.add_edge("s2", "nest")
sub_builder.add_edge("nest", "s3")
sub_builder.add_edge("s3", END)

steps_builder = StateGraph(Steps)
steps_builder.add_node("before", _step("before", lambda s: 1))
steps_builder.add_node("sg", sub_builder.compile())
steps_builder.add_node("after", after)
steps_builder.add_edge(START, "before")
steps_builder.add_edge("before", "sg")
steps_builder.add_edge("sg", "after")
steps_builder.add_edge("after", END)
steps_graph = steps_builder.compile()


class Mem(TypedDict, total=False):
    item: str
    seen: list[str]
    total: int


class Outer(TypedDict, total=False):
    item: str
    total: int
    log: list[str]


def remember(state: Mem) -> dict[str, Any]:
    seen = [*state.get("seen", []), state["item"]]
    return {"seen": seen, "total": len(seen)}


def prep(state: Outer) -> dict[str, Any]:
    return {"log": [*state.get("log", []), f"prep {state['item']}"]}


def report(state: Outer) -> dict[str, Any]:
    return {"log": [*state.get("log", []), f"total {state['total']}"]}


mem_builder = StateGraph(Mem)
mem_builder.add_node("remember", remember)
mem_builder.add_edge(START, "remember")
mem_builder.add_edge("remember", END)

memory_builder = StateGraph(Outer)
memory_builder.add_node("prep", prep)
memory_builder.add_node("memory", mem_builder.compile(checkpointer=True))
memory_builder.add_node("report", report)
memory_builder.add_edge(START, "prep")
memory_builder.add_edge("prep", "memory")
memory_builder.add_edge("memory", "report")
memory_builder.add_edge("report", END)
memory_graph = memory_builder.compile()


def with_saver(graph: Any, saver: Any) -> Any:
    return graph.copy(update={"checkpointer": saver})


def run_steps(app: Any, thread_id: str, bump: int = 1) -> dict[str, Any]:
    return app.invoke({"bump": bump}, {"configurable": {"thread_id": thread_id}})


def run_memory(app: Any, thread_id: str, items: str = "abc") -> None:
    for item in items:
        app.invoke({"item": item}, {"configurable": {"thread_id": thread_id}})


def _ask(state: Steps) -> dict[str, Any]:
    from langgraph.types import interrupt

    RAN.append("ask")
    return {"result": interrupt({"x": state["x"]})}


hitl_sub = StateGraph(Steps)
hitl_sub.add_node("s1", _step("s1", lambda s: s["x"] + 1))
hitl_sub.add_node("ask", _ask)
hitl_sub.add_node("s3", _step("s3", lambda s: s["x"] * 100))
hitl_sub.add_edge(START, "s1")
hitl_sub.add_edge("s1", "ask")
hitl_sub.add_edge("ask", "s3")
hitl_sub.add_edge("s3", END)
hitl_builder = StateGraph(Steps)
hitl_builder.add_node("sub", hitl_sub.compile())
hitl_builder.add_edge(START, "sub")
hitl_builder.add_edge("sub", END)
hitl_graph = hitl_builder.compile()
