from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchover.rollout import Gate, RolloutPlan, Stage

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def small_plan(**kw: object) -> RolloutPlan:
    gates = [
        Gate(metric="error_rate", max_delta=0.02, min_samples=50, window="10m"),
        Gate(metric="p95_latency", max_ratio=1.5, min_samples=50, window="10m"),
    ]
    args: dict[str, object] = {
        "migration": "bot",
        "gates": gates,
        "failure_limit": 2,
        "stages": [
            Stage(kind="shadow", percent=100, duration=timedelta(hours=2)),
            Stage(kind="canary", percent=5, duration=timedelta(hours=1)),
            Stage(kind="canary", percent=100, duration=timedelta(hours=1)),
        ],
    }
    args.update(kw)
    return RolloutPlan.model_validate(args)


@pytest.fixture
def plan() -> RolloutPlan:
    return small_plan()
