"""Manual and automatic transitions of the stage state machine (pure functions).

Each function takes the current state, the plan, the time and an actor, and returns a
:class:`Transition`: the new state (``version + 1``) and the :class:`AuditEvent` to record
with it. Illegal transitions raise :class:`TransitionError` with a hint.

::

    baseline --promote--> stage 0 --promote--> stage 1 ... last stage --promote--> complete
    shadow|canary --pause--> paused --resume--> (same stage, paused time not counted)
    shadow|canary|paused --rollback--> rolled_back
    shadow|canary|paused|complete --kill--> rolled_back (all traffic to baseline at once)
    rolled_back|complete --reset--> baseline
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from switchover.rollout.metrics import ArmMetrics
from switchover.rollout.plan import RolloutPlan
from switchover.rollout.state import (
    HISTORY_LIMIT,
    Action,
    AuditEvent,
    RolloutState,
    StageVisit,
    Status,
    TransitionError,
    validate_actor,
)

__all__ = [
    "Transition",
    "kill",
    "pause",
    "promote",
    "record_gate_failure",
    "reset",
    "resume",
    "rollback",
]


@dataclass(frozen=True)
class Transition:
    """A new state and the audit event describing how it was reached."""

    state: RolloutState
    event: AuditEvent


def _check_plan(state: RolloutState, plan: RolloutPlan) -> None:
    if plan.migration != state.migration:
        raise ValueError(f"plan is for {plan.migration!r}, state for {state.migration!r}")
    if state.stage >= len(plan.stages):
        raise TransitionError(
            f"{state.migration}: state is at stage {state.stage + 1} but the plan has only "
            f"{len(plan.stages)} stages",
            hint="The plan changed under a running rollout; restore it or reset the rollout.",
        )


def _refuse(state: RolloutState, action: str, hint: str) -> TransitionError:
    return TransitionError(
        f"cannot {action} migration {state.migration!r}: it is {state.describe()}", hint=hint
    )


def _apply(
    state: RolloutState,
    *,
    now: datetime,
    actor: str,
    action: Action,
    reason: str,
    metrics: dict[str, Any] | None,
    new_stage_entered: bool,
    **changes: Any,
) -> Transition:
    validate_actor(actor)
    changes.setdefault("updated_at", now)
    if new_stage_entered:
        changes.setdefault("entered_at", now)
        changes.setdefault("failures", 0)
        changes.setdefault("paused_from", None)
        changes.setdefault("paused_at", None)
    new = state.model_copy(update={"version": state.version + 1, **changes})
    visit = StageVisit(
        at=now,
        status=new.status,
        stage=new.stage,
        percent=new.percent,
        shadow_percent=new.shadow_percent,
        action=action,
        actor=actor,
    )
    if action != "gate_failed":
        new = new.model_copy(update={"history": [*state.history, visit][-HISTORY_LIMIT:]})
    event = AuditEvent(
        at=now,
        migration=state.migration,
        actor=actor,
        action=action,
        from_status=state.status,
        from_stage=state.stage,
        from_percent=state.percent,
        to_status=new.status,
        to_stage=new.stage,
        to_percent=new.percent,
        reason=reason,
        metrics=metrics or {},
        version=new.version,
    )
    return Transition(new, event)


def _stage_fields(plan: RolloutPlan, index: int) -> dict[str, Any]:
    stage = plan.stages[index]
    if stage.kind == "shadow":
        return {"status": "shadow", "stage": index, "percent": 0.0, "shadow_percent": stage.percent}
    return {"status": "canary", "stage": index, "percent": stage.percent, "shadow_percent": 0.0}


def promote(
    state: RolloutState,
    plan: RolloutPlan,
    now: datetime,
    *,
    actor: str,
    reason: str = "",
    metrics: dict[str, Any] | None = None,
    baseline_reference: ArmMetrics | None = None,
) -> Transition:
    """Enter the next stage (from baseline: the first; from the last: complete)."""
    _check_plan(state, plan)
    if state.status == "paused":
        raise _refuse(state, "promote", "Resume it first: switchover rollout resume.")
    if state.status in ("complete", "rolled_back"):
        raise _refuse(state, "promote", "Use reset to start the ramp again from the baseline.")
    ref = baseline_reference if baseline_reference is not None else state.baseline_reference
    nxt = state.stage + 1
    if nxt >= len(plan.stages):
        fields: dict[str, Any] = {
            "status": "complete",
            "stage": len(plan.stages) - 1,
            "percent": 100.0,
            "shadow_percent": 0.0,
        }
    else:
        fields = _stage_fields(plan, nxt)
    return _apply(
        state,
        now=now,
        actor=actor,
        action="promote",
        reason=reason,
        metrics=metrics,
        new_stage_entered=True,
        baseline_reference=ref,
        **fields,
    )


def pause(state: RolloutState, now: datetime, *, actor: str, reason: str = "") -> Transition:
    """Freeze the current stage: traffic split unchanged, no automatic transitions."""
    if state.status not in ("shadow", "canary"):
        hint = (
            "It is already paused; use resume."
            if state.status == "paused"
            else "Only a running shadow or canary stage can be paused."
        )
        raise _refuse(state, "pause", hint)
    return _apply(
        state,
        now=now,
        actor=actor,
        action="pause",
        reason=reason,
        metrics=None,
        new_stage_entered=False,
        status="paused",
        paused_from=state.status,
        paused_at=now,
    )


def resume(state: RolloutState, now: datetime, *, actor: str, reason: str = "") -> Transition:
    """Continue a paused stage; the time spent paused does not count towards its duration."""
    if state.status != "paused" or state.paused_from is None or state.paused_at is None:
        raise _refuse(state, "resume", "Only a paused rollout can be resumed.")
    paused_for = now - state.paused_at
    return _apply(
        state,
        now=now,
        actor=actor,
        action="resume",
        reason=reason,
        metrics=None,
        new_stage_entered=False,
        status=state.paused_from,
        paused_from=None,
        paused_at=None,
        entered_at=state.entered_at + max(paused_for, timedelta(0)),
    )


def rollback(
    state: RolloutState,
    now: datetime,
    *,
    actor: str,
    reason: str = "",
    metrics: dict[str, Any] | None = None,
) -> Transition:
    """Return all traffic to the baseline and stop the ramp."""
    if state.status not in ("shadow", "canary", "paused"):
        hint = (
            "A completed rollout is reverted with kill."
            if state.status == "complete"
            else "Nothing to roll back: all traffic is on the baseline."
        )
        raise _refuse(state, "roll back", hint)
    return _to_baseline(state, now, actor=actor, action="rollback", reason=reason, metrics=metrics)


def kill(state: RolloutState, now: datetime, *, actor: str, reason: str = "") -> Transition:
    """Kill switch: all traffic (served and shadow) to the baseline at once, from any
    running, paused or completed state."""
    if state.status in ("baseline", "rolled_back"):
        raise _refuse(state, "kill", "All traffic is already on the baseline.")
    return _to_baseline(state, now, actor=actor, action="kill", reason=reason, metrics=None)


def _to_baseline(
    state: RolloutState,
    now: datetime,
    *,
    actor: str,
    action: Action,
    reason: str,
    metrics: dict[str, Any] | None,
) -> Transition:
    return _apply(
        state,
        now=now,
        actor=actor,
        action=action,
        reason=reason,
        metrics=metrics,
        new_stage_entered=True,
        status="rolled_back",
        percent=0.0,
        shadow_percent=0.0,
    )


def reset(state: RolloutState, now: datetime, *, actor: str, reason: str = "") -> Transition:
    """Start over: a rolled-back or completed rollout returns to baseline-only."""
    if state.status not in ("rolled_back", "complete"):
        raise _refuse(state, "reset", "Roll back or kill the rollout first.")
    status: Status = "baseline"
    return _apply(
        state,
        now=now,
        actor=actor,
        action="reset",
        reason=reason,
        metrics=None,
        new_stage_entered=True,
        status=status,
        stage=-1,
        percent=0.0,
        shadow_percent=0.0,
        baseline_reference=None,
    )


def record_gate_failure(
    state: RolloutState,
    now: datetime,
    *,
    actor: str,
    reason: str,
    metrics: dict[str, Any] | None = None,
) -> Transition:
    """Count one failed gate evaluation without leaving the stage."""
    if state.status not in ("shadow", "canary"):
        raise _refuse(state, "record a gate failure for", "Gates only run in shadow or canary.")
    return _apply(
        state,
        now=now,
        actor=actor,
        action="gate_failed",
        reason=reason,
        metrics=metrics,
        new_stage_entered=False,
        failures=state.failures + 1,
    )
