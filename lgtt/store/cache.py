"""A local cache of SQLite checkpoints' bookkeeping, so that a second read costs O(checkpoints).

SqliteSaver stores the whole state in every row: reading a row's bookkeeping walks all its bytes.
The cache keeps what `Bookkeeping` holds (and what `complete()` adds) per checkpoint, in a SQLite
file of its own under the user cache folder (`cache_dir()`), one file per database file, never in
the user's database. Rows are never rewritten in place by LangGraph; still, every use compares each
cached row's (id, parent, type, blob and metadata lengths) with the database's (read from the
row headers, without touching the blobs), so a pruned, new, replaced or rewritten row is read
again from the database.
A database file with another device/inode at the same path drops the whole file's cache. (A row
edited by hand to the same lengths and parent is not noticed: LangGraph never does that.)
Any failure of the cache (unwritable folder, damaged file, a lock) silently falls back to the database.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

from lgtt.store.base import Bookkeeping

FORMAT = "2"
# The code that turns rows into bookkeeping: a cache written by other code is dropped.
SOURCES = ("base.py", "cache.py", "common.py", "scan.py", "sqlite/read.py")
SUFFIX = ".lgtt-cache"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS books (
    thread_id TEXT, ns TEXT, checkpoint_id TEXT, parent_id TEXT, type TEXT, size INTEGER, meta_size INTEGER,
    book BLOB, done BLOB, PRIMARY KEY (thread_id, ns, checkpoint_id)) WITHOUT ROWID;
"""
LOAD_SQL = "SELECT checkpoint_id, parent_id, type, size, meta_size, book, done FROM books WHERE thread_id = ? AND ns = ?"
PUT_SQL = "INSERT OR REPLACE INTO books VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
DONE_SQL = "UPDATE books SET done = ? WHERE thread_id = ? AND ns = ? AND checkpoint_id = ?"
DROP_SQL = "DELETE FROM books WHERE thread_id = ? AND ns = ? AND checkpoint_id = ?"

# (checkpoint id, parent id, type, blob length, metadata length): what identifies a row without
# reading its blob (the lengths are in the row's record header).
Key = tuple[str, "str | None", "str | None", "int | None", "int | None"]


def cache_dir() -> Path:
    """LGTT_CACHE_DIR, else the platform's user cache folder (XDG_CACHE_HOME, ~/.cache) + /lgtt."""
    if os.environ.get("LGTT_CACHE_DIR"):
        return Path(os.environ["LGTT_CACHE_DIR"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lgtt"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "lgtt" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lgtt"


def cache_file(db_path: str) -> Path:
    """The cache file of one database file (named by a hash of its resolved path)."""
    real = os.path.realpath(db_path)
    return cache_dir() / (hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:32] + SUFFIX)


def code_version() -> str:
    """FORMAT and a hash of the modules that compute the cached facts (an upgrade, or any edit,
    of lgtt's reading code invalidates what an older one cached)."""
    digest = hashlib.sha256(FORMAT.encode())
    here = Path(__file__).resolve().parent
    for name in SOURCES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            from lgtt import __version__

            digest.update(__version__.encode())
    return f"{FORMAT}:{digest.hexdigest()[:16]}"


def enabled() -> bool:
    """False when LGTT_NO_CACHE is set (what `--no-cache` sets)."""
    return os.environ.get("LGTT_NO_CACHE", "") in ("", "0")


@dataclass
class Cleared:
    """What `clear()` removed."""

    folder: str
    files: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"folder": self.folder, "files": self.files, "bytes": self.bytes}


def clear(db_path: str | None = None) -> Cleared:
    """Delete the cache of one database file, or every lgtt cache file in `cache_dir()`."""
    folder = cache_dir()
    targets = [cache_file(db_path)] if db_path else (sorted(folder.glob("*" + SUFFIX)) if folder.is_dir() else [])
    files = size = 0
    for target in targets:
        for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
            try:
                n = p.stat().st_size
                p.unlink()
            except OSError:
                continue
            size += n
            files += p == target
    return Cleared(str(folder), files, size)


def open_cache(db_path: str) -> BookCache | None:
    """The cache of `db_path`, or None when disabled or unusable (e.g. an unwritable folder)."""
    if not enabled():
        return None
    try:
        return BookCache(db_path)
    except (OSError, sqlite3.Error):
        return None


