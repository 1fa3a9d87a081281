"""The official RedisSaver for `resume`, with one upstream race closed.

LangGraph puts a step's checkpoint and its tasks' writes concurrently. When RedisSaver's
put_writes runs first, its `has_writes` flag is overwritten by the checkpoint's put and get_tuple
no longer loads the writes: an interrupt or error of the resumed run would vanish. Here
put_writes waits (briefly) until its checkpoint's document exists; nothing else changes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langgraph.checkpoint.redis import AsyncRedisSaver, RedisSaver

WAIT_STEP = 0.005
WAIT_MAX = 5.0


def _key(saver: Any, config: Any) -> str:
    conf = config["configurable"]
    return saver._make_redis_checkpoint_key_cached(conf["thread_id"], conf.get("checkpoint_ns", ""),
                                                   conf["checkpoint_id"])


class OrderedRedisSaver(RedisSaver):
    def put_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
        key, waited = _key(self, config), 0.0
        while not self._redis.exists(key) and waited < WAIT_MAX:
            time.sleep(WAIT_STEP)
            waited += WAIT_STEP
        super().put_writes(config, writes, task_id, task_path)


class OrderedAsyncRedisSaver(AsyncRedisSaver):
    async def aput_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
        key, waited = _key(self, config), 0.0
        while not await self._redis.exists(key) and waited < WAIT_MAX:
            await asyncio.sleep(WAIT_STEP)
            waited += WAIT_STEP
        await super().aput_writes(config, writes, task_id, task_path)
