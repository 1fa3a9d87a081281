"""Build a demo checkpoint database: `python -m sample_graphs.demo demo.sqlite`.

An existing file at PATH (and its -wal/-shm files) is replaced, so reruns give the same threads.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

from sample_graphs import SCENARIOS, compile_with


def build_demo(checkpointer: Any) -> dict[str, list[str]]:
    """Run every sync scenario with thread_prefix == its name; return name -> thread ids."""
    return {
        name: module.scenario(compile_with(module, checkpointer), name)
        for name, module in SCENARIOS.items()
    }


def main(argv: list[str] | None = None) -> int:
    from langgraph.checkpoint.sqlite import SqliteSaver

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sample_graphs.demo PATH", file=sys.stderr)
        return 2
    path = Path(args[0])
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        threads = build_demo(SqliteSaver(conn))
    finally:
        conn.close()
    for name, tids in threads.items():
        for tid in tids:
            print(f"{name}\t{tid}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
