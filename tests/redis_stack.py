"""A Redis Stack server for tests: LGTT_TEST_REDIS_URL, or one started by scripts/redis-stack.sh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "redis-stack.sh"
NEEDED_MODULES = {"ReJSON", "search"}


def missing_modules(url: str) -> str | None:
    """None when the server at `url` answers with RedisJSON and RediSearch loaded, else why not."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        names = {m[b"name"].decode() for m in client.module_list()}
    except redis.RedisError as exc:
        return f"no Redis Stack at {url} ({exc})"
    lacking = NEEDED_MODULES - names
    return f"the Redis at {url} lacks the modules {sorted(lacking)}" if lacking else None


def start() -> tuple[str | None, str | None, str | None]:
    """(url, port to stop or None, why not). Uses LGTT_TEST_REDIS_URL when it is set."""
    url = os.environ.get("LGTT_TEST_REDIS_URL")
    if url:
        return url, None, missing_modules(url)
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True,
                          env={**os.environ, "PYTHON": sys.executable, "LGTT_REDIS_OWNER_PID": str(os.getpid())},
                          timeout=600)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, None, f"scripts/redis-stack.sh could not start Redis Stack ({tail})"
    url = proc.stdout.strip()
    return url, url.rsplit(":", 1)[1], missing_modules(url)


def stop(port: str) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", port], capture_output=True, timeout=60)
