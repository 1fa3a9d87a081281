"""Follows test_messages_state.py: MessagesState with add_messages (ids kept, RemoveMessage), a
model node answering deterministically, a message edited through update_state."""

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from ._util import cfg


def model(state: MessagesState):
    last = state["messages"][-1]
    return {"messages": [AIMessage(content=f"echo {last.content}", id=f"ai-{last.id}")]}


def build(checkpointer):
    g = StateGraph(MessagesState)
    g.add_node(model)
    g.add_edge(START, "model")
    g.add_edge("model", END)
    return g.compile(checkpointer=checkpointer)


def run(app, prefix):
    t1, t2 = f"{prefix}-1", f"{prefix}-2"
    app.invoke({"messages": [HumanMessage("hi", id="h1")]}, cfg(t1))
    app.invoke({"messages": [HumanMessage("again", id="h2")]}, cfg(t1))
    app.update_state(cfg(t1), {"messages": [RemoveMessage(id="ai-h1"), HumanMessage("hi!", id="h1")]})
    app.invoke({"messages": [HumanMessage("x", id="x1")]}, cfg(t2))
    return [t1, t2]
