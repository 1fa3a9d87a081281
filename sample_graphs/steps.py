"""Recoverable step loop (tutorial): step_processor loops, step 2 fails once, error_handler recovers."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

FAILING_STEP = 2


class StepState(TypedDict, total=False):
    task_id: str
    steps_completed: list[str]
    current_step: int
    total_steps: int
    recovery_info: dict
    error_info: dict


def step_processor(state: StepState) -> dict[str, Any]:
    """Do the next step; step FAILING_STEP fails the first time it is attempted."""
    current = state.get("current_step", 0)
    total = state.get("total_steps", 3)
    if current >= total:
        return {}
    step = current + 1
    history = (state.get("recovery_info") or {}).get("error_history", [])
    if step == FAILING_STEP and not any(e.get("step") == step for e in history):
        return {
            "error_info": {
                "error_type": "processing_error",
                "error_message": f"step {step} failed",
                "step": step,
            }
        }
    return {
        "steps_completed": [*state.get("steps_completed", []), f"step_{step}_done"],
        "current_step": step,
    }


def error_handler(state: StepState) -> dict[str, Any]:
    """Clear the error and record it in the recovery history."""
    error = state.get("error_info") or {}
    if not error:
        return {}
    info = dict(state.get("recovery_info") or {})
    info["error_history"] = [*info.get("error_history", []), error]
    return {"error_info": {}, "recovery_info": info}


def complete(state: StepState) -> dict[str, Any]:
    """Final no-op node."""
    return {}


def route(state: StepState) -> Literal["continue", "error_handler", "complete"]:
    if state.get("error_info"):
        return "error_handler"
    if state.get("current_step", 0) < state.get("total_steps", 3):
        return "continue"
    return "complete"


builder = StateGraph(StepState)
builder.add_node("step_processor", step_processor)
builder.add_node("error_handler", error_handler)
builder.add_node("complete", complete)
builder.add_edge(START, "step_processor")
builder.add_conditional_edges(
    "step_processor",
    route,
    {"continue": "step_processor", "error_handler": "error_handler", "complete": "complete"},
)
builder.add_edge("error_handler", "step_processor")
builder.add_edge("complete", END)

graph = builder.compile()


def scenario(app: Any, thread_prefix: str) -> list[str]:
    """Run a 4-step task to completion (one failure + recovery on the way)."""
    tid = f"{thread_prefix}-1"
    app.invoke(
        {
            "task_id": "demo_task",
            "steps_completed": [],
            "current_step": 0,
            "total_steps": 4,
            "recovery_info": {},
            "error_info": {},
        },
        {"configurable": {"thread_id": tid}},
    )
    return [tid]
