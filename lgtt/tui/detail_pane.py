"""The detail pane: State (chat), Diff, Tasks & writes, Metadata, JSON (= `show --json`), Graph."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TabbedContent, TabPane

from lgtt.tui.lines_view import LinesView
from lgtt.tui.strips_view import StripsView

TABS = [("state", "State"), ("diff", "Diff"), ("tasks", "Tasks & writes"), ("meta", "Metadata"), ("json", "JSON")]


class DetailPane(Vertical):
    """One tab per view of the selected checkpoint; the app fills the active one."""

    def __init__(self, graph_tab: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tabs = TABS + ([("graph", "Graph")] if graph_tab else [])

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            for tab_id, title in self.tabs:
                with TabPane(title, id=f"tab-{tab_id}"):
                    yield Static(id=f"cmd-{tab_id}", classes="command")
                    if tab_id == "json":
                        yield LinesView(id="json-text")
                    else:
                        yield StripsView(id=f"body-{tab_id}")

    @property
    def active(self) -> str:
        return self.query_one(TabbedContent).active

    @active.setter
    def active(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @property
    def tab(self) -> str:
        return (self.active or "tab-state").removeprefix("tab-")

    def body_width(self, tab_id: str) -> int:
        """The width a tab's content is rendered at (before the tab is first shown: a guess)."""
        width = self.query_one(f"#body-{tab_id}", StripsView).size.width
        return width if width > 0 else max(20, self.size.width - 6)

    def set_body(self, tab_id: str, command: str, body: Any) -> None:
        """Fill a tab: the equivalent CLI command on top, then the content: for the JSON tab
        (lines, longest line's length), for the others (renderable, its strips, their width)."""
        self.query_one(f"#cmd-{tab_id}", Static).update(Text(command, "dim italic"))
        if tab_id == "json":
            lines, width = body
            self.query_one("#json-text", LinesView).set_lines(lines, width)
            return
        self.query_one(f"#body-{tab_id}", StripsView).set_strips(*body)

    def text_of(self, tab_id: str) -> str:
        """What a tab shows, as plain text (for tests and copying)."""
        if tab_id == "json":
            return self.query_one("#json-text", LinesView).text
        content = self.query_one(f"#body-{tab_id}", StripsView).renderable
        from rich.console import Console

        console = Console(width=200, color_system=None, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(content)
        return console.export_text()
