"""JSON output for scripts: one document on stdout (indented on a terminal, compact in pipes)."""

from __future__ import annotations

import json
import sys
from typing import Any

from lgtt.jsonform import to_jsonable


def emit(doc: Any, *, plain: bool = False) -> None:
    """Write `doc`; `plain` means it holds only JSON types already (skips the value conversion)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(doc if plain else to_jsonable(doc), indent=indent, ensure_ascii=False) + "\n")
