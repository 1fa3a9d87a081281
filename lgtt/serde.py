"""Strict decoding of checkpoint values with LangGraph's own serializer.

LangGraph's default `JsonPlusSerializer` imports and calls any constructor a blob
names. lgtt never does: it decodes with the strict allowlist (LangGraph's safe
types, plus the types a loaded graph's state declares). Types outside it come
back as plain data and are reported once. Encrypted checkpoints (`msgpack+aes`)
are read with the key LangGraph reads, `LANGGRAPH_AES_KEY`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.event_hooks import register_serde_event_listener
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from lgtt.errors import LgttError

AES_KEY_ENV = "LANGGRAPH_AES_KEY"
PRIVATE_MODULE = b"_lgtt_graph_"  # lgtt.graphs.PRIVATE_PREFIX: serde must not import graphs (a higher layer)


class BlockedTypes:
    """Counts, per type name, how often the strict allowlist refused to build it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        register_serde_event_listener(self._on_event)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind", "").endswith("blocked"):
            name = f"{event.get('module')}.{event.get('name')}"
            if event.get("method"):
                name += f".{event['method']}"
            self.counts[name] = self.counts.get(name, 0) + 1

    def since(self, mark: dict[str, int]) -> list[str]:
        """Names blocked since `mark` (a copy of `counts` taken earlier)."""
        return sorted(n for n, c in self.counts.items() if c > mark.get(n, 0))


BLOCKED = BlockedTypes()


class StrictSerializer(SerializerProtocol):
    """JsonPlusSerializer with a strict allowlist, encryption-aware, with clear errors."""

    def __init__(self, allowlist: Iterable[tuple[str, ...]] = (), *, to_json: bool = False) -> None:
        allowed = tuple(allowlist) or None
        extra = {"__unpack_ext_hook__": json_ext_hook} if to_json else {}
        self.inner = JsonPlusSerializer(
            allowed_msgpack_modules=allowed, allowed_json_modules=None, pickle_fallback=False, **extra
        )
        self.cipher_serde: SerializerProtocol | None = None
        if os.environ.get(AES_KEY_ENV):
            self.cipher_serde = _aes_serde(self.inner)

    def unwrap(self, data: tuple[str, bytes]) -> tuple[str, bytes]:
        """Decrypt a stored (type, bytes) pair to its plain form, without decoding values."""
        type_, raw = data
        if "+" not in (type_ or ""):
            return data
        if self.cipher_serde is None:
            self.loads_typed(data)  # raises the clear "encrypted" error
        inner, cipher_name = type_.split("+", 1)
        return inner, self.cipher_serde.cipher.decrypt(cipher_name, raw)  # type: ignore[union-attr]

    def wrap(self, data: tuple[str, bytes], like: str) -> tuple[str, bytes]:
        """Encrypt a plain (type, bytes) pair again when the row it came from (`like`) was encrypted."""
        if "+" not in (like or "") or self.cipher_serde is None:
            return data
        cipher_name, enc = self.cipher_serde.cipher.encrypt(data[1])  # type: ignore[union-attr]
        return f"{data[0]}+{cipher_name}", enc

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        type_, data = self.inner.dumps_typed(obj)
        if PRIVATE_MODULE in data:  # a class of a graph file lgtt imported by path: the app cannot load it
            raise LgttError(
                "a value's type comes from the --graph file imported under a private module name, "
                "so the app could not read it back as that type; nothing was written",
                "run lgtt from the folder your app imports the graph from, or pass --graph package.module:graph",
            )
        if self.cipher_serde is not None:  # as EncryptedSerializer.dumps_typed does, without serializing twice
            cipher_name, enc = self.cipher_serde.cipher.encrypt(data)  # type: ignore[attr-defined]
            return f"{type_}+{cipher_name}", enc
        return type_, data

    def loads_for_check(self, data: tuple[str, bytes]) -> Any:
        """Parse a stored value as `loads_typed` would, without building the objects inside it:
        each object (message, Pydantic model, …) comes back as None, a DeltaChannel snapshot as
        DELTA_SNAPSHOT. It fails exactly where `loads_typed` fails (LangGraph's own ext hook never
        raises for an object it cannot build: it falls back to the data), and costs a fraction."""
        import ormsgpack

        type_, raw = self.unwrap(data) if "+" in (data[0] or "") else data
        if type_ == "msgpack":
            return ormsgpack.unpackb(raw, ext_hook=_skip_ext, option=ormsgpack.OPT_NON_STR_KEYS)
        return self.loads_typed((type_, raw))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        type_, _ = data
        if "+" in (type_ or ""):
            if self.cipher_serde is None:
                raise LgttError(
                    f"this database holds encrypted checkpoints ({type_})",
                    f"set {AES_KEY_ENV} to the key the app uses (and install lgtt[encrypted])",
                )
            try:
                return self.cipher_serde.loads_typed(data)
            except (ValueError, AssertionError) as exc:
                raise LgttError(
                    f"could not decrypt a checkpoint ({type_}): {exc}",
                    f"check that {AES_KEY_ENV} is the key the app writes with",
                ) from None
        if type_ == "pickle":
            raise LgttError(
                "a checkpoint value is stored as pickle",
                "lgtt never unpickles checkpoint data (it can run code); re-save it with the default serializer",
            )
        try:
            return self.inner.loads_typed(data)
        except NotImplementedError as exc:
            raise LgttError(f"unknown serialization type in checkpoint: {exc}", "") from None


