"""Errors raised through the Python API speak of its arguments, not of the CLI's flags."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from lgtt.errors import LgttError

F = TypeVar("F", bound=Callable[..., Any])

# CLI flag -> what a Python caller passes instead
FLAG_WORDS = {
    "--db": "db (lgtt.open's first argument)",
    "--graph": "graph= (to lgtt.open)",
    "--saver": "saver= (to lgtt.open)",
    "--from": "from_ref=",
    "--set-file": "updates=",
    "--set": "updates=",
    "--edit": "updates=",
    "--as-node": "as_node=",
    "--older-than": "older_than=",
    "--vacuum-full": "vacuum_full=True",
    "--vacuum": "vacuum=True",
    "--dry-run": "dry_run=True",
    "--yes": "",
}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
COMMAND = re.compile(r"`lgtt (\w+)((?: [^`]*)?)`")


def _flag(m: re.Match[str]) -> str:
    flag = m.group(0)
    if flag in FLAG_WORDS:
        return FLAG_WORDS[flag] or flag
    return flag[2:].replace("-", "_") + "="


def _command(m: re.Match[str]) -> str:
    args = [a for a in m.group(2).split() if not a.startswith("-")]
    return f"db.{m.group(1)}({', '.join(repr(a) for a in args)})"


def api_words(text: str) -> str:
    """`pass --answer JSON (see `lgtt show THREAD`)` -> `pass answer= JSON (see db.show('THREAD'))`."""
    return FLAG.sub(_flag, COMMAND.sub(_command, text))


def speaks_api(method: F) -> F:
    """Rewrite an LgttError's flags into API arguments unless the CLI is the caller (`self.cli`)."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except LgttError as exc:
            if getattr(self, "cli", False):
                raise
            exc.message, exc.hint = api_words(exc.message), api_words(exc.hint)
            exc.args = (exc.message,)
            raise
    return wrapper  # type: ignore[return-value]
