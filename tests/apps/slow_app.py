"""A graph that writes a checkpoint every ~0.2 s, runs a subgraph, then waits on an interrupt:
`python tests/apps/slow_app.py DB THREAD` (a SQLite path or postgresql:// URL)."""

from __future__ import annotations

import operator
import sys
import time
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    answer: str


def slow(name: str):
    def node(state: State) -> State:
        time.sleep(0.2)
        return {"log": [name]}

    return node


def ask(state: State) -> State:
    return {"answer": interrupt({"question": "ship it?"})}


sub = StateGraph(State)
sub.add_node("s1", slow("s1"))
sub.add_node("s2", slow("s2"))
sub.add_edge(START, "s1")
sub.add_edge("s1", "s2")
sub.add_edge("s2", END)

builder = StateGraph(State)
builder.add_node("a", slow("a"))
builder.add_node("b", slow("b"))
builder.add_node("inner", sub.compile())
builder.add_node("ask", ask)
builder.add_edge(START, "a")
builder.add_edge("a", "b")
builder.add_edge("b", "inner")
builder.add_edge("inner", "ask")
builder.add_edge("ask", END)


def main(db: str, thread: str) -> None:
    if db.startswith("postgres"):
        from langgraph.checkpoint.postgres import PostgresSaver

        ctx = PostgresSaver.from_conn_string(db)
    else:
        from langgraph.checkpoint.sqlite import SqliteSaver

        ctx = SqliteSaver.from_conn_string(db)
    with ctx as saver:
        saver.setup()
        builder.compile(checkpointer=saver).invoke({"log": []}, {"configurable": {"thread_id": thread}})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
