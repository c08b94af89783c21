"""``switchover eval``: replay a dataset against the baseline and the candidates, and decide."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from switchover import _aio
from switchover.cli._output import console, err_console, freeze_for_exit, print_json
from switchover.config import Config, Migration, load_config
from switchover.errors import UsageError
from switchover.evaluate.engine import (
    REPORT_FORMATS,
    EvalOptions,
    EvalPlan,
    execute,
    plan_evaluation,
    write_reports,
)
from switchover.evaluate.results import EvalReport
from switchover.evaluate.runner import Progress as RunProgress

__all__ = ["register"]

_COLOURS = {"GO": "green", "NO-GO": "red", "INCONCLUSIVE": "yellow"}


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} cases/s" if speed else "- cases/s", style="cyan")


def _config(path: Path | None, baseline: str | None, candidates: list[str]) -> Config:
    cfg = load_config(path, required=path is not None or not (baseline and candidates))
    if not cfg.migrations and baseline and candidates:
        cfg.migrations = [
            Migration.model_validate({"name": "adhoc", "from": baseline, "to": candidates[0]})
        ]
    return cfg


def _check_out(out: Path) -> None:
    """--out is a directory (made if missing): refuse a file before any model call."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                where = "" if p == out else f" ({p} is a file)"
                raise UsageError(
                    f"--out: {out} is not a directory{where}",
                    hint="--out takes the report directory (created if missing), "
                    "e.g. -o reports/; the file names come from the migration.",
                )
            return


def _print_estimate(plan: EvalPlan, max_cost: float | None) -> None:
    e = plan.estimate
    console.print(
        f"[bold]{plan.migration.name}[/]: {len(plan.cases)} cases x {plan.repeats} repeat(s); "
        f"baseline {plan.arms[0].model}, candidate(s) "
        + ", ".join(f"{a.label}={a.model}" for a in plan.arms[1:])
    )
    priced = f"~${e.cost_usd:.2f} (at most ${e.max_cost_usd:.2f} if every answer hits its limit)"
    console.print(
        f"estimate: {e.calls} calls, ~{e.input_tokens:,} input + ~{e.output_tokens:,} output "
        f"tokens, {priced}; {e.cached_or_replayed} replayed from recordings"
    )
    if e.unpriced_models:
        console.print(f"[dim]no catalog price for: {', '.join(e.unpriced_models)}[/]")
    if plan.similarity is not None:
        label = plan.similarity.embedder.label
        if label.startswith("local:"):
            how = " (offline, no cost)"
        else:
            price = (
                "price unknown (no catalog price; not in the estimate)"
                if e.embedding_cost_usd is None
                else f"~${e.embedding_cost_usd:.4f} (in the estimate)"
            )
            how = (
                f": {e.embedding_texts} answer(s), ~{e.embedding_input_tokens:,} input tokens, "
                f"{price}; cached embeddings are free"
            )
        console.print(f"semantic_similarity: embeddings by {label}{how}", soft_wrap=True)
    if max_cost is not None:
        console.print(f"budget: --max-cost ${max_cost:.2f} (the run stops cleanly when reached)")
    for w in plan.credential_warnings:
        console.print(f"[yellow]warning:[/] {w}", soft_wrap=True)
    console.print(f"[dim]run id {plan.run_id} (a re-run resumes it)[/]")


def _summary(report: EvalReport, paths: list[Path]) -> None:
    colour = _COLOURS[report.verdict]
    console.print(
        f"\n[bold {colour}]{report.verdict}[/]  ({report.meta.n_cases} cases, "
        f"{report.meta.n_calls} calls, {report.meta.n_cached} cached, "
        f"${report.meta.cost_usd:.4f})"
    )
    for comp in report.comparisons:
        table = Table(
            title=f"{comp.candidate} ({comp.candidate_model}): {comp.verdict}", title_justify="left"
        )
        for col in (
            "metric",
            "baseline",
            "candidate",
            "diff [95% CI]",
            "test",
            "p (Holm)",
            "verdict",
        ):
            table.add_column(col)
        for m in comp.metrics:
            if m.n_cases == 0:
                continue
            ci = "" if m.diff is None else f"{m.diff:+.3g} [{m.ci_low:+.3g}, {m.ci_high:+.3g}]"
            pval = "" if m.change_p_holm is None else f"{m.change_p_holm:.2g}"
            verdict = m.verdict if m.gate else "info"
            table.add_row(
                m.name,
                "" if m.baseline_mean is None else f"{m.baseline_mean:.3g}",
                "" if m.candidate_mean is None else f"{m.candidate_mean:.3g}",
                ci,
                m.change_test,
                pval,
                f"[{_COLOURS.get(verdict, 'dim')}]{verdict}[/]",
            )
        console.print(table)
    for r in report.reasons[:8]:
        console.print(f"- {r}", soft_wrap=True)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}", soft_wrap=True)
    for p in paths:
        console.print(f"report: {p}")


