"""``switchover tune``: find a system prompt / parameter variant that fixes a regression, and
confirm it on held-out cases."""

from __future__ import annotations

from pathlib import Path

import typer

from switchover.cli._output import console, print_json
from switchover.config import load_config
from switchover.errors import UsageError
from switchover.evaluate.engine import write_reports
from switchover.tune import TuneOptions, load_variants, run_tune
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
    ) -> None:
        """Find a prompt or parameter variant that fixes a regression.

        Tries variants on a development split and confirms the best on a held-out split:
        exit 0 confirmed, 1 not confirmed, 2 bad input, 3 error."""
        formats = [f.strip() for f in fmt.split(",") if f.strip()]
        bad = [f for f in formats if f not in FORMATS]
        if bad:
            raise UsageError(f"unknown --format {bad[0]!r}", hint="Use any of: md, json, html")
        cfg = load_config(config)
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
        if json_out:
            print_json(result.model_dump(mode="json"))
        else:
            print_result(console, run, paths)
        raise typer.Exit(result.exit_code)
