"""Analysis and verdict: pairing, Holm, weights, sequential monitoring, decisions."""

from __future__ import annotations

import numpy as np
import pytest

from switchover.chat import ChatResponse
from switchover.errors import UsageError
from switchover.evaluate import (
    EXIT_GO,
    EXIT_INCONCLUSIVE,
    EXIT_NO_GO,
    ArmOutput,
    CaseResult,
    CheckResult,
    ComparisonResult,
    JudgeVerdict,
    MetricSpec,
    MetricSummary,
    SequentialMonitor,
    analyze,
    build_report,
    compare,
    decide,
    decide_overall,
    judge_spec,
    metric_pairs,
    with_overrides,
)
from switchover.evaluate.results import RunMeta
from switchover.evaluate.synthetic import synthetic_report, synthetic_results
from switchover.evaluate.verdict import decide_metric, format_amount

PASS = MetricSpec(name="fmt", kind="pass", margin=0.05, bounds=(0.0, 1.0))
LAT = MetricSpec(name="lat", kind="value", direction="lower", margin=0.2, relative=True, gate=False)


def _out(arm: str, **checks: float | bool) -> ArmOutput:
    res: dict[str, CheckResult] = {}
    for name, v in checks.items():
        if isinstance(v, bool):
            res[name] = CheckResult(name=name, kind="pass", passed=v)
        else:
            res[name] = CheckResult(name=name, kind="value", value=v)
    return ArmOutput(arm=arm, model=arm, response=ChatResponse(model=arm), checks=res)


def _case(
    i: int,
    base: list[dict[str, float | bool]],
    cand: list[dict[str, float | bool]],
    weight: float = 1.0,
    label: str = "new",
) -> CaseResult:
    return CaseResult(
        case_id=f"c{i}",
        candidate=label,
        weight=weight,
        baseline=[_out("baseline", **b) for b in base],
        candidate_outputs=[_out(label, **c) for c in cand],
    )


def _binary_results(n: int, p_base: float, p_cand: float, seed: int = 0) -> list[CaseResult]:
    rng = np.random.default_rng(seed)
    return [
        _case(i, [{"fmt": bool(rng.random() < p_base)}], [{"fmt": bool(rng.random() < p_cand)}])
        for i in range(n)
    ]


def test_metric_pairs_repeats_and_single_recorded_baseline() -> None:
    r = _case(0, [{"fmt": True}], [{"fmt": True}, {"fmt": False}, {"fmt": True}])
    pairs = metric_pairs([r], "fmt")
    assert pairs.baseline == [1.0, 1.0, 1.0]
    assert pairs.candidate == [1.0, 0.0, 1.0]
    assert pairs.case_ids == ["c0"] * 3
    r2 = _case(1, [{"fmt": True}, {"fmt": False}], [{"fmt": False}, {"fmt": False}])
    assert metric_pairs([r2], "fmt").diffs.tolist() == [-1.0, 0.0]
    assert metric_pairs([_case(2, [], [{"fmt": True}])], "fmt").case_ids == []
    assert metric_pairs([r], "absent").case_ids == []


def test_analyze_binary_regression_uses_mcnemar_and_decides_no_go() -> None:
    results = _binary_results(400, 0.95, 0.70)
    [s] = analyze(results, [PASS], n_resamples=2000)
    assert s.change_test == "mcnemar-exact"
    assert s.discordant_worse is not None
    assert s.discordant_better is not None
    assert s.discordant_worse > s.discordant_better
    assert s.change_p is not None
    assert s.change_p < 1e-6
    assert s.diff == pytest.approx(s.candidate_mean - s.baseline_mean)  # type: ignore[operator]
    assert s.ci_low is not None
    assert s.ci_high is not None
    assert s.ci_low < s.diff < s.ci_high  # type: ignore[operator]
    assert s.p_inferior_holm is not None
    assert s.p_inferior_holm < 0.025
    decide_metric(s)
    assert s.verdict == "NO-GO"
    assert "pass rate lower" in s.reason


def test_analyze_equal_arms_are_non_inferior() -> None:
    # correlated arms (same prompts): the candidate flips 3% of outcomes either way
    rng = np.random.default_rng(1)
    base = rng.random(600) < 0.9
    cand = np.where(rng.random(600) < 0.03, ~base, base)
    results = [
        _case(i, [{"fmt": bool(b)}], [{"fmt": bool(c)}])
        for i, (b, c) in enumerate(zip(base, cand, strict=True))
    ]
    [s] = analyze(results, [PASS], n_resamples=2000)
    decide_metric(s)
    assert s.verdict == "GO", s.reason


def test_small_sample_is_inconclusive() -> None:
    [s] = analyze(_binary_results(8, 0.9, 0.9), [PASS], n_resamples=500)
    decide_metric(s, min_cases=10)
    assert s.verdict == "INCONCLUSIVE"
    assert "only 8 case(s)" in s.reason
    [wide] = analyze(_binary_results(40, 0.8, 0.75, seed=3), [PASS], n_resamples=2000)
    decide_metric(wide)
    assert wide.verdict == "INCONCLUSIVE"
    assert "cannot rule out" in wide.reason


