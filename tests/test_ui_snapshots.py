"""Snapshots of `lgtt ui`'s main screens at 80x24 and 160x48 on the demo database (both backends).

The screen is compared as a terminal draws it, in plain text (`LgttApp.screen_text`), with what
changes from run to run masked: checkpoint and task ids (every hex run of 8 or more characters
holding a digit), times, dates and measured durations; each masked character keeps its cell, so
the layout is still compared. The expected screens live in tests/snapshots/ui/BACKEND/ (one set per
backend: Postgres gives state keys, metadata keys and changed keys in its own order). After a deliberate
change of the screens, regenerate them and review the diff:

    LGTT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_ui_snapshots.py -n 0

(an updating run skips its tests: it compares nothing). A missing snapshot fails.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import re
from pathlib import Path

import pytest
from test_ui import make_app, opened, settle, wait_for

SNAPSHOTS = Path(__file__).parent / "snapshots" / "ui"
UPDATE = os.environ.get("LGTT_UPDATE_SNAPSHOTS") == "1"
SIZES = [(80, 24), (160, 48)]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = re.compile(r"(?<![0-9A-Za-z_])[0-9a-f]{8,}(?:-[0-9a-f]+)*")  # ids, cut-off ones too
_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\dT|(?<![\w-])\d\d-\d\d(?![\w-])|(?<=\d\d-\d\d )\d\d:\d\d")
_SECONDS = re.compile(r"(?<=loaded in )\d+\.\d\d(?= s)")


def mask(text: str) -> str:
    """`text` with ids, times and durations replaced, cell for cell."""
    text = _UUID.sub(lambda m: re.sub(r"[0-9a-f]", "x", m.group(0)), text)
    text = _HEX.sub(lambda m: re.sub(r"[0-9a-f]", "x", m.group(0)) if re.search(r"\d", m.group(0)) else m.group(0), text)
    text = _TIME.sub(lambda m: re.sub(r"\d", "9", m.group(0)), text)
    text = _DATE.sub(lambda m: re.sub(r"\d", "9", m.group(0)), text)
    text = _SECONDS.sub(lambda m: re.sub(r"\d", "9", m.group(0)), text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def test_mask_keeps_cells_and_hides_what_changes():
    line = "● 3 #3 1f1f297a-b7ac-649a-a70c-053314ffe189 7bdd7daebb81 23:51:34 loaded in 0.07 s 12-07 23:51 step 12-08"
    masked = mask(line)
    assert len(masked.rstrip("\n")) == len(line)
    assert "7bdd" not in masked and "23:51" not in masked and "0.07" not in masked and "1f1f" not in masked
    assert "12-0" not in masked
    assert mask('"id": "1f1f297a-b7ac-649a-a7') == '"id": "xxxxxxxx-xxxx-xxxx-xx\n'  # cut off by the pane
    assert masked.startswith("● 3 #3 ") and " step " in masked
    assert mask("messages 12345678") == "messages xxxxxxxx\n"  # a pure-digit run of 8+ is an id tail too
    assert mask("feedface deadbeef") == "feedface deadbeef\n"  # hex words without a digit are text


# Each screen: the thread opened (None: the thread list), then the keys pressed, then the tab whose
# content must be drawn before the screen is taken.
SCREENS = {
    "threads": (None, [], None),
    "chat_state": ("chat-1", [], "state"),
    "failing_tasks": ("failing-1", ["3"], "tasks"),
    "chat_diff": ("chat-1", ["d"], "diff"),
    "subgraph_expanded": ("subgraph-1", ["g", "j", "j", "enter"], "state"),
    "hitl_json": ("hitl-1", ["5"], "json"),
    "help": ("chat-1", ["question_mark"], None),
}
async def _screen(app, size: tuple[int, int], thread: str | None, keys: list[str], tab: str | None) -> str:
    async with app.run_test(size=size) as pilot:
        if thread is None:
            await wait_for(pilot, lambda: app.threads_pane.table.row_count > 0)
        else:
            await opened(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, 2)
        if tab is not None:
            await wait_for(pilot, lambda: app.last_detail == (app.selected.key, tab))
        await settle(pilot)
        return app.screen_text()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_matches_snapshot(demo, name, size):
    thread, keys, tab = SCREENS[name]
    got = mask(asyncio.run(_screen(make_app(demo.url, thread), size, thread, keys, tab)))
    path = SNAPSHOTS / demo.kind / f"{name}_{size[0]}x{size[1]}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
        pytest.skip(f"wrote {path.name}")
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; run with LGTT_UPDATE_SNAPSHOTS=1 and review it")
    want = path.read_text()
    if got != want:
        diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "expected", "shown", lineterm=""))
        pytest.fail(f"{name} at {size[0]}x{size[1]} differs from {path.name}:\n{diff}")
