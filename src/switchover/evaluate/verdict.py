"""GO / NO-GO / INCONCLUSIVE, per metric and overall, with the burden of proof on the candidate.

Per gated metric (after Holm across the gated metrics, one-sided tests at ``alpha / 2`` so
that a decision agrees with the reported two-sided ``1 - alpha`` interval):

* **NO-GO** when the candidate is shown to be worse than the baseline by more than the margin;
* **GO** when it is shown *not* to be worse by more than the margin (non-inferiority);
* **INCONCLUSIVE** otherwise (including too few cases).

Overall: NO-GO if any gated metric is NO-GO, GO if every gated metric with data is GO, else
INCONCLUSIVE. Across several candidates the run is GO when at least one candidate is GO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from switchover.errors import UsageError
from switchover.evaluate.results import ComparisonResult, MetricSpec, MetricSummary, VerdictLabel

__all__ = [
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_GO",
    "EXIT_INCONCLUSIVE",
    "EXIT_NO_GO",
    "Verdict",
    "decide",
    "decide_metric",
    "decide_metrics",
    "decide_overall",
    "format_amount",
    "with_overrides",
]

EXIT_GO = 0
EXIT_NO_GO = 1
EXIT_INCONCLUSIVE = 2
EXIT_ERROR = 3
EXIT_CODES: dict[VerdictLabel, int] = {
    "GO": EXIT_GO,
    "NO-GO": EXIT_NO_GO,
    "INCONCLUSIVE": EXIT_INCONCLUSIVE,
}


@dataclass
class Verdict:
    label: VerdictLabel
    reasons: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.label]


def format_amount(name: str, kind: str, x: float | None, *, signed: bool = True) -> str:
    """A value or difference in the metric's natural unit (points, ms, $)."""
    if x is None:
        return "n/a"
    sign = "+" if signed else ""
    if kind == "pass":
        return f"{x * 100:{sign}.1f} pts" if signed else f"{x * 100:.1f}%"
    if name.endswith("_s"):
        return f"{x * 1000:{sign}.0f} ms"
    if name.endswith("_usd"):
        sgn = ("-" if x < 0 else "+") if signed else ("-" if x < 0 else "")
        digits = 6 if abs(x) < 0.01 else 4
        return f"{sgn}${abs(x):.{digits}f}"
    return f"{x:{sign}.3g}"


def _ci(s: MetricSummary) -> str:
    lo = format_amount(s.name, s.kind, s.ci_low)
    hi = format_amount(s.name, s.kind, s.ci_high)
    return f"{round(s.ci_level * 100)}% CI {lo} to {hi}"


def decide_metric(
    s: MetricSummary, *, alpha: float = 0.05, min_cases: int = 10, sequential: bool = False
) -> MetricSummary:
    """Set ``s.verdict`` and ``s.reason`` (in place) and return ``s``."""
    margin = format_amount(s.name, s.kind, s.margin, signed=False)
    if s.kind == "pass":
        margin = f"{s.margin * 100:.1f} pts"
    if s.relative:
        margin += f" ({s.margin_spec:.0%} of the baseline)"
    if s.kind == "pass":
        worse = "pass rate lower"
    elif s.kind == "score":
        worse = "score lower"
    else:
        worse = "higher" if s.direction == "lower" else "lower"
    if s.n_observations == 0 or s.diff is None:
        s.verdict, s.reason = "INCONCLUSIVE", s.reason or "no data"
        return s
    diff = format_amount(s.name, s.kind, s.diff)
    if sequential and s.sequential is not None:
        seq = s.sequential
        s.verdict = seq.decision
        if seq.decision == "GO":
            s.reason = f"not worse by more than {margin} (confidence sequence, after {seq.stopped_at} cases)"
        elif seq.decision == "NO-GO":
            s.reason = (
                f"worse by more than {margin} (confidence sequence, after {seq.stopped_at} cases)"
            )
        else:
            s.reason = f"confidence sequence still includes a drop of {margin} after {seq.n} cases"
        return s
    if s.n_cases < min_cases:
        s.verdict = "INCONCLUSIVE"
        s.reason = f"only {s.n_cases} case(s); at least {min_cases} needed for a decision"
        return s
    one_sided = alpha / 2
    p_inf = s.p_inferior_holm if s.p_inferior_holm is not None else s.p_inferior
    p_ni = s.p_noninferior_holm if s.p_noninferior_holm is not None else s.p_noninferior
    if p_inf is not None and p_inf < one_sided:
        s.verdict = "NO-GO"
        s.reason = (
            f"{worse} than the baseline's by more than the margin of {margin}: "
            f"difference {diff} ({_ci(s)}), p = {p_inf:.3g}"
        )
    elif p_ni is not None and p_ni < one_sided:
        s.verdict = "GO"
        s.reason = (
            f"not worse than the baseline by more than {margin}: difference {diff} "
            f"({_ci(s)}), p = {p_ni:.3g}"
        )
    else:
        s.verdict = "INCONCLUSIVE"
        s.reason = (
            f"cannot rule out a drop of more than {margin}: difference {diff} ({_ci(s)}); "
            "more cases would narrow the interval"
        )
    return s


