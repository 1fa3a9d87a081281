"""A read-only view of many lines of text (Textual's Line API): only the lines on screen are drawn,
so a 100,000-line JSON document scrolls as fast as a short one."""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from lgtt.escape import visible


class LinesView(ScrollView, can_focus=True):
    """Plain lines (escaped when drawn: untrusted text never reaches the terminal)."""

    DEFAULT_CSS = """
    LinesView {
        background: $surface;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def set_lines(self, lines: list[str], width: int | None = None) -> None:
        """Show `lines` from the top; `width` is the longest line's length (measured when None)."""
        self.lines = lines
        if width is None:
            width = max(map(len, lines), default=0)
        self.virtual_size = Size(width, len(lines))
        self.scroll_to(0, 0, animate=False, force=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if row >= len(self.lines):
            return Strip.blank(width, base)
        line = visible(self.lines[row].expandtabs(4))
        return Strip([Segment(line, base)]).crop_extend(scroll_x, scroll_x + width, base)
