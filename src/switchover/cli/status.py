"""``switchover status``: where each migration stands and what to do next."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from switchover.cli._output import console, print_json
from switchover.config import load_config
from switchover.project.render import render_markdown, render_rich
from switchover.project.status import build_status
from switchover.store import open_store

__all__ = ["register"]


def status(
    migration: str | None = typer.Option(
        None, "--migration", "-m", help="Only this migration (default: all)."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="Path to switchover.toml."),
    store: str | None = typer.Option(
        None, "--store", help="Store URL (default: store in \\[project] of switchover.toml)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print Markdown (PRs, chat)."),
    no_scan: bool = typer.Option(False, "--no-scan", help="Skip the fresh scan of the code."),
) -> None:
    """Show each migration's deadline, code left, verdict, rollout stage and next step."""
    cfg = load_config(config)
    url = store or cfg.project.store  # relative SQLite paths: from the cwd, as `eval` does
    with open_store(url) as st:
        result = build_status(cfg, st, store_url=url, do_scan=not no_scan, migration=migration)
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif markdown:
        sys.stdout.write(render_markdown(result))
    else:
        render_rich(result, console)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
