"""Schedule math: proportional compression with floors, infeasibility, behind-schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollout.conftest import T0, small_plan
from switchover.rollout import (
    Stage,
    behind_schedule,
    compress,
    compute_schedule,
    default_plan,
    initial_state,
    kill,
    pause,
    promote,
    required_duration,
)

H = timedelta(hours=1)
U = "user:alice"


def test_fits_without_compression() -> None:
    plan = default_plan("m")  # 24 + 1 + 2 + 2 + 2 + 4 = 35h
    sched = compute_schedule(plan, T0, T0 + 40 * H)
    assert sched.feasible
    assert not sched.compressed
    assert sched.factor == 1.0
    assert sched.end == T0 + 35 * H
    assert [r.duration for r in sched.stages] == [s.duration for s in plan.stages]
    assert sched.stages[1].start == T0 + 24 * H
    assert sched.message == "fits: finishes 5h before the deadline"


def test_compresses_proportionally_respecting_floors() -> None:
    plan = default_plan("m")
    sched = compute_schedule(plan, T0, T0 + 14 * H)
    assert sched.feasible
    assert sched.compressed
    assert sched.end == T0 + 14 * H
    assert sched.factor == pytest.approx(0.4)
    for row, stage in zip(sched.stages, plan.stages, strict=True):
        assert row.duration >= stage.floor
        assert row.duration <= stage.duration
    # 14h of 35h: no stage reaches its floor at factor 0.4
    assert sched.stages[0].duration == pytest.approx(
        24 * H * sched.factor, abs=timedelta(seconds=1)
    )
    assert "compressed to 40% of nominal durations" in sched.message


def test_water_filling_pins_floors() -> None:
    nominal = [10 * H, 10 * H, 1 * H]
    floors = [1 * H, 1 * H, 1 * H]
    durations, factor, feasible = compress(nominal, floors, 11 * H)
    assert feasible
    assert durations[2] == H  # 1h * factor < floor: pinned at the floor
    assert durations[0] == durations[1] == 5 * H
    assert factor == pytest.approx(0.5)


def test_infeasible_says_why() -> None:
    plan = default_plan("m")
    sched = compute_schedule(plan, T0, T0 + 3 * H)
    assert not sched.feasible
    assert "cannot finish before the deadline" in sched.message
    assert "need at least 4h45m" in sched.message
    assert "only 3h remain" in sched.message
    with pytest.raises(ValueError, match="differ in length"):
        compress([H], [], H)


def test_no_deadline() -> None:
    sched = compute_schedule(default_plan("m"), T0)
    assert sched.deadline is None
    assert sched.message == "no deadline; the ramp takes 1d11h"


@given(
    nominal=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8),
    frac=st.floats(min_value=0, max_value=1),
    avail=st.integers(min_value=0, max_value=100_000),
)
def test_compress_properties(nominal: list[int], frac: float, avail: int) -> None:
    nom = [timedelta(seconds=n) for n in nominal]
    floors = [n * frac for n in nom]
    durations, factor, feasible = compress(nom, floors, timedelta(seconds=avail))
    total = sum(durations, timedelta(0))
    assert feasible == (sum(floors, timedelta(0)) <= timedelta(seconds=avail))
    for d, n, f in zip(durations, nom, floors, strict=True):
        assert f - timedelta(microseconds=1) <= d <= n + timedelta(microseconds=1)
    if feasible:
        assert total <= timedelta(seconds=avail) + timedelta(milliseconds=1)
        if factor < 1.0:  # compressed: uses the whole time available
            assert abs(total - timedelta(seconds=avail)) < timedelta(milliseconds=1)


def test_required_duration_follows_the_deadline() -> None:
    plan = small_plan()
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state  # shadow 2h
    assert required_duration(state, plan) == 2 * H
    tight = small_plan(deadline=T0 + 2 * H)  # 2h + 1h + 1h nominal, floors 30m + 15m + 15m
    assert required_duration(state, tight) == H


def test_behind_schedule_infeasible() -> None:
    plan = small_plan(deadline=T0 + 50 * timedelta(minutes=1))  # floors: 30m + 15m + 15m
    state = initial_state("bot", T0)
    msg = behind_schedule(state, plan, T0)
    assert msg is not None
    assert msg.startswith("behind schedule: not started; at least 1h more is needed")
    assert "is in 50m" in msg
    late = behind_schedule(state, plan, T0 + 2 * H)
    assert late is not None
    assert late.endswith("already past")


def test_behind_schedule_against_the_timetable() -> None:
    plan = small_plan(deadline=T0 + 10 * H)  # fits: shadow 2h, 5% 1h, 100% 1h
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state
    assert behind_schedule(state, plan, T0 + H) is None
    msg = behind_schedule(state, plan, T0 + 2 * H + 30 * timedelta(minutes=1))
    assert msg is not None
    assert "expected canary 5% by now" in msg
    assert "shadow 100% (stage 1)" in msg
    assert "30m late" in msg
    assert behind_schedule(state, plan, T0 + H, T0 + 100 * H) is None


def test_behind_schedule_none_without_deadline_or_when_done() -> None:
    plan = small_plan()
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state
    assert behind_schedule(state, plan, T0 + 100 * H) is None
    dl = T0 + 3 * H
    killed = kill(state, T0, actor=U).state
    assert behind_schedule(killed, plan, T0 + 100 * H, dl) is None


def test_paused_rollout_falls_behind() -> None:
    plan = small_plan(
        deadline=T0 + 3 * H,
        stages=[
            Stage(kind="canary", percent=5, duration=H, min_duration=H),
            Stage(kind="canary", percent=100, duration=H, min_duration=H),
        ],
    )
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state
    paused = pause(state, T0 + 30 * timedelta(minutes=1), actor=U).state
    assert behind_schedule(paused, plan, T0 + H) is None  # 1h30 needed, 2h left
    msg = behind_schedule(paused, plan, T0 + 2 * H)
    assert msg is not None
    assert "paused at canary 5%" in msg
