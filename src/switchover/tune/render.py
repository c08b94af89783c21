"""Renderers for a :class:`TuneResult`: Markdown (files, PR comments) and JSON."""

from __future__ import annotations

from collections.abc import Sequence

from switchover.evaluate.verdict import format_amount
from switchover.tune.compare import Delta
from switchover.tune.result import TuneResult, VariantResult

__all__ = ["delta_line", "render_json", "render_markdown"]


def _amount(d: Delta, x: float) -> str:
    return format_amount(d.metric, d.kind, x)


def delta_line(d: Delta) -> str:
    """``json_fence +20.7 pts [+13.5, +28.9] (better)``."""
    tag = " (better)" if d.better else " (worse)" if d.worse else ""
    return f"{d.metric} {_amount(d, d.diff)} [{_amount(d, d.ci_low)}, {_amount(d, d.ci_high)}]{tag}"


def _delta_table(ds: Sequence[Delta]) -> list[str]:
    rows = [
        "| metric | original | variant | difference | 95% interval | |",
        "|---|---|---|---|---|---|",
    ]
    for d in ds:
        tag = "better" if d.better else "worse" if d.worse else ""
        rows.append(
            f"| {d.metric} | {d.original_mean:.3f} | {d.variant_mean:.3f} | "
            f"{_amount(d, d.diff)} | {_amount(d, d.ci_low)} to {_amount(d, d.ci_high)} | {tag} |"
        )
    return rows


def _variant_md(v: VariantResult) -> list[str]:
    lines = [f"### {v.name} ({v.source})", ""]
    if v.description:
        lines += [v.description, ""]
    lines.append(
        f"Against the baseline: **{v.verdict}**; rank {v.rank}; "
        + ("better than the original" if v.eligible else "not better than the original")
    )
    if v.params:
        lines += ["", f"Parameters: `{v.params}`"]
    if v.diff:
        lines += ["", "```diff", v.diff.rstrip("\n"), "```"]
    if v.deltas:
        lines += ["", *_delta_table(v.deltas)]
    return [*lines, ""]


def render_markdown(result: TuneResult) -> str:
    r = result
    out = [
        f"# switchover tune: {r.migration}",
        "",
        f"**{'CONFIRMED' if r.confirmed else 'NOT CONFIRMED'}**: {r.summary}",
        "",
        f"Baseline `{r.baseline_model}`, candidate `{r.candidate_model}`. Split (seed {r.seed}, "
        f"stratified by {r.stratify_by}): {r.n_dev} development cases, {r.n_holdout} held-out "
        "cases, disjoint. Differences are variant minus original on the same cases, with "
        "case-resampled bootstrap 95% intervals.",
        "",
    ]
    if r.holdout is not None:
        h = r.holdout
        out += [
            f"## Held-out confirmation of {r.winner}",
            "",
            f"Targets (improved on development): {', '.join(h.targets) or 'none'}. "
            f"Verdict against the baseline: {r.winner} {h.winner_verdict}, original "
            f"{h.original_verdict}.",
            "",
            *_delta_table(h.deltas),
            "",
        ]
        out += [f"- {x}" for x in h.reasons]
        if h.reasons:
            out.append("")
    out += ["## Variants on the development split (best first)", ""]
    for v in r.variants:
        out += _variant_md(v)
    if r.rewriting_prompt:
        out += [
            f"## Rewriting prompt sent to {r.generator}",
            "",
            "```text",
            r.rewriting_prompt,
            "```",
            "",
        ]
    if r.warnings:
        out += ["## Warnings", "", *[f"- {w}" for w in r.warnings], ""]
    return "\n".join(out)


def render_json(result: TuneResult) -> str:
    return result.model_dump_json(indent=2) + "\n"
