"""``switchover models list|show``: the catalog as tables or JSON."""

from __future__ import annotations

import importlib
import re
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from switchover.catalog import PLATFORMS, Catalog, ModelEntry, load_catalog
from switchover.cli._output import console, print_json
from switchover.errors import UsageError

__all__ = ["parse_day", "parse_within", "register"]

models_app = typer.Typer(
    name="models",
    help="Model lifecycle, prices and parameter rules from the catalog.",
    no_args_is_help=True,
)

STATUSES = ("active", "deprecated", "retired")
_UNITS = {"d": 1, "w": 7, "m": 30, "y": 365}
_STYLE = {"active": "green", "deprecated": "yellow", "retired": "red"}


def parse_within(text: str) -> int:
    """``90d`` / ``12w`` / ``6m`` / ``1y`` / ``90`` -> days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dwmy]?)\s*", text.lower())
    if not match:
        raise UsageError(
            f"--within {text!r} is not a duration",
            hint="Write a number of days, weeks, months or years: 90d, 12w, 6m, 1y.",
        )
    return int(match[1]) * _UNITS[match[2] or "d"]


def parse_day(text: str | None, option: str = "--today") -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date", hint="Write YYYY-MM-DD.") from None


def _catalog(project: Path | None) -> Catalog:
    if project is not None:
        return load_catalog(project_file=project)
    default = Path("switchover.toml")
    return load_catalog(project_file=default if default.is_file() else None)


def _check_platform(platform: str | None) -> None:
    if platform is not None and platform not in PLATFORMS:
        raise UsageError(
            f"unknown platform {platform!r}", hint="Use one of: " + ", ".join(PLATFORMS)
        )


def _row(entry: ModelEntry, day: date) -> dict[str, Any]:
    return {
        "id": entry.id,
        "provider": entry.provider,
        "platform": entry.platform,
        "status": entry.status_on(day),
        "shutdown_date": entry.shutdown_date.isoformat() if entry.shutdown_date else None,
        "days_left": entry.days_left(day),
        "replacement": entry.replacement,
        "aliases": entry.aliases,
    }


_PROJECT = typer.Option(
    None,
    "--project",
    help="Project file whose catalog.models tables override the catalog "
    "(default: ./switchover.toml when present).",
)


@models_app.command("list")
def list_models(
    provider: str | None = typer.Option(None, "--provider", help="e.g. openai, anthropic."),
    platform: str | None = typer.Option(None, "--platform", help="e.g. azure, bedrock."),
    status: str | None = typer.Option(
        None, "--status", help="active, deprecated or retired (comma-separate several)."
    ),
    within: str | None = typer.Option(
        None, "--within", help="Only models shutting down within this time: 90d, 12w, 6m, 1y."
    ),
    today: str | None = typer.Option(None, "--today", help="Evaluate status on YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    project: Path | None = _PROJECT,
) -> None:
    """List models, soonest shutdown first."""
    day = parse_day(today)
    wanted: set[str] | None = None
    if status is not None:
        wanted = {s.strip().lower() for s in status.split(",") if s.strip()}
        bad = sorted(wanted - set(STATUSES))
        if bad or not wanted:
            raise UsageError(
                f"--status {status!r} is not a status", hint="Use active, deprecated or retired."
            )
    horizon = parse_within(within) if within is not None else None
    _check_platform(platform)
    catalog = _catalog(project)
    if provider is not None and provider not in {e.provider for e in catalog.entries}:
        providers = sorted({e.provider for e in catalog.entries})
        raise UsageError(
            f"no models from provider {provider!r}", hint="Known: " + ", ".join(providers)
        )
    rows = []
    for entry in catalog.entries:
        if provider and entry.provider != provider:
            continue
        if platform and entry.platform != platform:
            continue
        if wanted and entry.status_on(day) not in wanted:
            continue
        if horizon is not None:
            left = entry.days_left(day)
            if left is None or not 0 <= left <= horizon:
                continue
        rows.append(entry)
    rows.sort(
        key=lambda e: (
            e.shutdown_date is None,
            e.shutdown_date or date.max,
            e.platform,
            e.id.lower(),
        )
    )
    if as_json:
        print_json({"today": day.isoformat(), "models": [_row(e, day) for e in rows]})
        return
    table = Table(title=f"{len(rows)} models (status on {day.isoformat()})", title_justify="left")
    table.add_column("model", overflow="fold")
    table.add_column("platform")
    table.add_column("status")
    table.add_column("shutdown")
    table.add_column("days left", justify="right")
    table.add_column("replacement", overflow="fold")
    for entry in rows:
        st = entry.status_on(day)
        left = entry.days_left(day)
        table.add_row(
            entry.id,
            entry.platform,
            f"[{_STYLE[st]}]{st}[/]",
            entry.shutdown_date.isoformat() if entry.shutdown_date else "-",
            "-" if left is None else str(left),
            entry.replacement or "-",
        )
    console.print(table)


def _rules(entry: ModelEntry, catalog: Catalog) -> list[Any] | None:
    """Parameter rules for the model, or None when the rules module is not installed."""
    try:
        module = importlib.import_module("switchover.catalog.rules")
    except ModuleNotFoundError as exc:  # pragma: no cover - rules ship with the package
        if exc.name != "switchover.catalog.rules":
            raise
        return None
    result: list[Any] = module.rules_for(entry.id, platform=entry.platform, catalog=catalog)
    return result


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "number": getattr(rule, "number", None),
        "title": getattr(rule, "title", ""),
        "apis": list(getattr(rule, "apis", [])),
        "source_url": getattr(rule, "source_url", ""),
        "source_kind": getattr(rule, "source_kind", ""),
    }


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:.2f}" if round(value, 2) == value else f"${value:g}"


@models_app.command("show")
def show_model(
    model_id: str = typer.Argument(
        ..., metavar="ID", help="Model ID, alias or provider:id@platform."
    ),
    platform: str | None = typer.Option(None, "--platform", help="e.g. azure, bedrock."),
    today: str | None = typer.Option(None, "--today", help="Evaluate status on YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    project: Path | None = _PROJECT,
) -> None:
    """Lifecycle, price, limits, capabilities, sources and parameter rules of a model."""
    day = parse_day(today)
    _check_platform(platform)
    catalog = _catalog(project)
    entry = catalog.require(model_id, platform)
    chain = catalog.replacement_chain(entry.ref, today=day)
    rules = _rules(entry, catalog)
    target = chain[-1] if len(chain) > 1 else None
    target_rules = _rules(target, catalog) if target is not None else None
    also = [e.ref for e in catalog.also_on(entry)]
    if as_json:
        data = entry.to_json()
        data.update(
            status_on_day=entry.status_on(day),
            day=day.isoformat(),
            days_left=entry.days_left(day),
            replacement_chain=[e.ref for e in chain[1:]],
            also_on=also,
            rules=None if rules is None else [_rule_json(r) for r in rules],
            replacement_rules=None
            if target is None or target_rules is None
            else {"model": target.ref, "rules": [_rule_json(r) for r in target_rules]},
        )
        print_json(data)
        return
    st = entry.status_on(day)
    left = entry.days_left(day)
    out = console.print
    out(f"[bold]{entry.id}[/]  {entry.provider} on {entry.platform}", soft_wrap=True)
    if entry.aliases:
        out(f"  aliases: {', '.join(entry.aliases)} (point at this snapshot)", soft_wrap=True)
    if also:
        out(f"  also on: {', '.join(also)}", soft_wrap=True)
    out("[bold]Lifecycle[/]")
    out(f"  status on {day.isoformat()}: [{_STYLE[st]}]{st}[/] (source label: {entry.status})")
    for label, value in (
        ("released", entry.released),
        ("deprecation announced", entry.deprecation_announced),
        ("shutdown", entry.shutdown_date),
    ):
        out(f"  {label}: {value.isoformat() if value else '-'}")
    if left is not None:
        out(f"  days left: {left}")
    out(f"  replacement: {entry.replacement or '-'}", soft_wrap=True, markup=False)
    if len(chain) > 1:
        out("  replacement chain: " + " -> ".join(e.ref for e in chain), soft_wrap=True)
    if entry.previous_plan:
        out(f"  previous plan: {entry.previous_plan}", soft_wrap=True, markup=False)
    out("[bold]Price[/] (USD per million tokens)")
    out(
        f"  input {_money(entry.input_per_mtok)}, cached input "
        f"{_money(entry.cached_input_per_mtok)}, output {_money(entry.output_per_mtok)}"
    )
    if entry.price_source_url:
        out(f"  source: {entry.price_source_url}", soft_wrap=True, markup=False)
    ctx = f"{entry.context_window:,}" if entry.context_window else "-"
    mot = f"{entry.max_output_tokens:,}" if entry.max_output_tokens else "-"
    out(f"[bold]Limits[/]  context window {ctx}, max output {mot}")
    out(f"[bold]Capabilities[/]  {', '.join(sorted(entry.capabilities)) or '-'}")
    out("[bold]Source[/]")
    out(
        f"  {entry.source_url} ({entry.source_kind}, retrieved {entry.retrieved})",
        soft_wrap=True,
        markup=False,
    )
    if entry.note:
        out(f"  note: {entry.note}", soft_wrap=True, markup=False)
    if rules is None:
        out("[bold]Parameter rules[/]  (rules module not installed)")
        return
    _print_rules(f"Parameter rules for {entry.id}", rules)
    if target is not None and target_rules is not None:
        _print_rules(f"Parameter rules after migrating to {target.ref}", target_rules)


def _print_rules(heading: str, rules: list[Any]) -> None:
    console.print(f"[bold]{heading}[/] ({len(rules)})", soft_wrap=True)
    if not rules:
        console.print("  none known")
    for rule in rules:
        info = _rule_json(rule)
        console.print(
            f"  #{info['number']} {info['title']} [{info['id']}; {', '.join(info['apis'])}]",
            soft_wrap=True,
            markup=False,
        )
        console.print(
            f"     source: {info['source_url']} ({info['source_kind']})",
            soft_wrap=True,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
