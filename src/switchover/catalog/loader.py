"""Loading the catalog: shipped data, an installed update, project overrides. Cached."""

from __future__ import annotations

import threading
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from switchover.catalog.core import Catalog, DataSource
from switchover.catalog.model import ModelEntry
from switchover.catalog.overrides import apply_overrides, read_project_overrides
from switchover.catalog.rows import parse_csv_text
from switchover.catalog.store import UpdateStore

__all__ = ["clear_cache", "get_catalog", "load_catalog", "shipped_entries", "shipped_path"]

_lock = threading.Lock()
_shipped: list[ModelEntry] | None = None
_cached: tuple[object, Catalog] | None = None


def shipped_path() -> str:
    return str(resources.files("switchover.catalog") / "data" / "models.csv")


def shipped_entries() -> list[ModelEntry]:
    """The rows shipped with the package (parsed once per process)."""
    global _shipped
    with _lock:
        if _shipped is None:
            ref = resources.files("switchover.catalog") / "data" / "models.csv"
            _shipped = parse_csv_text(ref.read_text(encoding="utf-8"), path=shipped_path())
        return _shipped


def _merge(base: list[ModelEntry], extra: list[ModelEntry]) -> list[ModelEntry]:
    out = list(base)
    position = {(e.platform, e.id.lower()): i for i, e in enumerate(out)}
    for entry in extra:
        key = (entry.platform, entry.id.lower())
        if key in position:
            out[position[key]] = entry
        else:
            position[key] = len(out)
            out.append(entry)
    return out


def _build_default(store: UpdateStore) -> Catalog:
    shipped = shipped_entries()
    sources = [DataSource("shipped", shipped_path(), len(shipped))]
    update = store.load_current()
    if update:
        path = store.current_path()
        sources.append(DataSource("update", str(path), len(update)))
    return Catalog(_merge(shipped, update), sources=sources)


def get_catalog(*, store: UpdateStore | None = None) -> Catalog:
    """The shipped catalog plus the installed update (if any). Cached until an update."""
    global _cached
    store = store or UpdateStore()
    key = (str(store.root), store.stamp())
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    catalog = _build_default(store)
    _cached = (key, catalog)
    return catalog


def clear_cache() -> None:
    global _cached, _shipped
    _cached = None
    _shipped = None


def load_catalog(
    *,
    overrides: list[dict[str, Any]] | None = None,
    project_file: Path | None = None,
    store: UpdateStore | None = None,
    today: date | None = None,
) -> Catalog:
    """The default catalog with ``[[catalog.models]]`` from ``project_file`` and then
    ``overrides`` (same fields as a row) applied on top."""
    base = get_catalog(store=store)
    entries = list(base.entries)
    sources = list(base.sources)
    if project_file is not None:
        tables, lines = read_project_overrides(project_file)
        text = project_file.read_text(encoding="utf-8")
        entries = apply_overrides(
            entries, tables, path=str(project_file), lines=lines, text=text, today=today
        )
        sources.append(DataSource("project", str(project_file), len(tables)))
    if overrides:
        entries = apply_overrides(entries, overrides, path="<overrides>", today=today)
        sources.append(DataSource("overrides", "<overrides>", len(overrides)))
    if project_file is None and not overrides:
        return base
    return Catalog(entries, sources=sources)
