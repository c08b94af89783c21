"""From per-case results to per-metric statistics (pure).

``analyze`` pairs each case's baseline and candidate outputs repeat by repeat, takes
``candidate - baseline`` per pair, keeps a case's repeats together as one cluster, and runs
the tests in :mod:`switchover.evaluate.stats`. ``SequentialMonitor`` is the anytime-valid
variant the runner feeds case by case to stop early.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from switchover.evaluate import stats
from switchover.evaluate.results import (
    CaseResult,
    ComparisonResult,
    EvalReport,
    MetricSpec,
    MetricSummary,
    RunMeta,
    SequentialInfo,
)
from switchover.evaluate.verdict import decide, decide_metrics, decide_overall

__all__ = [
    "JUDGE_METRIC",
    "Pairs",
    "SequentialMonitor",
    "all_metric_pairs",
    "analyze",
    "build_report",
    "compare",
    "judge_spec",
    "mark_case_changes",
    "metric_pairs",
    "resamples_note",
]

JUDGE_METRIC = "judge"


def judge_spec(margin: float = 0.05, gate: bool = True) -> MetricSpec:
    """The pairwise judge metric: candidate share of the preference (0..1), baseline = 1 - it."""
    return MetricSpec(
        name=JUDGE_METRIC,
        kind="score",
        margin=margin,
        gate=gate,
        bounds=(0.0, 1.0),
        description="pairwise LLM judge preference (both orders)",
    )


@dataclass
class Pairs:
    """Paired observations of one metric: one row per (case, repeat) pair."""

    case_ids: list[str] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    candidate: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def add(self, case_id: str, base: float, cand: float, weight: float) -> None:
        self.case_ids.append(case_id)
        self.baseline.append(base)
        self.candidate.append(cand)
        self.weights.append(weight)

    @property
    def diffs(self) -> stats.FloatArray:
        cand = np.asarray(self.candidate, dtype=np.float64)
        base = np.asarray(self.baseline, dtype=np.float64)
        out: stats.FloatArray = cand - base
        return out


def _case_pairs(result: CaseResult, name: str) -> list[tuple[float, float]]:
    if name == JUDGE_METRIC:
        return [(1.0 - j.score, j.score) for j in result.judge if j.score is not None]
    base = [o.checks[name].numeric if name in o.checks else None for o in result.baseline]
    cand = [o.checks[name].numeric if name in o.checks else None for o in result.candidate_outputs]
    if not base or not cand:
        return []
    if len(base) == 1:  # one recorded / single baseline answer: pair it with every repeat
        base = base * len(cand)
    return [(b, c) for b, c in zip(base, cand, strict=False) if b is not None and c is not None]


def metric_pairs(results: Iterable[CaseResult], name: str) -> Pairs:
    return all_metric_pairs(results, [name])[name]


def all_metric_pairs(results: Iterable[CaseResult], names: Sequence[str]) -> dict[str, Pairs]:
    """Paired observations of every metric in ``names``, in one pass over the results."""
    return _collect(results, names)[0]


def _collect(
    results: Iterable[CaseResult], names: Sequence[str]
) -> tuple[dict[str, Pairs], list[dict[str, float]]]:
    """:func:`all_metric_pairs`, and for each result the mean ``candidate - baseline`` of
    each metric with pairs (what :func:`mark_case_changes` needs), in the same pass."""
    out = {n: Pairs() for n in names}
    checked = [(n, p) for n, p in out.items() if n != JUDGE_METRIC]
    judge = out.get(JUDGE_METRIC)
    means: list[dict[str, float]] = []
    for r in results:
        cand_outs = r.candidate_outputs
        base_outs = r.baseline
        if len(base_outs) == 1:  # one recorded / single baseline answer: pair it with each
            base_outs = base_outs * len(cand_outs)
        # repeat by repeat: (baseline checks, candidate checks)
        checks = [(b.checks, c.checks) for b, c in zip(base_outs, cand_outs, strict=False)]
        mean: dict[str, float] = {}
        cid, weight = r.case_id, r.weight
        for name, pairs in checked:
            total, n = 0.0, 0
            for base_checks, cand_checks in checks:
                bc, cc = base_checks.get(name), cand_checks.get(name)
                if bc is None or cc is None:
                    continue
                b, c = bc.numeric, cc.numeric
                if b is None or c is None:
                    continue
                pairs.case_ids.append(cid)
                pairs.baseline.append(b)
                pairs.candidate.append(c)
                pairs.weights.append(weight)
                total += c - b
                n += 1
            if n:
                mean[name] = total / n
        if judge is not None:
            scores = [j.score for j in r.judge if j.score is not None]
            for score in scores:
                judge.add(cid, 1.0 - score, score, weight)
            if scores:
                mean[JUDGE_METRIC] = sum(s - (1.0 - s) for s in scores) / len(scores)
        means.append(mean)
    return out, means


def _round(values: Iterable[float]) -> list[float]:
    return [float(f"{v:.6g}") for v in values]


def _summarize(
    spec: MetricSpec, pairs: Pairs, *, weighted: bool, alpha: float, method: str
) -> tuple[MetricSummary, dict[str, float]]:
    """Everything but the bootstrap; returns the summary and the oriented (higher is better)
    case-level differences by case id, for the shared bootstrap."""
    n_obs = len(pairs.case_ids)
    s = MetricSummary(
        name=spec.name,
        kind=spec.kind,
        direction=spec.direction,
        gate=spec.gate,
        margin=spec.margin,
        margin_spec=spec.margin,
        relative=spec.relative,
        n_cases=len(set(pairs.case_ids)),
        n_observations=n_obs,
        weighted=weighted,
        ci_level=1 - alpha,
        ci_method=method,
    )
    if n_obs == 0:
        s.reason = "no case where this check applies"
        return s, {}
    clusters = np.asarray(pairs.case_ids)
    ids = np.unique(clusters)
    w = np.asarray(pairs.weights, dtype=np.float64) if weighted else None
    base_m, cw = stats.cluster_means(pairs.baseline, clusters, w)
    cand_m, _ = stats.cluster_means(pairs.candidate, clusters, w)
    wts = cw if weighted else None
    s.baseline_mean = stats.weighted_mean(base_m, wts)
    s.candidate_mean = stats.weighted_mean(cand_m, wts)
    s.baseline_values = _round(base_m)
    s.candidate_values = _round(cand_m)
    if spec.relative:
        s.margin = spec.margin * abs(s.baseline_mean)
    case_diff = cand_m - base_m
    oriented = case_diff if spec.direction == "higher" else -case_diff
    if spec.kind == "pass":
        worse, better, p = stats.sign_test(oriented)
        binary = n_obs == s.n_cases and set(pairs.baseline) | set(pairs.candidate) <= {0.0, 1.0}
        s.change_test = "mcnemar-exact" if binary else "sign-test"
        s.discordant_worse, s.discordant_better, s.change_p = worse, better, p
    else:
        s.change_test = "wilcoxon"
        _, s.change_p = stats.wilcoxon(case_diff)
        s.discordant_worse = int(np.count_nonzero(oriented < 0))
        s.discordant_better = int(np.count_nonzero(oriented > 0))
    return s, dict(zip(ids.tolist(), oriented.tolist(), strict=True))


def analyze(
    results: Sequence[CaseResult],
    specs: Sequence[MetricSpec],
    *,
    alpha: float = 0.05,
    n_resamples: int = 10_000,
    seed: int = 0,
    weighted: bool | None = None,
    method: str = "bca",
    pairs: Mapping[str, Pairs] | None = None,
) -> list[MetricSummary]:
    """Statistics for every metric in ``specs`` over ``results`` (one candidate's cases).

    All metrics share one case-clustered bootstrap (``stats.bootstrap_many``).
    ``weighted=None`` weights by traffic only when the cases carry unequal weights. Holm
    adjusts the change p-values across all metrics, and the non-inferiority / inferiority
    p-values across the gated metrics. Verdicts are filled by ``verdict.decide_metrics``.
    ``pairs``: the metrics' pairs when the caller has them (``all_metric_pairs``)."""
    if weighted is None:
        weighted = len({r.weight for r in results}) > 1
    summaries: list[MetricSummary] = []
    diffs: list[dict[str, float]] = []
    all_pairs = pairs if pairs is not None else all_metric_pairs(results, [sp.name for sp in specs])
    for spec in specs:
        s, d = _summarize(spec, all_pairs[spec.name], weighted=weighted, alpha=alpha, method=method)
        summaries.append(s)
        diffs.append(d)
    case_ids = sorted({cid for d in diffs for cid in d})
    if case_ids:
        row = {cid: i for i, cid in enumerate(case_ids)}
        columns = np.full((len(case_ids), len(specs)), np.nan)
        for j, d in enumerate(diffs):
            for cid, v in d.items():
                columns[row[cid], j] = v
        case_w: dict[str, float] = {r.case_id: r.weight for r in results}
        weights = np.asarray([case_w[c] for c in case_ids]) if weighted else None
        boots = stats.bootstrap_many(
            columns,
            weights,
            n_resamples=n_resamples,
            level=1 - alpha,
            method="bca" if method == "bca" else "percentile",
            seed=seed,
        )
        for s, boot in zip(summaries, boots, strict=True):
            if boot is None:
                continue
            sign = 1.0 if s.direction == "higher" else -1.0
            s.diff = sign * boot.estimate + 0.0
            lo, hi = (boot.low, boot.high) if sign > 0 else (-boot.high, -boot.low)
            s.ci_low, s.ci_high = lo + 0.0, hi + 0.0
            s.p_noninferior = boot.p_value(-s.margin, "greater")
            s.p_inferior = boot.p_value(-s.margin, "less")
    _holm_fill(summaries, "change_p", "change_p_holm", gated_only=False)
    _holm_fill(summaries, "p_noninferior", "p_noninferior_holm", gated_only=True)
    _holm_fill(summaries, "p_inferior", "p_inferior_holm", gated_only=True)
    return summaries


def _holm_fill(summaries: list[MetricSummary], src: str, dst: str, *, gated_only: bool) -> None:
    family = [s for s in summaries if getattr(s, src) is not None and (s.gate or not gated_only)]
    if family:
        adj = stats.holm([getattr(s, src) for s in family])
        for s, p in zip(family, adj, strict=True):
            setattr(s, dst, float(p))
    if gated_only:  # ungated metrics are reported unadjusted
        for s in summaries:
            if not s.gate:
                setattr(s, dst, getattr(s, src))


def mark_case_changes(
    results: Sequence[CaseResult],
    specs: Sequence[MetricSpec],
    *,
    means: Sequence[Mapping[str, float]] | None = None,
) -> None:
    """Fill each case's ``regressions`` / ``improvements`` (pass and score metrics), in place.
    ``means``: per result, each metric's mean ``candidate - baseline`` when already known."""
    if means is None:
        means = _collect(results, [s.name for s in specs if s.kind != "value"])[1]
    for r, mean in zip(results, means, strict=True):
        r.regressions, r.improvements = [], []
        for spec in specs:
            if spec.kind == "value" or spec.name not in mean:
                continue
            d = mean[spec.name]
            d = d if spec.direction == "higher" else -d
            if d < -1e-9:
                r.regressions.append(spec.name)
            elif d > 1e-9:
                r.improvements.append(spec.name)


class SequentialMonitor:
    """Anytime-valid monitoring of the gated, bounded metrics, case by case.

    Each metric gets an empirical-Bernstein confidence sequence on the per-case difference
    (bounded by the metric's ``bounds``) at level ``alpha / k`` (Bonferroni over the k
    monitored metrics, since Holm is not defined for sequences). A metric is decided GO once
    the sequence's lower end clears ``-margin`` and NO-GO once its upper end falls below it.
    Relative margins use the baseline mean seen so far. Cases must arrive in random order."""

    def __init__(
        self, specs: Sequence[MetricSpec], *, alpha: float = 0.05, min_cases: int = 20
    ) -> None:
        self.specs = [s for s in specs if s.gate and s.bounds is not None]
        k = max(len(self.specs), 1)
        self.alpha = alpha
        self.min_cases = min_cases
        self._cs: dict[str, stats.ConfidenceSequence] = {}
        self._base_sum: dict[str, float] = defaultdict(float)
        self._info: dict[str, SequentialInfo] = {}
        for s in self.specs:
            lo, hi = s.bounds or (0.0, 1.0)
            span = hi - lo
            self._cs[s.name] = stats.ConfidenceSequence(alpha=alpha / k, bounds=(-span, span))
            self._info[s.name] = SequentialInfo(n=0, low=-span, high=span)

    def add(self, result: CaseResult) -> None:
        for s in self.specs:
            pairs = _case_pairs(result, s.name)
            if not pairs:
                continue
            d = sum(c - b for b, c in pairs) / len(pairs)
            if s.direction == "lower":
                d = -d
            self._base_sum[s.name] += sum(b for b, _ in pairs) / len(pairs)
            cs = self._cs[s.name]
            low, high = cs.update(d)
            info = self._info[s.name]
            info.n, info.low, info.high = cs.n, low, high
            if info.stopped_at is None and cs.n >= self.min_cases:
                margin = s.margin
                if s.relative:
                    margin = s.margin * abs(self._base_sum[s.name] / cs.n)
                if low > -margin:
                    info.decision, info.stopped_at = "GO", cs.n
                elif high < -margin:
                    info.decision, info.stopped_at = "NO-GO", cs.n

    @property
    def info(self) -> dict[str, SequentialInfo]:
        return {k: v.model_copy() for k, v in self._info.items()}

    def should_stop(self) -> bool:
        """True once any gated metric is NO-GO or every one is GO."""
        if not self._info:
            return False
        decisions = [i.decision for i in self._info.values()]
        return "NO-GO" in decisions or all(d == "GO" for d in decisions)


def compare(
    results: Sequence[CaseResult],
    specs: Sequence[MetricSpec],
    *,
    candidate: str,
    candidate_model: str,
    alpha: float = 0.05,
    n_resamples: int = 10_000,
    seed: int = 0,
    weighted: bool | None = None,
    method: str = "bca",
    min_cases: int = 10,
    sequential: Mapping[str, SequentialInfo] | None = None,
) -> ComparisonResult:
    """Analyse and decide one candidate: the runner's one call after all cases are in.

    Also fills each case's regressions / improvements, counts the adaptation changes
    (``"kind:param" -> cases``), the candidate's errors and its total cost."""
    own = [r for r in results if r.candidate == candidate]
    pairs, means = _collect(own, [s.name for s in specs])
    metrics = analyze(
        own,
        specs,
        alpha=alpha,
        n_resamples=n_resamples,
        seed=seed,
        weighted=weighted,
        method=method,
        pairs=pairs,
    )
    if sequential:
        for m in metrics:
            m.sequential = sequential.get(m.name)
    decide_metrics(metrics, alpha=alpha, min_cases=min_cases, sequential=bool(sequential))
    mark_case_changes(own, specs, means=means)
    verdict = decide(metrics)
    note = resamples_note(metrics, n_resamples, alpha)
    if note:
        verdict.reasons.append(note)
    changes: dict[str, set[str]] = defaultdict(set)
    errors, cost, priced = 0, 0.0, False
    for r in own:
        for o in r.candidate_outputs:
            errors += not o.ok
            for ch in o.changes:
                changes[f"{ch.get('kind', '?')}:{ch.get('param', '?')}"].add(r.case_id)
            c = o.cost_usd
            if c is None and "cost_usd" in o.checks:
                c = o.checks["cost_usd"].value
            if c is not None:
                cost, priced = cost + c, True
    return ComparisonResult(
        candidate=candidate,
        candidate_model=candidate_model,
        verdict=verdict.label,
        reasons=verdict.reasons,
        metrics=metrics,
        adapted_changes={k: len(v) for k, v in sorted(changes.items())},
        errors=errors,
        cost_usd=cost if priced else None,
    )


def resamples_note(metrics: Sequence[MetricSummary], n_resamples: int, alpha: float) -> str:
    """A warning when ``n_resamples`` is too few for any gated metric to reach significance
    after Holm (the smallest bootstrap p-value is 1 / (n_resamples + 1)); else ``""``."""
    k = sum(1 for m in metrics if m.gate and m.n_observations)
    if not k or k / (n_resamples + 1) < alpha / 2:
        return ""
    return (
        f"{n_resamples} bootstrap resamples are too few to show significance for {k} gated "
        f"metrics at alpha {alpha}; use at least {math.ceil(2 * k / alpha)} (default 10,000)"
    )


def build_report(
    meta: RunMeta,
    comparisons: Sequence[ComparisonResult],
    cases: Sequence[CaseResult],
    *,
    warnings: Sequence[str] = (),
) -> EvalReport:
    """Assemble the report and its overall verdict / exit code."""
    overall = decide_overall(comparisons)
    return EvalReport(
        meta=meta,
        verdict=overall.label,
        exit_code=overall.exit_code,
        reasons=overall.reasons,
        comparisons=list(comparisons),
        cases=list(cases),
        warnings=list(warnings),
    )