def test_value_metric_relative_margin_and_direction() -> None:
    rng = np.random.default_rng(4)
    results = [
        _case(i, [{"lat": float(b)}], [{"lat": float(b * 1.5)}])
        for i, b in enumerate(rng.lognormal(0, 0.3, 200))
    ]
    [s] = analyze(results, [LAT], n_resamples=2000)
    assert s.change_test == "wilcoxon"
    assert s.margin == pytest.approx(0.2 * s.baseline_mean)  # type: ignore[operator]
    assert s.diff is not None
    assert s.diff > 0
    assert s.p_inferior_holm == s.p_inferior  # ungated: unadjusted
    decide_metric(s)
    assert s.verdict == "NO-GO"
    assert "higher than the baseline's" in s.reason
    assert "(20% of the baseline)" in s.reason


def test_too_few_resamples_for_holm_is_reported() -> None:
    specs = [MetricSpec(name=f"m{k}", kind="pass", margin=0.05) for k in range(3)]
    row = {"m0": True, "m1": True, "m2": True}
    results = [_case(i, [row], [row]) for i in range(20)]
    comp = compare(results, specs, candidate="new", candidate_model="m", n_resamples=100)
    assert comp.verdict == "INCONCLUSIVE"
    assert "100 bootstrap resamples are too few" in comp.reasons[-1]
    assert "use at least 120" in comp.reasons[-1]
    ok = compare(results, specs, candidate="new", candidate_model="m", n_resamples=200)
    assert ok.verdict == "GO"
    assert not any("too few" in r for r in ok.reasons)


def test_holm_is_applied_across_gated_metrics() -> None:
    rng = np.random.default_rng(5)
    specs = [MetricSpec(name=f"m{k}", kind="pass", margin=0.05) for k in range(3)]
    results = [
        _case(
            i,
            [{f"m{k}": bool(rng.random() < 0.9) for k in range(3)}],
            [{f"m{k}": bool(rng.random() < 0.88) for k in range(3)}],
        )
        for i in range(150)
    ]
    out = analyze(results, specs, n_resamples=2000)
    raw = [s.p_noninferior for s in out]
    adj = [s.p_noninferior_holm for s in out]
    from statsmodels.stats.multitest import multipletests

    np.testing.assert_allclose(np.asarray(adj, dtype=float), multipletests(raw, method="holm")[1])


def test_weights_change_the_estimate() -> None:
    # heavy-traffic cases regress, light ones do not
    results = [
        _case(i, [{"fmt": True}], [{"fmt": i >= 50}], weight=10.0 if i < 50 else 1.0)
        for i in range(100)
    ]
    [w] = analyze(results, [PASS], n_resamples=1000)
    assert w.weighted
    assert w.diff == pytest.approx(-500 / 550)
    [u] = analyze(results, [PASS], n_resamples=1000, weighted=False)
    assert u.diff == pytest.approx(-0.5)


def test_judge_metric_and_no_data() -> None:
    r = _case(0, [{"fmt": True}], [{"fmt": True}])
    r.judge = [JudgeVerdict(outcome="win", score=1.0), JudgeVerdict(outcome=None, score=None)]
    pairs = metric_pairs([r], "judge")
    assert (pairs.baseline, pairs.candidate) == ([0.0], [1.0])
    [s] = analyze([_case(0, [{"x": True}], [{"x": True}])], [judge_spec()])
    assert s.n_observations == 0
    assert s.reason == "no case where this check applies"
    decide_metric(s)
    assert s.verdict == "INCONCLUSIVE"


def _summary(name: str, verdict: str, gate: bool = True, n: int = 50) -> MetricSummary:
    return MetricSummary(
        name=name,
        kind="pass",
        direction="higher",
        gate=gate,
        margin=0.02,
        margin_spec=0.02,
        n_cases=n,
        n_observations=n,
        diff=0.0,
        verdict=verdict,
        reason=f"{name} reason",
    )


def test_decide_rules() -> None:
    assert decide([_summary("a", "GO"), _summary("b", "GO")]).label == "GO"
    v = decide([_summary("a", "GO"), _summary("b", "NO-GO"), _summary("c", "INCONCLUSIVE")])
    assert (v.label, v.exit_code) == ("NO-GO", EXIT_NO_GO)
    assert v.reasons == ["b: b reason"]
    v2 = decide([_summary("a", "GO"), _summary("c", "INCONCLUSIVE")])
    assert (v2.label, v2.exit_code) == ("INCONCLUSIVE", EXIT_INCONCLUSIVE)
    # ungated NO-GO does not block; metric without data ignored
    v3 = decide(
        [
            _summary("a", "GO"),
            _summary("lat", "NO-GO", gate=False),
            _summary("e", "INCONCLUSIVE", n=0),
        ]
    )
    assert (v3.label, v3.exit_code) == ("GO", EXIT_GO)
    assert decide([_summary("lat", "GO", gate=False)]).label == "INCONCLUSIVE"


