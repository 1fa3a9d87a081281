"""Redis (RedisSaver on a Redis Stack): lgtt `--db redis://…` vs LangGraph's API through RedisSaver.

One throw-away Redis Stack server (scripts/redis-stack.sh, no persistence) holds, in turn:

  big       the thread `big` of 10,000 root checkpoints (one invoke of bench_graph, as build_data)
            lgtt CLI   `python -m lgtt --db URL --graph bench_graph.py:graph timeline big --all --json`
            lgtt CLI, no graph   the same without --graph
            get_state_history    `list(graph.get_state_history(config))`, graph compiled with RedisSaver
  threads   10,000 threads x 10 checkpoints (100 written by the graph, the rest key-for-key copies
            under new thread ids, as build_data does with SQL)
            lgtt CLI   `python -m lgtt --db URL threads --json`
            saver.list(None)   every CheckpointTuple grouped by thread in Python (as bench_threads)

Every method reads the same data in the same run; compare the ratios. Peak RSS as in benchlib.

    python bench/bench_redis.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import benchlib as b
import build_data as data

THIS = Path(__file__).resolve()
SCRIPT = b.REPO / "scripts" / "redis-stack.sh"
CONFIG = {"configurable": {"thread_id": data.BIG_THREAD}}
TARGET_SPEEDUP = 10.0
TARGET_THREADS_S = 1.0
REPEAT = 3


# -- the server ----------------------------------------------------------------------------------
def start_server() -> str:
    env = {**os.environ, "PYTHON": sys.executable, "LGTT_REDIS_OWNER_PID": str(os.getpid())}
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"Redis Stack did not start: {proc.stderr.strip()[-500:]}")
    return proc.stdout.strip()


def stop_server(url: str) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", url.rsplit(":", 1)[1]], capture_output=True, timeout=60)


def saver(url: str) -> Any:
    from langgraph.checkpoint.redis import RedisSaver

    s = RedisSaver(redis_url=url)
    s.setup()
    return s


def flush(url: str) -> None:
    import redis

    with redis.Redis.from_url(url, socket_timeout=600) as client:
        client.flushall(asynchronous=True)


def memory_mb(url: str) -> float:
    import redis

    with redis.Redis.from_url(url) as client:
        return client.info("memory")["used_memory"] / 2**20


# -- data ------------------------------------------------------------------------------------------
def build_big(url: str) -> float:
    t0 = time.perf_counter()
    data.run_big(saver(url))
    return time.perf_counter() - t0


def build_threads(url: str) -> float:
    """100 template threads by the graph, 9,900 copies of their keys (documents' thread_id renamed)."""
    import redis

    t0 = time.perf_counter()
    data.run_templates(saver(url))
    copies: dict[str, list[str]] = {}
    for new, tpl in data._copy_map():
        copies.setdefault(tpl, []).append(new)
    with redis.Redis.from_url(url) as client:
        for tpl, news in copies.items():
            keys = list(client.scan_iter(match=f"*:{tpl}:*", count=1000))
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.type(key)
            kinds = pipe.execute()
            pipe = client.pipeline(transaction=False)
            for key, kind in zip(keys, kinds, strict=True):
                pipe.execute_command("JSON.GET", key, "$") if kind == b"ReJSON-RL" else \
                    pipe.zrange(key, 0, -1, withscores=True) if kind == b"zset" else pipe.get(key)
            values = pipe.execute()
            for new in news:
                pipe = client.pipeline(transaction=False)
                for key, kind, value in zip(keys, kinds, values, strict=True):
                    dst = key.decode().replace(f":{tpl}:", f":{new}:", 1)
                    if kind == b"ReJSON-RL":
                        doc = json.loads(value)[0]
                        doc["thread_id"] = new
                        pipe.execute_command("JSON.SET", dst, "$", json.dumps(doc))
                    elif kind == b"zset":
                        pipe.zadd(dst, {m.decode().replace(f":{tpl}:", f":{new}:", 1): s for m, s in value})
                    else:
                        pipe.set(dst, value.decode().replace(f":{tpl}:", f":{new}:", 1))
                pipe.execute()
    return time.perf_counter() - t0


# -- child modes (fresh interpreters: their own peak RSS) --------------------------------------------
def child_history(url: str) -> None:
    from bench_graph import builder

    graph = builder.compile(checkpointer=saver(url))
    t0 = time.perf_counter()
    history = list(graph.get_state_history(CONFIG))
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(history)}))


