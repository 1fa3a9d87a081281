"""The corpus's check counter: each worker appends its tests' counts; the controller prints totals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

COUNTS_DIR = Path(__file__).resolve().parents[2] / ".pytest_cache" / "corpus-checks"


def _is_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def record(test: str, checks: int, mismatches: int) -> None:
    COUNTS_DIR.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(COUNTS_DIR / f"{worker}.jsonl", "a") as f:
        f.write(json.dumps({"test": test, "checks": checks, "mismatches": mismatches}) + "\n")


def reset() -> None:
    if not _is_worker() and COUNTS_DIR.exists():
        for f in COUNTS_DIR.glob("*.jsonl"):
            f.unlink()


def summary(terminalreporter: Any) -> None:
    if _is_worker() or not COUNTS_DIR.exists():
        return
    from corpus.scenarios import SCENARIOS

    rows = [json.loads(line) for f in COUNTS_DIR.glob("*.jsonl") for line in f.read_text().splitlines()]
    if not rows:
        return
    checks = sum(r["checks"] for r in rows)
    bad = sum(r["mismatches"] for r in rows)
    rate = 100.0 * (checks - bad) / checks if checks else 100.0
    terminalreporter.write_line(f"corpus: {len(SCENARIOS)} scenarios, {len(rows)} corpus tests, {checks} checks, "
                                f"{bad} mismatches ({rate:.2f}% match)")
