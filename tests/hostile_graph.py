"""A graph whose thread ids, node names, namespaces, metadata and values carry terminal attacks.

Used by tests/test_terminal_escaping.py, both to build the database (through the official saver)
and as `--graph tests/hostile_graph.py:graph` for `resume` and `fork`.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import TypedDict

# One of each escape class. Distinctive sequences, so a test can tell them from Rich's own styling.
CLEAR = "\x1b[2J"                                      # ESC: clear the screen
TITLE = "\x1b]0;PWNED-TITLE\x07"                       # OSC 0 ... BEL: set the window title
LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
SGR = "\x1b[5;41m"                                     # blink on red, which lgtt never emits
CSI8 = "\x9b2J"                                        # C1 CSI: clear the screen on 8-bit terminals
BIDI = "\u202eRLO\u2066ISO\u2069"                      # right-to-left override, an isolate
INVIS = "\x7f\u200b\U000e0041"                         # DEL, zero-width space, a tag character
PAYLOAD = CLEAR + TITLE + LINK + SGR + CSI8 + BIDI + INVIS
MARKUP = "[red]red[/red][link=http://evil.example/]L[/link][/bold]"

THREAD = "t[/bold]" + MARKUP + PAYLOAD            # an unbalanced tag and every escape class
THREAD2 = THREAD + "-2"
NODE = "n" + CLEAR + CSI8 + BIDI + "[red]x"           # node names cannot hold ':' or '|'
SUB = "s" + SGR + "\u202e" + "[/bold]"                # a subgraph node: its name starts the namespace


class State(TypedDict, total=False):
    text: str
    items: Annotated[list[str], operator.add]
    answer: Any


def first(state: State) -> dict[str, Any]:
    return {"text": "v" + MARKUP + PAYLOAD, "items": [PAYLOAD]}


def inner(state: State) -> dict[str, Any]:
    return {"items": ["inner" + PAYLOAD]}


def ask(state: State) -> dict[str, Any]:
    return {"answer": interrupt({"question": "q" + MARKUP + PAYLOAD})}


sub_builder = StateGraph(State)
sub_builder.add_node("inner" + SGR, inner)
sub_builder.add_edge(START, "inner" + SGR)
sub_builder.add_edge("inner" + SGR, END)

builder = StateGraph(State)
builder.add_node(NODE, first)
builder.add_node(SUB, sub_builder.compile())
builder.add_node("ask" + BIDI, ask)
builder.add_edge(START, NODE)
builder.add_edge(NODE, SUB)
builder.add_edge(SUB, "ask" + BIDI)
builder.add_edge("ask" + BIDI, END)
graph = builder.compile()


def populate(saver: Any) -> None:
    """Two threads, interrupted at `ask`, with hostile metadata too."""
    app = builder.compile(checkpointer=saver)
    for tid in (THREAD, THREAD2):
        config = {"configurable": {"thread_id": tid, "user_id": "u" + MARKUP + PAYLOAD},
                  "metadata": {"note" + CLEAR: "m" + MARKUP + PAYLOAD}}
        app.invoke({"text": "start" + PAYLOAD, "items": []}, config)
