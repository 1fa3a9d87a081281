"""The Rich console every lgtt view prints through: data never styles, moves or retitles the terminal."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.text import Text

from lgtt.escape import has_unsafe, visible


def safe(text: Any, style: str = "") -> Text:
    """Untrusted text as a Rich Text: no markup parsed, control/invisible characters escaped."""
    return Text(visible(str(text)), style)


class SafeConsole(Console):
    """A Console with markup, emoji codes and highlighting off, and a last net under every view.

    Views escape data where they build it (`safe`, `visible`), so widths are measured on what is
    shown. Whatever a view missed is escaped here, on the segments of the outermost render, so
    no control character from the data reaches the terminal even then (only Rich's own styling).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)
        self._depth = threading.local()  # per thread: Live/Status refresh from their own thread

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)

    def render(self, renderable: RenderableType, options: Any = None) -> Iterable[Segment]:
        if getattr(self._depth, "n", 0):  # a nested render: the outermost one escapes its segments
            return super().render(renderable, options)
        return self._escaped(super().render(renderable, options))

    def _escaped(self, segments: Iterable[Segment]) -> Iterable[Segment]:
        self._depth.n = 1
        try:
            for seg in segments:
                if seg.control is None and has_unsafe(seg.text):
                    seg = Segment(visible(seg.text), seg.style, None)
                yield seg
        finally:
            self._depth.n = 0

def console(*, stderr: bool = False) -> SafeConsole:
    """The console for views; wide when piped (Rich would assume 80 columns), so tables stay readable in logs."""
    stream = sys.stderr if stderr else sys.stdout
    import os

    # the terminal's width, or COLUMNS when set (Rich reads it); a pipe without COLUMNS gets 160
    # columns (Rich would assume 80), so tables stay readable in logs
    return SafeConsole(stderr=stderr, soft_wrap=False,
                       width=None if stream.isatty() or os.environ.get("COLUMNS") else 160)
