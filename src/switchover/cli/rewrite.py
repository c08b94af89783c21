"""``switchover rewrite``: show (or apply) a migration's code changes as a unified diff."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from switchover.cli._output import console, err_console, print_json
from switchover.config import load_config
from switchover.project.rewrite import apply_plan, plan_rewrite

__all__ = ["register"]


def rewrite(
    migration: str | None = typer.Option(
        None, "--migration", "-m", help="Migration name (default: the only one)."
    ),
    write: bool = typer.Option(False, "--write", help="Apply the changes (default: show a diff)."),
    force: bool = typer.Option(
        False, "--force", help="Also rewrite files with uncommitted git changes."
    ),
    no_tests: bool = typer.Option(
        False, "--no-tests", help="Leave model IDs in test fixtures alone."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="Path to switchover.toml."),
    path: Path | None = typer.Option(
        None, "--path", "-p", help="Directory to rewrite (default: the switchover.toml's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary with the diff."),
) -> None:
    """Show (or apply) a migration's code changes as a unified diff.

    Replaces the old model's IDs (literals, constants, config, .env) and fixes parameters at
    Python and TypeScript call sites; a diff by default, --write applies. Re-running is a no-op."""
    cfg = load_config(config)
    mig = cfg.migration(migration)
    root = path or (cfg.path.parent if cfg.path else Path.cwd())
    plan = plan_rewrite(root, mig, include_tests=not no_tests)
    written = apply_plan(plan, force=force) if write and plan.changes else []
    if as_json:
        print_json(
            {
                "migration": plan.migration,
                "from": plan.old,
                "to": plan.new,
                "written": bool(written),
                "files": [
                    {"path": c.path, "literals": c.literals, "calls": c.calls} for c in plan.changes
                ],
                "notes": plan.notes,
                "diff": plan.diff(),
            }
        )
        return
    if not plan.changes:
        console.print(f"{plan.migration}: nothing to rewrite (no code on {plan.old} left).")
    elif written:
        for c in plan.changes:
            console.print(f"rewrote {c.path} ({c.literals} model ID(s), {c.calls} call(s))")
        console.print(f"{len(written)} file(s) now use {plan.new}; review with `git diff`.")
    else:
        sys.stdout.write(plan.diff())
        sys.stdout.flush()
        err_console.print(f"{len(plan.changes)} file(s) would change; run with --write to apply.")
    for note in plan.notes:
        err_console.print(f"[yellow]note:[/] {note}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("rewrite")(rewrite)
