"""REF parsing: an index into the timeline, `~N` from the head, a checkpoint id, or a unique prefix/suffix of one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lgtt.errors import NotFound, UsageError

MIN_PARTIAL = 6
SHORT_LEN = 12


def short_id(checkpoint_id: str) -> str:
    """The id as the timeline shows it: its last 12 hex digits (uuid6 ids share their start),
    longer if needed so that it holds a letter (an all-digit ref would read as an index)."""
    flat = checkpoint_id.replace("-", "")
    n = SHORT_LEN
    while n < len(flat) and flat[-n:].isdigit():
        n += 1
    return flat[-n:]


def split_thread_ref(text: str) -> tuple[str | None, str]:
    """`THREAD:REF` split at the last ':' (thread ids may contain ':'); a bare REF gives (None, REF)."""
    if ":" not in text:
        return None, text
    thread, ref = text.rsplit(":", 1)
    return thread, ref


def resolve(ref: str, ids: Sequence[str], thread_id: str) -> int:
    """The timeline index `ref` names among `ids` (oldest first)."""
    ref = ref.strip()
    if not ids:
        raise NotFound(f"thread {thread_id!r} has no checkpoints", "list threads with `lgtt threads`")
    if m := re.fullmatch(r"(?:head)?~(\d*)", ref, re.IGNORECASE):  # git-style: N steps before the head
        back = int(m.group(1) or 1)  # `~0` is the head, `~` alone is `~1`; `HEAD~N` the same
        n = len(ids)
        if back < n:
            return n - 1 - back
        raise NotFound(
            f"{ref} is out of range: thread {thread_id!r} has {n} checkpoints (~0..~{n - 1})",
            f"see `lgtt timeline {thread_id}`",
        )
    if re.fullmatch(r"[+-]?\d+", ref):
        i = int(ref)
        n = len(ids)
        if -n <= i < n:
            return i % n
        raise NotFound(
            f"index {i} is out of range: thread {thread_id!r} has {n} checkpoints (0..{n - 1}, or -1..-{n})",
            f"see `lgtt timeline {thread_id}`",
        )
    needle = ref.lower()
    if needle in ids:
        return ids.index(needle)
    compact = needle.replace("-", "")
    if len(compact) < MIN_PARTIAL or not re.fullmatch(r"[0-9a-f]+", compact):
        raise UsageError(
            f"bad ref {ref!r}",
            f"use an index (0, -1…), ~N (N steps before the head), a checkpoint id, or at least {MIN_PARTIAL} hex digits of one",
        )
    matches = [
        i for i, cid in enumerate(ids)
        if (flat := cid.replace("-", "")).startswith(compact) or flat.endswith(compact)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no checkpoint of thread {thread_id!r} matches {ref!r}", f"see `lgtt timeline {thread_id}`")
    shown = ", ".join(f"{i} ({short_id(ids[i])})" for i in matches[:5])
    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
    raise UsageError(
        f"ref {ref!r} is ambiguous in thread {thread_id!r}: it matches {len(matches)} checkpoints: {shown}{more}",
        "use more characters or an index",
    )
