"""JSON output for scripts: one document on stdout (indented on a terminal, compact in pipes)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from lgtt.escape import json_safe
from lgtt.jsonform import to_jsonable


def emit(doc: Any, *, plain: bool = False) -> None:
    """Write `doc`; `plain` means it holds only JSON types already (skips the value conversion).

    Control, bidi and other invisible characters are written as \\u escapes (the same decoded
    value), so neither a terminal nor a pager acts on them.
    """
    indent = 2 if sys.stdout.isatty() else None
    text = json.dumps(doc if plain else to_jsonable(doc), indent=indent, ensure_ascii=False)
    sys.stdout.write(json_safe(text) + "\n")


def emit_stream(items: Iterable[Any]) -> None:
    """Write a JSON array of plain-JSON items as they come (the same text `emit` writes for the list)."""
    indent = 2 if sys.stdout.isatty() else None
    out = sys.stdout
    first = True
    for item in items:
        text = json_safe(json.dumps(item, indent=indent, ensure_ascii=False))
        if indent:
            text = "  " + text.replace("\n", "\n  ")
        out.write(("[" if first else ",") + ("\n" if indent else ("" if first else " ")) + text)
        first = False
    out.write("[]\n" if first else ("\n]\n" if indent else "]\n"))
