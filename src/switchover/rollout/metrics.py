"""Request records and the per-arm window metrics the gates judge.

The gateway writes one :class:`RequestRecord` per sampled request and arm; the store
aggregates a time window into :class:`WindowMetrics` (in SQL), and :func:`summarize` does
the same in Python over records held in memory, with the identical definitions:

* ``errors``: records with ``ok=False`` (candidate timeouts and fallbacks included);
* ``p95_latency_ms``: nearest-rank 95th percentile over successful records;
* ``mean_cost``: mean over records whose cost is known;
* ``check_pass_rate``: sum of ``checks_passed`` / sum of ``checks_total``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "Arm",
    "ArmMetrics",
    "RequestRecord",
    "WindowMetrics",
    "nearest_rank",
    "p95_offset",
    "summarize",
]

Arm = Literal["baseline", "candidate"]


class RequestRecord(BaseModel):
    """One request as served (or shadowed) by one arm. ``body`` is optional and always
    passed through key redaction by the store."""

    model_config = ConfigDict(extra="forbid")

    migration: str
    arm: Arm
    at: AwareDatetime
    latency_ms: float = Field(ge=0)
    ok: bool = True
    shadow: bool = False
    fallback: bool = False
    status: int | None = None
    error: str | None = None
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    checks_passed: int = Field(default=0, ge=0)
    checks_total: int = Field(default=0, ge=0)
    model: str | None = None
    request_id: str | None = None
    bucket: int | None = None
    body: dict[str, Any] | None = None


class ArmMetrics(BaseModel):
    """Aggregates of one arm over a window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = 0
    errors: int = 0
    p95_latency_ms: float | None = None
    mean_cost: float | None = None
    checks_passed: int = 0
    checks_total: int = 0

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.count if self.count else None

    @property
    def check_pass_rate(self) -> float | None:
        return self.checks_passed / self.checks_total if self.checks_total else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view including the derived rates (for audit events)."""
        d = self.model_dump()
        d["error_rate"] = self.error_rate
        d["check_pass_rate"] = self.check_pass_rate
        return d


class WindowMetrics(BaseModel):
    """Both arms over ``[since, until)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: datetime
    until: datetime
    baseline: ArmMetrics = ArmMetrics()
    candidate: ArmMetrics = ArmMetrics()

    def arm(self, arm: Arm) -> ArmMetrics:
        return self.baseline if arm == "baseline" else self.candidate


def nearest_rank(sorted_values: list[float], q: float = 0.95) -> float | None:
    """Nearest-rank percentile: the value at rank ``ceil(q * n)`` (1-based)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def p95_offset(n: int) -> int:
    """0-based offset of the nearest-rank 95th percentile among ``n`` sorted values."""
    return max(1, math.ceil(0.95 * n)) - 1


def _arm_metrics(records: list[RequestRecord]) -> ArmMetrics:
    latencies = sorted(r.latency_ms for r in records if r.ok)
    costs = [r.cost for r in records if r.cost is not None]
    return ArmMetrics(
        count=len(records),
        errors=sum(1 for r in records if not r.ok),
        p95_latency_ms=nearest_rank(latencies),
        mean_cost=(sum(costs) / len(costs)) if costs else None,
        checks_passed=sum(r.checks_passed for r in records),
        checks_total=sum(r.checks_total for r in records),
    )


def summarize(records: Iterable[RequestRecord], since: datetime, until: datetime) -> WindowMetrics:
    """Aggregate the records with ``since <= at < until`` per arm."""
    base: list[RequestRecord] = []
    cand: list[RequestRecord] = []
    for r in records:
        if since <= r.at < until:
            (base if r.arm == "baseline" else cand).append(r)
    return WindowMetrics(
        since=since, until=until, baseline=_arm_metrics(base), candidate=_arm_metrics(cand)
    )
