"""Markdown for pull-request comments (GitHub-flavoured tables, collapsible details)."""

from __future__ import annotations

from switchover.evaluate.results import EvalReport, MetricSummary
from switchover.evaluate.verdict import format_amount

__all__ = ["render_markdown"]

_ICON = {"GO": "✅", "NO-GO": "❌", "INCONCLUSIVE": "⚠️"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _p(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _row(m: MetricSummary) -> str:
    ci = f"{format_amount(m.name, m.kind, m.ci_low)} … {format_amount(m.name, m.kind, m.ci_high)}"
    margin = format_amount(m.name, m.kind, m.margin, signed=False)
    cells = [
        f"`{m.name}`",
        "gate" if m.gate else "info",
        str(m.n_cases),
        format_amount(m.name, m.kind, m.baseline_mean, signed=False),
        format_amount(m.name, m.kind, m.candidate_mean, signed=False),
        f"{format_amount(m.name, m.kind, m.diff)} ({ci})",
        margin,
        f"{m.change_test} {_p(m.change_p_holm)}".strip(),
        f"{_ICON[m.verdict]} {m.verdict}",
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render_markdown(report: EvalReport, *, max_regressions: int = 15) -> str:
    """A compact summary: verdict, reasons, per-metric table, top regressions."""
    meta = report.meta
    cands = ", ".join(meta.candidates.values()) or "candidate"
    lines = [
        f"## {_ICON[report.verdict]} switchover eval: **{report.verdict}** "
        f"({meta.baseline_model or 'baseline'} → {cands})",
        "",
    ]
    lines += [f"- {_cell(r)}" for r in report.reasons]
    lines.append("")
    for c in report.comparisons:
        if len(report.comparisons) > 1:
            lines += [
                f"### {c.candidate}: {c.candidate_model} — {_ICON[c.verdict]} {c.verdict}",
                "",
            ]
        lines += [
            "| Metric | Gate | Cases | Baseline | Candidate | Difference (CI) | Margin | Change test (p, Holm) | Verdict |",
            "|---|---|---:|---:|---:|---|---:|---|---|",
        ]
        lines += [_row(m) for m in c.metrics if m.n_observations > 0]
        lines.append("")
        if c.adapted_changes:
            changes = ", ".join(f"`{k}` ({n})" for k, n in c.adapted_changes.items())
            lines += [f"Request adaptations: {changes}", ""]
    regressed = [cr for cr in report.cases if cr.regressions]
    if regressed:
        lines += [
            f"<details><summary>{len(regressed)} case(s) with a regression"
            f"{f' (first {max_regressions})' if len(regressed) > max_regressions else ''}</summary>",
            "",
            "| Case | Candidate | Regressed | Detail |",
            "|---|---|---|---|",
        ]
        for cr in regressed[:max_regressions]:
            out = cr.candidate_outputs[0] if cr.candidate_outputs else None
            details = []
            for name in cr.regressions:
                r = out.checks.get(name) if out else None
                if r is not None and r.detail:
                    details.append(f"{name}: {r.detail}")
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        f"`{cr.case_id}`",
                        cr.candidate,
                        ", ".join(cr.regressions),
                        "; ".join(details)[:200],
                    )
                )
                + " |"
            )
        lines += ["", "</details>", ""]
    if report.warnings:
        lines += [f"> ⚠️ {_cell(w)}" for w in report.warnings] + [""]
    lines.append(
        f"<sub>{meta.n_cases} cases × {meta.repeats} repeat(s), seed {meta.seed}, "
        f"{meta.n_resamples} bootstrap resamples, α = {meta.alpha}; spend ${meta.cost_usd:.4f}. "
        "Differences are candidate − baseline.</sub>"
    )
    return "\n".join(lines) + "\n"
