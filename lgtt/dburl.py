"""Database specs: SQLite paths and sqlite:/// URLs, postgres URLs, and how to show them safely."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from lgtt.errors import UsageError


@dataclass(frozen=True)
class DbSpec:
    """A parsed --db value."""

    kind: str  # "sqlite" | "postgres" | "redis"
    target: str  # file path for sqlite, full URL for postgres and redis

    @property
    def display(self) -> str:
        """The spec with any password masked, safe to print."""
        return redact(self.target) if self.kind in ("postgres", "redis") else self.target


_PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_REDIS_SCHEMES = ("redis://", "rediss://")
# libpq key=value connection strings: "host=db dbname=app user=me password=…"
_DSN_START = re.compile(r"^\s*([a-z_]+)\s*=", re.IGNORECASE)


def _is_dsn(spec: str) -> bool:
    """Whether `spec` starts with a libpq connection keyword (`host=`, `dbname=`, `sslmode=`, …)."""
    m = _DSN_START.match(spec)
    if not m:
        return False
    from psycopg import pq

    return m.group(1).lower() in {d.keyword.decode() for d in pq.Conninfo.get_defaults()}


_SECRETS: set[str] = set()
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")


def _remember(password: str) -> None:
    """Keep a password (as typed, decoded and encoded) so `scrub` removes it from any output."""
    for form in (password, unquote(password), quote(unquote(password), safe="")):
        if len(form) >= 3:
            _SECRETS.add(form)


def _split_userinfo(url: str) -> tuple[str, str, str, str] | None:
    """(scheme://, user, password, rest) of a postgres URL by its LAST '@', or None.

    A password may hold '/', '#', '?', '@' or ':' typed raw; splitting at the last '@' (the host
    part holds none) recovers it where urlsplit would cut at the first '/' or '#'.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    userinfo, _, hostpart = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if any(c in user for c in "/?#") or not colon:
        return None
    return scheme + "://", user, password, hostpart


def _normalize_url(url: str) -> str:
    """The URL with user and password percent-encoded, so libpq reads the password as typed.

    A password already percent-encoded (every '%' followed by two hex digits) is kept as it is.
    """
    parts = _split_userinfo(url)
    if parts is None:
        return url
    scheme, user, password, hostpart = parts
    _remember(password)
    if "%" in password and not _PCT.sub("", password).count("%"):
        password = unquote(password)
    if "%" in user and not _PCT.sub("", user).count("%"):
        user = unquote(user)
    return f"{scheme}{quote(user, safe='')}:{quote(password, safe='')}@{hostpart}"


def _parse_dsn(spec: str) -> DbSpec:
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    for found in _PASSWORD_IN_DSN.finditer(spec):
        _remember(found.group(2).strip("'"))
    try:
        params = conninfo_to_dict(spec)
    except ProgrammingError as exc:
        raise UsageError(f"malformed PostgreSQL connection string {redact(spec)!r} ({redact(str(exc))})",
                         "use key=value pairs, e.g. host=localhost dbname=app user=me") from None
    _remember_params(params)
    return DbSpec("postgres", spec)


def _remember_params(params: dict) -> None:
    for key, value in params.items():
        if value and any(word in key for word in ("password", "secret", "scram_")):
            _remember(str(value))


def parse_db(spec: str) -> DbSpec:
    """Parse a --db value into a DbSpec (no I/O)."""
    spec = spec.strip()
    if not spec:
        raise UsageError("empty --db", "pass a SQLite file path or a postgresql:// URL")
    if spec.startswith(_PG_SCHEMES):
        url = _normalize_url(spec.replace("postgresql+psycopg://", "postgresql://", 1))
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise UsageError(
                f"malformed PostgreSQL URL {redact(spec)!r} ({redact(str(exc))})",
                "use postgresql://user[:password]@host[:port]/dbname",
            ) from None
        if not parts.hostname and "host=" not in (parts.query or ""):
            raise UsageError(
                f"malformed PostgreSQL URL {redact(spec)!r} (no host)",
                "use postgresql://user[:password]@host[:port]/dbname",
            )
        with contextlib.suppress(Exception):  # a password in the query string (?password=…)
            from psycopg.conninfo import conninfo_to_dict

            _remember_params(conninfo_to_dict(url))
        return DbSpec("postgres", url)
    if spec.startswith(_REDIS_SCHEMES):
        return _parse_redis(spec)
    if _is_dsn(spec):
        return _parse_dsn(spec)
    if spec.startswith("sqlite:///"):
        return DbSpec("sqlite", spec[len("sqlite:///") :] or ":memory:")
    if spec.startswith("sqlite://"):
        raise UsageError(f"malformed SQLite URL {spec!r}", "use sqlite:///path/to/file.db")
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec):
        scheme = spec.split("://", 1)[0]
        raise UsageError(
            f"unsupported database scheme {scheme!r}",
            "use a SQLite path, sqlite:///path, postgresql://... or redis://...; for other savers use --saver module:callable",
        )
    return DbSpec("sqlite", spec)


def _parse_redis(spec: str) -> DbSpec:
    """redis://[user:password@]host[:port][/db] (rediss:// for TLS); the password is remembered for scrub."""
    url = _normalize_url(spec)
    usage = "use redis://[user:password@]host:port[/db] (rediss:// for TLS)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"malformed Redis URL {redact(spec)!r} ({redact(str(exc))})", usage) from None
    db = parts.path.strip("/")
    if not parts.hostname or (db and not db.isdigit()):
        why = "no host" if not parts.hostname else f"database {db!r} is not a number"
        raise UsageError(f"malformed Redis URL {redact(spec)!r} ({why})", usage)
    return DbSpec("redis", url)


# password, sslpassword, oauth_client_secret, scram keys: in key=value strings and URL queries
_PASSWORD_IN_DSN = re.compile(r"((?:password|secret|scram_client_key|scram_server_key)\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)",
                              re.IGNORECASE)


def redact(text: str) -> str:
    """Mask passwords in URLs and key=value DSNs anywhere in `text`."""

    def _url(m: re.Match[str]) -> str:
        parts = _split_userinfo(m.group(0))
        if parts is None:
            return m.group(0)
        scheme, user, _, hostpart = parts
        return f"{scheme}{user}:***@{hostpart}"

    text = re.sub(r"(?:postgres(?:ql)?(?:\+psycopg)?|rediss?)://\S+", _url, text)
    return _PASSWORD_IN_DSN.sub(r"\1***", text)


def scrub(text: str) -> str:
    """`redact`, and every password lgtt was given removed wherever it appears (any output line)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact(text)
