"""Loading the user's graph: `file.py:attr`, `package.module:attr`, or a langgraph.json graph id."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from lgtt.errors import LgttError

LANGGRAPH_JSON = "langgraph.json"
PRIVATE_PREFIX = "_lgtt_graph_"  # module name of a graph file imported by path (not as a package module)


def default_spec(cwd: Path | None = None) -> str | None:
    """The only graph of ./langgraph.json, when there is exactly one."""
    graphs = _langgraph_json_graphs(cwd or Path.cwd())
    return next(iter(graphs)) if len(graphs) == 1 else None


def _langgraph_json_graphs(cwd: Path) -> dict[str, str]:
    path = cwd / LANGGRAPH_JSON
    if not path.is_file():
        return {}
    try:
        graphs = json.loads(path.read_text()).get("graphs") or {}
    except (ValueError, AttributeError) as exc:
        raise LgttError(f"{path} is not valid JSON ({exc})", "fix langgraph.json or pass --graph file.py:attr") from None
    out = {}
    for gid, spec in graphs.items():
        if isinstance(spec, dict):
            spec = spec.get("path", "")
        out[gid] = str(spec)
    return out


def load_graph(spec: str, cwd: Path | None = None) -> Any:
    """Import the graph a spec names and return it compiled (a Pregel object)."""
    cwd = cwd or Path.cwd()
    graphs = _langgraph_json_graphs(cwd)
    base = cwd
    if spec in graphs:
        spec, base = graphs[spec], cwd
    if ":" not in spec:
        known = f" (langgraph.json has: {', '.join(graphs)})" if graphs else ""
        raise LgttError(f"bad graph spec {spec!r}{known}", "use path/to/file.py:attr, package.module:attr or a langgraph.json graph id")
    target, attr = spec.rsplit(":", 1)
    module = _import_file(base / target, cwd) if target.endswith(".py") else _import_module(target, cwd)
    if not hasattr(module, attr):
        raise LgttError(f"{target} has no attribute {attr!r}", "check the name after ':' in the graph spec")
    return _as_compiled(getattr(module, attr), spec)


def _import_file(path: Path, cwd: Path) -> Any:
    if not path.is_file():
        raise LgttError(f"graph file not found: {path}", "check the path before ':' in the graph spec")
    for folder in (str(cwd), str(path.parent)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    module = _import_as_package_module(path, cwd)
    if module is not None:
        return module
    name = f"{PRIVATE_PREFIX}{path.stem}"
    mod_spec = importlib.util.spec_from_file_location(name, path)
    if mod_spec is None or mod_spec.loader is None:
        raise LgttError(f"cannot import {path}", "pass a Python file")
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    try:
        mod_spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a module calling sys.exit() must not end lgtt silently
        sys.modules.pop(name, None)
        raise LgttError(f"importing {path} failed: {_why(exc)}", "fix the error in your graph module") from None
    return module


def dotted_name(path: Path, cwd: Path) -> str | None:
    """`pkg/sub/app.py` under cwd -> "pkg.sub.app": the name the app imports it by (None outside cwd)."""
    try:
        rel = path.resolve().relative_to(cwd.resolve())
    except ValueError:
        return None
    parts = [*rel.parent.parts, rel.stem]
    return ".".join(parts) if all(p.isidentifier() for p in parts) else None


def _import_as_package_module(path: Path, cwd: Path) -> Any:
    """Import a graph file under its dotted name, so its classes carry the module name the app's
    checkpoints store (`pkg.app.Note`, not a private alias) and lgtt's writes keep their types.
    None when that name is not importable or is another file."""
    name = dotted_name(path, cwd)
    if name is None:
        return None
    try:
        module = sys.modules.get(name) or importlib.import_module(name)
    except (Exception, SystemExit):
        return None  # imported again below under a private name, with its error reported there
    same = getattr(module, "__file__", None) and Path(module.__file__).resolve() == path.resolve()
    return module if same else None


def _import_module(name: str, cwd: Path) -> Any:
    if str(cwd) not in sys.path:
        sys.path.insert(0, str(cwd))
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as exc:
        raise LgttError(f"importing {name} failed: {_why(exc)}", "check the module name and that it imports") from None


def _why(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _as_compiled(obj: Any, spec: str, depth: int = 0) -> Any:
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel

    if isinstance(obj, Pregel):
        return obj
    if isinstance(obj, StateGraph):
        return obj.compile()
    if callable(obj) and depth == 0 and not isinstance(obj, type):
        try:
            made = obj()
        except (Exception, SystemExit) as exc:
            raise LgttError(f"graph factory {spec} failed: {_why(exc)}", "fix the factory or point at a compiled graph") from None
        return _as_compiled(made, spec, depth + 1)
    raise LgttError(f"{spec} is a {type(obj).__name__}, not a LangGraph graph", "point at a compiled graph, a StateGraph or a factory returning one")


def with_saver(graph: Any, saver: Any) -> Any:
    """A copy of the graph using `saver`, keeping its compile options; the user's object is untouched."""
    return graph.copy(update={"checkpointer": saver})


def graph_namespace(ns: str) -> str:
    """A checkpoint namespace without task ids (`a:<task>|b:<task>` -> `a|b`), as get_subgraphs takes it."""
    return "|".join(part.split(":")[0] for part in ns.split("|") if not part.isdigit())


def subgraph_for(graph: Any, ns: str) -> Any:
    """The compiled (sub)graph that writes checkpoint namespace `ns` (the graph itself for ""),
    or None when the graph declares no such subgraph (e.g. one a tool invokes)."""
    if not ns:
        return graph
    for _, sub in graph.get_subgraphs(namespace=graph_namespace(ns), recurse=True):
        return sub if hasattr(sub, "nodes") else None
    return None
