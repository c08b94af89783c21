"""User additions and overrides: ``[[catalog.models]]`` tables in ``switchover.toml``.

A table whose ``platform`` + ``id`` match a row changes only the fields it gives; any other
table adds a row (``provider``, ``id`` and ``status`` are then required; ``platform`` defaults
to the provider's own, ``source_url`` to the file, ``source_kind`` to ``user`` and
``retrieved`` to today).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from switchover.catalog.model import COLUMNS, NATIVE_PLATFORM, ModelEntry
from switchover.catalog.rows import entry_from_mapping
from switchover.errors import CatalogError
from switchover.modelref import guess_provider

__all__ = ["apply_overrides", "read_project_overrides"]


def _table_lines(text: str) -> list[int]:
    """Line numbers of each ``[[catalog.models]]`` header, in order."""
    pattern = re.compile(r"^\s*\[\[\s*catalog\s*\.\s*models\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def _key_line(text: str, start: int | None, key: str) -> int | None:
    """The line of ``key = ...`` inside the table starting at ``start``, else ``start``."""
    if start is None:
        return None
    lines = text.splitlines()
    for n in range(start, len(lines)):
        line = lines[n]
        if line.lstrip().startswith("["):
            break
        if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
            return n + 1
    return start


def _line_finder(text: str, start: int | None) -> Callable[[str], int | None]:
    def line_of(field: str) -> int | None:
        return _key_line(text, start, field)

    return line_of


def read_project_overrides(path: Path) -> tuple[list[dict[str, Any]], list[int | None]]:
    """The ``[[catalog.models]]`` tables of a project file and their line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(
            "project file not found", path=str(path), hint="Create it or pass another path."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CatalogError(
            f"cannot read the project file: {reason}",
            path=str(path),
            hint="Pass the path of a switchover.toml file.",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise CatalogError(f"invalid TOML: {exc}", path=str(path), line=line) from None
    catalog = data.get("catalog", {})
    if not isinstance(catalog, dict):
        raise CatalogError("[catalog] must be a table", path=str(path), field="catalog")
    models = catalog.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise CatalogError(
            "catalog.models must be an array of tables",
            path=str(path),
            field="catalog.models",
            hint="Write each model under its own [[catalog.models]] header.",
        )
    starts = _table_lines(text)
    lines: list[int | None] = [starts[i] if i < len(starts) else None for i in range(len(models))]
    return [dict(m) for m in models], lines


def apply_overrides(
    entries: list[ModelEntry],
    overrides: Iterable[dict[str, Any]],
    *,
    path: str = "<overrides>",
    lines: list[int | None] | None = None,
    text: str | None = None,
    today: date | None = None,
) -> list[ModelEntry]:
    """``entries`` with each override merged in (or appended). Errors name file + key."""
    out = list(entries)
    position = {(e.platform, e.id.lower()): i for i, e in enumerate(out)}
    by_alias = {(e.platform, a.lower()): (e.platform, e.id.lower()) for e in out for a in e.aliases}
    for index, raw in enumerate(overrides):
        prefix = f"catalog.models[{index}]."
        line = lines[index] if lines and index < len(lines) else None
        data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in raw.items()}
        for key in data:
            if key not in COLUMNS:
                raise CatalogError(
                    "unknown field; expected some of " + ", ".join(COLUMNS),
                    path=path,
                    line=_key_line(text, line, key) if text else line,
                    field=prefix + key,
                )
        if not isinstance(data.get("id"), str) or not data["id"].strip():
            raise CatalogError(
                "required field is missing", path=path, line=line, field=prefix + "id"
            )
        provider = str(data.get("provider") or guess_provider(data["id"]) or "")
        platform = str(data.get("platform") or NATIVE_PLATFORM.get(provider, ""))
        row_key = (platform, str(data["id"]).strip().lower())
        if row_key not in position and row_key in by_alias:
            # ``id = "gpt-4o"`` overrides the snapshot the alias points at; the ID stays.
            row_key = by_alias[row_key]
            data.pop("id")
        if row_key in position:
            base = out[position[row_key]].model_dump()
            base.update(data)
            merged = base
        elif not provider:
            raise CatalogError(
                f"required for a new model: its maker cannot be guessed from {data['id']!r}",
                path=path,
                line=line,
                field=prefix + "provider",
                hint='Add provider = "..." (e.g. "meta"), or fix the id if it should match '
                "a shipped model.",
            )
        else:
            merged = {
                "provider": provider or None,
                "platform": platform or None,
                "source_url": path,
                "source_kind": "user",
                "retrieved": (today or date.today()).isoformat(),
                **data,
            }
        entry = entry_from_mapping(
            merged,
            path=path,
            line=line,
            field_prefix=prefix,
            line_of=_line_finder(text, line) if text else None,
        )
        if row_key in position:
            out[position[row_key]] = entry
        else:
            position[row_key] = len(out)
            out.append(entry)
    return out
