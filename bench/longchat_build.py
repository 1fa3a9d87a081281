"""Build the long chat fast: one thread whose `add_messages` list grows by one message per step.

Running `growing_messages.graph` for 10,000 steps re-serializes the whole list at every step
(O(N²) message encodings, about 12 GB of rows). This writes the same rows directly: a real run
of the graph gives the first checkpoints, their writes and the message encoding; then every
further step's row is what SqliteSaver writes for it — the checkpoint map with its channel
values spliced from each message's msgpack bytes (msgpack is context-free: a list's bytes are its
header and its elements' bytes, see lgtt/store/msgsplit.py), LangGraph's version strings, uuid6
ids, metadata as SqliteSaver dumps it, and the task's writes under LangGraph's task id
(lgtt.tasks.task_hash, which the test suite checks against LangGraph). The first message's
`target` (which only the graph's router reads) is the template run's.
`check()` compares the result with get_state_history on a small build.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

THREAD = "long-chat"  # growing_messages.THREAD (imported with LangGraph only when building)
TEMPLATE = 4  # growing_messages.build's size of the real run (3 rows)
PULL_PATH = "~__pregel_pull, respond"
BRANCH = "branch:to:respond"


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes([0x90 | n])
    if n < 1 << 16:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def _version(n: int) -> str:
    return f"{n:032}.{random.random():016}"  # SqliteSaver.get_next_version


def build(path: Path, checkpoints: int) -> None:
    """`checkpoints` rows in thread `long-chat` of a new SqliteSaver database at `path`."""
    import growing_messages
    from langchain_core.messages import AIMessage
    from langgraph.checkpoint.base.id import uuid6
    from langgraph.checkpoint.sqlite import SqliteSaver

    from lgtt.store import msgsplit
    from lgtt.store.scan import _unpacker
    from lgtt.tasks import task_hash

    assert checkpoints >= 3
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    growing_messages.build(saver, TEMPLATE)  # rows: input, __start__ ([h-0]), one reply (the head)
    serde = saver.serde
    ids = [r[0] for r in conn.execute("SELECT checkpoint_id FROM checkpoints ORDER BY checkpoint_id")]
    (head,) = conn.execute("SELECT checkpoint FROM checkpoints WHERE checkpoint_id = ?", (ids[-1],)).fetchone()
    fields, _, values = msgsplit.split(head)
    u = _unpacker(values["messages"])
    elems = []
    for _ in range(u.read_array_header()):
        start = u.tell()
        u.skip()
        elems.append(values["messages"][start : u.tell()])
    # The head and the writes that made it are rebuilt below, as a step that goes on.
    conn.execute("DELETE FROM checkpoints WHERE checkpoint_id = ?", (ids[-1],))
    conn.execute("DELETE FROM writes WHERE checkpoint_id = ?", (ids[-2],))
    body = bytearray(b"".join(elems[:-1]))
    count = len(elems) - 1
    versions = {"__start__": fields["channel_versions"]["__start__"]}
    seen_start = fields["versions_seen"]["__start__"]
    msg_version = fields["versions_seen"]["respond"][BRANCH]  # the branch version the parent holds
    n_version = int(msg_version.split(".")[0])
    parent = ids[-2]
    first_step = len(ids) - 2
    conn.commit()
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    for step in range(first_step, checkpoints - 1):
        last = step == checkpoints - 2
        msg = _message_bytes(serde, AIMessage, count)
        body += msg
        count += 1
        n_version += 1
        new = _version(n_version)
        cid = str(uuid6(clock_seq=step))
        cp = {"v": 4, "ts": datetime.now(timezone.utc).isoformat(), "id": cid,
              "channel_versions": {**versions, "messages": new, BRANCH: new},
              "versions_seen": {"__input__": {}, "__start__": seen_start, "respond": {BRANCH: msg_version}},
              "updated_channels": ["messages"] if last else [BRANCH, "messages"]}
        vals = {"messages": _array_header(count) + bytes(body)}
        if not last:
            vals[BRANCH] = b"\xc0"
        blob = msgsplit.join(cp, vals)
        meta = json.dumps({"source": "loop", "step": step, "parents": {}}, ensure_ascii=False).encode()
        conn.execute("INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, "
                     "checkpoint, metadata) VALUES (?, '', ?, ?, 'msgpack', ?, ?)", (THREAD, cid, parent, blob, meta))
        # The writes of the task that ran from the parent (step - 1 -> step): its new message (+ the branch).
        task = task_hash(4, bytes.fromhex(parent.replace("-", "")), "respond", str(step), "respond",
                         "__pregel_pull", BRANCH)
        writes = [(THREAD, parent, task, PULL_PATH, 0, "messages", "msgpack", _array_header(1) + msg)]
        if not last:
            writes.append((THREAD, parent, task, PULL_PATH, 1, BRANCH, "null", b""))
        conn.executemany("INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, "
                         "channel, type, value) VALUES (?, '', ?, ?, ?, ?, ?, ?, ?)", writes)
        parent, msg_version = cid, new
        if step % 100 == 0:  # bounded transactions keep the -wal file small (12 GB at 10k otherwise)
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.close()


_MESSAGES: dict[int, bytes] = {}


def _message_bytes(serde: Any, cls: Any, n: int) -> bytes:
    """The msgpack bytes of the reply the graph's node gives to a list of `n` messages."""
    if n not in _MESSAGES:
        msg = cls(content=f"reply {n}: " + "lorem ipsum dolor sit amet " * 2, id=f"ai-{n}")
        _MESSAGES[n] = serde.dumps_typed(msg)[1]
    return _MESSAGES[n]


def check(path: Path) -> None:
    """The built thread reads back through LangGraph as a real run would: every step's state holds
    one more message, every non-head snapshot has its task's result (writes under the right ids)."""
    import growing_messages
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(path, check_same_thread=False)
    app = growing_messages.builder.compile(checkpointer=SqliteSaver(conn))
    snaps = list(reversed(list(app.get_state_history({"configurable": {"thread_id": THREAD}}))))
    for i, s in enumerate(snaps[1:], start=1):
        assert len(s.values["messages"]) == i, (i, len(s.values["messages"]))
        assert s.values["messages"][-1].id == ("h-0" if i == 1 else f"ai-{i - 1}")
        if i < len(snaps) - 1:
            assert s.next == ("respond",) and s.tasks[0].result is not None, i
        else:
            assert s.next == () and not s.tasks
    conn.close()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    build(target, int(sys.argv[2]))
    if len(sys.argv) > 3:
        check(target)
        print("check passed")
