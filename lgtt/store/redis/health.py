"""`lgtt check` on Redis: parent links, writes without a checkpoint, writes RedisSaver cannot see,
latest pointers, metadata and DeltaChannel chains, read in bulk (one aggregation per thread and index)."""

from __future__ import annotations

from typing import Any

import orjson

from lgtt.store.redis import client as rc
from lgtt.store.redis import keys as k

CHECK_FIELDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id", "$.parent_checkpoint_id=parent",
                "$.metadata=meta", "$.has_writes=hw")
WRITE_IDS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id")
# Problems only Redis has (ops/check.py holds the advice for each).
HIDDEN_WRITES = "hidden_writes"
DANGLING_LATEST = "dangling_latest"
MISSING_LATEST = "missing_latest"


def check_thread_ids(store: Any) -> list[str]:
    ids = set(store.iter_threads())
    steps = ["GROUPBY", 1, "@t"]
    ids |= {k.from_safe_id(r["t"]) for r in rc.aggregate(store.client, k.WRITE_INDEX, "*", ("$.thread_id=t",), steps)}
    return sorted(ids)


def thread_known(store: Any, thread_id: str) -> bool:
    t = k.safe_id(thread_id)
    return store.thread_exists(thread_id) or any(
        True for _ in store._rows(k.WRITE_INDEX, k.tag("thread_id", t), ("$.thread_id=t",), t=t))


