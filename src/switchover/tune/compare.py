"""Scoring variants against the baseline and against the original candidate.

Both come from one :class:`EvalReport` whose candidates are the original and the variants
(each compared with the baseline by the engine). ``rank_key`` orders variants by the plan's
gated metrics; ``deltas`` measures a variant against the original on the same cases
(paired, case-clustered bootstrap intervals from :mod:`switchover.evaluate.stats`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from switchover.evaluate import stats
from switchover.evaluate.analysis import JUDGE_METRIC
from switchover.evaluate.results import CaseResult, ComparisonResult, EvalReport, MetricSummary

__all__ = ["Delta", "deltas", "gated", "rank_key", "regression_counts"]


class Delta(BaseModel):
    """A variant minus the original on one metric (paired by case)."""

    metric: str
    kind: str
    direction: str
    n_cases: int
    original_mean: float
    variant_mean: float
    diff: float  # variant - original, in the metric's units
    ci_low: float
    ci_high: float
    better: bool  # the interval lies wholly on the better side of zero
    worse: bool  # ... wholly on the worse side


def gated(comparison: ComparisonResult) -> list[MetricSummary]:
    """Gated metrics with data (the ones the verdict rests on)."""
    return [m for m in comparison.metrics if m.gate and m.diff is not None]


def rank_key(comparison: ComparisonResult) -> tuple[int, int, float]:
    """Smaller is better: (gated metrics NO-GO, gated metrics not GO, -sum of the
    direction-signed differences from the baseline over gated pass/score metrics)."""
    ms = gated(comparison)
    no_go = sum(m.verdict == "NO-GO" for m in ms)
    not_go = sum(m.verdict != "GO" for m in ms)
    signed = sum(
        (m.diff or 0.0) * (1.0 if m.direction == "higher" else -1.0)
        for m in ms
        if m.kind in ("pass", "score")
    )
    return no_go, not_go, -round(signed, 9)


def _per_case(results: Sequence[CaseResult], label: str, metric: str) -> dict[str, float]:
    """Mean of the metric over a case's repeats, for one candidate label."""
    out: dict[str, float] = {}
    for r in results:
        if r.candidate != label:
            continue
        if metric == JUDGE_METRIC:
            vals = [j.score for j in r.judge if j.score is not None]
        else:
            vals = [
                v
                for o in r.candidate_outputs
                if metric in o.checks and (v := o.checks[metric].numeric) is not None
            ]
        if vals:
            out[r.case_id] = float(np.mean(vals))
    return out


def deltas(
    report: EvalReport,
    variant: str,
    original: str,
    *,
    metrics: Sequence[MetricSummary] | None = None,
    level: float = 0.95,
    n_resamples: int = 4000,
    seed: int = 0,
) -> list[Delta]:
    """Paired variant-minus-original differences on every gated metric of the variant's
    comparison (or ``metrics``), over the cases both have a value for, weighted by the
    cases' traffic weights as the engine's own comparisons are."""
    comp = next(c for c in report.comparisons if c.candidate == variant)
    weights = {r.case_id: r.weight for r in report.cases}  # traffic weight (merged duplicates)
    out: list[Delta] = []
    for m in metrics if metrics is not None else gated(comp):
        a = _per_case(report.cases, original, m.name)
        b = _per_case(report.cases, variant, m.name)
        common = sorted(set(a) & set(b))
        if not common:
            continue
        orig = np.array([a[c] for c in common])
        var = np.array([b[c] for c in common])
        w = np.array([weights[c] for c in common])
        d = var - orig
        if np.ptp(d) == 0.0:
            low = high = float(d[0])
        else:
            ci = stats.bootstrap_ci(d, weights=w, n_resamples=n_resamples, level=level, seed=seed)
            low, high = ci.low, ci.high
        sign = 1.0 if m.direction == "higher" else -1.0
        lo_s, hi_s = sorted((low * sign, high * sign))
        out.append(
            Delta(
                metric=m.name,
                kind=m.kind,
                direction=m.direction,
                n_cases=len(common),
                original_mean=stats.weighted_mean(orig, w),
                variant_mean=stats.weighted_mean(var, w),
                diff=stats.weighted_mean(d, w),
                ci_low=low,
                ci_high=high,
                better=lo_s > 0.0,
                worse=hi_s < 0.0,
            )
        )
    return out


def regression_counts(report: EvalReport, label: str) -> dict[str, int]:
    """How many cases regressed on each metric for candidate ``label``."""
    counts: dict[str, int] = defaultdict(int)
    for r in report.cases:
        if r.candidate == label:
            for name in r.regressions:
                counts[name] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