class BookCache:
    """Bookkeeping rows of one database file, keyed by (thread, namespace, checkpoint id)."""

    def __init__(self, db_path: str) -> None:
        st = os.stat(db_path)
        identity = f"{st.st_dev}:{st.st_ino}"
        path = cache_file(db_path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self.conn = self._connect(path)
        try:
            self._prepare(db_path, identity)
        except sqlite3.DatabaseError as exc:  # a damaged cache file: start it again
            self.conn.close()
            if isinstance(exc, sqlite3.OperationalError):  # locked by another lgtt: no cache this time
                raise
            clear(db_path)
            self.conn = self._connect(path)
            self._prepare(db_path, identity)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        old = os.umask(0o077)  # the cache holds the user's metadata: private to the user
        try:
            conn = sqlite3.connect(path, timeout=0.2, isolation_level=None, check_same_thread=False)
        finally:
            os.umask(old)
        return conn

    def _prepare(self, db_path: str, identity: str) -> None:
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript(SCHEMA)
        meta = dict(self.conn.execute("SELECT k, v FROM meta").fetchall())
        version = code_version()
        if meta.get("format") != version or meta.get("identity") != identity:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute("DELETE FROM books")
                self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("format", version), ("identity", identity), ("path", os.path.realpath(db_path))])

    def close(self) -> None:
        self.conn.close()

    # -- reads ------------------------------------------------------------------------------
    def bookkeeping(self, thread_id: str, ns: str, keys: Sequence[Key],
                    read: Callable[[str | None], list[Bookkeeping]], decode: Callable[[bytes], Any]) -> list[Bookkeeping]:
        """The namespace's rows, oldest first: cached rows whose key matches `keys` (the database's
        rows now), the others through `read(after)` (the rows with ids greater than `after`, all
        when None), which are then cached. `decode` turns an internal channel's raw bytes into its value."""
        try:
            cached = {r[0]: r for r in self.conn.execute(LOAD_SQL, (thread_id, ns))}
        except sqlite3.Error:
            cached = {}
        gone = set(cached) - {k[0] for k in keys}
        first_miss = next((i for i, k in enumerate(keys) if (c := cached.get(k[0])) is None or c[1:5] != k[1:]), None)
        out: list[Bookkeeping] = []
        for i, k in enumerate(keys[: first_miss if first_miss is not None else len(keys)]):
            try:
                out.append(_load(cached[k[0]], ns, decode))
            except Exception:  # a cached row that does not load: the database's row from here on
                first_miss = i
                break
        fresh: list[Bookkeeping] = []
        if first_miss is not None:
            fresh = read(keys[first_miss - 1][0] if first_miss > 0 else None)
            out += fresh
        self._store(thread_id, ns, gone, fresh, {k[0]: k for k in keys[first_miss or 0:]})
        return out

    def _store(self, thread_id: str, ns: str, gone: set[str], fresh: list[Bookkeeping], keys: dict[str, Key]) -> None:
        rows = []
        for b in fresh:
            key = keys.get(b.checkpoint_id)
            if key is None or key[2] != "msgpack" or getattr(b, "damage", None) or b.pending_sends:
                continue  # encrypted or other serializers' rows stay out of a plaintext cache
            try:
                book = msgpack.packb([b.metadata, b.ts, b.v, b.channel_versions, b.versions_seen,
                                      b.updated_channels], use_bin_type=True)
            except (TypeError, ValueError, OverflowError):
                continue
            rows.append((thread_id, ns, b.checkpoint_id, key[1], key[2], key[3], key[4], book))
        if not rows and not gone:
            return
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany(DROP_SQL, [(thread_id, ns, cid) for cid in gone])
                self.conn.executemany(PUT_SQL, rows)
        except sqlite3.Error:
            pass  # another lgtt holds the lock: the next run caches them

    def completed(self, thread_id: str, done: Sequence[tuple[str, str, set[str], dict[str, bytes], Any]]) -> None:
        """Remember what `complete()` found in rows: (ns, checkpoint id, channels present, internal
        channels' raw bytes, raw `pending_sends` bytes or None)."""
        if not done:
            return
        params = [(msgpack.packb([sorted(present), raw, sends if isinstance(sends, bytes) else None],
                                 use_bin_type=True), thread_id, ns, cid) for ns, cid, present, raw, sends in done]
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany(DONE_SQL, params)
        except sqlite3.Error:
            pass


def _load(row: tuple[Any, ...], ns: str, decode: Callable[[bytes], Any]) -> Bookkeeping:
    cid, parent, _, _, _, book, done = row
    meta, ts, v, versions, seen, updated = msgpack.unpackb(book, raw=False, strict_map_key=False)
    out = Bookkeeping(checkpoint_id=cid, parent_id=parent, ns=ns, metadata=meta, ts=ts, v=v,
                      channel_versions=versions, versions_seen=seen, updated_channels=updated)
    if done is not None:
        present, raw, sends = msgpack.unpackb(done, raw=False, strict_map_key=False)
        out.present = set(present)
        out.internal = {k: decode(v) for k, v in raw.items()}
        if sends:
            out.pending_sends = list(decode(sends)) or None
    return out
