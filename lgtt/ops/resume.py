"""`lgtt resume`: run the user's graph forward from a thread's head (or replay from a REF).

It runs through LangGraph itself (`stream` / `astream` with the official savers), so
reducers, interrupts, retries of failed tasks and replay behave exactly as in the app.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lgtt.errors import LgttError, UsageError
from lgtt.jsonform import to_jsonable

# Metadata keys LangGraph (or lgtt) writes itself; the rest came from the run's configurable.
OWN_METADATA = {"source", "step", "parents", "writes", "counters_since_delta_snapshot", "run_id",
                "thread_id", "checkpoint_id", "checkpoint_ns", "lgtt_fork", "delta_writes_versioned"}


@dataclass
class StepRecord:
    node: str
    duration: float
    changed: list[str]
    error: str | None = None
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ResumeResult:
    thread_id: str
    status: str  # done | interrupted | pending | error
    checkpoint_id: str | None
    steps: list[StepRecord] = field(default_factory=list)
    next: list[str] = field(default_factory=list)
    interrupts: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    action: str = ""  # what was run: "continue", "answer", "replay from N", "new input", "nothing to resume"
    picked: str | None = None  # why this thread, when none was named

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["steps"] = [s.to_json() for s in self.steps]
        return d


def is_async_graph(graph: Any) -> bool:
    """True when some node only has an async implementation (it needs ainvoke and an async saver)."""
    for node in graph.nodes.values():
        bound = getattr(node, "bound", None)
        if getattr(bound, "func", "x") is None and getattr(bound, "afunc", None) is not None:
            return True
    return False


def recorded_configurable(metadata: dict[str, Any]) -> dict[str, Any]:
    """The configurable keys the last run passed (LangGraph copies them into checkpoint metadata)."""
    return {k: v for k, v in metadata.items()
            if k not in OWN_METADATA and not k.startswith(("__", "langgraph_")) and isinstance(v, (str, int, float, bool))}


def pick_thread(db: Any, thread_id: str | None) -> tuple[str, str | None]:
    """The thread to resume: the one named, or the most recent fork lgtt made (never any other)."""
    if thread_id:
        if not db.store.thread_exists(thread_id):
            raise LgttError(f"thread {thread_id!r} not found", "list threads with `lgtt threads`")
        return thread_id, None
    latest = db.store.latest_fork() if hasattr(db.store, "latest_fork") else None
    if latest is None:
        raise UsageError("no THREAD given and lgtt has made no fork in this database", "name the thread: lgtt resume THREAD")
    return latest, f"the most recent fork made by lgtt: {latest}"


def is_fork_head(db: Any, thread_id: str, live: Any) -> bool:
    """The thread's head is the fork checkpoint lgtt wrote (or the edit made on it), not yet run."""
    from lgtt.ops.fork import FORK_KEY

    source = live.metadata.get("source")
    if source == "fork":
        return FORK_KEY in live.metadata
    if source != "update" or not live.parent_id:
        return False
    parent = db.store.get_tuple(thread_id, "", live.parent_id)
    return parent is not None and FORK_KEY in (parent.metadata or {}) and parent.metadata.get("source") == "fork"


def answer_command(interrupts: list[dict[str, Any]], value: Any) -> Any:
    """`Command(resume=…)`: one pending interrupt takes the value; several need a map of id -> value."""
    from langgraph.types import Command

    if len(interrupts) > 1:
        ids = [i["id"] for i in interrupts]
        if not isinstance(value, dict) or not set(value) <= set(ids) or not value:
            raise UsageError(f"{len(ids)} interrupts are waiting", f"pass --answer as a JSON map of interrupt id -> value; ids: {', '.join(ids)}")
        return Command(resume=value)
    return Command(resume=value)


NO_ANSWER = object()  # `answer` not given (None itself is a valid answer)


