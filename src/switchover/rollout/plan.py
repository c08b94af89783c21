"""The rollout plan: stages, gates, failure limit, fallback and deadline (pure data).

A plan is usually read from ``[migrations.<name>.rollout]`` in ``switchover.toml``; durations
accept ``"24h"``, ``"90m"``, ``"30s"``, ``"2d"``, ``"1h30m"``, a number of seconds, or ISO 8601.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from switchover.errors import ConfigError

__all__ = [
    "Duration",
    "Gate",
    "GateMetric",
    "RolloutPlan",
    "Stage",
    "default_gates",
    "default_plan",
    "format_duration",
    "parse_duration",
    "plan_from_settings",
]

GateMetric = Literal["error_rate", "p95_latency", "cost_per_request", "check_pass_rate"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: Any) -> Any:
    """Turn ``"1h30m"`` / ``90`` (seconds) into a ``timedelta``; other values pass through
    to pydantic (which accepts ISO 8601 durations and ``timedelta`` objects)."""
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or text such as '1h30m'")
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        text = value.strip().lower()
        if not text.startswith("p"):
            pos = 0
            total = 0.0
            for m in _DURATION_PART.finditer(text):
                if text[pos : m.start()].strip():
                    break
                total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
                pos = m.end()
            if pos == 0 or text[pos:].strip():
                raise ValueError(
                    f"invalid duration {value!r}: use e.g. '24h', '90m', '30s', '2d' or '1h30m'"
                )
            return timedelta(seconds=total)
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def format_duration(td: timedelta) -> str:
    """Compact human form: ``1d2h``, ``45m``, ``30s``, ``0s``."""
    secs = round(td.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= size:
            parts.append(f"{secs // size}{unit}")
            secs %= size
    return sign + ("".join(parts[:2]) if parts else "0s")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Model):
    """One metric compared between candidate and baseline over a trailing window.

    The gate fails when the candidate is worse than the baseline by more than ``max_ratio``
    (candidate / baseline) or ``max_delta`` (candidate - baseline; for ``check_pass_rate``
    the allowed *drop*, baseline - candidate, as a fraction). With fewer than
    ``min_samples`` requests in either arm it is inconclusive.
    """

    metric: GateMetric
    max_ratio: float | None = Field(default=None, gt=0)
    max_delta: float | None = Field(default=None, ge=0)
    min_samples: int = Field(default=100, ge=1)
    window: Duration = timedelta(minutes=10)

    @property
    def name(self) -> str:
        return self.metric

    @model_validator(mode="after")
    def _check_bounds(self) -> Gate:
        if self.max_ratio is None and self.max_delta is None:
            raise ValueError(f"gate {self.metric!r} needs max_ratio or max_delta")
        if self.metric == "check_pass_rate" and self.max_ratio is not None:
            raise ValueError(
                "gate 'check_pass_rate' takes max_delta (the allowed drop, e.g. 0.02), "
                "not max_ratio"
            )
        if self.window <= timedelta(0):
            raise ValueError("gate window must be positive")
        return self


def default_gates() -> list[Gate]:
    """Conservative defaults: +1 point of errors, p95 x1.5, cost x1.25, -2 points of checks."""
    return [
        Gate(metric="error_rate", max_delta=0.01, min_samples=200),
        Gate(metric="p95_latency", max_ratio=1.5, min_samples=100),
        Gate(metric="cost_per_request", max_ratio=1.25, min_samples=100),
        Gate(metric="check_pass_rate", max_delta=0.02, min_samples=100),
    ]


class Stage(_Model):
    """One step of the ramp.

    ``kind="shadow"``: the baseline serves everything and ``percent`` of requests are also
    sent to the candidate in the background. ``kind="canary"``: ``percent`` of users (sticky)
    are served by the candidate. ``duration`` is the nominal bake time; the schedule may
    compress it towards ``min_duration`` to meet the deadline. ``gates=None`` uses the plan's.
    """

    kind: Literal["shadow", "canary"]
    percent: float = Field(gt=0, le=100)
    duration: Duration = timedelta(hours=1)
    min_duration: Duration | None = None
    gates: list[Gate] | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Stage:
        if round(self.percent * 100) != self.percent * 100:
            raise ValueError(f"percent {self.percent} has more than two decimals")
        if self.duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if self.min_duration is not None and self.min_duration > self.duration:
            raise ValueError(
                f"min_duration {format_duration(self.min_duration)} exceeds duration "
                f"{format_duration(self.duration)}"
            )
        return self

    @property
    def floor(self) -> timedelta:
        """The shortest this stage may be compressed to (default: a quarter of duration)."""
        return self.min_duration if self.min_duration is not None else self.duration / 4

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        pct = f"{self.percent:g}%"
        return f"shadow {pct}" if self.kind == "shadow" else f"canary {pct}"


class RolloutPlan(_Model):
    """The ramp for one migration. ``salt`` defaults to the migration name; changing it
    reshuffles which users are in the canary, so keep it fixed once a rollout started."""

    migration: str = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    gates: list[Gate] = Field(default_factory=default_gates)
    failure_limit: int = Field(default=3, ge=1)
    fallback_on_error: bool = True
    deadline: datetime | None = None
    salt: str | None = None
    evaluation_interval: Duration = timedelta(seconds=60)

    @model_validator(mode="after")
    def _check(self) -> RolloutPlan:
        last = 0.0
        for i, st in enumerate(self.stages):
            if st.kind == "canary":
                if st.percent < last:
                    raise ValueError(
                        f"stages[{i}]: canary percent {st.percent:g} is below the previous "
                        f"{last:g}; a ramp only moves users towards the candidate"
                    )
                last = st.percent
            elif last > 0:
                raise ValueError(f"stages[{i}]: a shadow stage must come before canary stages")
        return self

    @field_validator("deadline")
    @classmethod
    def _utc_deadline(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @property
    def bucket_salt(self) -> str:
        return self.salt if self.salt is not None else self.migration

    def gates_for(self, index: int) -> list[Gate]:
        stage = self.stages[index]
        return list(stage.gates) if stage.gates is not None else list(self.gates)


def default_plan(migration: str, *, deadline: datetime | None = None) -> RolloutPlan:
    """Shadow 24h at 100%, then canary 1% (1h), 5%, 25%, 50% (2h each) and 100% (4h)."""
    h = timedelta(hours=1)
    return RolloutPlan(
        migration=migration,
        deadline=deadline,
        stages=[
            Stage(kind="shadow", percent=100, duration=24 * h, min_duration=2 * h),
            Stage(kind="canary", percent=1, duration=h, min_duration=h / 4),
            Stage(kind="canary", percent=5, duration=2 * h, min_duration=h / 2),
            Stage(kind="canary", percent=25, duration=2 * h, min_duration=h / 2),
            Stage(kind="canary", percent=50, duration=2 * h, min_duration=h / 2),
            Stage(kind="canary", percent=100, duration=4 * h, min_duration=h),
        ],
    )


def plan_from_settings(
    migration: str,
    settings: Mapping[str, Any],
    *,
    deadline: date | datetime | None = None,
    source: str | None = None,
    prefix: str = "rollout",
) -> RolloutPlan:
    """Build the plan from a migration's ``rollout`` table in ``switchover.toml``.

    An empty table gives :func:`default_plan`. ``deadline`` (the migration's shutdown
    date: the ramp must finish by 00:00 UTC that day) applies unless the table sets one.
    Invalid values raise :class:`ConfigError` naming ``source`` and the field.
    """
    if isinstance(deadline, date) and not isinstance(deadline, datetime):
        deadline = datetime(deadline.year, deadline.month, deadline.day, tzinfo=UTC)
    data = dict(settings)
    if not data:
        return default_plan(migration, deadline=deadline)
    data.setdefault("migration", migration)
    if deadline is not None:
        data.setdefault("deadline", deadline)
    if "stages" not in data:
        data["stages"] = [s.model_dump() for s in default_plan(migration).stages]
    try:
        return RolloutPlan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (see docs/rollout.md for the plan's keys)"
        raise ConfigError(
            msg,
            path=source,
            field=f"{prefix}.{loc}" if loc else prefix,
            hint="See docs/rollout.md: stages, gates, failure_limit, fallback_on_error.",
        ) from None
