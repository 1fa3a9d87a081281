"""A thread whose message list grows by one message per step (the chat app of the tutorial, long)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.graph import START, MessagesState, StateGraph

THREAD = "long-chat"


def respond(state: MessagesState) -> dict[str, Any]:
    n = len(state["messages"])
    return {"messages": [AIMessage(content=f"reply {n}: " + "lorem ipsum dolor sit amet " * 2, id=f"ai-{n}")]}


def route(state: MessagesState) -> str:
    return "respond" if len(state["messages"]) < state["messages"][0].additional_kwargs.get("target", 0) else "__end__"


builder = StateGraph(MessagesState)
builder.add_node("respond", respond)
builder.add_edge(START, "respond")
builder.add_conditional_edges("respond", route)
graph = builder.compile()


def build(saver: Any, checkpoints: int) -> None:
    """One invoke of `checkpoints - 2` steps: input, __start__, then one checkpoint per message."""
    from langchain_core.messages import HumanMessage

    app = builder.compile(checkpointer=saver)
    target = checkpoints - 2
    app.invoke({"messages": [HumanMessage(content="start", id="h-0", additional_kwargs={"target": target})]},
               {"configurable": {"thread_id": THREAD}, "recursion_limit": checkpoints + 10})
