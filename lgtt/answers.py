"""An interrupt's answer typed by a person: JSON when it parses, else the text itself."""

from __future__ import annotations

import json
from typing import Any

JSON_STARTS = ("{", "[", '"')


class BrokenJson(ValueError):
    """Text that was meant as JSON (it opens an object, array or string) but does not parse."""


def parse_answer(text: str) -> tuple[Any, bool]:
    """(value, is_json). Text that is not JSON is taken as a string, unless it opens with `{`, `[`
    or `"`: then it is JSON with a mistake (BrokenJson), never stored as a string by accident."""
    try:
        return json.loads(text), True
    except ValueError as exc:
        if text.lstrip().startswith(JSON_STARTS):
            raise BrokenJson(f"{exc.args[0]}") from None
        return text, False