def _run(plan: EvalPlan) -> EvalReport:
    if not err_console.is_terminal:
        return _aio.run(execute(plan))
    columns = (
        TextColumn("[bold]eval"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[spent]}"),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("eval", total=len(plan.cases), spent="$0.0000")

        def update(p: RunProgress) -> None:
            bar.update(task, completed=p.done, spent=f"${p.spent_usd:.4f} spent")

        plan.options.on_progress = update
        return _aio.run(execute(plan))


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_cmd(
        config: Path | None = typer.Option(None, "--config", "-c", help="Path to switchover.toml."),
        migration: str | None = typer.Option(None, "--migration", "-m", help="Migration name."),
        dataset: list[str] = typer.Option(
            [],
            "--dataset",
            "-d",
            help="Dataset file (JSONL, CSV, captures, OTLP JSON); "
            "repeatable. Default: eval.datasets.",
        ),
        baseline: str | None = typer.Option(
            None, "--baseline", help="Baseline model (default: the migration's from)."
        ),
        candidate: list[str] = typer.Option(
            [], "--candidate", help="Candidate model; repeatable (default: eval.candidates or to)."
        ),
        sample: int | None = typer.Option(None, "--sample", min=1, help="Evaluate N cases."),
        stratify_by: str | None = typer.Option(
            None, "--stratify-by", help="Stratify the sample by tag or call_site."
        ),
        repeats: int | None = typer.Option(
            None, "--repeats", min=1, max=100, help="Calls per case and model."
        ),
        seed: int | None = typer.Option(None, "--seed", help="Sampling and statistics seed."),
        max_cost: float | None = typer.Option(
            None, "--max-cost", min=0, help="Stop cleanly once this many USD are spent."
        ),
        replay_baseline: str | None = typer.Option(
            None, "--replay-baseline", help="Recorded baseline answers (no calls)."
        ),
        replay_candidate: str | None = typer.Option(
            None, "--replay-candidate", help="Recorded candidate answers."
        ),
        template: str | None = typer.Option(
            None, "--template", help="Prompt template for CSV datasets."
        ),
        judge: str | None = typer.Option(
            None, "--judge", help="Judge model (default: eval.judge; none: no judge)."
        ),
        embeddings: str | None = typer.Option(
            None,
            "--embeddings",
            help="Embedding model of the semantic_similarity metric: provider:model, or local "
            "(needs switchover\\[embeddings]); none: off. Default: eval.embeddings.",
        ),
        fmt: str = typer.Option(
            "html,md,json,junit",
            "--format",
            "-f",
            help="Report formats: " + ", ".join(REPORT_FORMATS),
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Report directory (default: reports_dir in \\[project])."
        ),
        store: str | None = typer.Option(None, "--store", help="Store URL (cache and runs)."),
        sequential: bool = typer.Option(
            False,
            "--sequential",
            help="Stop early once every candidate's verdict is clear (anytime-valid).",
        ),
        fresh: bool = typer.Option(
            False,
            "--fresh",
            help="Start a new run instead of resuming (cached answers are still used).",
        ),
        no_cache: bool = typer.Option(
            False, "--no-cache", help="Call the models even when an answer is cached."
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the estimate and stop."),
        yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before spending."),
        json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    ) -> None:
        """Evaluate the candidate(s) against the baseline on a dataset.

        Exit 0 GO, 1 NO-GO, 2 INCONCLUSIVE, 3 error."""
        formats = [f.strip() for f in fmt.split(",") if f.strip()]
        bad = [f for f in formats if f not in REPORT_FORMATS]
        if bad:
            raise UsageError(
                f"unknown --format {bad[0]!r}", hint="Use any of: " + ", ".join(REPORT_FORMATS)
            )
        if out is not None:
            _check_out(out)
        cfg = _config(config, baseline, candidate)
        options = EvalOptions(
            migration=migration,
            datasets=list(dataset),
            baseline=baseline,
            candidates=list(candidate),
            sample=sample,
            stratify_by=stratify_by,
            repeats=repeats,
            seed=seed,
            max_cost_usd=max_cost,
            replay_baseline=replay_baseline,
            replay_candidate=replay_candidate,
            store_url=store,
            template=template,
            judge="" if judge == "none" else judge,
            embeddings="" if embeddings == "none" else embeddings,
            fresh=fresh,
            sequential=sequential,
            cache=not no_cache,
        )
        what = f"{len(dataset)} dataset(s)" if dataset else "the migration's datasets"
        with err_console.status(f"reading {what} and planning the run..."):
            plan = plan_evaluation(cfg, options)
        if not json_out:
            _print_estimate(plan, plan.max_cost_usd)
        live = plan.estimate.calls > 0 and any(
            a.provider is not None and a.provider.name != "sim" for a in plan.arms
        )
        if dry_run:
            asyncio.run(plan.aclose())
            return
        if live and not yes and sys.stdin.isatty() and not typer.confirm("Run it?", default=True):
            asyncio.run(plan.aclose())
            raise typer.Exit(0)
        report = _run(plan)
        # the report lives until this process exits: keep full collections from re-scanning
        # its objects (a second or more at 10,000 cases) while the reports are written
        freeze_for_exit()
        base = cfg.path.parent if cfg.path else Path.cwd()
        out_dir = out or base / cfg.project.reports_dir
        paths = write_reports(report, out_dir, formats, f"{plan.migration.name}-eval")
        if json_out:
            print_json(report.model_dump(mode="json"))
        else:
            _summary(report, paths)
        raise typer.Exit(report.exit_code)
