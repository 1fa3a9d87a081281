"""Regenerate docs/lgtt-ui.svg: `lgtt ui` on a fresh demo database, failing-1's failed step.

    .venv/bin/python docs/ui_screenshot.py
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def shoot(db: str, out: Path) -> None:
    import lgtt
    from lgtt.tui.app import LgttApp

    app = LgttApp(lambda: lgtt.open(db), "failing-1", poll=3600)
    async with app.run_test(size=(120, 34)) as pilot:
        for _ in range(6):
            await pilot.pause(0.1)
            await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await pilot.press("3")
        for _ in range(4):
            await pilot.pause(0.1)
            await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        app.save_screenshot(str(out.name), path=str(out.parent))


def main() -> None:
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "demo.sqlite")
        conn = sqlite3.connect(db, check_same_thread=False)
        build_demo(SqliteSaver(conn))
        conn.close()
        asyncio.run(shoot(db, ROOT / "docs" / "lgtt-ui.svg"))
    print("wrote docs/lgtt-ui.svg")


if __name__ == "__main__":
    main()
