"""``switchover catalog update|rollback|info``: manage the installed catalog data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import typer

from switchover.catalog import Catalog, clear_cache, get_catalog
from switchover.catalog.loader import shipped_entries
from switchover.catalog.model import ModelEntry
from switchover.catalog.store import UpdateStore, read_update_source
from switchover.cli._output import console, err_console, print_json
from switchover.errors import redact

__all__ = ["register"]

catalog_app = typer.Typer(
    name="catalog",
    help="Update, roll back and inspect the model catalog data.",
    no_args_is_help=True,
)


def _info(catalog: Catalog, store: UpdateStore) -> dict[str, Any]:
    cur, prev = store.current(), store.previous()
    retrieved = Counter(e.retrieved.isoformat() for e in catalog.entries)
    return {
        "in_use": "updated" if cur else "shipped",
        "rows": len(catalog.entries),
        "sources": [{"kind": s.kind, "path": s.path, "rows": s.rows} for s in catalog.sources],
        "update": None if cur is None else vars_of(cur),
        "previous": None if prev is None else vars_of(prev),
        "data_dir": str(store.root),
        "retrieved": dict(sorted(retrieved.items())),
        "platforms": dict(sorted(Counter(e.platform for e in catalog.entries).items())),
    }


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


@catalog_app.command("update")
def update(
    source: str = typer.Option(
        ..., "--from", metavar="FILE_OR_URL", help="CSV or JSON in the shipped schema."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; install nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate catalog rows and install them over the shipped data (reversible)."""
    entries = read_update_source(source)
    source = redact(source)  # a URL may carry a token; never store or echo it
    # The merged catalog must build too (indexes, lookups) before anything is written.
    Catalog([*shipped_entries(), *entries])
    shipped = {(e.platform, e.id.lower()): e for e in shipped_entries()}
    changed = sum(1 for e in entries if (e.platform, e.id.lower()) in shipped)
    warnings = _dropped_aliases(entries, shipped)
    result: dict[str, Any] = {
        "source": source,
        "rows": len(entries),
        "overriding_shipped": changed,
        "adding": len(entries) - changed,
        "installed": False,
        "warnings": warnings,
    }
    if not dry_run:
        store = UpdateStore()
        version = store.install(entries, source=source)
        clear_cache()
        result.update(installed=True, file=str(store.root / version.file), sha256=version.sha256)
    if as_json:
        print_json(result)
        return
    verb = "validated" if dry_run else "installed"
    console.print(
        f"{verb} {len(entries)} rows from {source}: {changed} override shipped rows, "
        f"{len(entries) - changed} are new.",
        soft_wrap=True,
        markup=False,
    )
    for warning in warnings:
        err_console.print(f"warning: {warning}", soft_wrap=True, markup=False)
    if not dry_run:
        console.print("Undo with: switchover catalog rollback")


def _dropped_aliases(
    entries: list[ModelEntry], shipped: dict[tuple[str, str], ModelEntry]
) -> list[str]:
    """An update row replaces a shipped row whole: say when that drops its aliases."""
    out: list[str] = []
    for entry in entries:
        old = shipped.get((entry.platform, entry.id.lower()))
        lost = [a for a in old.aliases if a not in entry.aliases] if old else []
        if lost:
            out.append(
                f"{entry.id}@{entry.platform}: the update row has no alias {', '.join(lost)}, "
                "so that name will no longer resolve to it; add the aliases column to keep it."
            )
    return out


@catalog_app.command("rollback")
def rollback(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Go back to the data in use before the last update (run again to redo it)."""
    store = UpdateStore()
    now, before = store.rollback()
    clear_cache()
    if as_json:
        print_json({"in_use": "updated" if now else "shipped", "update": now and vars_of(now)})
        return
    if now is None:
        console.print("Now using the shipped catalog.")
    else:
        console.print(f"Now using the update from {now.source} ({now.rows} rows).", markup=False)
    if before is not None:
        console.print("Run `switchover catalog rollback` again to return to the undone update.")


@catalog_app.command("info")
def info(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Which catalog data is in use: shipped or updated, rows, retrieved dates."""
    store = UpdateStore()
    data = _info(get_catalog(store=store), store)
    if as_json:
        print_json(data)
        return
    out = console.print
    out(f"catalog in use: [bold]{data['in_use']}[/] ({data['rows']} rows)")
    for src in data["sources"]:
        out(f"  {src['kind']}: {src['path']} ({src['rows']} rows)", soft_wrap=True, markup=False)
    if data["update"]:
        upd = data["update"]
        out(f"  update from {upd['source']}, installed {upd['installed_at']}", markup=False)
    if data["previous"]:
        out(f"  rollback would restore: {data['previous']['source']}", markup=False)
    dates = data["retrieved"]
    out(f"  retrieved: {min(dates)} .. {max(dates)} ({len(dates)} distinct dates)")
    out("  rows per platform: " + ", ".join(f"{k} {v}" for k, v in data["platforms"].items()))
    out(f"  data dir: {data['data_dir']}", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
