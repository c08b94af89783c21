"""Renderers for a :class:`TuneResult`: Markdown (files, PR comments) and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from switchover.evaluate.verdict import format_amount
from switchover.tune.compare import Delta
from switchover.tune.result import TuneResult, VariantResult

if TYPE_CHECKING:
    from switchover.tune.run import TuneRun

__all__ = ["delta_line", "print_result", "render_json", "render_markdown"]


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


def print_result(console: Console, run: TuneRun, paths: Sequence[Path] = ()) -> None:
    """The terminal summary: variants table, prompt diff, held-out deltas, verdict."""
    r = run.result
    console.print(
        f"[bold]{r.migration}[/]: {r.n_dev} development + {r.n_holdout} held-out cases "
        f"(seed {r.seed}, stratified by {r.stratify_by}); baseline {r.baseline_model}, "
        f"candidate {r.candidate_model}"
    )
    table = Table(title="Variants on the development split (best first)")
    for col in ("variant", "source", "vs baseline", "better than original on"):
        table.add_column(col)
    for v in r.variants:
        better = ", ".join(d.metric for d in v.deltas if d.better) or "-"
        worse = [d.metric for d in v.deltas if d.worse]
        if worse:
            better += f" [red](worse: {', '.join(worse)})[/]"
        name = f"[bold green]{v.name}[/]" if v.name == r.winner else v.name
        table.add_row(name, v.source, v.verdict, better)
    console.print(table)
    if r.rewriting_prompt:
        console.print(f"\n[bold]Rewriting prompt sent to {r.generator}:[/]")
        console.print(r.rewriting_prompt, markup=False, soft_wrap=True)
    if r.winner is not None:
        win = r.variant(r.winner)
        if win.diff:
            console.print(f"\n[bold]What changed in the prompt ({r.winner}):[/]")
            console.print(Syntax(win.diff, "diff", theme="ansi_dark", word_wrap=True))
        if win.params:
            console.print(f"parameters: {win.params}")
    if r.holdout is not None:
        console.print(f"\n[bold]Held-out split ({r.holdout.n_cases} cases), variant - original:[/]")
        for d in r.holdout.deltas:
            if d.metric in r.holdout.targets or d.better or d.worse:
                console.print("  " + delta_line(d), markup=False)
    colour = "green" if r.confirmed else "yellow"
    console.print(
        f"\n[bold {colour}]{'CONFIRMED' if r.confirmed else 'NOT CONFIRMED'}[/]: {r.summary}"
    )
    for p in paths:
        console.print(f"wrote {p}")