def resume(db: Any, thread_id: str | None = None, *, from_ref: str | None = None, input: Any = None,
           answer: Any = NO_ANSWER, has_answer: bool | None = None, config: dict[str, Any] | None = None,
           context: dict[str, Any] | None = None, until: str | None = None,
           ask: Callable[[dict[str, Any]], Any] | None = None,
           on_step: Callable[[StepRecord], None] | None = None, force: bool = False) -> ResumeResult:
    """Run the graph forward; see the module docstring. `ask` prompts for an interrupt's answer.
    `answer` given (any value, None included) answers the pending interrupt(s); `has_answer=False`
    ignores it (the CLI passes it as it parsed --answer). A graph that does not match the thread is
    refused before anything runs, unless `force`."""
    if has_answer is None:
        has_answer = answer is not NO_ANSWER
    if answer is NO_ANSWER:
        answer = None
    graph = db.graph
    if graph is None:
        raise LgttError("resume needs the graph", "pass --graph path/to/file.py:graph (or set LGTT_GRAPH)")
    if until is not None and until not in graph.nodes:
        raise UsageError(f"--until {until!r} is not a node of the graph", f"nodes: {', '.join(n for n in graph.nodes if not n.startswith('__'))}")
    thread_id, picked = pick_thread(db, thread_id)
    db.check_graph(thread_id, write=True, force=force)
    live = db.check_types(thread_id, what=f"resuming {thread_id!r}")
    conf: dict[str, Any] = {**recorded_configurable(live.metadata), **((config or {}).get("configurable", config or {}))}
    conf["thread_id"] = thread_id
    run_input: Any = None
    if input is not None:
        run_input, action = input, "new input"
    elif from_ref is not None:
        index, ref_id = db.resolve(thread_id, from_ref)
        db.check_types(thread_id, index, what=f"replaying {thread_id!r} from {index}")
        conf.update(checkpoint_ns="", checkpoint_id=ref_id)
        action = f"replay from {index}"
    elif live.interrupts:
        if not has_answer:
            if ask is None:
                raise UsageError(f"thread {thread_id!r} is waiting at an interrupt", "pass --answer JSON (see the payload with `lgtt show THREAD`)")
            answer = {i["id"]: ask(i) for i in live.interrupts} if len(live.interrupts) > 1 else ask(live.interrupts[0])
        run_input, action = answer_command(live.interrupts, answer), "answer"
    elif has_answer:
        fork = (live.metadata or {}).get("lgtt_fork") if live.metadata.get("source") == "fork" else None
        hint = ("a fork re-runs its checkpoint's tasks first: resume without --answer, and answer the "
                "interrupt when it fires again" if fork else "resume without --answer (see `lgtt show THREAD`)")
        raise UsageError(f"thread {thread_id!r} has no pending interrupt to answer", hint)
    elif not live.next and not any(t.error for t in live.tasks):
        return ResumeResult(thread_id, "done", live.checkpoint_id, action="nothing to resume", picked=picked)
    else:
        action = "continue"
        if is_fork_head(db, thread_id, live):
            # The second half of LangGraph's replay: addressing the fork head makes its
            # `checkpointer=True` subgraphs load their state as of REF and take this step's input.
            conf.update(checkpoint_ns="", checkpoint_id=live.checkpoint_id)
    result = ResumeResult(thread_id, "pending", None, action=action, picked=picked)
    kwargs: dict[str, Any] = {"stream_mode": "tasks"}
    if until:
        kwargs["interrupt_before"] = [until]
    if context is not None:
        kwargs["context"] = context
    run_config = {"configurable": conf}
    try:
        if is_async_graph(graph):
            asyncio.run(_run_async(db, run_input, run_config, kwargs, result, on_step))
        else:
            with db.store.run_saver() as saver:
                from lgtt.graphs import with_saver

                _consume(with_saver(graph, saver).stream(run_input, run_config, **kwargs), result, on_step)
    except LgttError:
        raise
    except Exception as exc:  # the user's node raised: LangGraph kept what succeeded
        result.error = f"{type(exc).__name__}: {exc}"
    _finish(db, result)
    return result


def _consume(events: Any, result: ResumeResult, on_step: Callable[[StepRecord], None] | None) -> None:
    started: dict[str, float] = {}
    for event in events:
        _handle(event, started, result, on_step)


async def _run_async(db: Any, run_input: Any, run_config: dict[str, Any], kwargs: dict[str, Any],
                     result: ResumeResult, on_step: Callable[[StepRecord], None] | None) -> None:
    from lgtt.graphs import with_saver

    async with db.store.async_run_saver() as saver:
        started: dict[str, float] = {}
        async for event in with_saver(db.graph, saver).astream(run_input, run_config, **kwargs):
            _handle(event, started, result, on_step)


def _handle(event: Any, started: dict[str, float], result: ResumeResult, on_step: Callable[[StepRecord], None] | None) -> None:
    if not isinstance(event, dict) or "id" not in event:
        return
    if "input" in event:
        started[event["id"]] = time.perf_counter()
        return
    t0 = started.pop(event["id"], time.perf_counter())
    out = event.get("result")
    changed = [k for k, _ in out] if isinstance(out, list) else list(out) if isinstance(out, dict) else []
    step = StepRecord(
        node=event.get("name", "?"), duration=round(time.perf_counter() - t0, 4), changed=changed,
        error=None if event.get("error") is None else str(event["error"]), interrupted=bool(event.get("interrupts")),
    )
    if step.node.startswith("__"):
        return
    result.steps.append(step)
    if on_step:
        on_step(step)


def _finish(db: Any, result: ResumeResult) -> None:
    """The thread's state after the run, through LangGraph's live view."""
    view = db.show(result.thread_id)
    result.checkpoint_id = view.checkpoint_id
    result.next = view.next
    result.interrupts = [{"id": i["id"], "value": to_jsonable(i["value"])} for i in view.interrupts]
    errors = [t.error for t in view.tasks if t.error]
    if result.error or errors:
        result.status = "error"
        result.error = result.error or errors[0]
    elif result.interrupts:
        result.status = "interrupted"
    else:
        result.status = "pending" if view.next else "done"
