"""Follows test_pregel.py::test_in_one_fan_out_state_graph_defer_node (plain edges, no waiting edge):
`qa` is deferred until the other branches finish; replayed and stopped before `qa`."""

from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from ._util import cfg, replay


def sorted_add(x: list[str], y: list[str]) -> list[str]:
    return sorted(x + y)


class State(TypedDict, total=False):
    query: str
    answer: str
    docs: Annotated[list[str], sorted_add]


def rewrite_query(data: State):
    return {"query": f"query: {data['query']}"}


def analyzer_one(data: State):
    return {"query": f"analyzed: {data['query']}"}


def retriever_one(data: State):
    return {"docs": ["doc1", "doc2"]}


def retriever_two(data: State):
    return {"docs": ["doc3", "doc4"]}


def qa(data: State):
    return {"answer": ",".join(data["docs"])}


WAITING = False


def build(checkpointer):
    g = StateGraph(State)
    g.add_node(rewrite_query)
    g.add_node(analyzer_one)
    g.add_node(retriever_one)
    g.add_node(retriever_two)
    g.add_node(qa, defer=True)
    g.add_edge(START, "rewrite_query")
    g.add_edge("rewrite_query", "retriever_one")
    g.add_edge("retriever_one", "analyzer_one")
    g.add_edge("rewrite_query", "retriever_two")
    if WAITING:
        g.add_edge(["retriever_one", "retriever_two"], "qa")
    else:
        g.add_edge("retriever_one", "qa")
        g.add_edge("retriever_two", "qa")
    g.add_edge("qa", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2, t3 = f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"
    app.invoke({"query": "sf"}, cfg(t1))
    app.invoke({"query": "nyc"}, cfg(t2), interrupt_before=["qa"])
    app.invoke({"query": "la"}, cfg(t3))
    replay(app, t3, 2)
    return [t1, t2, t3]
