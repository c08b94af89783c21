"""Reading and writing catalog rows (CSV and JSON), with errors naming file, line and field."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from switchover.catalog.model import COLUMNS, ModelEntry
from switchover.errors import CatalogError

__all__ = [
    "entries_to_csv",
    "entry_from_mapping",
    "parse_csv_text",
    "parse_data_text",
    "parse_json_text",
    "read_data_file",
]

_HINT = "Fix the value (format: docs/catalog.md), or drop the row."


def entry_from_mapping(
    data: dict[str, Any],
    *,
    path: str,
    line: int | None,
    field_prefix: str = "",
    line_of: Callable[[str], int | None] | None = None,
) -> ModelEntry:
    """Validate one row. The first problem becomes a :class:`CatalogError`.

    ``line_of(field)`` gives the line of a field when fields sit on lines of their own (TOML).
    """
    try:
        return ModelEntry.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(part) for part in err["loc"] if not isinstance(part, int)]
        field = ".".join(loc) if loc else None
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field; expected one of " + ", ".join(COLUMNS)
        elif err["type"] == "missing":
            message = "required field is missing"
        value = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and isinstance(
            value, str | int | float
        ):
            message += f" (got {value!r})"
        full_field = f"{field_prefix}{field}" if field else (field_prefix.rstrip(".") or None)
        if line_of is not None and field:
            line = line_of(field)
        raise CatalogError(message, path=path, line=line, field=full_field, hint=_HINT) from None


def _check_unique(entries: Sequence[tuple[int | None, ModelEntry]], path: str) -> None:
    seen: dict[tuple[str, str], int | None] = {}
    for line, entry in entries:
        key = (entry.platform, entry.id.lower())
        if key in seen:
            first = seen[key]
            where = f" (first at line {first})" if first is not None else ""
            raise CatalogError(
                f"duplicate row for {entry.id!r} on {entry.platform}{where}",
                path=path,
                line=line,
                field="id",
                hint="Each (platform, id) pair may appear once; merge the rows.",
            )
        seen[key] = line


def parse_csv_text(text: str, *, path: str) -> list[ModelEntry]:
    """Rows of a catalog CSV (header = :data:`COLUMNS`, any order, optional columns may go)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogError("file is empty", path=path, hint="Expected a CSV header.") from None
    header = [h.strip() for h in header]
    for name in header:
        if name not in COLUMNS:
            raise CatalogError(
                "unknown column; expected some of " + ", ".join(COLUMNS),
                path=path,
                line=1,
                field=name or "(empty)",
            )
    out: list[tuple[int | None, ModelEntry]] = []
    line = reader.line_num + 1
    for cells in reader:
        start = line
        line = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise CatalogError(
                f"row has {len(cells)} cells, the header has {len(header)}",
                path=path,
                line=start,
                hint="Quote cells that contain commas.",
            )
        row = dict(zip(header, cells, strict=True))
        out.append((start, entry_from_mapping(row, path=path, line=start)))
    _check_unique(out, path)
    return [entry for _, entry in out]


def parse_json_text(text: str, *, path: str) -> list[ModelEntry]:
    """A JSON array of row objects, ``{"models": [...]}``, or JSON lines (one object a line)."""
    stripped = text.lstrip()
    items: list[tuple[int, Any]] = []
    if stripped.startswith("[") or (stripped.startswith("{") and '"models"' in stripped[:2000]):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
        if isinstance(data, dict):
            data = data.get("models")
        if not isinstance(data, list):
            raise CatalogError(
                "expected a JSON array of models", path=path, hint='Write [{"id": ...}, ...].'
            )
        items = [(i, item) for i, item in enumerate(data)]
        lines = False
    else:
        lines = True
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                items.append((number, json.loads(raw)))
            except json.JSONDecodeError as exc:
                raise CatalogError(f"invalid JSON: {exc.msg}", path=path, line=number) from None
    out: list[tuple[int | None, ModelEntry]] = []
    for index, item in items:
        prefix = "" if lines else f"[{index}]."
        line = index if lines else None
        if not isinstance(item, dict):
            raise CatalogError("expected an object", path=path, line=line, field=prefix or None)
        out.append((line, entry_from_mapping(item, path=path, line=line, field_prefix=prefix)))
    _check_unique(out, path)
    return [entry for _, entry in out]


def parse_data_text(text: str, *, path: str) -> list[ModelEntry]:
    """CSV or JSON, by file suffix when it says, else by content."""
    lower = path.lower()
    if lower.endswith((".json", ".jsonl", ".ndjson")):
        return parse_json_text(text, path=path)
    if lower.endswith(".csv"):
        return parse_csv_text(text, path=path)
    if text.lstrip().startswith(("[", "{")):
        return parse_json_text(text, path=path)
    return parse_csv_text(text, path=path)


def read_data_file(path: Path) -> list[ModelEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CatalogError("not UTF-8 text", path=str(path)) from None
    return parse_data_text(text, path=str(path))


def entries_to_csv(entries: Iterable[ModelEntry]) -> str:
    """The canonical CSV text (``\\n`` line ends, every column, rows in the given order)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry.to_row())
    return buf.getvalue()
