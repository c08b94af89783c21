"""``switchover init``: scan the repository and write a migration plan (switchover.toml)."""

from __future__ import annotations

import getpass
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from switchover.catalog import get_catalog
from switchover.cli._output import console, print_json
from switchover.config import DEFAULT_CONFIG_NAME
from switchover.errors import UnknownModelError, UsageError
from switchover.project.init import InitPlan, build_plan, render_toml, write_plan

__all__ = ["register"]


def _default_owner() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # pragma: no cover - depends on the host
        return None


def _show(plan: InitPlan) -> None:
    if not plan.at_risk:
        console.print(
            "No model at risk found in the code (deprecated, retired, or shutting "
            "down within 180 days)."
        )
        return
    table = Table(title="Models at risk", title_justify="left")
    for col in ("model", "lifecycle", "shutdown", "days left", "sites", "proposed"):
        table.add_column(col)
    for item, m in zip(plan.at_risk, plan.migrations, strict=True):
        table.add_row(
            item.entry.id,
            item.lifecycle,
            str(item.entry.shutdown_date or "-"),
            str(item.days_left if item.days_left is not None else "-"),
            str(len(item.sites)),
            m.new.id,
        )
    console.print(table)


def _prompt(plan: InitPlan, owner: str | None) -> InitPlan:
    """Ask for each migration's target and the owner (terminal only)."""
    catalog = get_catalog()
    owner = typer.prompt("Owner (team or person)", default=owner or "") or None
    chosen = []
    for m in plan.migrations:
        if not typer.confirm(f"Plan a migration off {m.old.id}?", default=True):
            continue
        while True:
            pick = typer.prompt(f"  replace {m.old.id} with", default=m.new.id)
            try:
                new = catalog.require(pick)
                break
            except UnknownModelError as exc:
                console.print(f"  [red]unknown model {pick!r}[/] {exc.hint or ''}")
        name = m.name if new.id == m.new.id else f"{m.old.id}-to-{new.id}"
        chosen.append(replace(m, new=new, owner=owner, name=name))
    at_risk = [a for a in plan.at_risk if any(c.old is a.entry for c in chosen)]
    return replace(plan, migrations=chosen, at_risk=at_risk)


def init(
    path: Path = typer.Option(Path("."), "--path", "-p", help="Project directory to scan."),
    to: list[str] = typer.Option(
        [], "--to", help="Replacement: NEW for every model, or OLD=NEW (repeatable)."
    ),
    owner: str | None = typer.Option(None, "--owner", help="Owner of the migrations."),
    name: str | None = typer.Option(None, "--name", help="Project name (default: directory)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Accept the proposals without prompts."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing switchover.toml."),
    today: str | None = typer.Option(None, "--today", help="Judge lifecycles on YYYY-MM-DD."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan, write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print what was found as JSON."),
    prompt: bool = typer.Option(
        False, "--prompt", help="Ask for targets and owner even when stdin is not a terminal."
    ),
) -> None:
    """Scan the code, list models at risk, propose replacements, write switchover.toml."""
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory", hint="Pass --path PROJECT_DIR.")
    target = path / DEFAULT_CONFIG_NAME
    if target.exists() and not force and not dry_run:
        raise UsageError(
            f"{target} already exists", hint="Pass --force to overwrite it, or edit it by hand."
        )
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise UsageError(f"--today: bad date {today!r}", hint="Write YYYY-MM-DD.") from None
    plan = build_plan(path, day, to=to, owner=owner or _default_owner(), project=name)
    interactive = not yes and not as_json and not dry_run and (prompt or sys.stdin.isatty())
    if not as_json:
        _show(plan)
    if interactive and plan.migrations:
        plan = _prompt(plan, owner or _default_owner())
    text = render_toml(plan)
    if as_json:
        print_json(
            {
                "path": str(target),
                "written": not dry_run,
                "migrations": [
                    {
                        "name": m.name,
                        "from": m.old.id,
                        "to": m.new.id,
                        "deadline": m.deadline,
                        "owner": m.owner,
                        "sites": m.sites,
                    }
                    for m in plan.migrations
                ],
                "datasets": plan.datasets,
            }
        )
    if dry_run:
        if not as_json:
            console.print(text, markup=False, highlight=False)
        return
    write_plan(target, text, force=force)
    if not as_json:
        console.print(f"wrote {target} with {len(plan.migrations)} migration(s).")
        console.print("next: `switchover status`, then `switchover eval` (docs/guide.md).")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
