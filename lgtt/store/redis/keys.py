"""The key layout and index names of `langgraph-checkpoint-redis` (RedisSaver 0.5), as named constants.

checkpoint:{thread}:{ns}:{id}                     RedisJSON: the checkpoint, values inline
checkpoint_write:{thread}:{ns}:{id}:{task}:{idx}  RedisJSON: one pending write (blob base64)
write_keys_zset:{thread}:{ns}:{id}                sorted set: that checkpoint's write keys
checkpoint_latest:{thread}:{ns}                   string: the key of the newest checkpoint put

Ids and namespaces go into keys unescaped (a ':' in a thread id stays a ':'), so keys are built,
never parsed: every read takes thread, namespace and id from the documents' own fields. An
empty namespace is stored as `__empty__`, an empty id as the all-zero UUID. The indexes' TAG
fields are case-insensitive and split at ',': a tag query finds candidates, the fields decide.
"""

from __future__ import annotations

CHECKPOINT_PREFIX = "checkpoint"
WRITE_PREFIX = "checkpoint_write"
LATEST_PREFIX = "checkpoint_latest"
WRITE_ZSET_PREFIX = "write_keys_zset"
SEP = ":"
CHECKPOINT_INDEX = "checkpoint"  # FT index over checkpoint:* (fields thread_id, checkpoint_ns, checkpoint_id, …)
WRITE_INDEX = "checkpoint_write"  # FT index over checkpoint_write:* (… task_id, idx, channel, type)
EMPTY_NS = "__empty__"
EMPTY_ID = "00000000-0000-0000-0000-000000000000"
NULL_TASK_ID = EMPTY_ID  # the task id of Command(update=…) writes


def safe_ns(ns: str) -> str:
    return ns if ns else EMPTY_NS


def safe_id(value: str) -> str:
    return value if value else EMPTY_ID


def from_safe_ns(ns: str) -> str:
    return "" if ns == EMPTY_NS else ns


def from_safe_id(value: str) -> str:
    return "" if value == EMPTY_ID else value


def checkpoint_key(thread_id: str, ns: str, checkpoint_id: str) -> str:
    return SEP.join((CHECKPOINT_PREFIX, safe_id(thread_id), safe_ns(ns), safe_id(checkpoint_id)))


def latest_key(thread_id: str, ns: str) -> str:
    return SEP.join((LATEST_PREFIX, safe_id(thread_id), safe_ns(ns)))


def write_zset_key(thread_id: str, ns: str, checkpoint_id: str) -> str:
    return SEP.join((WRITE_ZSET_PREFIX, safe_id(thread_id), safe_ns(ns), safe_id(checkpoint_id)))


def write_key(thread_id: str, ns: str, checkpoint_id: str, task_id: str, idx: int) -> str:
    return SEP.join((WRITE_PREFIX, safe_id(thread_id), safe_ns(ns), safe_id(checkpoint_id), task_id, str(idx)))


def _escape(term: str) -> str:
    """A tag value as RediSearch query text: every ASCII character but letters, digits and '_' escaped."""
    return "".join(c if c.isalnum() or c == "_" or ord(c) > 127 else "\\" + c for c in term)


def tag(field: str, *values: str) -> str:
    """A query clause matching documents whose TAG `field` may equal one of `values` (a superset:
    tags are case-insensitive and split at ','; callers compare the fields exactly)."""
    terms = []
    for value in values:
        pieces = [p.strip() for p in value.split(",")]
        best = max(pieces, key=len)
        if not best:
            return "*"  # nothing to search by: every document is a candidate
        terms.append(_escape(best))
    return f"@{field}:{{{' | '.join(terms)}}}"


def query(*clauses: str) -> str:
    """Clauses ANDed; "*" (match all) where none narrows the search."""
    parts = [c for c in clauses if c != "*"]
    return " ".join(parts) if parts else "*"
