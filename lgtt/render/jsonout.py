"""JSON output for scripts: one document on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from lgtt.jsonform import to_jsonable


def emit(doc: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(doc), indent=2, ensure_ascii=False) + "\n")
