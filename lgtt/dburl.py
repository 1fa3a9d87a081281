"""Database specs: SQLite paths and sqlite:/// URLs, postgres URLs, and how to show them safely."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from lgtt.errors import UsageError


@dataclass(frozen=True)
class DbSpec:
    """A parsed --db value."""

    kind: str  # "sqlite" | "postgres"
    target: str  # file path for sqlite, full URL for postgres

    @property
    def display(self) -> str:
        """The spec with any password masked, safe to print."""
        return redact(self.target) if self.kind == "postgres" else self.target


def parse_db(spec: str) -> DbSpec:
    """Parse a --db value into a DbSpec (no I/O)."""
    spec = spec.strip()
    if not spec:
        raise UsageError("empty --db", "pass a SQLite file path or a postgresql:// URL")
    if spec.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        url = spec.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise UsageError(
                f"malformed PostgreSQL URL {redact(spec)!r} ({exc})",
                "use postgresql://user[:password]@host[:port]/dbname",
            ) from None
        if not parts.hostname and "host=" not in (parts.query or ""):
            raise UsageError(
                f"malformed PostgreSQL URL {redact(spec)!r} (no host)",
                "use postgresql://user[:password]@host[:port]/dbname",
            )
        return DbSpec("postgres", url)
    if spec.startswith("sqlite:///"):
        return DbSpec("sqlite", spec[len("sqlite:///") :] or ":memory:")
    if spec.startswith("sqlite://"):
        raise UsageError(f"malformed SQLite URL {spec!r}", "use sqlite:///path/to/file.db")
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec):
        scheme = spec.split("://", 1)[0]
        raise UsageError(
            f"unsupported database scheme {scheme!r}",
            "use a SQLite path, sqlite:///path or postgresql://...; for other savers use --saver module:callable",
        )
    return DbSpec("sqlite", spec)


_PASSWORD_IN_DSN = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """Mask passwords in URLs and key=value DSNs anywhere in `text`."""

    def _url(m: re.Match[str]) -> str:
        try:
            parts = urlsplit(m.group(0))
        except ValueError:
            return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", m.group(0))
        if parts.password is None:
            return m.group(0)
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        masked = f"{user}:***@{netloc[1]}"
        return urlunsplit((parts.scheme, masked, parts.path, parts.query, parts.fragment))

    text = re.sub(r"postgres(?:ql)?(?:\+psycopg)?://\S+", _url, text)
    return _PASSWORD_IN_DSN.sub(r"\1***", text)
