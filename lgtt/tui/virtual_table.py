"""A virtual table (Textual's Line API): rows are built only when drawn, so 10,000 rows cost what
the visible ones cost. vi keys: j/k move, g/G first/last; Enter (or a click on the cursor row) selects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

CACHE_ROWS = 400  # drawn rows kept (a few screens)


class VirtualTable(ScrollView, can_focus=True):
    """Rows come from `cells_of(i)` (a list of Text per column), asked for only when row i is drawn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-table--header", "virtual-table--cursor"}
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        height: 1fr;
        scrollbar-gutter: stable;
        & > .virtual-table--header { text-style: bold; background: $panel; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class RowHighlighted(Message):
        """The cursor moved onto row `cursor_row`."""

        def __init__(self, table: VirtualTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowSelected(Message):
        """Enter (or a click on the cursor row) on row `cursor_row`."""

        def __init__(self, table: VirtualTable, cursor_row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, columns: Sequence[str], *, flex: int | None = None, flex_min: int = 8, **kwargs) -> None:
        """`flex`: the column that shrinks (to `flex_min`) so the rows fit the view's width."""
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.flex, self.flex_min = flex, flex_min
        self.natural = self.widths = [cell_len(c) for c in self.columns]
        self.row_count = 0
        self.cursor_row = 0
        self._cells_of: Callable[[int], list[Text]] = lambda i: []
        self._strips: dict[int, Strip] = {}
        self._header: Strip | None = None
        self._pending_scroll = False

    # -- data ---------------------------------------------------------------------------
    def set_rows(self, count: int, cells_of: Callable[[int], list[Text]], widths: Sequence[int] | None = None,
                 cursor: int | None = None) -> None:
        """Show `count` rows; `widths` (cells per column, at least the header's) or measured on
        the rows when None (fine for short tables only). The cursor goes to `cursor` (kept in range)."""
        self.row_count, self._cells_of = count, cells_of
        if widths is None:
            widths = [max([cell_len(c)] + [cells_of(i)[n].cell_len for i in range(count)])
                      for n, c in enumerate(self.columns)]
        self.natural = [max(w, cell_len(c)) for w, c in zip(widths, self.columns, strict=True)]
        self._fit()
        self.move_cursor(row=self.cursor_row if cursor is None else cursor, always=True)
        self.refresh()

    def _fit(self) -> None:
        """Column widths for the view's width (the flex column gives way first), virtual size."""
        widths = list(self.natural)
        room = self.scrollable_content_region.width or self.size.width
        total = sum(widths) + len(widths) - 1
        if self.flex is not None and room and total > room:
            widths[self.flex] = max(min(self.flex_min, widths[self.flex]), widths[self.flex] - (total - room))
        self.widths = widths
        self._strips.clear()
        self._header = None
        self.virtual_size = Size(sum(widths) + len(widths) - 1, self.row_count + 1)
        self.refresh()

    def clear(self) -> None:
        self.set_rows(0, lambda i: [], [0] * len(self.columns), cursor=0)

    def get_row_at(self, row: int) -> list[Text]:
        return self._cells_of(row)

    def refresh_row(self, row: int) -> None:
        """Row `row`'s data changed: draw it again."""
        self._strips.pop(row, None)
        self.refresh_line(row - int(self.scroll_y) + 1)

    # -- cursor ---------------------------------------------------------------------------
    def move_cursor(self, *, row: int, always: bool = False) -> None:
        """Put the cursor on `row` (clamped), scroll it into view, post RowHighlighted."""
        new = max(0, min(row, self.row_count - 1)) if self.row_count else 0
        old, self.cursor_row = self.cursor_row, new
        for r in (old, new):
            self._strips.pop(r, None)
        self.refresh()
        if self.row_count:
            self._scroll_to_cursor()
            self._pending_scroll = True  # again once the new virtual size is laid out (see render_lines)
            if new != old or always:
                self.post_message(self.RowHighlighted(self, new))

    def _scroll_to_cursor(self) -> None:
        top, visible = int(self.scroll_y), max(1, self.scrollable_content_region.height - 1)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, force=True)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.scrollable_content_region.height - 2))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = int(self.scroll_y) + offset.y - 1
        if 0 <= row < self.row_count:
            if row == self.cursor_row:
                self.action_select()
            else:
                self.move_cursor(row=row)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
        if self.row_count:
            self.call_after_refresh(self._scroll_to_cursor)

    # -- drawing -------------------------------------------------------------------------
    def on_focus(self) -> None:
        self.refresh_row(self.cursor_row)

    def on_blur(self) -> None:
        self.refresh_row(self.cursor_row)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    def _strip(self, cells: Sequence[Text | str], style: Style | None) -> Strip:
        line = Text(no_wrap=True, end="")
        for n, (cell, width) in enumerate(zip(cells, self.widths, strict=False)):
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            text.truncate(width, overflow="ellipsis", pad=True)
            if n:
                line.append(" ")
            line.append_text(text)
        segments = list(line.render(self.app.console))
        if style is not None:
            segments = list(Segment.apply_style(segments, post_style=style))
        return Strip(segments, line.cell_len)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._pending_scroll and self.scrollable_content_region.height > 1:
            self._pending_scroll = False
            top, visible = int(self.scroll_y), self.scrollable_content_region.height - 1
            if not top <= self.cursor_row < top + visible:
                self.call_later(self._scroll_to_cursor)  # laid out now: scroll limits are the real ones
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        if y == 0:
            if self._header is None:
                self._header = self._strip(self.columns, self.get_component_rich_style("virtual-table--header"))
            strip = self._header
        else:
            row = scroll_y + y - 1
            if row >= self.row_count:
                return Strip.blank(width, base)
            cursor = self.get_component_rich_style("virtual-table--cursor") if row == self.cursor_row else None
            strip = self._strips.get(row)
            if strip is None:
                strip = self._strip(self._cells_of(row), cursor)
                if len(self._strips) >= CACHE_ROWS:
                    self._strips.clear()
                self._strips[row] = strip
            if cursor is not None:
                return strip.crop_extend(scroll_x, scroll_x + width, base + cursor).apply_style(base)
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