DELTA_SNAPSHOT = object()  # what loads_for_check gives for a DeltaChannel snapshot
_EXT_DELTA_SNAPSHOT = 7  # langgraph.checkpoint.serde.jsonplus.EXT_DELTA_SNAPSHOT


def _skip_ext(code: int, data: bytes) -> Any:
    return DELTA_SNAPSHOT if code == _EXT_DELTA_SNAPSHOT else None


def json_ext_hook(code: int, data: bytes) -> Any:
    """LangGraph's to-JSON ext hook (objects come back as their stored field data, nothing is
    imported or built), keeping DeltaChannel snapshots recognisable."""
    import ormsgpack
    from langgraph.checkpoint.serde.jsonplus import EXT_DELTA_SNAPSHOT, _msgpack_ext_hook_to_json
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    if code == EXT_DELTA_SNAPSHOT:
        return _DeltaSnapshot(ormsgpack.unpackb(data, ext_hook=json_ext_hook, option=ormsgpack.OPT_NON_STR_KEYS))
    return _msgpack_ext_hook_to_json(code, data)


def _aes_serde(inner: SerializerProtocol) -> SerializerProtocol:
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

    try:
        return EncryptedSerializer.from_pycryptodome_aes(serde=inner)
    except ImportError:
        raise LgttError(
            f"{AES_KEY_ENV} is set but pycryptodome is not installed",
            "pip install 'lgtt[encrypted]'",
        ) from None
    except ValueError as exc:
        raise LgttError(str(exc), f"set {AES_KEY_ENV} to a 16, 24 or 32 byte key") from None


def graph_allowlist(graph: Any) -> set[tuple[str, ...]]:
    """The types a compiled graph's schemas declare, as LangGraph's strict mode collects them."""
    builder = getattr(graph, "builder", None)
    if builder is None:
        return set()
    try:
        from langgraph._internal._serde import build_serde_allowlist
    except ImportError:  # private helper moved: fall back to the safe types only
        return set()
    schemas = [builder.state_schema, builder.input_schema, builder.output_schema]
    if getattr(builder, "context_schema", None) is not None:
        schemas.append(builder.context_schema)
    for node in builder.nodes.values():
        if getattr(node, "input_schema", None) is not None:
            schemas.append(node.input_schema)
    try:
        allowed = set(build_serde_allowlist(schemas=schemas, channels=builder.channels) or ())
    except Exception:
        return set()
    extra = _related_classes(allowed, [s for s in schemas if isinstance(s, type)])
    if extra:
        from langgraph._internal._serde import collect_allowlist_from_schemas

        try:
            allowed |= set(collect_allowlist_from_schemas(schemas=extra))
        except Exception:
            pass
    return allowed


def _related_classes(allowed: set[tuple[str, ...]], schemas: list[type]) -> list[type]:
    """Classes the graph's code defines beside the ones its schemas name: subclasses of those (a
    field typed `Animal` may hold a `Dog`) and the models, dataclasses and enums of the modules that
    define them (values typed `Any` or `dict` in the state). Looked up in loaded modules, never imported."""
    import dataclasses
    import sys
    from enum import Enum

    from pydantic import BaseModel

    def kind(obj: Any) -> bool:
        return isinstance(obj, type) and (issubclass(obj, (BaseModel, Enum)) or dataclasses.is_dataclass(obj))

    found: dict[tuple[str, str], type] = {}
    stack = [getattr(sys.modules.get(m), n, None) for m, n, *_ in allowed] + list(schemas)
    modules = {getattr(c, "__module__", None) for c in stack if isinstance(c, type)}
    for name in modules:
        mod = sys.modules.get(name or "")
        if name and mod is not None and not name.startswith(("langchain_core.", "langgraph.", "pydantic")):
            stack += [o for o in vars(mod).values() if kind(o) and o.__module__ == name]
    while stack:
        cls = stack.pop()
        if not kind(cls) or (cls.__module__, cls.__name__) in found:
            continue
        found[(cls.__module__, cls.__name__)] = cls
        if not cls.__module__.startswith(("langchain_core.", "langgraph.", "pydantic")):
            stack.extend(cls.__subclasses__())
    return [c for key, c in found.items() if key not in allowed]