def decide_metrics(
    summaries: Sequence[MetricSummary],
    *,
    alpha: float = 0.05,
    min_cases: int = 10,
    sequential: bool = False,
) -> list[MetricSummary]:
    return [
        decide_metric(s, alpha=alpha, min_cases=min_cases, sequential=sequential) for s in summaries
    ]


def decide(metrics: Sequence[MetricSummary]) -> Verdict:
    """The verdict of one candidate from its (already decided) metrics."""
    gated = [m for m in metrics if m.gate and m.n_observations > 0]
    if not gated:
        return Verdict("INCONCLUSIVE", ["no gated metric had any data"])
    bad = [m for m in gated if m.verdict == "NO-GO"]
    if bad:
        return Verdict("NO-GO", [f"{m.name}: {m.reason}" for m in bad])
    open_ = [m for m in gated if m.verdict != "GO"]
    if open_:
        return Verdict("INCONCLUSIVE", [f"{m.name}: {m.reason}" for m in open_])
    names = ", ".join(m.name for m in gated)
    return Verdict("GO", [f"every gated metric is non-inferior ({names})"])


def decide_overall(comparisons: Sequence[ComparisonResult]) -> Verdict:
    """The run's verdict: GO if some candidate is GO, NO-GO if all are, else INCONCLUSIVE."""
    if not comparisons:
        return Verdict("INCONCLUSIVE", ["no candidate was evaluated"])
    if len(comparisons) == 1:
        c = comparisons[0]
        return Verdict(c.verdict, list(c.reasons))
    go = [c for c in comparisons if c.verdict == "GO"]
    if go:
        return Verdict("GO", [f"{c.candidate} ({c.candidate_model}) is GO" for c in go])
    if all(c.verdict == "NO-GO" for c in comparisons):
        return Verdict("NO-GO", [f"{c.candidate}: {r}" for c in comparisons for r in c.reasons])
    return Verdict("INCONCLUSIVE", [f"{c.candidate}: {c.verdict}" for c in comparisons])


def with_overrides(
    specs: Sequence[MetricSpec],
    *,
    margins: Mapping[str, float] | None = None,
    gates: Mapping[str, bool] | None = None,
) -> list[MetricSpec]:
    """Specs with user-declared margins / gates applied (unknown names are an error)."""
    known = {s.name for s in specs}
    for name in [*(margins or {}), *(gates or {})]:
        if name not in known:
            raise UsageError(
                f"no metric named {name!r} to set a margin or gate on",
                hint="Metrics: " + ", ".join(sorted(known)),
            )
    out: list[MetricSpec] = []
    for s in specs:
        upd: dict[str, object] = {}
        if margins and s.name in margins:
            if margins[s.name] < 0:
                raise UsageError(f"margin for {s.name!r} must be >= 0")
            upd["margin"] = margins[s.name]
        if gates and s.name in gates:
            upd["gate"] = gates[s.name]
        out.append(s.model_copy(update=upd) if upd else s)
    return out
