"""The status document: what ``switchover status --json`` prints and the dashboard shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CallSite",
    "EvalStatus",
    "GateReading",
    "KeyInterval",
    "MigrationStatus",
    "ProjectStatus",
    "RolloutStatus",
    "StageRow",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallSite(_Model):
    """A usage finding of the scan still on the old model."""

    path: str
    line: int
    kind: Literal["call", "literal"]
    context: str
    expression: str
    params: list[str] = Field(default_factory=list, description="Parameters the target rejects")


class KeyInterval(_Model):
    """One gating metric of the latest evaluation: candidate - baseline with its interval."""

    metric: str
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    margin: float
    direction: str
    verdict: str


class EvalStatus(_Model):
    run_id: str
    verdict: str | None = Field(description="GO, NO-GO or INCONCLUSIVE; None while running")
    candidate_model: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    complete: bool = False
    n_cases: int | None = None
    reasons: list[str] = Field(default_factory=list)
    intervals: list[KeyInterval] = Field(default_factory=list)
    reports: dict[str, str] = Field(default_factory=dict, description="format -> file path")
    note: str | None = None


class GateReading(_Model):
    gate: str
    outcome: str
    baseline: float | None
    candidate: float | None
    samples: tuple[int, int]
    reason: str


class StageRow(_Model):
    index: int
    label: str
    duration_s: float
    state: Literal["done", "current", "todo"]


class RolloutStatus(_Model):
    status: str
    summary: str
    stage: int
    percent: float
    shadow_percent: float
    version: int
    time_in_stage_s: float | None = None
    required_s: float | None = None
    failures: int = 0
    failure_limit: int = 3
    stages: list[StageRow] = Field(default_factory=list)
    gates: list[GateReading] = Field(default_factory=list)
    decision: str | None = Field(None, description="promote, hold or rollback when judged now")
    decision_reasons: list[str] = Field(default_factory=list)
    schedule: str | None = None


class MigrationStatus(_Model):
    name: str
    from_model: str
    to_model: str
    owner: str | None = None
    deadline: date | None = None
    deadline_source: Literal["switchover.toml", "catalog", "none"] = "none"
    shutdown_date: date | None = None
    days_left: int | None = None
    call_sites: list[CallSite] = Field(default_factory=list)
    param_problems: int = 0
    eval: EvalStatus | None = None
    rollout: RolloutStatus
    next_step: str
    warnings: list[str] = Field(default_factory=list)


class ProjectStatus(_Model):
    project: str
    config: str | None
    store: str
    today: date
    generated_at: datetime
    scanned: bool = True
    migrations: list[MigrationStatus]
