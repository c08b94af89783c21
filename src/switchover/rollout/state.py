"""Rollout state, audit events and the transition error (pure data).

The store keeps one :class:`RolloutState` per migration with an integer ``version``; every
transition returns a new state with ``version + 1`` and writes it with compare-and-set, so
two gateway replicas can never both apply a transition from the same state.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from switchover.errors import EXIT_USAGE, SwitchoverError
from switchover.rollout.metrics import ArmMetrics

__all__ = [
    "ACTIVE",
    "HISTORY_LIMIT",
    "Action",
    "AuditEvent",
    "RolloutState",
    "StageVisit",
    "Status",
    "TransitionError",
    "initial_state",
    "validate_actor",
]

Status = Literal["baseline", "shadow", "canary", "complete", "rolled_back", "paused"]
Action = Literal["promote", "pause", "resume", "rollback", "kill", "reset", "gate_failed"]
ACTIVE: frozenset[str] = frozenset({"shadow", "canary"})
HISTORY_LIMIT = 100
_ACTOR = re.compile(r"^(user|gate|system):\S.*$")


class TransitionError(SwitchoverError):
    """A transition that is not allowed from the current status (e.g. promote when complete)."""

    exit_code = EXIT_USAGE


def validate_actor(actor: str) -> str:
    if not _ACTOR.match(actor):
        raise ValueError(
            f"actor {actor!r} must look like 'user:<name>', 'gate:<name>' or 'system:<name>'"
        )
    return actor


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageVisit(_Frozen):
    """One entry of the state's history: what was entered, when, by whom."""

    at: AwareDatetime
    status: Status
    stage: int
    percent: float
    shadow_percent: float
    action: Action
    actor: str


class RolloutState(_Frozen):
    """Where a migration's rollout stands.

    ``percent`` is the share of users (sticky buckets) served by the candidate and
    ``shadow_percent`` the share of requests mirrored to it; the gateway routes on these two
    numbers only. ``stage`` indexes ``plan.stages`` (-1 before the first stage).
    ``paused_from``/``paused_at`` are set while paused; ``failures`` counts failed gate
    evaluations in the current stage; ``baseline_reference`` keeps the last baseline
    metrics seen, for judging a 100% stage where no baseline traffic remains.
    """

    migration: str = Field(min_length=1)
    status: Status = "baseline"
    stage: int = Field(default=-1, ge=-1)
    percent: float = Field(default=0.0, ge=0, le=100)
    shadow_percent: float = Field(default=0.0, ge=0, le=100)
    entered_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = Field(default=0, ge=0)
    paused_from: Status | None = None
    paused_at: AwareDatetime | None = None
    failures: int = Field(default=0, ge=0)
    baseline_reference: ArmMetrics | None = None
    history: list[StageVisit] = Field(default_factory=list)

    def time_in_stage(self, now: datetime) -> timedelta:
        """Time spent in the current stage; the clock stops while paused."""
        end = self.paused_at if self.paused_at is not None else now
        return max(timedelta(0), end - self.entered_at)

    @property
    def effective_status(self) -> Status:
        """The status traffic follows: while paused, the status that was paused."""
        if self.status == "paused" and self.paused_from is not None:
            return self.paused_from
        return self.status

    def describe(self) -> str:
        """Short human text, e.g. ``canary 5% (stage 3)`` or ``paused at shadow 100%``."""
        st = self.effective_status
        if st == "shadow":
            text = f"shadow {self.shadow_percent:g}% (stage {self.stage + 1})"
        elif st == "canary":
            text = f"canary {self.percent:g}% (stage {self.stage + 1})"
        elif st == "complete":
            text = "complete (100% candidate)"
        elif st == "rolled_back":
            text = "rolled back (100% baseline)"
        else:
            text = "baseline only (not started)"
        return f"paused at {text}" if self.status == "paused" else text


class AuditEvent(_Frozen):
    """One transition (or failed gate evaluation): when, who, from where to where, why,
    and the metrics that decided. ``actor`` is ``user:<name>``, ``gate:<names>`` or
    ``system:<name>``; ``version`` is the state version the transition produced."""

    at: AwareDatetime
    migration: str
    actor: str
    action: Action
    from_status: Status
    from_stage: int
    from_percent: float
    to_status: Status
    to_stage: int
    to_percent: float
    reason: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict)
    version: int = 0

    @field_validator("actor")
    @classmethod
    def _check_actor(cls, value: str) -> str:
        return validate_actor(value)

    @property
    def from_text(self) -> str:
        return _where(self.from_status, self.from_stage, self.from_percent)

    @property
    def to_text(self) -> str:
        return _where(self.to_status, self.to_stage, self.to_percent)

    @property
    def summary(self) -> str:
        """E.g. ``promote by user:alice: shadow (stage 1) -> canary 1% (stage 2) (why)``."""
        text = f"{self.action} by {self.actor}: {self.from_text} -> {self.to_text}"
        return text + (f" ({self.reason})" if self.reason else "")


def _where(status: Status, stage: int, percent: float) -> str:
    if status in ("baseline", "complete", "rolled_back"):
        return status.replace("_", " ")
    if status == "shadow":
        return f"shadow (stage {stage + 1})"
    return f"{status} {percent:g}% (stage {stage + 1})"


def initial_state(migration: str, now: datetime) -> RolloutState:
    """The state of a migration that has not started: all traffic on the baseline.
    ``version`` 0 means "not stored yet" (``put_rollout(state, expected_version=0)``)."""
    return RolloutState(migration=migration, entered_at=now, updated_at=now)
