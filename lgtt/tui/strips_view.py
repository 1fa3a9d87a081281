"""A read-only view of pre-rendered lines (Textual's Line API): a worker renders the content to
strips at the view's width, the screen draws only the strips on it."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


def render_strips(renderable: Any, width: int) -> list[Strip]:
    """`renderable` as lines of `width` cells (any thread: a console of its own)."""
    console = Console(width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      legacy_windows=False, safe_box=False, markup=False, emoji=False, highlight=False)
    lines = console.render_lines(renderable, console.options.update_width(width), pad=False)
    return [Strip(line) for line in lines]


class StripsView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    StripsView {
        background: $surface;
        height: 1fr;
        scrollbar-gutter: stable;
    }
    """

    class Resized(Message):
        """The view's width changed: its content must be rendered again."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strips: list[Strip] = []
        self.renderable: Any = None
        self.rendered_width = 0

    def set_strips(self, renderable: Any, strips: list[Strip], width: int) -> None:
        self.renderable, self.strips, self.rendered_width = renderable, strips, width
        self.virtual_size = Size(max((s.cell_length for s in strips), default=0), len(strips))
        self.scroll_to(0, 0, animate=False, force=True)
        self.refresh()
        if self.size.width and self.size.width != width:  # rendered before the view was laid out
            self.post_message(self.Resized())

    def on_resize(self, event: events.Resize) -> None:
        if self.renderable is not None and self.size.width != self.rendered_width:
            self.post_message(self.Resized())

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        row = scroll_y + y
        if row >= len(self.strips):
            return Strip.blank(width, base)
        return self.strips[row].crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
