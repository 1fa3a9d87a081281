"""lgtt: a time-travel debugger for LangGraph checkpoint databases.

    import lgtt
    with lgtt.open("checkpoints.sqlite", graph="app.py:graph") as db:
        db.threads(); db.timeline("t1"); db.show("t1", -1)
"""

from lgtt.api import Debugger, open
from lgtt.errors import LgttError

__all__ = ["Debugger", "LgttError", "open"]
__version__ = "0.1.0"
