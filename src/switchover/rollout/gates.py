"""Gate evaluation and the automatic decision for the current stage (pure).

``evaluate(state, plan, metrics, now)`` judges every gate of the current stage over its
window (clipped to the time since the stage was entered) and returns a :class:`Decision`:

* any gate fails -> the stage's failure count goes up; reaching ``plan.failure_limit``
  means ``rollback``, otherwise ``hold``;
* any gate inconclusive (fewer than ``min_samples`` in an arm) -> ``hold``;
* all pass and the stage's (schedule-compressed) duration has elapsed -> ``promote``;
* all pass but time remains -> ``hold``.

``apply_decision`` turns a decision into a :class:`Transition` (or None when nothing needs
writing). The caller stores it with ``Store.put_rollout(t.state, state.version, audit=t.event)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from switchover.rollout.metrics import ArmMetrics, WindowMetrics
from switchover.rollout.plan import Gate, RolloutPlan, format_duration
from switchover.rollout.schedule import required_duration
from switchover.rollout.state import RolloutState
from switchover.rollout.transitions import Transition, promote, record_gate_failure, rollback

__all__ = [
    "Decision",
    "GateOutcome",
    "GateResult",
    "MetricsSource",
    "apply_decision",
    "evaluate",
    "evaluate_gate",
]

GateOutcome = Literal["pass", "fail", "inconclusive"]
MetricsSource = WindowMetrics | Callable[[datetime], WindowMetrics]
"""Either one window for every gate, or ``since -> WindowMetrics`` up to now
(e.g. ``lambda since: store.window_metrics(name, since, now)``)."""

_EPS = 1e-12


class GateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    gate: str
    outcome: GateOutcome
    baseline: float | None
    candidate: float | None
    ratio: float | None = None
    delta: float | None = None
    samples: tuple[int, int] = (0, 0)
    reason: str


class Decision(BaseModel):
    """What the gates say about the current stage. ``failures`` is the stage's failure count
    including this evaluation; ``metrics`` is what goes into the audit event."""

    model_config = ConfigDict(frozen=True)

    action: Literal["promote", "hold", "rollback"]
    reasons: list[str]
    metrics: dict[str, Any]
    gates: list[GateResult]
    failures: int = 0
    baseline: ArmMetrics | None = None


def _value(arm: ArmMetrics, metric: str) -> float | None:
    if metric == "error_rate":
        return arm.error_rate
    if metric == "p95_latency":
        return arm.p95_latency_ms
    if metric == "cost_per_request":
        return arm.mean_cost
    return arm.check_pass_rate


def _samples(arm: ArmMetrics, metric: str) -> int:
    return arm.checks_total if metric == "check_pass_rate" else arm.count


def _fmt(metric: str, v: float | None, *, points: bool = False) -> str:
    """A metric value for reasons; ``points`` renders rate differences in percentage points."""
    if v is None:
        return "n/a"
    if metric in ("error_rate", "check_pass_rate"):
        return f"{v * 100:.2f} pt" if points else f"{v:.2%}"
    if metric == "p95_latency":
        return f"{v:.0f} ms"
    return f"${v:.6f}"


def evaluate_gate(
    gate: Gate, metrics: WindowMetrics, baseline_reference: ArmMetrics | None = None
) -> GateResult:
    """Judge one gate. The baseline arm falls back to ``baseline_reference`` when the window
    holds too few baseline requests (at 100% canary no baseline traffic remains)."""
    m = gate.metric
    cand = metrics.candidate
    base = metrics.baseline
    if (
        _samples(base, m) < gate.min_samples
        and baseline_reference is not None
        and _samples(baseline_reference, m) >= gate.min_samples
    ):
        base = baseline_reference
    ns = (_samples(base, m), _samples(cand, m))
    b, c = _value(base, m), _value(cand, m)

    def result(outcome: GateOutcome, reason: str) -> GateResult:
        return GateResult(
            gate=m, outcome=outcome, baseline=b, candidate=c, samples=ns, reason=f"{m}: {reason}"
        )

    for arm_name, n in (("baseline", ns[0]), ("candidate", ns[1])):
        if n < gate.min_samples:
            return result(
                "inconclusive", f"{arm_name} has {n} of {gate.min_samples} samples needed"
            )
    if b is None and c is None:
        return result("pass", "not measured in either arm")
    if b is None or c is None:
        return result("inconclusive", f"no data for the {'baseline' if b is None else 'candidate'}")
    if m == "check_pass_rate":
        delta = b - c  # the drop
        ratio = None
    else:
        delta = c - b
        ratio = c / b if b > 0 else (1.0 if c <= 0 else math.inf)
    failed: list[str] = []
    if gate.max_delta is not None and delta > gate.max_delta + _EPS:
        word = "drop" if m == "check_pass_rate" else "delta"
        failed.append(
            f"{word} {_fmt(m, delta, points=True)} > {_fmt(m, gate.max_delta, points=True)}"
        )
    if gate.max_ratio is not None and ratio is not None and ratio > gate.max_ratio + _EPS:
        failed.append(f"ratio {ratio:.2f} > {gate.max_ratio:.2f}")
    compare = f"candidate {_fmt(m, c)} vs baseline {_fmt(m, b)}"
    return GateResult(
        gate=m,
        outcome="fail" if failed else "pass",
        baseline=b,
        candidate=c,
        ratio=None if ratio is None or math.isinf(ratio) else ratio,
        delta=delta,
        samples=ns,
        reason=f"{m}: {compare}" + (f" ({'; '.join(failed)})" if failed else ""),
    )


def evaluate(
    state: RolloutState, plan: RolloutPlan, metrics: MetricsSource, now: datetime
) -> Decision:
    """Judge the current stage (see the module docstring for the rules)."""
    if state.status not in ("shadow", "canary"):
        return Decision(
            action="hold",
            reasons=[f"{state.describe()}: no automatic transitions"],
            metrics={},
            gates=[],
            failures=state.failures,
        )
    gates = plan.gates_for(state.stage)
    results: list[GateResult] = []
    windows: dict[str, Any] = {}
    cache: dict[datetime, WindowMetrics] = {}
    options: list[ArmMetrics] = []
    for gate in gates:
        since = max(state.entered_at, now - gate.window)
        if isinstance(metrics, WindowMetrics):
            wm = metrics
        else:
            if since not in cache:
                cache[since] = metrics(since)
            wm = cache[since]
        results.append(evaluate_gate(gate, wm, state.baseline_reference))
        if wm.baseline.count > 0:
            options.append(wm.baseline)
        windows[gate.metric] = {
            "since": wm.since.isoformat(),
            "until": wm.until.isoformat(),
            "baseline": wm.baseline.as_dict(),
            "candidate": wm.candidate.as_dict(),
        }
    baseline = _reference(gates, options, state.baseline_reference)
    summary: dict[str, Any] = {
        "stage": state.stage,
        "gates": [r.model_dump() for r in results],
        "windows": windows,
    }
    DecisionAction = Literal["promote", "hold", "rollback"]

    def decide(action: DecisionAction, reasons: list[str], failures: int) -> Decision:
        return Decision(
            action=action,
            reasons=reasons,
            metrics=summary,
            gates=results,
            failures=failures,
            baseline=baseline if action == "promote" else None,
        )

    failed = [r for r in results if r.outcome == "fail"]
    if failed:
        failures = state.failures + 1
        limit = plan.failure_limit
        reasons = [r.reason for r in failed]
        reasons.append(f"failure {failures} of {limit} allowed in this stage")
        return decide("rollback" if failures >= limit else "hold", reasons, failures)
    pending = [r for r in results if r.outcome == "inconclusive"]
    if pending:
        return decide("hold", [f"inconclusive: {r.reason}" for r in pending], state.failures)
    need = required_duration(state, plan)
    spent = state.time_in_stage(now)
    passed = [r.reason for r in results] or ["no gates configured for this stage"]
    if spent < need:
        elapsed = f"gates pass; {format_duration(spent)} of {format_duration(need)} elapsed"
        return decide("hold", [*passed, elapsed], state.failures)
    done = f"gates pass after {format_duration(spent)} in stage"
    return decide("promote", [*passed, done], state.failures)


def _reference(
    gates: list[Gate], windows: list[ArmMetrics], previous: ArmMetrics | None
) -> ArmMetrics | None:
    """The baseline a promotion carries forward: this stage's baseline window with the most
    requests, unless it holds fewer samples than the gates need where the previous reference
    had them (a short stage at a high percentage sees little baseline traffic; carrying its
    thin window forward would leave the next stage's gates inconclusive for good)."""

    def enough(arm: ArmMetrics) -> int:
        return sum(_samples(arm, g.metric) >= g.min_samples for g in gates)

    fresh = max(windows, key=lambda a: (enough(a), a.count), default=None)
    if previous is None:
        return fresh
    if fresh is None or enough(previous) > enough(fresh):
        return previous
    return fresh


def _gate_actor(results: list[GateResult], outcome: GateOutcome) -> str:
    names = [r.gate for r in results if r.outcome == outcome]
    return "gate:" + ",".join(names) if names else "system:schedule"


def apply_decision(
    state: RolloutState,
    plan: RolloutPlan,
    decision: Decision,
    now: datetime,
) -> Transition | None:
    """The transition a decision implies, or None for a hold that changes nothing.
    A promote keeps the decision's baseline metrics as the new baseline reference."""
    reason = "; ".join(decision.reasons)
    if decision.action == "promote":
        return promote(
            state,
            plan,
            now,
            actor=_gate_actor(decision.gates, "pass"),
            reason=reason,
            metrics=decision.metrics,
            baseline_reference=decision.baseline,
        )
    if decision.action == "rollback":
        return rollback(
            state,
            now,
            actor=_gate_actor(decision.gates, "fail"),
            reason=reason,
            metrics=decision.metrics,
        )
    if decision.failures > state.failures:
        return record_gate_failure(
            state,
            now,
            actor=_gate_actor(decision.gates, "fail"),
            reason=reason,
            metrics=decision.metrics,
        )
    return None
