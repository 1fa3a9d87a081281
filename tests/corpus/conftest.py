"""The corpus fixtures: every scenario built once per backend per session, and a check counter.

`corpus` (session scope, SQLite / Postgres / SQLite read through `--saver`) holds the database
with every scenario's threads. Mutating checks (fork, prune) build their own copy with `fresh_db`.
Each comparison goes through `Checker.eq`, counted; the totals print at the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import open_backend

import lgtt
from corpus.counts import record
from corpus.scenarios import SCENARIOS

BACKENDS = ["sqlite", "postgres", "saver"]


@dataclass
class Built:
    name: str
    module: Any
    app: Any
    threads: list[str]


@dataclass
class Corpus:
    kind: str  # sqlite | postgres | saver (the SQLite file read through the saver API)
    backend: Any
    built: dict[str, Built]

    def open(self, graph: Any = None) -> lgtt.Debugger:
        if self.kind == "saver":
            return lgtt.open(saver=self.backend.saver, graph=graph)
        return lgtt.open(self.backend.url, graph=graph)


def build_all(saver: Any, names: list[str]) -> dict[str, Built]:
    out = {}
    for name in names:
        mod = SCENARIOS[name]
        app = mod.build(saver)
        out[name] = Built(name, mod, app, mod.run(app, name))
    return out


@pytest.fixture(scope="session", params=BACKENDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    kind = request.param
    with open_backend("sqlite" if kind == "saver" else kind, tmp_path_factory.mktemp(f"corpus-{kind}")) as b:
        yield Corpus(kind, b, build_all(b.saver, list(SCENARIOS)))


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@dataclass
class Checker:
    """Counts comparisons and collects mismatches; `done()` fails the test listing them all."""

    name: str
    checks: int = 0
    mismatches: list[str] = field(default_factory=list)

    def eq(self, got: Any, expected: Any, where: str) -> bool:
        self.checks += 1
        if got != expected:
            self.mismatches.append(f"{where}: lgtt {got!r} != langgraph {expected!r}")
            return False
        return True

    def true(self, ok: bool, where: str) -> bool:
        self.checks += 1
        if not ok:
            self.mismatches.append(where)
        return ok

    def done(self) -> None:
        record(self.name, self.checks, len(self.mismatches))
        assert not self.mismatches, "\n".join(self.mismatches[:40])


@pytest.fixture
def checker(request: pytest.FixtureRequest) -> Iterator[Checker]:
    c = Checker(request.node.nodeid)
    yield c


@contextmanager
def fresh(kind: str, tmp: Any, name: str) -> Iterator[tuple[Any, Built]]:
    """One scenario on its own new database, for checks that write (fork, replay, prune)."""
    with open_backend(kind, tmp) as b:
        yield b, build_all(b.saver, [name])[name]
