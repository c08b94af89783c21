from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from switchover.rollout import (
    Gate,
    RolloutPlan,
    Stage,
    default_plan,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("24h", 86400),
        ("90m", 5400),
        ("1h30m", 5400),
        ("30s", 30),
        ("2d", 172800),
        ("1w", 604800),
        ("1.5h", 5400),
        ("250ms", 0.25),
        (90, 90),
        (1.5, 1.5),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "1x", "h", "1h garbage", "abc"])
def test_parse_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(bad)
    with pytest.raises(ValueError, match="duration"):
        parse_duration(True)


def test_iso_duration_passes_through_to_pydantic() -> None:
    stage = Stage(kind="canary", percent=1, duration="PT2H")  # type: ignore[arg-type]
    assert stage.duration == timedelta(hours=2)


def test_format_duration() -> None:
    assert format_duration(timedelta(hours=26, minutes=5)) == "1d2h"
    assert format_duration(timedelta(minutes=45)) == "45m"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(seconds=-90)) == "-1m30s"


def test_default_plan_shape() -> None:
    plan = default_plan("support-bot")
    assert [s.kind for s in plan.stages] == ["shadow"] + ["canary"] * 5
    assert [s.percent for s in plan.stages] == [100, 1, 5, 25, 50, 100]
    assert plan.stages[0].duration == timedelta(hours=24)
    assert plan.bucket_salt == "support-bot"
    assert {g.metric for g in plan.gates_for(1)} == {
        "error_rate",
        "p95_latency",
        "cost_per_request",
        "check_pass_rate",
    }
    assert plan.stages[1].label == "canary 1%"
    assert plan.stages[0].label == "shadow 100%"


def test_naive_deadline_is_utc() -> None:
    plan = default_plan("m", deadline=datetime(2027, 1, 1))
    assert plan.deadline == datetime(2027, 1, 1, tzinfo=UTC)


def test_gate_validation_messages() -> None:
    with pytest.raises(ValidationError, match="needs max_ratio or max_delta"):
        Gate(metric="error_rate")
    with pytest.raises(ValidationError, match="takes max_delta"):
        Gate(metric="check_pass_rate", max_ratio=1.1)
    with pytest.raises(ValidationError, match="window must be positive"):
        Gate(metric="error_rate", max_delta=0.1, window="0s")  # type: ignore[arg-type]


def test_stage_validation_messages() -> None:
    with pytest.raises(ValidationError, match="more than two decimals"):
        Stage(kind="canary", percent=1.234)
    with pytest.raises(ValidationError, match="exceeds duration"):
        Stage(kind="canary", percent=1, duration="1h", min_duration="2h")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        Stage(kind="canary", percent=101)
    assert Stage(kind="canary", percent=1, duration="1h").floor == timedelta(minutes=15)  # type: ignore[arg-type]
    assert Stage(kind="canary", percent=1, name="first").label == "first"


def test_plan_rejects_decreasing_ramp_and_late_shadow() -> None:
    with pytest.raises(ValidationError, match=r"stages\[1\]: canary percent 5 is below"):
        RolloutPlan(
            migration="m",
            stages=[Stage(kind="canary", percent=10), Stage(kind="canary", percent=5)],
        )
    with pytest.raises(ValidationError, match="shadow stage must come before"):
        RolloutPlan(
            migration="m",
            stages=[Stage(kind="canary", percent=10), Stage(kind="shadow", percent=5)],
        )
    with pytest.raises(ValidationError, match="at least 1 item"):
        RolloutPlan(migration="m", stages=[])


def test_plan_round_trips_json() -> None:
    plan = default_plan("m", deadline=datetime(2027, 1, 1, tzinfo=UTC))
    assert RolloutPlan.model_validate_json(plan.model_dump_json()) == plan


def test_plan_from_settings() -> None:
    from datetime import date

    from switchover.errors import ConfigError
    from switchover.rollout import plan_from_settings

    empty = plan_from_settings("bot", {}, deadline=date(2027, 1, 15))
    assert empty == default_plan("bot", deadline=datetime(2027, 1, 15, tzinfo=UTC))
    gates_only = plan_from_settings(
        "bot", {"failure_limit": 5, "gates": [{"metric": "error_rate", "max_delta": 0.05}]}
    )
    assert gates_only.failure_limit == 5
    assert [s.percent for s in gates_only.stages] == [100, 1, 5, 25, 50, 100]
    assert [g.metric for g in gates_only.gates] == ["error_rate"]
    own_deadline = plan_from_settings(
        "bot",
        {"deadline": "2027-03-01T12:00:00Z", "stages": [{"kind": "canary", "percent": 50}]},
        deadline=date(2027, 1, 15),
    )
    assert own_deadline.deadline == datetime(2027, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ConfigError) as ei:
        plan_from_settings(
            "bot",
            {"stages": [{"kind": "canary", "percent": 500}]},
            source="switchover.toml",
            prefix="migrations[2].rollout",
        )
    assert ei.value.message.startswith("switchover.toml: migrations[2].rollout.stages.0.percent:")
    assert ei.value.exit_code == 2
    with pytest.raises(ConfigError, match="needs max_ratio or max_delta"):
        plan_from_settings("bot", {"gates": [{"metric": "error_rate"}]})
    with pytest.raises(ConfigError, match="unknown key"):
        plan_from_settings("bot", {"stagez": []})
