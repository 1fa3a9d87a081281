"""Issue 13, prune on SQLite: file + WAL never grows, the dry run reports the space honestly, a
large freed share suggests --vacuum, and `compare` gives the same common prefix after a prune."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from conftest import open_backend
from test_errors_and_safety import lgtt


def on_disk(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))


def wal_empty(path: str) -> bool:
    wal = Path(f"{path}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def build_steps(b: Any, runs: int) -> Any:
    from sample_graphs import steps

    app = b.app(steps)
    for i in range(runs):
        steps.scenario(app, f"steps{i}")
    return app


def positional_common(app: Any, ta: str, tb: str) -> int:
    """The common prefix as LangGraph's own history gives it: positions (oldest first) with the same
    values and next."""
    def hist(t: str) -> list:
        return list(reversed(list(app.get_state_history({"configurable": {"thread_id": t}}))))

    n = 0
    for sa, sb in zip(hist(ta), hist(tb), strict=False):
        if sa.values != sb.values or tuple(sa.next) != tuple(sb.next):
            break
        n += 1
    return n


def test_prune_and_delete_never_grow_file_plus_wal(tmp_path):
    with open_backend("sqlite", tmp_path) as b:
        build_steps(b, 30)
        b.close()
    before = on_disk(b.url)
    dry = lgtt("--db", b.url, "prune", "--keep", "2", "--dry-run", "--json")
    plan = json.loads(dry.stdout)
    assert on_disk(b.url) == before
    text = lgtt("--db", b.url, "prune", "--keep", "2", "--dry-run", env={"COLUMNS": "200"}).stdout
    assert "would become free space inside the database" in text and "->" not in text.splitlines()[-1]
    done = json.loads(lgtt("--db", b.url, "prune", "--keep", "2", "--yes", "--json").stdout)
    after = on_disk(b.url)
    assert after <= before, (before, after)
    assert done["bytes_after"] == after and wal_empty(b.url)
    assert done["checkpoints_deleted"] == plan["checkpoints_deleted"] > 0
    # the pages the deletes freed are free pages inside the file now, as the dry run said (about)
    with sqlite3.connect(b.url) as conn:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    assert done["free_bytes_after"] == free >= plan["bytes_freed"] * 0.5
    assert done["suggest_vacuum"] is True  # most of the file is free now
    shown = lgtt("--db", b.url, "delete", "steps0-1", "--yes", env={"COLUMNS": "200"}).stdout
    assert "tip: add --vacuum" in shown
    assert on_disk(b.url) <= after and wal_empty(b.url)
    vac = json.loads(lgtt("--db", b.url, "delete", "steps1-1", "--yes", "--vacuum", "--json").stdout)
    assert vac["suggest_vacuum"] is False and vac["bytes_after"] < vac["bytes_before"]


def test_compare_gives_the_same_common_prefix_after_prune(tmp_path):
    from langgraph.checkpoint.sqlite import SqliteSaver

    from sample_graphs import compile_with, steps

    with open_backend("sqlite", tmp_path) as b:
        build_steps(b, 1)
        b.close()
    assert lgtt("--db", b.url, "fork", "steps0-1", "3", "--to", "forked").returncode == 0
    conn = sqlite3.connect(b.url, check_same_thread=False)
    app = compile_with(steps, SqliteSaver(conn))
    try:
        expected = positional_common(app, "steps0-1", "forked")
        before = json.loads(lgtt("--db", b.url, "compare", "steps0-1", "forked", "--json").stdout)
        assert before["common"] == expected > 2
        lengths = (before["a"]["path_length"], before["b"]["path_length"])
        assert lengths[0] > lengths[1]
        # keep fewer than the longer path holds: its start goes, the fork's stays
        keep = lengths[1] + 2
        assert lgtt("--db", b.url, "prune", "--keep", str(keep), "--yes").returncode == 0
        after = json.loads(lgtt("--db", b.url, "compare", "steps0-1", "forked", "--json").stdout)
        assert after["a"]["pruned"] == lengths[0] - keep > 0
        assert after["common"] == before["common"]
        assert after["divergence_checkpoint_ids"] == before["divergence_checkpoint_ids"]
        assert (after["a"]["path_length"], after["b"]["path_length"]) == lengths
        assert any("pruned" in n for n in after["notes"])
        # prune both below the common prefix: nothing left to compare, and compare says so
        assert lgtt("--db", b.url, "prune", "--keep", "1", "--yes").returncode == 0
        gone = json.loads(lgtt("--db", b.url, "compare", "steps0-1", "forked", "--json").stdout)
        assert gone["common"] == 0 and any("cannot be known" in n for n in gone["notes"])
    finally:
        conn.close()
