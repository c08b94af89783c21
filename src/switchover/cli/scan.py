"""``switchover scan``: inventory of model call sites, deadlines and parameter problems."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from switchover.catalog import get_catalog, load_catalog
from switchover.cli._output import console, err_console
from switchover.errors import EXIT_FINDINGS, UsageError
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import ScanReport
from switchover.scan.policy import apply_baseline, failing, parse_fail_on, write_baseline
from switchover.scan.report import (
    check_output_file,
    render_csv,
    render_json,
    render_markdown,
    render_rich,
    render_sarif,
)

__all__ = ["register"]

_FORMATS = ("rich", "json", "sarif", "markdown", "csv")


def scan_command(
    path: Path = typer.Argument(Path("."), help="Directory or file to scan."),
    fmt: str = typer.Option("rich", "--format", "-f", help="rich | json | sarif | markdown | csv"),
    target: str | None = typer.Option(
        None, "--target", help="Check parameters against this model (default: each replacement)."
    ),
    today: str | None = typer.Option(
        None, "--today", help="Evaluate lifecycles on this date (YYYY-MM-DD)."
    ),
    fail_on: list[str] = typer.Option(
        [],
        "--fail-on",
        help="retired | deprecated | within:90d | params (repeatable / comma separated).",
    ),
    show_all: bool = typer.Option(
        False,
        "--all",
        help="Also show comments, docs, test fixtures, price tables, suppressed and baselined.",
    ),
    include: list[str] = typer.Option(
        [], "--include", help="Only scan paths matching this glob (repeatable)."
    ),
    exclude: list[str] = typer.Option(
        [], "--exclude", help="Skip paths matching this glob (repeatable)."
    ),
    no_gitignore: bool = typer.Option(
        False, "--no-gitignore", help="Do not honour .gitignore files."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="Hide findings listed in this baseline."
    ),
    write_baseline_to: Path | None = typer.Option(
        None, "--write-baseline", help="Write current usage findings to this baseline file."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report to this file."
    ),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0 = one per core)."),
) -> None:
    """Find every model call site and configured model, its deadline and what breaks."""
    if fmt not in _FORMATS:
        raise UsageError(
            f"--format: unknown format {fmt!r}", hint="Use one of: " + ", ".join(_FORMATS)
        )
    if jobs < 0:
        raise UsageError("--jobs must be 0 (auto) or a positive number")
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError as exc:
        raise UsageError(
            f"--today: {today!r} is not a date", hint="Write YYYY-MM-DD, e.g. 2026-11-26"
        ) from exc
    condition = parse_fail_on(fail_on)
    if write_baseline_to is not None:
        check_output_file(write_baseline_to, "--write-baseline")
    if output is not None:
        check_output_file(output, "--output")
    options = ScanOptions(
        today=day,
        target=target,
        include=list(include),
        exclude=list(exclude),
        use_gitignore=not no_gitignore,
        jobs=jobs,
    )
    options, project_file = load_scan_config(path, options)
    catalog = load_catalog(project_file=project_file) if project_file else get_catalog()
    if target is not None:
        catalog.require(target)
    report = scan(path, options, catalog=catalog)
    if write_baseline_to is not None:
        count = write_baseline(report, write_baseline_to)
        err_console.print(f"wrote {count} finding(s) to baseline {write_baseline_to}")
    if baseline is not None:
        apply_baseline(report, baseline)
    if fmt == "rich" and output is None:
        render_rich(report, console, show_all=show_all)
    else:
        text = {
            "rich": lambda: _rich_text(report, show_all),
            "json": lambda: render_json(report, show_all=show_all),
            "sarif": lambda: render_sarif(report, show_all=show_all),
            "markdown": lambda: render_markdown(report, show_all=show_all),
            "csv": lambda: render_csv(report, show_all=show_all),
        }[fmt]()
        if output is not None:
            output.write_text(text, encoding="utf-8")
            err_console.print(f"wrote {fmt} report to {output}")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    if condition is not None:
        bad = failing(report, condition)
        if bad:
            err_console.print(f"[red]--fail-on matched {len(bad)} finding(s)[/]")
            raise typer.Exit(EXIT_FINDINGS)


def _rich_text(report: ScanReport, show_all: bool) -> str:
    con = Console(record=True, width=120, file=io.StringIO())
    render_rich(report, con, show_all=show_all)
    return con.export_text()


def register(app: typer.Typer) -> None:
    app.command("scan")(scan_command)
