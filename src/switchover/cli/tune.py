"""``switchover tune``: find a system prompt / parameter variant that fixes a regression, and
confirm it on held-out cases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.syntax import Syntax

from switchover.cli._output import console, print_json
from switchover.config import load_config
from switchover.errors import UsageError
from switchover.evaluate.engine import write_reports
from switchover.tune import TuneOptions, load_variants, run_tune
from switchover.tune.apply import PlanEdit, apply_winner
from switchover.tune.render import print_result, render_json, render_markdown
from switchover.tune.run import check_tune_inputs

__all__ = ["register"]

FORMATS = ("md", "json", "html")


def register(app: typer.Typer) -> None:
    @app.command("tune")
    def tune_cmd(
        config: Path | None = typer.Option(None, "--config", "-c", help="Path to switchover.toml."),
        migration: str | None = typer.Option(None, "--migration", "-m", help="Migration name."),
        dataset: list[str] = typer.Option(
            [],
            "--dataset",
            "-d",
            help="Dataset file (JSONL, CSV, captures, OTLP JSON); "
            "repeatable. Default: the migration's eval.datasets.",
        ),
        variants: Path | None = typer.Option(
            None, "--variants", help="TOML file of \\[\\[variants]] tables (see docs/tune.md)."
        ),
        generate: int = typer.Option(
            0, "--generate", min=0, help="Ask --generator for N variants from the regressions."
        ),
        generator: str | None = typer.Option(
            None, "--generator", help="Model writing variants, e.g. openai:gpt-5 or sim:gpt-4o."
        ),
        dev_fraction: float = typer.Option(
            0.5, "--dev-fraction", help="Share of cases for development (rest held out)."
        ),
        seed: int | None = typer.Option(
            None, "--seed", help="Split, sampling and statistics seed."
        ),
        sample: int | None = typer.Option(None, "--sample", min=2, help="Use N cases in all."),
        stratify_by: str | None = typer.Option(
            None, "--stratify-by", help="Split stratified by 'tag' (default) or 'call_site'."
        ),
        judge: str | None = typer.Option(
            None, "--judge", help="Judge model for this run ('none' to skip the judge)."
        ),
        store: str | None = typer.Option(None, "--store", help="Store URL (cache and runs)."),
        fmt: str = typer.Option(
            "md", "--format", "-f", help="Files to write: md, json, html (comma-separated)."
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Directory for the files."),
        json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        apply: bool = typer.Option(
            False,
            "--apply",
            help="Write the confirmed winner's prompt into switchover.toml as the "
            "migration's system_prompt (comments and layout kept).",
        ),
    ) -> None:
        """Find a prompt or parameter variant that fixes a regression.

        Tries variants on a development split and confirms the best on a held-out split:
        exit 0 confirmed, 1 not confirmed, 2 bad input, 3 error. --apply then writes the
        confirmed winner's prompt into the plan."""
        formats = [f.strip() for f in fmt.split(",") if f.strip()]
        bad = [f for f in formats if f not in FORMATS]
        if bad:
            raise UsageError(f"unknown --format {bad[0]!r}", hint="Use any of: md, json, html")
        cfg = load_config(config)
        if apply and cfg.path is None:
            raise UsageError(
                "--apply needs a switchover.toml to write to",
                hint="Run it in the project, or pass --config FILE.",
            )
        options = TuneOptions(
            migration=migration,
            datasets=list(dataset),
            variants=load_variants(variants) if variants is not None else [],
            generate=generate,
            generator=generator,
            dev_fraction=dev_fraction,
            seed=seed,
            sample=sample,
            stratify_by=stratify_by,
            judge="" if judge == "none" else judge,
            store_url=store,
        )
        check_tune_inputs(cfg, options)
        if not json_out:
            console.print("[dim]running the development split...[/]")
        run = run_tune(cfg, options)
        result = run.result
        base = cfg.path.parent if cfg.path else Path.cwd()
        out_dir = out or base / cfg.project.reports_dir
        stem = f"{result.migration}-tune"
        paths: list[Path] = []
        if formats:
            out_dir.mkdir(parents=True, exist_ok=True)
        if "md" in formats:
            paths.append(out_dir / f"{stem}.md")
            paths[-1].write_text(render_markdown(result), encoding="utf-8")
        if "json" in formats:
            paths.append(out_dir / f"{stem}.json")
            paths[-1].write_text(render_json(result), encoding="utf-8")
        if "html" in formats:
            paths += write_reports(run.dev_report, out_dir, ["html"], f"{stem}-dev")
            if run.holdout_report is not None:
                paths += write_reports(run.holdout_report, out_dir, ["html"], f"{stem}-holdout")
        edit = None
        if apply and result.exit_code == 0:
            assert cfg.path is not None
            edit = apply_winner(result, cfg.path)
        if json_out:
            data = result.model_dump(mode="json")
            if apply:
                data["applied"] = edit is not None and edit.changed
            print_json(data)
        else:
            print_result(console, run, paths)
            if apply:
                _report_apply(edit, result.summary)
        raise typer.Exit(result.exit_code)


def _report_apply(edit: PlanEdit | None, summary: str) -> None:
    if edit is None:
        console.print(f"[yellow]--apply: nothing written[/] ({summary})")
    elif not edit.changed:
        console.print(f"--apply: {edit.path} already has this system_prompt; nothing to change")
    else:
        console.print(f"--apply: wrote the winner as system_prompt of {edit.migration}:")
        console.print(Syntax(edit.diff(), "diff", theme="ansi_dark", word_wrap=True))
        console.print(
            f"next: `switchover eval --migration {edit.migration}` evaluates the candidate "
            "with it; the gateway serves it to the candidate"
        )
