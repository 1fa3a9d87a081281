"""The user's graph drawn as data: nodes and edges from LangGraph's `graph.get_graph()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Edge:
    source: str
    target: str
    conditional: bool = False
    data: str | None = None


@dataclass
class GraphShape:
    nodes: list[str]
    edges: list[Edge] = field(default_factory=list)


def graph_shape(graph: Any) -> GraphShape:
    """Nodes (LangGraph's order) and edges of the compiled graph's drawable form."""
    drawable = graph.get_graph()
    nodes = [n for n in drawable.nodes]
    edges = [Edge(e.source, e.target, bool(e.conditional), None if e.data is None else str(e.data))
             for e in drawable.edges]
    return GraphShape(nodes, edges)
