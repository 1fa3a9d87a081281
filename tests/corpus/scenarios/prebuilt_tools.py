"""Follows the prebuilt agent tests (tests/test_react_agent*, ToolNode + tools_condition): a scripted
"model" emits a tool call, ToolNode runs it, the model answers; ids fixed so replays are equal."""

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from ._util import cfg, replay


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def model(state: MessagesState):
    last = state["messages"][-1]
    if last.type == "human":
        call = {"name": "add", "args": {"a": 2, "b": 3}, "id": f"call-{last.id}"}
        return {"messages": [AIMessage(content="", tool_calls=[call], id=f"ai1-{last.id}")]}
    return {"messages": [AIMessage(content=f"result {last.content}", id=f"ai2-{last.tool_call_id}")]}


def build(checkpointer):
    g = StateGraph(MessagesState)
    g.add_node("agent", model)
    g.add_node("tools", ToolNode([add]))
    g.add_edge(START, "agent")
    g.add_conditional_edges("agent", tools_condition)
    g.add_edge("tools", "agent")
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"messages": [HumanMessage("2+3?", id="q1")]}, cfg(t1))
    app.invoke({"messages": [HumanMessage("sum", id="q2")]}, cfg(t2), interrupt_before=["tools"])
    replay(app, t1, 2)
    return [t1, t2]