def child_saver_list(url: str) -> None:
    s = saver(url)
    t0 = time.perf_counter()
    threads: dict[str, dict] = {}
    for tup in s.list(None):
        conf = tup.config["configurable"]
        if conf.get("checkpoint_ns"):
            continue
        t = threads.setdefault(conf["thread_id"], {"n": 0, "head": ""})
        t["n"] += 1
        t["head"] = max(t["head"], conf["checkpoint_id"])
    rows = sorted(threads.items(), key=lambda kv: kv[1]["head"], reverse=True)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(rows)}))


# -- measurements ------------------------------------------------------------------------------------
def lgtt_cli(url: str, args: list[str], label: str, expect: int) -> b.Result:
    out = data.OUT / "redis.json"
    data.OUT.mkdir(parents=True, exist_ok=True)
    runs = b.repeat(lambda: b.run_child([*b.LGTT, "--db", url, *args], stdout_file=out), REPEAT)
    rows = len(json.loads(out.read_text()))
    out.unlink()
    if rows != expect:
        raise RuntimeError(f"{label} gave {rows} rows, expected {expect}")
    return b.Result(label, runs, f"{rows} rows")


def timeline(url: str) -> tuple[list[b.Result], list[list[str]], str]:
    b.say("redis: building big")
    built = build_big(url)
    mem = memory_mb(url)
    tl = ["timeline", data.BIG_THREAD, "--all", "--json"]
    b.say("redis: lgtt timeline")
    cli = lgtt_cli(url, ["--graph", b.GRAPH_SPEC, *tl], "lgtt CLI timeline --all --json", data.BIG_CHECKPOINTS)
    bare = lgtt_cli(url, tl, "lgtt CLI timeline --all --json (no --graph)", data.BIG_CHECKPOINTS)
    b.say("redis: get_state_history (slow)")
    hist = b.Result("list(graph.get_state_history()) via RedisSaver",
                    b.repeat(lambda: b.run_py_child(THIS, ["--child-history", url]), 1))
    hist.note = f"{hist.runs[0].info['rows']} snapshots"
    ratios = [["redis", "get_state_history / lgtt CLI (end to end)", b.fmt_ratio(hist.wall, cli.wall),
               b.check(hist.wall / cli.wall >= TARGET_SPEEDUP) + f" (target >= {TARGET_SPEEDUP:.0f}x)"],
              ["redis", "get_state_history peak / lgtt CLI peak", b.fmt_ratio(hist.peak_mb, cli.peak_mb), ""],
              ["redis", "lgtt CLI peak RSS", b.fmt_mb(cli.peak_mb), ""]]
    return [cli, bare, hist], ratios, f"build {built:.0f} s, Redis used_memory {mem:.0f} MB"


def threads(url: str) -> tuple[list[b.Result], list[list[str]], str]:
    b.say("redis: building threads")
    built = build_threads(url)
    mem = memory_mb(url)
    b.say("redis: lgtt threads")
    cli = lgtt_cli(url, ["threads", "--json"], "lgtt CLI threads --json", data.THREADS)
    b.say("redis: saver.list(None) (slow)")
    lst = b.Result("saver.list(None) grouped in Python",
                   b.repeat(lambda: b.run_py_child(THIS, ["--child-saver-list", url]), 1))
    lst.note = f"{lst.runs[0].info['rows']} threads"
    ratios = [["redis", "lgtt CLI threads wall", b.fmt_s(cli.wall),
               b.check(cli.wall < TARGET_THREADS_S) + f" (target < {TARGET_THREADS_S:.0f} s)"],
              ["redis", "saver.list grouping / lgtt CLI (end to end)", b.fmt_ratio(lst.wall, cli.wall), ""],
              ["redis", "lgtt CLI peak RSS", b.fmt_mb(cli.peak_mb), ""]]
    return [cli, lst], ratios, f"build {built:.0f} s, Redis used_memory {mem:.0f} MB"


def run(args: argparse.Namespace) -> str:
    global REPEAT
    REPEAT = args.repeat
    url = start_server()
    try:
        parts = []
        for i, (title, fn) in enumerate(((f"Timeline: thread `big`, {data.BIG_CHECKPOINTS:,} checkpoints", timeline),
                                         (f"Threads: {data.THREADS:,} threads x {data.PER_THREAD} checkpoints", threads))):
            if i:
                flush(url)
            res, ratios, note = fn(url)
            parts.append(b.section(f"Redis {title} ({note})", [("redis", r) for r in res], ratios))
            b.say("\n" + parts[-1])  # on stderr as soon as measured
        return "\n\n".join(parts)
    finally:
        stop_server(url)


def main(argv: list[str] | None = None) -> None:
    b.bench_main(__doc__, run, {"history": (("URL",), child_history),
                                "saver-list": (("URL",), child_saver_list)}, None, argv)


if __name__ == "__main__":
    main()