def test_decide_overall_multiple_candidates() -> None:
    def comp(label: str, verdict: str) -> ComparisonResult:
        return ComparisonResult(
            candidate=label, candidate_model=f"m-{label}", verdict=verdict, reasons=[f"{label} why"]
        )

    assert decide_overall([]).label == "INCONCLUSIVE"
    assert decide_overall([comp("a", "NO-GO")]).reasons == ["a why"]
    assert decide_overall([comp("a", "NO-GO"), comp("b", "GO")]).reasons == ["b (m-b) is GO"]
    assert decide_overall([comp("a", "NO-GO"), comp("b", "NO-GO")]).label == "NO-GO"
    assert decide_overall([comp("a", "NO-GO"), comp("b", "INCONCLUSIVE")]).label == "INCONCLUSIVE"


def test_with_overrides() -> None:
    specs = with_overrides([PASS, LAT], margins={"fmt": 0.1}, gates={"lat": True})
    assert specs[0].margin == 0.1
    assert specs[1].gate is True
    with pytest.raises(UsageError, match="no metric named 'x'"):
        with_overrides([PASS], margins={"x": 0.1})
    with pytest.raises(UsageError, match=">= 0"):
        with_overrides([PASS], margins={"fmt": -1})


def test_format_amount() -> None:
    assert format_amount("fmt", "pass", -0.123) == "-12.3 pts"
    assert format_amount("fmt", "pass", 0.5, signed=False) == "50.0%"
    assert format_amount("latency_s", "value", 0.25) == "+250 ms"
    assert format_amount("cost_usd", "value", 0.5) == "+$0.5000"
    assert format_amount("cost_usd", "value", -0.0001) == "-$0.000100"
    assert format_amount("cost_usd", "value", 0.25, signed=False) == "$0.2500"
    assert format_amount("x", "score", None) == "n/a"


def test_sequential_monitor_stops_early_on_clear_regression() -> None:
    results = _binary_results(2000, 0.95, 0.5, seed=6)
    mon = SequentialMonitor([PASS, LAT], alpha=0.05)
    seen = 0
    for r in results:
        mon.add(r)
        seen += 1
        if mon.should_stop():
            break
    info = mon.info["fmt"]
    assert info.decision == "NO-GO"
    assert info.stopped_at is not None
    assert info.stopped_at < 200
    assert seen == info.stopped_at
    assert "lat" not in mon.info  # ungated / unbounded metrics are not monitored


def test_sequential_monitor_go_and_compare_uses_it() -> None:
    results = [_case(i, [{"fmt": True}], [{"fmt": True}]) for i in range(400)]
    mon = SequentialMonitor([PASS], alpha=0.05)
    for r in results:
        mon.add(r)
    assert mon.info["fmt"].decision == "GO"
    assert mon.should_stop()
    comp = compare(
        results, [PASS], candidate="new", candidate_model="m", n_resamples=500, sequential=mon.info
    )
    assert comp.metrics[0].sequential is not None
    assert "confidence sequence" in comp.metrics[0].reason
    assert SequentialMonitor([LAT]).should_stop() is False
    undecided = SequentialMonitor([PASS])
    undecided.add(results[0])
    m = compare(
        results[:1],
        [PASS],
        candidate="new",
        candidate_model="m",
        n_resamples=500,
        sequential=undecided.info,
    ).metrics[0]
    assert "still includes" in m.reason


def test_compare_and_build_report_on_synthetic_hazards() -> None:
    report = synthetic_report(240, seed=3, hazards={"fence": 0.4, "rename": 0.3})
    assert report.verdict == "NO-GO"
    assert report.exit_code == EXIT_NO_GO
    comp = report.comparisons[0]
    by = {m.name: m for m in comp.metrics}
    assert by["json_fence"].verdict == "NO-GO"
    assert by["json_fence"].change_test == "mcnemar-exact"
    assert by["tool_calls_match"].verdict == "NO-GO"
    assert by["truncation"].verdict == "GO"
    assert by["judge"].change_test == "wilcoxon"
    assert comp.adapted_changes == {"rename:max_tokens": 240}
    assert comp.cost_usd is not None
    assert comp.cost_usd > 0
    regressed = [c for c in report.cases if "json_fence" in c.regressions]
    assert regressed
    assert report.warnings[0].startswith("synthetic")


def test_clean_candidate_goes() -> None:
    report = synthetic_report(300, seed=4, hazards={"judge_win": 0.55}, n_resamples=4000)
    assert report.verdict == "GO", report.reasons
    assert report.exit_code == EXIT_GO


def test_compare_counts_errors_and_repeats() -> None:
    _, results = synthetic_results(60, seed=5, hazards={"error": 0.5}, repeats=2)
    comp = compare(results, [PASS], candidate="new", candidate_model="x", n_resamples=500)
    assert comp.errors > 20
    report = build_report(RunMeta(), [comp], results)
    assert report.comparisons[0].errors == comp.errors
    assert report.verdict == comp.verdict
