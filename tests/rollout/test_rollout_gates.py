"""Gates: min sample (inconclusive -> hold), pass + time -> promote, failures -> rollback."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from rollout.conftest import T0, small_plan
from switchover.rollout import (
    ArmMetrics,
    Gate,
    RolloutPlan,
    RolloutState,
    Stage,
    WindowMetrics,
    apply_decision,
    evaluate,
    evaluate_gate,
    initial_state,
    pause,
    promote,
)

U = "user:alice"


def arm(
    count: int = 100,
    errors: int = 0,
    p95: float | None = 100.0,
    cost: float | None = None,
    passed: int = 0,
    total: int = 0,
) -> ArmMetrics:
    return ArmMetrics(
        count=count,
        errors=errors,
        p95_latency_ms=p95,
        mean_cost=cost,
        checks_passed=passed,
        checks_total=total,
    )


def wm(base: ArmMetrics, cand: ArmMetrics) -> WindowMetrics:
    return WindowMetrics(since=T0, until=T0 + timedelta(hours=1), baseline=base, candidate=cand)


def canary(plan: RolloutPlan) -> RolloutState:
    """The 5% canary stage entered at T0."""
    s = promote(initial_state("bot", T0), plan, T0 - timedelta(hours=3), actor=U).state
    return promote(s, plan, T0, actor=U).state


# -- single gates ----------------------------------------------------------------------


def test_gate_pass_and_fail_by_delta() -> None:
    g = Gate(metric="error_rate", max_delta=0.02, min_samples=100)
    ok = evaluate_gate(g, wm(arm(errors=1), arm(errors=2)))
    assert ok.outcome == "pass"
    assert ok.delta == pytest.approx(0.01)
    assert "candidate 2.00% vs baseline 1.00%" in ok.reason
    bad = evaluate_gate(g, wm(arm(errors=1), arm(errors=10)))
    assert bad.outcome == "fail"
    assert "delta 9.00 pt > 2.00 pt" in bad.reason


def test_gate_ratio_and_zero_baseline() -> None:
    g = Gate(metric="p95_latency", max_ratio=1.5, min_samples=10)
    assert evaluate_gate(g, wm(arm(p95=100), arm(p95=149))).outcome == "pass"
    res = evaluate_gate(g, wm(arm(p95=100), arm(p95=151)))
    assert res.outcome == "fail"
    assert res.ratio == pytest.approx(1.51)
    assert "ratio 1.51 > 1.50" in res.reason
    e = Gate(metric="error_rate", max_ratio=2.0, min_samples=10)
    zero = evaluate_gate(e, wm(arm(errors=0), arm(errors=1)))
    assert zero.outcome == "fail"  # any error against a clean baseline is an infinite ratio
    assert zero.ratio is None
    assert evaluate_gate(e, wm(arm(errors=0), arm(errors=0))).outcome == "pass"


def test_gate_inconclusive_below_min_samples() -> None:
    g = Gate(metric="error_rate", max_delta=0.01, min_samples=100)
    r = evaluate_gate(g, wm(arm(count=1000), arm(count=99, errors=99)))
    assert r.outcome == "inconclusive"
    assert r.reason == "error_rate: candidate has 99 of 100 samples needed"
    r2 = evaluate_gate(g, wm(arm(count=5), arm(count=500)))
    assert r2.reason == "error_rate: baseline has 5 of 100 samples needed"


def test_gate_cost_and_missing_data() -> None:
    g = Gate(metric="cost_per_request", max_ratio=1.25, min_samples=10)
    assert evaluate_gate(g, wm(arm(cost=0.01), arm(cost=0.012))).outcome == "pass"
    fail = evaluate_gate(g, wm(arm(cost=0.01), arm(cost=0.02)))
    assert fail.outcome == "fail"
    assert "$0.020000" in fail.reason
    neither = evaluate_gate(g, wm(arm(), arm()))
    assert (neither.outcome, neither.reason) == (
        "pass",
        "cost_per_request: not measured in either arm",
    )
    one = evaluate_gate(g, wm(arm(cost=0.01), arm()))
    assert one.outcome == "inconclusive"
    assert "no data for the candidate" in one.reason


def test_check_pass_rate_drop_uses_check_counts() -> None:
    g = Gate(metric="check_pass_rate", max_delta=0.02, min_samples=50)
    few = evaluate_gate(g, wm(arm(passed=95, total=100), arm(passed=40, total=40)))
    assert few.outcome == "inconclusive"  # 40 checks < 50, whatever the request count
    drop = evaluate_gate(g, wm(arm(passed=95, total=100), arm(passed=90, total=100)))
    assert drop.outcome == "fail"
    assert "drop 5.00 pt > 2.00 pt" in drop.reason
    assert evaluate_gate(g, wm(arm(passed=95, total=100), arm(passed=94, total=100))).outcome == (
        "pass"
    )
    better = evaluate_gate(g, wm(arm(passed=80, total=100), arm(passed=99, total=100)))
    assert better.outcome == "pass"
    assert better.delta is not None
    assert better.delta < 0


def test_baseline_reference_used_when_no_baseline_traffic() -> None:
    g = Gate(metric="p95_latency", max_ratio=1.2, min_samples=50)
    window = wm(arm(count=0, p95=None), arm(count=500, p95=110))
    assert evaluate_gate(g, window).outcome == "inconclusive"
    assert evaluate_gate(g, window, arm(count=400, p95=100)).outcome == "pass"
    assert evaluate_gate(g, window, arm(count=400, p95=50)).outcome == "fail"
    assert evaluate_gate(g, window, arm(count=10, p95=100)).outcome == "inconclusive"


# -- stage decisions -------------------------------------------------------------------


def test_inconclusive_holds(plan: RolloutPlan) -> None:
    state = canary(plan)
    d = evaluate(state, plan, wm(arm(), arm(count=10)), T0 + timedelta(hours=5))
    assert d.action == "hold"
    assert all(r.startswith("inconclusive:") for r in d.reasons)
    assert apply_decision(state, plan, d, T0) is None


def test_pass_holds_until_duration_then_promotes(plan: RolloutPlan) -> None:
    state = canary(plan)  # 1h stage
    good = wm(arm(), arm(errors=1, p95=110))
    early = evaluate(state, plan, good, T0 + timedelta(minutes=59))
    assert early.action == "hold"
    assert "gates pass; 59m of 1h elapsed" in early.reasons
    assert apply_decision(state, plan, early, T0) is None
    d = evaluate(state, plan, good, T0 + timedelta(hours=1))
    assert d.action == "promote"
    t = apply_decision(state, plan, d, T0 + timedelta(hours=1))
    assert t is not None
    assert (t.state.status, t.state.percent) == ("canary", 100)
    assert t.event.actor == "gate:error_rate,p95_latency"
    assert t.event.metrics["gates"][0]["outcome"] == "pass"
    assert t.state.baseline_reference == arm()


def test_promotion_keeps_the_previous_reference_when_the_window_is_too_thin() -> None:
    """A short high-percentage stage sees little baseline traffic: the gates judged it on
    the carried-forward reference, and that reference (not the thin window) goes on, or the
    next stage (100% canary, no baseline traffic at all) would never get enough samples."""
    plan = small_plan(
        stages=[
            Stage(kind="canary", percent=50, duration=timedelta(hours=1)),
            Stage(kind="canary", percent=100, duration=timedelta(hours=1)),
        ],
        gates=[Gate(metric="check_pass_rate", max_delta=0.05, min_samples=20)],
    )
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state
    rich = arm(count=300, passed=300, total=300)
    state = state.model_copy(update={"baseline_reference": rich})
    thin = arm(count=12, passed=12, total=12)
    d = evaluate(state, plan, wm(thin, arm(count=40, passed=40, total=40)), T0 + timedelta(hours=1))
    assert d.action == "promote"
    t = apply_decision(state, plan, d, T0 + timedelta(hours=1))
    assert t is not None
    assert t.state.baseline_reference == rich
    # at 100% the gate still has a baseline to compare with
    last = evaluate(
        t.state, plan, wm(arm(count=0, p95=None), arm(count=50, passed=50, total=50)), T0
    )
    assert last.gates[0].outcome == "pass"
    # a window with enough samples of its own replaces the reference
    full = arm(count=80, passed=78, total=80)
    d2 = evaluate(
        state, plan, wm(full, arm(count=40, passed=40, total=40)), T0 + timedelta(hours=1)
    )
    t2 = apply_decision(state, plan, d2, T0 + timedelta(hours=1))
    assert t2 is not None
    assert t2.state.baseline_reference == full


def test_failure_beyond_limit_rolls_back(plan: RolloutPlan) -> None:
    state = canary(plan)
    bad = wm(arm(), arm(errors=30))  # 30% vs 0%
    now = T0 + timedelta(minutes=5)
    d1 = evaluate(state, plan, bad, now)
    assert d1.action == "hold"
    assert d1.failures == 1
    assert "failure 1 of 2 allowed in this stage" in d1.reasons
    t1 = apply_decision(state, plan, d1, now)
    assert t1 is not None
    assert t1.event.action == "gate_failed"
    assert t1.event.actor == "gate:error_rate"
    assert t1.state.failures == 1
    d2 = evaluate(t1.state, plan, bad, now + timedelta(minutes=1))
    assert d2.action == "rollback"
    t2 = apply_decision(t1.state, plan, d2, now + timedelta(minutes=1))
    assert t2 is not None
    assert (t2.state.status, t2.state.percent) == ("rolled_back", 0)
    assert t2.event.actor == "gate:error_rate"
    assert t2.event.metrics["windows"]["error_rate"]["candidate"]["error_rate"] == 0.3
    assert "error_rate" in t2.event.reason


def test_metrics_callable_gets_window_clipped_to_stage(plan: RolloutPlan) -> None:
    state = canary(plan)
    asked: list[datetime] = []

    def source(since: datetime) -> WindowMetrics:
        asked.append(since)
        return wm(arm(), arm())

    evaluate(state, plan, source, T0 + timedelta(minutes=3))
    assert asked == [T0]  # both gates share the 10m window, clipped to stage entry, cached
    asked.clear()
    evaluate(state, plan, source, T0 + timedelta(hours=2))
    assert asked == [T0 + timedelta(hours=1, minutes=50)]


def test_not_active_states_hold(plan: RolloutPlan) -> None:
    paused = pause(canary(plan), T0, actor=U).state
    d = evaluate(paused, plan, wm(arm(), arm(errors=90)), T0 + timedelta(hours=9))
    assert d.action == "hold"
    assert "no automatic transitions" in d.reasons[0]
    base = initial_state("bot", T0)
    assert evaluate(base, plan, wm(arm(), arm()), T0).action == "hold"


def test_stage_without_gates_promotes_on_time() -> None:
    plan = small_plan(
        stages=[Stage(kind="canary", percent=10, duration=timedelta(minutes=30), gates=[])]
    )
    state = promote(initial_state("bot", T0), plan, T0, actor=U).state
    d = evaluate(state, plan, wm(arm(), arm()), T0 + timedelta(minutes=30))
    assert d.action == "promote"
    t = apply_decision(state, plan, d, T0 + timedelta(minutes=30))
    assert t is not None
    assert t.event.actor == "system:schedule"
    assert t.state.status == "complete"


def test_deadline_compresses_the_stage(plan: RolloutPlan) -> None:
    tight = small_plan(deadline=T0 + timedelta(hours=1))  # canary 1h + 1h must fit in 1h
    state = canary(tight)
    good = wm(arm(), arm())
    assert evaluate(state, tight, good, T0 + timedelta(minutes=30)).action == "promote"
    assert evaluate(state, plan, good, T0 + timedelta(minutes=30)).action == "hold"


def test_full_automatic_ramp_at_100_percent_uses_reference(plan: RolloutPlan) -> None:
    state = canary(plan)
    t = apply_decision(
        state,
        plan,
        evaluate(state, plan, wm(arm(), arm()), T0 + timedelta(hours=1)),
        T0 + timedelta(hours=1),
    )
    assert t is not None
    at100 = t.state
    no_base = wm(arm(count=0, p95=None), arm(count=500, p95=105))
    later = T0 + timedelta(hours=2)
    d = evaluate(at100, plan, no_base, later)
    assert d.action == "promote", d.reasons
    done = apply_decision(at100, plan, d, later)
    assert done is not None
    assert (done.state.status, done.state.percent) == ("complete", 100)
