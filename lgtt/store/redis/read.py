"""Reading a RedisSaver database: bulk RediSearch aggregations and pipelines, never one round trip
per checkpoint, and nothing written (no setup(), no index, no TTL refresh)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from lgtt.dburl import redact
from lgtt.store.base import ERROR, INTERRUPT, RESUME, TASKS, Bookkeeping, ThreadRow
from lgtt.store.common import match_values
from lgtt.store.redis import client as rc
from lgtt.store.redis import keys as k
from lgtt.store.scan import VALUE_PREFIXES

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

BOOK_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.parent_checkpoint_id=parent",
               "$.metadata=meta", "$.checkpoint.v=v", "$.checkpoint.ts=ts", "$.checkpoint.channel_versions=cv",
               "$.checkpoint.versions_seen=vs", "$.checkpoint.updated_channels=uc", "$.has_writes=hw")
ID_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id")
WRITE_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.task_id=task", "$.channel=channel")
VALUES = "$.checkpoint.channel_values"
HEAD_PATHS = ("$.parent_checkpoint_id", "$.metadata", "$.checkpoint.v", "$.checkpoint.ts",
              "$.checkpoint.channel_versions", "$.checkpoint.versions_seen", "$.checkpoint.updated_channels",
              "$.has_writes")
HEAD_BATCH = 500
PIPE_BATCH = 1000
SPECIAL = (ERROR, INTERRUPT, RESUME)


def _json(text: str | None, default: Any) -> Any:
    if text is None or text == "":
        return default
    value = orjson.loads(text)
    return default if value is None else value


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _needs_values(row: Bookkeeping) -> bool:
    """lgtt.nextnodes.needs_values (not imported: the store sits below it)."""
    updated = row.updated_channels
    return updated is None or TASKS in updated or any(c.startswith("join:") for c in row.channel_versions)


def _has_writes(r: dict[str, str]) -> bool:
    return r.get("hw") in ("true", "1")


def _value_path(channel: str) -> str:
    quoted = channel.replace("\\", "\\\\").replace('"', '\\"')
    return f'{VALUES}["{quoted}"]'


class RedisStore:
    """Reads the checkpoint and write documents of a RedisSaver (langgraph-checkpoint-redis)."""

    kind = "redis"

    def __init__(self, url: str, serde: Any = None) -> None:
        try:
            from lgtt.store.redis.serde import strict_for
        except ImportError:
            from lgtt.errors import LgttError

            raise LgttError("reading Redis needs langgraph-checkpoint-redis (RedisSaver's own package)",
                            "pip install 'lgtt[redis]'") from None

        self.url = url
        self.display = redact(url)
        self.serde = strict_for(serde)
        self.client = rc.connect(url)
        try:
            rc.check_indexes(self.client, self.display)
        except Exception:
            self.client.close()
            raise
        self._reader: Any = None

    # -- searching ------------------------------------------------------------------------------
    def _rows(self, index: str, query: str, load: Sequence[str], **match: str) -> Iterator[dict[str, str]]:
        """Aggregation rows whose fields equal `match` exactly (the tag query only narrows)."""
        for r in rc.aggregate(self.client, index, query, load):
            if all(r.get(f) == v for f, v in match.items()):
                yield r

    def _ns_rows(self, thread_id: str, ns: str, load: Sequence[str] = ID_FIELDS,
                 index: str = k.CHECKPOINT_INDEX, *extra: str) -> Iterator[dict[str, str]]:
        t, n = k.safe_id(thread_id), k.safe_ns(ns)
        q = k.query(k.tag("thread_id", t), k.tag("checkpoint_ns", n), *extra)
        return self._rows(index, q, load, t=t, ns=n)

    def _book(self, r: dict[str, str]) -> Bookkeeping:
        return Bookkeeping(
            checkpoint_id=r["id"], parent_id=k.from_safe_id(r.get("parent") or "") or None,
            ns=k.from_safe_ns(r.get("ns", k.EMPTY_NS)), metadata=_json(r.get("meta"), {}),
            ts=r.get("ts", ""), v=int(float(r.get("v") or 0)),
            channel_versions=_json(r.get("cv"), {}), versions_seen=_json(r.get("vs"), {}),
            updated_channels=_json(r.get("uc"), None) if "uc" in r else None,
        )

    # -- the Store interface --------------------------------------------------------------------
    def threads(self, where: Sequence[tuple[str, Any]] = (), limit: int | None = None, *,
                order: str = "newest", after: str | None = None) -> Iterator[ThreadRow]:
        """Heads from one aggregation (count and newest id per thread), then bounded batches."""
        steps = ["GROUPBY", 2, "@t", "@ns", "REDUCE", "COUNT", 0, "AS", "n",
                 "REDUCE", "FIRST_VALUE", 4, "@id", "BY", "@id", "DESC", "AS", "head"]
        heads = [(r["t"], int(r["n"]), r["head"]) for r in
                 rc.aggregate(self.client, k.CHECKPOINT_INDEX, k.tag("checkpoint_ns", k.EMPTY_NS), ID_FIELDS, steps)
                 if r.get("ns") == k.EMPTY_NS and r.get("t") is not None]
        if where:
            matched = self._matching(where)
            heads = [h for h in heads if h[0] in matched]
        if order == "id":
            heads = sorted((h for h in heads if after is None or k.from_safe_id(h[0]) > after),
                           key=lambda h: k.from_safe_id(h[0]))
        else:
            heads.sort(key=lambda h: h[0])
            heads.sort(key=lambda h: h[2], reverse=True)
        if limit:
            heads = heads[:limit]
        for i in range(0, len(heads), HEAD_BATCH):
            yield from self._head_rows(heads[i:i + HEAD_BATCH])

    def _matching(self, where: Sequence[tuple[str, Any]]) -> set[str]:
        """Threads (storage-safe ids) with, for each (key, value), a checkpoint whose metadata has it."""
        wanted = [(key, match_values(value)) for key, value in where]
        hits: dict[str, set[int]] = {}
        for r in rc.aggregate(self.client, k.CHECKPOINT_INDEX, "*", ("$.thread_id=t", "$.metadata=meta")):
            meta = _json(r.get("meta"), {})
            for i, (key, values) in enumerate(wanted):
                if key in meta and meta[key] in values:
                    hits.setdefault(r["t"], set()).add(i)
        return {t for t, found in hits.items() if len(found) == len(wanted)}

    def _head_rows(self, batch: list[tuple[str, int, str]]) -> list[ThreadRow]:
        """Heads by key (one pipeline of JSON.GET; channel values only where `next` needs them, as
        lgtt.nextnodes.needs_values says), their writes from one aggregation."""
        pipe = self.client.pipeline(transaction=False)
        for t, _, head in batch:
            pipe.execute_command("JSON.GET", k.checkpoint_key(t, "", head), *HEAD_PATHS)
        rows: dict[str, ThreadRow] = {}
        with_writes: set[str] = set()
        for (t, n, head), raw in zip(batch, pipe.execute(), strict=True):
            got = rc.json_reply(raw) if raw else None
            if not got:
                continue  # deleted since the aggregation
            field = {p: (v[0] if v else None) for p, v in got.items()}
            book = Bookkeeping(
                checkpoint_id=head, parent_id=k.from_safe_id(field["$.parent_checkpoint_id"] or "") or None, ns="",
                metadata=_json(field["$.metadata"], {}), ts=str(field["$.checkpoint.ts"] or ""),
                v=int(field["$.checkpoint.v"] or 0), channel_versions=field["$.checkpoint.channel_versions"] or {},
                versions_seen=field["$.checkpoint.versions_seen"] or {},
                updated_channels=field["$.checkpoint.updated_channels"])
            if field["$.has_writes"] is True:
                with_writes.add(t)
            rows[t] = ThreadRow(k.from_safe_id(t), n, book, [])
        self._complete([(t, r.head) for t, r in rows.items() if _needs_values(r.head)])
        if with_writes:
            heads = [rows[t].head.checkpoint_id for t in with_writes]
            q = k.query(k.tag("checkpoint_ns", k.EMPTY_NS), k.tag("checkpoint_id", *heads))
            for w in rc.aggregate(self.client, k.WRITE_INDEX, q, WRITE_FIELDS):
                row = rows.get(w["t"]) if w["t"] in with_writes else None
                if row is not None and w.get("ns") == k.EMPTY_NS and w["id"] == row.head.checkpoint_id:
                    pair = (w["task"], w["channel"])
                    if pair not in row.head_writes:
                        row.head_writes.append(pair)
        return list(rows.values())

    def thread_exists(self, thread_id: str) -> bool:
        t = k.safe_id(thread_id)
        return any(True for _ in self._rows(k.CHECKPOINT_INDEX, k.tag("thread_id", t), ("$.thread_id=t",), t=t))

    def bookkeeping(self, thread_id: str, ns: str = "") -> list[Bookkeeping]:
        rows = [self._book(r) for r in self._ns_rows(thread_id, ns, BOOK_FIELDS)]
        rows.sort(key=lambda b: b.checkpoint_id)
        return rows

    def complete(self, thread_id: str, rows: Sequence[Bookkeeping]) -> None:
        """Which channels hold values (the keys of channel_values) and the decoded internal ones."""
        self._complete([(k.safe_id(thread_id), r) for r in rows if r.present is None])

    def _complete(self, rows: Sequence[tuple[str, Bookkeeping]]) -> None:
        for i in range(0, len(rows), PIPE_BATCH):
            chunk = rows[i:i + PIPE_BATCH]
            pipe = self.client.pipeline(transaction=False)
            for t, b in chunk:
                pipe.execute_command("JSON.OBJKEYS", k.checkpoint_key(t, b.ns, b.checkpoint_id), VALUES)
            for (_, book), found in zip(chunk, pipe.execute(), strict=True):
                book.present = {c.decode() if isinstance(c, bytes) else c for c in (found[0] if found and found[0] else [])}
            self._internal(chunk)

    def _internal(self, rows: Sequence[tuple[str, Bookkeeping]]) -> None:
        """Decode the values of the internal channels (joins, Send packets, branches) rows hold."""
        wanted: list[tuple[Bookkeeping, list[str]]] = []
        pipe = self.client.pipeline(transaction=False)
        for t, book in rows:
            internal = sorted(c for c in book.present or () if c.startswith(VALUE_PREFIXES))
            if internal:
                key = k.checkpoint_key(t, book.ns, book.checkpoint_id)
                pipe.execute_command("JSON.GET", key, *[_value_path(c) for c in internal])
                wanted.append((book, internal))
        for (book, internal), raw in zip(wanted, pipe.execute() if wanted else [], strict=True):
            got = rc.json_reply(raw) if raw else None
            if not got:
                values = {}
            elif len(internal) == 1:
                values = {internal[0]: got[0]}
            else:
                values = {c: got[_value_path(c)][0] for c in internal if got.get(_value_path(c))}
            book.internal = self.serde._revive_if_needed(values)

    def checkpoint_ids(self, thread_id: str, ns: str = "") -> list[str]:
        return sorted(r["id"] for r in self._ns_rows(thread_id, ns))

    def checkpoint_ids_after(self, thread_id: str, ns: str, after: str) -> list[str]:
        """The namespace's checkpoint ids newer than `after` (what `--follow` polls for)."""
        return [c for c in self.checkpoint_ids(thread_id, ns) if c > after]

    def task_paths(self, thread_id: str, ns: str, checkpoint_id: str) -> list[str]:
        rows = self._ns_rows(thread_id, ns, ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id",
                                             "$.task_path=path"), k.WRITE_INDEX,
                             k.tag("checkpoint_id", k.safe_id(checkpoint_id)))
        return list(dict.fromkeys(r.get("path", "") for r in rows if r["id"] == k.safe_id(checkpoint_id)))

    def special_writes(self, thread_id: str, ns: str, checkpoint_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        wanted = set(checkpoint_ids) & self._with_writes(thread_id, ns)
        narrow = f"({k.tag('channel', *SPECIAL)} | {k.tag('task_id', k.NULL_TASK_ID)})"
        out: dict[str, list[tuple[str, str]]] = {}
        for r in self._ns_rows(thread_id, ns, WRITE_FIELDS, k.WRITE_INDEX, narrow):
            if r["id"] in wanted and (r["channel"] in SPECIAL or r["task"] == k.NULL_TASK_ID):
                out.setdefault(r["id"], []).append((r["task"], r["channel"]))
        return out

    def _with_writes(self, thread_id: str, ns: str) -> set[str]:
        """Checkpoints whose `has_writes` is set: RedisSaver's get_tuple loads no writes of the others
        (its put_writes can race the checkpoint's put and leave the flag false), so neither does lgtt."""
        return {r["id"] for r in self._ns_rows(thread_id, ns, (*ID_FIELDS, "$.has_writes=hw")) if _has_writes(r)}

    def namespaces(self, thread_id: str) -> dict[str, tuple[int, str | None]]:
        t = k.safe_id(thread_id)
        first: dict[str, tuple[int, str, str]] = {}
        q = k.query(k.tag("thread_id", t), f"-{k.tag('checkpoint_ns', k.EMPTY_NS)}")  # only subgraph rows
        for r in self._rows(k.CHECKPOINT_INDEX, q, (*ID_FIELDS, "$.metadata=meta"), t=t):
            if r["ns"] == k.EMPTY_NS:
                continue
            n, cid, meta = first.get(r["ns"], (0, r["id"], r.get("meta", "")))
            if r["id"] <= cid:
                cid, meta = r["id"], r.get("meta", "")
            first[r["ns"]] = (n + 1, cid, meta)
        return {k.from_safe_ns(ns): (n, (_json(meta, {}).get("parents") or {}).get(""))
                for ns, (n, _, meta) in sorted(first.items())}

    def expiry_note(self, thread_id: str, ns: str, checkpoint_id: str) -> str | None:
        """When the checkpoint's key expires (RedisSaver's TTL), as a note for `show`; None without a TTL."""
        ms = self.client.pttl(k.checkpoint_key(thread_id, ns, checkpoint_id))
        if ms is None or ms < 0:
            return None
        import datetime as dt

        when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(milliseconds=ms)
        return f"this checkpoint's Redis key expires in {_span(ms / 1000)} (at {when:%Y-%m-%d %H:%M:%S} UTC, TTL)"

    def get_tuple(self, thread_id: str, ns: str, checkpoint_id: str | None,
                  json_values: bool = False) -> CheckpointTuple | None:
        """Decoded by RedisSaver's own get_tuple (no id: the newest by id, as the timeline shows it)."""
        if not checkpoint_id:
            ids = self.checkpoint_ids(thread_id, ns)
            if not ids:
                return None
            checkpoint_id = ids[-1]
        conf = {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}
        return self.reader().get_tuple({"configurable": conf})

    def reader(self) -> Any:
        """A RedisSaver on this client that only reads: no setup(), no TTL config (so no refresh)."""
        if self._reader is None:
            from langgraph.checkpoint.redis import RedisSaver
            from langgraph.checkpoint.redis.key_registry import SyncCheckpointKeyRegistry

            saver = RedisSaver(redis_client=self.client)
            saver.serde = self.serde
            # what setup() does besides creating indexes: the write-key registry (read here only)
            saver._detect_cluster_mode()
            saver._key_registry = SyncCheckpointKeyRegistry(self.client)
            self._reader = saver
        return self._reader

    def saver(self) -> BaseCheckpointSaver:
        return self.reader()

    def iter_threads(self) -> Iterator[str]:
        steps = ["GROUPBY", 1, "@t"]
        for r in rc.aggregate(self.client, k.CHECKPOINT_INDEX, "*", ("$.thread_id=t",), steps):
            yield k.from_safe_id(r["t"])

    def latest_fork(self) -> str | None:
        """The thread of the newest fork checkpoint lgtt wrote, if any."""
        best: tuple[str, str] | None = None
        for r in rc.aggregate(self.client, k.CHECKPOINT_INDEX, "*", (*ID_FIELDS, "$.metadata=meta")):
            if "lgtt_fork" in (r.get("meta") or "") and "lgtt_fork" in _json(r.get("meta"), {}):
                if best is None or r["id"] > best[0]:
                    best = (r["id"], k.from_safe_id(r["t"]))
        return best[1] if best else None

    def writer(self) -> Any:
        """Fork support: copies documents in one MULTI/EXEC (see write.py)."""
        from lgtt.store.redis.write import RedisWriter

        return RedisWriter(self)

    @contextmanager
    def run_saver(self) -> Iterator[BaseCheckpointSaver]:
        """The official RedisSaver writing to this database (its setup() registers write keys as the
        app's does; see saver.py for the one race it closes)."""
        from lgtt.store.redis.saver import OrderedRedisSaver

        client = rc.connect(self.url)
        try:
            saver = OrderedRedisSaver(redis_client=client)
            saver.serde = self.serde
            saver.setup()
            yield saver
        finally:
            client.close()

    @asynccontextmanager
    async def async_run_saver(self) -> AsyncIterator[BaseCheckpointSaver]:
        """AsyncRedisSaver for graphs with async nodes."""
        from lgtt.store.redis.saver import OrderedAsyncRedisSaver

        async with OrderedAsyncRedisSaver.from_conn_string(self.url) as saver:
            saver.serde = self.serde
            await saver.asetup()
            yield saver

    def health(self) -> Any:
        from lgtt.store.redis import health

        return health

    def pruner(self, *, read_only: bool = False) -> Any:
        from lgtt.store.redis.prune import RedisPrune

        return RedisPrune(self, read_only)

    def transfer(self) -> Any:
        return None  # export and copy read SQLite and Postgres tables

    def close(self) -> None:
        self.client.close()