def _snapshots(store: Any, thread_id: str, rows: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(ns, id) -> the DeltaChannel keys holding a snapshot there, for checkpoints counting deltas."""
    asks = [(r, key) for r in rows for key in r["counters"]]
    out: dict[tuple[str, str], set[str]] = {}
    pipe = store.client.pipeline(transaction=False)
    for r, key in asks:
        quoted = key.replace("\\", "\\\\").replace('"', '\\"')
        pipe.execute_command("JSON.GET", k.checkpoint_key(thread_id, r["ns"], r["id"]),
                             f'$.checkpoint.channel_values["{quoted}"].__delta_snapshot__')
    for (r, key), raw in zip(asks, pipe.execute() if asks else [], strict=True):
        if raw and True in (rc.json_reply(raw) or []):
            out.setdefault((r["ns"], r["id"]), set()).add(key)
    return out


def check_thread(store: Any, thread_id: str, report: Any, internal: Any = None) -> None:
    t = k.safe_id(thread_id)
    rows = []
    for r in store._rows(k.CHECKPOINT_INDEX, k.tag("thread_id", t), CHECK_FIELDS, t=t):
        ns, cid = k.from_safe_ns(r["ns"]), r["id"]
        try:
            meta = orjson.loads(r.get("meta") or "{}")
        except orjson.JSONDecodeError as exc:
            report.bad_metadata(thread_id, ns, cid, str(exc))
            meta = {}
        counters = meta.get("counters_since_delta_snapshot") if isinstance(meta, dict) else None
        rows.append({"ns": ns, "id": cid, "parent": k.from_safe_id(r.get("parent") or "") or None,
                     "meta": meta if isinstance(meta, dict) else {}, "hw": r.get("hw") in ("true", "1"),
                     "counters": list(counters) if isinstance(counters, dict) else []})
    snaps = _snapshots(store, thread_id, rows)
    for r in rows:
        report.checkpoint(thread_id, r["ns"], r["id"], r["parent"], r["meta"], snaps.get((r["ns"], r["id"]), set()))
    flagged = {(r["ns"], r["id"]): r["hw"] for r in rows}
    hidden: dict[tuple[str, str], int] = {}
    for w in store._rows(k.WRITE_INDEX, k.tag("thread_id", t), WRITE_IDS, t=t):
        key = (k.from_safe_ns(w["ns"]), w["id"])
        report.write(thread_id, *key)
        if flagged.get(key) is False:
            hidden[key] = hidden.get(key, 0) + 1
    for (ns, cid), n in hidden.items():
        report.add(HIDDEN_WRITES, thread_id, ns, cid, f"{n} write(s) of this checkpoint, whose has_writes is false")
    _latest(store, thread_id, rows, report)


def _latest(store: Any, thread_id: str, rows: list[dict[str, Any]], report: Any) -> None:
    """Each namespace's checkpoint_latest pointer must name an existing checkpoint key."""
    namespaces = sorted({r["ns"] for r in rows})
    pointers = store.client.mget([k.latest_key(thread_id, ns) for ns in namespaces]) if namespaces else []
    targets = [p for p in pointers if p]
    pipe = store.client.pipeline(transaction=False)
    for p in targets:
        pipe.exists(p)
    exists = dict(zip(targets, pipe.execute() if targets else [], strict=True))
    for ns, pointer in zip(namespaces, pointers, strict=True):
        if not pointer:
            report.add(MISSING_LATEST, thread_id, ns, None, f"no {k.latest_key(thread_id, ns)} pointer")
        elif not exists.get(pointer):
            report.add(DANGLING_LATEST, thread_id, ns, None,
                       f"{k.latest_key(thread_id, ns)} names {pointer.decode(errors='replace')}, which does not exist")


# -- stats ---------------------------------------------------------------------------------------
def _memory(client: Any, keys: list[str]) -> list[int]:
    out: list[int] = []
    for i in range(0, len(keys), 1000):
        pipe = client.pipeline(transaction=False)
        for key in keys[i:i + 1000]:
            pipe.memory_usage(key)
        out += [n or 0 for n in pipe.execute()]
    return out


def stats(store: Any, top: int, sample: int) -> dict[str, Any]:
    """Bytes from Redis's own accounting: MEMORY USAGE per key (checkpoints, writes, registries,
    pointers) summed per thread, JSON.DEBUG MEMORY per state key in a sample of checkpoints (the heads first)."""
    client = store.client
    docs = list(rc.aggregate(client, k.CHECKPOINT_INDEX, "*", ID_AND_TS))
    writes = list(rc.aggregate(client, k.WRITE_INDEX, "*", (*WRITE_IDS, "$.task_id=task", "$.idx=idx")))
    cp_keys = [k.checkpoint_key(k.from_safe_id(r["t"]), k.from_safe_ns(r["ns"]), r["id"]) for r in docs]
    w_keys = [k.write_key(k.from_safe_id(w["t"]), k.from_safe_ns(w["ns"]), w["id"], w["task"], int(float(w["idx"])))
              for w in writes]
    extra = [k.write_zset_key(k.from_safe_id(r["t"]), k.from_safe_ns(r["ns"]), r["id"]) for r in docs]
    namespaces = sorted({(r["t"], r["ns"]) for r in docs})
    extra += [k.latest_key(k.from_safe_id(t), k.from_safe_ns(ns)) for t, ns in namespaces]
    cp_sizes, w_sizes = _memory(client, cp_keys), _memory(client, w_keys)
    x_sizes = _memory(client, extra)
    per: dict[str, dict[str, Any]] = {}

    def row(t: str) -> dict[str, Any]:
        return per.setdefault(t, {"thread_id": k.from_safe_id(t), "checkpoints": 0, "checkpoints_all_ns": 0,
                                  "writes": 0, "blobs": 0, "bytes": 0})

    largest = None
    for r, size in zip(docs, cp_sizes, strict=True):
        p = row(r["t"])
        p["checkpoints"] += r["ns"] == k.EMPTY_NS
        p["checkpoints_all_ns"] += 1
        p["bytes"] += size
        if largest is None or size > largest["bytes"]:
            largest = {"thread_id": k.from_safe_id(r["t"]), "checkpoint_ns": k.from_safe_ns(r["ns"]),
                       "checkpoint_id": r["id"], "bytes": size}
    for w, size in zip(writes, w_sizes, strict=True):
        p = row(w["t"])
        p["writes"] += 1
        p["bytes"] += size
    owners = [r["t"] for r in docs] + [t for t, _ in namespaces]
    for t, size in zip(owners, x_sizes, strict=True):
        row(t)["bytes"] += size
    per_key, sampled = _key_sizes(client, docs, sample)
    top_threads = sorted(per.values(), key=lambda p: (-p["bytes"], p["thread_id"]))
    total_cp = sum(cp_sizes)
    return {
        "size_bytes": int(client.info("memory")["used_memory"]),
        "threads": len({r["t"] for r in docs}), "checkpoints": len(docs), "writes": len(writes), "blobs": 0,
        "checkpoint_bytes_total": total_cp, "checkpoint_bytes_avg": round(total_cp / len(docs)) if docs else 0,
        "largest_checkpoint": largest, "top_threads": top_threads[:top], "per_key": per_key, "sampled": sampled,
        "method": f"JSON.DEBUG MEMORY of each state key in a sample of {sampled} checkpoint(s) (every thread's head "
                  "first); thread bytes are MEMORY USAGE of all its keys; database size is the server's used_memory",
    }


ID_AND_TS = ("$.thread_id=t", "$.checkpoint_ns=ns", "$.checkpoint_id=id")


def _key_sizes(client: Any, docs: list[dict[str, str]], sample: int) -> tuple[dict[str, list[int]], int]:
    heads: dict[str, dict[str, str]] = {}
    for r in docs:
        if r["ns"] == k.EMPTY_NS and (r["t"] not in heads or r["id"] > heads[r["t"]]["id"]):
            heads[r["t"]] = r
    chosen = list(heads.values())[:sample]
    chosen += [r for r in docs if r not in chosen][: max(0, sample - len(chosen))]
    keys = [k.checkpoint_key(k.from_safe_id(r["t"]), k.from_safe_ns(r["ns"]), r["id"]) for r in chosen]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.execute_command("JSON.OBJKEYS", key, "$.checkpoint.channel_values")
    names = [[c.decode() if isinstance(c, bytes) else c for c in (n[0] or [])] if n else [] for n in pipe.execute()]
    pipe = client.pipeline(transaction=False)
    asks = [(key, c) for key, chans in zip(keys, names, strict=True) for c in chans]
    for key, c in asks:
        quoted = c.replace("\\", "\\\\").replace('"', '\\"')
        pipe.execute_command("JSON.DEBUG", "MEMORY", key, f'$.checkpoint.channel_values["{quoted}"]')
    out: dict[str, list[int]] = {}
    for (_, c), got in zip(asks, pipe.execute() if asks else [], strict=True):
        size = got[0] if isinstance(got, list) and got else got
        out.setdefault(c, []).append(int(size or 0))
    return out, len(chosen)
