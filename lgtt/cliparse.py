"""Command-line parsing rules on top of Typer: global options anywhere, usage errors in one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from typer.core import TyperGroup

GLOBAL_WITH_VALUE = ("--db", "--graph", "--saver", "--timeout")
GLOBAL_FLAGS = ("--utc", "--no-cache")


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move `--db/--graph/--saver VALUE` (and `--utc`) given after the subcommand in front of it, so
    `lgtt diff chat-1 0 -1 --graph app.py:graph` means `lgtt --graph app.py:graph diff chat-1 0 -1`.
    Tokens after `--` stay where they are; given twice, the later one wins (as before the command)."""
    args = list(args)
    i = 0
    while i < len(args):  # find the subcommand: the first word that is not a root option or its value
        tok = args[i]
        if tok in GLOBAL_WITH_VALUE:
            i += 2
        elif tok.startswith("-"):
            i += 1
        else:
            break
    head, rest = args[: i + 1], args[i + 1:]
    moved: list[str] = []
    kept: list[str] = []
    j = 0
    while j < len(rest):
        tok = rest[j]
        if tok == "--":
            kept += rest[j:]
            break
        if tok in GLOBAL_WITH_VALUE and j + 1 < len(rest):
            moved += rest[j: j + 2]
            j += 2
            continue
        if tok in GLOBAL_FLAGS or tok.startswith(tuple(f"{name}=" for name in GLOBAL_WITH_VALUE)):
            moved.append(tok)
        else:
            kept.append(tok)
        j += 1
    if not moved:
        return args
    return head[:-1] + moved + head[-1:] + kept if i < len(args) else args


def usage_line(exc: Any) -> str:
    """A Click usage error as lgtt's line: `<problem>. <what to do>`."""
    possible = list(getattr(exc, "possibilities", None) or [])
    message = exc.message if possible else exc.format_message()
    text = " ".join(message.split()).rstrip(". ")
    text = text[:1].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "lgtt"
    guess = f"Did you mean {' or '.join(sorted(possible))}? " if possible else ""
    return f"{text}. {guess}See `{path} --help`"


class LgttGroup(TyperGroup):
    """The `lgtt` group: accepts root options after the subcommand, prints usage errors as one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
        from typer.exceptions import Abort

        if args is None:
            args = sys.argv[1:]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name or "lgtt", complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except UsageError as exc:
            sys.stderr.write(f"lgtt: {usage_line(exc)}\n")
            sys.exit(2)
        except Abort:
            sys.stderr.write("lgtt: aborted\n")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


VERSION_PACKAGES = ("langgraph", "langgraph-checkpoint", "langgraph-checkpoint-sqlite",
                    "langgraph-checkpoint-postgres", "langchain-core")


def version_lines() -> list[str]:
    """`lgtt --version`: lgtt's version, then the LangGraph packages found (or "not installed")."""
    from importlib import metadata

    from lgtt import __version__

    lines = [f"lgtt {__version__}"]
    for name in VERSION_PACKAGES:
        try:
            lines.append(f"  {name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"  {name} not installed")
    return lines


MAX_COMPLETIONS = 200


def _completion_store(ctx: Any) -> Any:
    """A read-only store from the root's --db (or LGTT_DB), for completing names; None if none."""
    import os

    root = ctx.find_root()
    db = root.params.get("db") or os.environ.get("LGTT_DB")
    if not db:
        return None
    from lgtt.api import open_store

    return open_store(db)


def complete_threads(ctx: Any, incomplete: str) -> list[str]:
    """Thread ids from the database that start with what was typed (nothing on any error)."""
    try:
        store = _completion_store(ctx)
        if store is None:
            return []
        try:
            out = []
            for tid in store.iter_threads():
                if tid.startswith(incomplete):
                    out.append(tid)
                    if len(out) >= MAX_COMPLETIONS:
                        break
            return sorted(out)
        finally:
            store.close()
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_namespaces(ctx: Any, incomplete: str) -> list[str]:
    """The thread's subgraph namespaces (and their node names) that start with what was typed."""
    try:
        # while an option's value is being completed Click leaves the positional words unparsed
        thread = ctx.params.get("thread") or next((a for a in ctx.args if not a.startswith("-")), None)
        store = _completion_store(ctx) if thread else None
        if store is None:
            return []
        try:
            names = list(store.namespaces(thread))
        finally:
            store.close()
        nodes = {n.split(":", 1)[0] for n in names}
        return sorted(c for c in {*names, *nodes} if c.startswith(incomplete))
    except Exception:
        return []
