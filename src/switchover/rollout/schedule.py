"""A ramp that finishes before the deadline, and a warning when the rollout falls behind.

When the stages' nominal durations do not fit between the start and the deadline, every
stage is shortened by the same factor, except that no stage goes below its floor
(``Stage.min_duration``, default a quarter of its duration); the time this saves on
pinned stages is taken proportionally from the others (water-filling). When even the
floors do not fit, the schedule is marked infeasible and says by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from switchover.rollout.plan import RolloutPlan, format_duration
from switchover.rollout.state import RolloutState

__all__ = [
    "Schedule",
    "ScheduledStage",
    "behind_schedule",
    "compress",
    "compute_schedule",
    "required_duration",
]


class ScheduledStage(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    label: str
    start: datetime
    end: datetime
    duration: timedelta
    nominal: timedelta
    floor: timedelta


class Schedule(BaseModel):
    """Stage-by-stage timetable. ``factor`` is the compression applied to unpinned stages
    (1.0 = nominal); ``feasible`` is False when even the floors miss the deadline."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    deadline: datetime | None
    stages: list[ScheduledStage]
    factor: float
    feasible: bool
    compressed: bool
    message: str


def compress(
    nominal: Sequence[timedelta], floors: Sequence[timedelta], available: timedelta
) -> tuple[list[timedelta], float, bool]:
    """Durations fitting ``available``: ``(durations, factor, feasible)``.

    ``durations[i] = max(floors[i], factor * nominal[i])`` with the largest ``factor <= 1``
    whose total fits; infeasible (floors returned) when ``sum(floors) > available``.
    """
    if len(nominal) != len(floors):
        raise ValueError("nominal and floors differ in length")
    zero = timedelta(0)
    total = sum(nominal, zero)
    if total <= available:
        return list(nominal), 1.0, True
    if sum(floors, zero) > available:
        return list(floors), 0.0, False
    pinned: set[int] = set()
    factor = 1.0
    while True:
        free = [i for i in range(len(nominal)) if i not in pinned]
        free_nominal = sum((nominal[i] for i in free), zero)
        budget = available - sum((floors[i] for i in pinned), zero)
        factor = budget / free_nominal if free_nominal > zero else 1.0
        newly = {i for i in free if nominal[i] * factor < floors[i]}
        if not newly:
            break
        pinned |= newly
    durations = [floors[i] if i in pinned else nominal[i] * factor for i in range(len(nominal))]
    return durations, factor, True


def compute_schedule(
    plan: RolloutPlan,
    start: datetime,
    deadline: datetime | None = None,
    *,
    from_stage: int = 0,
) -> Schedule:
    """Timetable of ``plan.stages[from_stage:]`` starting at ``start`` (when the first of
    them was, or will be, entered); ``deadline`` defaults to the plan's."""
    deadline = deadline if deadline is not None else plan.deadline
    stages = plan.stages[from_stage:]
    nominal = [s.duration for s in stages]
    floors = [s.floor for s in stages]
    if deadline is None:
        durations, factor, feasible = list(nominal), 1.0, True
    else:
        durations, factor, feasible = compress(nominal, floors, deadline - start)
    rows: list[ScheduledStage] = []
    t = start
    for offset, (st, dur) in enumerate(zip(stages, durations, strict=True)):
        rows.append(
            ScheduledStage(
                index=from_stage + offset,
                label=st.label,
                start=t,
                end=t + dur,
                duration=dur,
                nominal=st.duration,
                floor=st.floor,
            )
        )
        t += dur
    compressed = factor < 1.0
    if deadline is None:
        message = f"no deadline; the ramp takes {format_duration(t - start)}"
    elif not feasible:
        message = (
            f"cannot finish before the deadline {deadline:%Y-%m-%d %H:%M} UTC: the stages need at "
            f"least {format_duration(t - start)} but only "
            f"{format_duration(max(deadline - start, timedelta(0)))} remain; "
            "lower the stages' min_duration, drop a stage or move the deadline"
        )
    elif compressed:
        message = (
            f"compressed to {factor:.0%} of nominal durations to finish by "
            f"{deadline:%Y-%m-%d %H:%M} UTC"
        )
    else:
        message = f"fits: finishes {format_duration(deadline - t)} before the deadline"
    return Schedule(
        start=start,
        end=t,
        deadline=deadline,
        stages=rows,
        factor=factor,
        feasible=feasible,
        compressed=compressed,
        message=message,
    )


def required_duration(state: RolloutState, plan: RolloutPlan) -> timedelta:
    """How long the current stage must last before a passing gate promotes it: the nominal
    duration, compressed (never below the floor) when the remaining stages must fit
    between this stage's entry and the deadline."""
    stage = plan.stages[state.stage]
    if plan.deadline is None:
        return stage.duration
    sched = compute_schedule(plan, state.entered_at, from_stage=state.stage)
    return sched.stages[0].duration


def behind_schedule(
    state: RolloutState, plan: RolloutPlan, now: datetime, deadline: datetime | None = None
) -> str | None:
    """A warning when the rollout cannot finish by the deadline even at minimum stage
    durations, or is later than the timetable computed when it started; None when on track
    (or with no deadline, or once complete / rolled back)."""
    deadline = deadline if deadline is not None else plan.deadline
    if deadline is None or state.status in ("complete", "rolled_back"):
        return None
    left = deadline - now
    if state.status == "baseline":
        first = 0
        spent = timedelta(0)
    else:
        first = state.stage
        spent = state.time_in_stage(now)
    floors = [s.floor for s in plan.stages[first:]]
    if floors:
        floors[0] = max(timedelta(0), floors[0] - spent)
    needed = sum(floors, timedelta(0))
    if needed > left:
        where = "not started" if state.status == "baseline" else state.describe()
        return (
            f"behind schedule: {where}; at least {format_duration(needed)} more is needed at "
            f"minimum stage durations but the deadline {deadline:%Y-%m-%d %H:%M} UTC is "
            + (f"in {format_duration(left)}" if left > timedelta(0) else "already past")
        )
    started = _ramp_start(state)
    if started is None or state.status == "baseline":
        return None
    planned = compute_schedule(plan, started, deadline)
    expected = next(
        (row for row in planned.stages if row.start <= now < row.end), planned.stages[-1]
    )
    if expected.index > state.stage or now >= planned.end:
        due = planned.stages[min(state.stage, len(planned.stages) - 1)].end
        late_by = now - due
        if late_by > plan.evaluation_interval:
            return (
                f"behind schedule: the timetable set at the start expected {expected.label} "
                f"by now, the rollout is at {state.describe()} ({format_duration(late_by)} "
                f"late); the remaining stages will be compressed to finish by "
                f"{deadline:%Y-%m-%d %H:%M} UTC"
            )
    return None


def _ramp_start(state: RolloutState) -> datetime | None:
    """When the current ramp left the baseline (the last promote out of stage -1)."""
    for visit in reversed(state.history):
        if visit.action == "promote" and visit.stage == 0:
            return visit.at
        if visit.action == "reset":
            return None
    return None
