"""The detail pane: State (chat), Diff, Tasks & writes, Metadata, JSON (= `show --json`), Graph."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane, TextArea

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
                        yield TextArea("", read_only=True, id="json-text", show_line_numbers=False, soft_wrap=False)
                    else:
                        with VerticalScroll(id=f"scroll-{tab_id}", can_focus=True):
                            yield Static(id=f"body-{tab_id}")

    @property
    def active(self) -> str:
        return self.query_one(TabbedContent).active

    @active.setter
    def active(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @property
    def tab(self) -> str:
        return (self.active or "tab-state").removeprefix("tab-")

    def set_body(self, tab_id: str, command: str, body: RenderableType | str) -> None:
        """Fill a tab: the equivalent CLI command on top, then the content."""
        self.query_one(f"#cmd-{tab_id}", Static).update(Text(command, "dim italic"))
        if tab_id == "json":
            area = self.query_one("#json-text", TextArea)
            area.load_text(body if isinstance(body, str) else str(body))
            return
        self.query_one(f"#body-{tab_id}", Static).update(body)
        self.query_one(f"#scroll-{tab_id}", VerticalScroll).scroll_home(animate=False)

    def text_of(self, tab_id: str) -> str:
        """What a tab shows, as plain text (for tests and copying)."""
        if tab_id == "json":
            return self.query_one("#json-text", TextArea).text
        static = self.query_one(f"#body-{tab_id}", Static)
        content = static.content if hasattr(static, "content") else static.renderable
        from rich.console import Console

        console = Console(width=200, color_system=None, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(content)
        return console.export_text()
