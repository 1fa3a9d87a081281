"""What a driver, decoder or LangGraph exception means to the user: one line each, never a bare class name.

`explain` turns an exception lgtt did not raise itself into an LgttError saying what is wrong and
what to do. Classes are recognised by module and name, so this imports no driver.
"""

from __future__ import annotations

import errno

from lgtt.errors import LgttError, UsageError

CHECK_HINT = "run `lgtt check` to find the damaged rows"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _qualname(exc: BaseException) -> set[str]:
    return {f"{c.__module__}.{c.__name__}" for c in type(exc).__mro__}


def _sqlite(exc: BaseException, msg: str) -> LgttError | None:
    low = msg.lower()
    if "database or disk is full" in low:
        return LgttError("the disk (or the database's size limit) is full: database or disk is full",
                         "free some space and run the command again; the transaction was rolled back, "
                         "nothing was changed")
    if "database is locked" in low or "database table is locked" in low:
        return LgttError(f"the SQLite database is busy ({msg}): another process holds the write lock",
                         "run the command again when the app is idle")
    if "readonly database" in low or "read-only" in low:
        return LgttError(f"cannot write the SQLite database ({msg})",
                         "the file or its folder is read-only for this user: fix the permissions, or "
                         "fork/prune a writable copy")
    if "malformed" in low or "not a database" in low:
        return LgttError(f"the SQLite file is damaged ({msg})",
                         "work on a copy: `sqlite3 FILE .recover` may save what is left")
    if "disk i/o error" in low or "unable to open" in low:
        return LgttError(f"SQLite could not read or write the file ({msg})",
                         "check the disk and the permissions of the file and its folder")
    return LgttError(f"SQLite error: {msg or type(exc).__name__}", "")


def _postgres(exc: BaseException, names: set[str], msg: str) -> LgttError:
    if "psycopg.errors.InsufficientPrivilege" in names:
        return LgttError(f"the PostgreSQL role may not do this ({msg})",
                         "reads need SELECT; fork, resume, prune and delete need INSERT, UPDATE and DELETE "
                         "on checkpoints, checkpoint_writes and checkpoint_blobs")
    if "psycopg.errors.DiskFull" in names:
        return LgttError(f"the PostgreSQL server's disk is full ({msg})",
                         "free space on the server and retry; the transaction was rolled back")
    if "psycopg.errors.ReadOnlySqlTransaction" in names:
        return LgttError(f"the PostgreSQL server is read-only ({msg})", "connect to the primary to write")
    if "psycopg.OperationalError" in names:
        return LgttError(f"lost the connection to PostgreSQL ({msg or type(exc).__name__})",
                         "check the server, then run the command again")
    sqlstate = getattr(exc, "sqlstate", None)
    code = f" [{sqlstate}]" if sqlstate else ""
    return LgttError(f"PostgreSQL error{code}: {msg or type(exc).__name__}", "")


_DECODERS = ("/checkpoint/serde/", "/msgpack/", "/ormsgpack/", "/lgtt/serde.py", "/lgtt/store/scan.py")


def _raised_decoding(exc: BaseException) -> bool:
    """Whether the innermost Python frame of `exc` is a deserializer (ormsgpack's errors are plain ValueErrors)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return any(part in tb.tb_frame.f_code.co_filename.replace("\\", "/") for part in _DECODERS)


def explain(exc: BaseException) -> LgttError:
    """One user-facing line for an exception lgtt did not raise itself."""
    names = _qualname(exc)
    msg = _first_line(exc)
    kind = type(exc).__name__
    if "sqlite3.Error" in names:
        found = _sqlite(exc, msg)
        if found is not None:
            return found
    if any(n.startswith("psycopg.") for n in names):
        return _postgres(exc, names, msg)
    if (any(n.startswith(("msgpack.", "ormsgpack.")) for n in names) or kind in ("StackError", "ExtraData")
            or (isinstance(exc, (ValueError, TypeError, KeyError, IndexError)) and _raised_decoding(exc))):
        what = msg or {"StackError": "nested too deeply"}.get(kind, "not valid msgpack")
        return LgttError(f"a stored value does not decode ({kind}: {what})", CHECK_HINT)
    if isinstance(exc, RecursionError):
        return LgttError("a stored value is nested too deeply to read", CHECK_HINT)
    if isinstance(exc, UnicodeDecodeError):
        return LgttError(f"a stored text is not valid {exc.encoding} ({exc.reason})", CHECK_HINT)
    if isinstance(exc, MemoryError):
        return LgttError("out of memory", "a stored value may be huge: `lgtt stats` shows the largest "
                         "checkpoints; try `show --key KEY`")
    if isinstance(exc, OverflowError) and "too large to convert" in msg:  # an option bound into SQL
        return UsageError(f"a number you passed is too large ({msg})", "use a smaller value")
    if isinstance(exc, OverflowError):
        return LgttError(f"a number is out of range ({msg or kind})", "check the numbers you passed; "
                         f"if they are fine, {CHECK_HINT}")
    if isinstance(exc, OSError):
        return _os_error(exc, msg)
    return LgttError(f"error: {kind}: {msg}" if msg else f"error: {kind} (no message)",
                     "set LGTT_DEBUG=1 for a traceback")


def _os_error(exc: OSError, msg: str) -> LgttError:
    where = f": {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return LgttError(f"the disk is full{where}", "free some space and run the command again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LgttError(f"permission denied{where} ({exc.strerror})", "check the permissions")
    return LgttError(f"{exc.strerror or msg or type(exc).__name__}{where}", "")


def debug_traceback(exc: BaseException) -> str:
    """The traceback LGTT_DEBUG shows, with passwords scrubbed."""
    import traceback

    from lgtt.dburl import scrub

    return scrub("".join(traceback.format_exception(exc)))


__all__ = ["explain", "debug_traceback", "CHECK_HINT"]
