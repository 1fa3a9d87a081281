"""lgtt: a time-travel debugger for LangGraph checkpoint databases.

    import lgtt
    with lgtt.open("checkpoints.sqlite", graph="app.py:graph") as db:
        db.threads(); db.timeline("t1"); db.show("t1", -1)
"""

from typing import Any

from lgtt.errors import LgttError

__all__ = ["Debugger", "LgttError", "clear_cache", "import_file", "open"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # LangGraph is imported on first use, so `lgtt --help` stays fast.
    if name in ("open", "Debugger", "import_file", "clear_cache"):
        from lgtt import api

        return getattr(api, name)
    raise AttributeError(name)
