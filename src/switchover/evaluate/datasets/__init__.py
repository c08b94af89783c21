"""Evaluation inputs: datasets of chat requests in several formats -> :class:`Case` lists.

Formats (detected per file, and per row inside JSONL):

* **JSONL** rows: a bare request body (OpenAI Chat Completions or Responses, Anthropic
  Messages, Gemini, or switchover's neutral JSON; decoded with the codecs'
  ``decode_request``) or the wrapper ``{"id", "request", "response" | "baseline_response",
  "candidate_response", "responses", "call_site", "tags", "weight", "assertions",
  "metadata", "latency_ms"}``;
* **gateway captures**: exported ``RequestRecord`` JSONL (see ``captures``);
* **OpenTelemetry GenAI spans**: OTLP JSON (see ``otel``);
* **CSV** with templated prompts (see ``csvfile``).

Malformed rows raise :class:`~switchover.errors.InputError` naming the file, line and
field. Duplicate requests (same canonical request) are detected and reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from switchover.chat import ChatRequest
from switchover.errors import InputError
from switchover.evaluate.datasets.captures import cases_from_captures, is_capture_record
from switchover.evaluate.datasets.csvfile import cases_from_csv
from switchover.evaluate.datasets.otel import cases_from_otlp, is_otlp
from switchover.evaluate.datasets.responses import decode_recorded_response
from switchover.evaluate.datasets.rows import row_to_case
from switchover.evaluate.results import Case

__all__ = [
    "Dataset",
    "Duplicate",
    "DuplicatePolicy",
    "decode_recorded_response",
    "load_dataset",
    "load_datasets",
    "request_key",
]

DuplicatePolicy = Literal["merge", "keep", "error"]


@dataclass(frozen=True)
class Duplicate:
    """A row whose request repeats an earlier one."""

    case_id: str
    source: str  # path:line
    same_as: str  # id of the case kept


@dataclass
class Dataset:
    cases: list[Case]
    sources: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    # request keys computed while reading, by case id, with the request they were computed on
    _keys: dict[str, tuple[ChatRequest, str]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return ", ".join(self.sources)

    def request_key(self, case: Case) -> str:
        """:func:`request_key`, computed once per request while the dataset was read."""
        known = self._keys.get(case.id)
        if known is not None and known[0] is case.request:
            return known[1]
        return request_key(case)

    def fingerprint(self) -> str:
        """A short hash of the cases (ids and canonical requests): part of the run id."""
        h = hashlib.sha256()
        for c in self.cases:
            h.update(c.id.encode())
            h.update(self.request_key(c).encode())
            h.update(repr(c.weight).encode())
        return h.hexdigest()[:16]


def request_key(case: Case) -> str:
    """The canonical request a duplicate is detected by."""
    return hashlib.sha256(case.request.canonical_json().encode()).hexdigest()


def _json_lines(p: Path) -> Iterable[tuple[int, Any]]:
    path = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the dataset: {exc.strerror}", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=path) from None
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n" in stripped.strip():
        # A pretty-printed single JSON document (e.g. an OTLP export)?
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            yield 1, doc
            return
    if stripped.startswith("["):
        raise InputError(
            "a JSON array is not a dataset: write one JSON object per line (JSONL)",
            path=path,
            line=1,
        )
    for no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON at column {exc.colno}: {exc.msg}", path=path, line=no
            ) from None
        if not isinstance(row, dict):
            raise InputError("each line must be a JSON object", path=path, line=no)
        yield no, row


def load_dataset(
    path: str | Path,
    *,
    default_model: str | None = None,
    template: str | None = None,
    system: str | None = None,
) -> Dataset:
    """Read one dataset file (format detected; see the module docstring)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(
            "is a directory, not a dataset file",
            path=str(p),
            hint="Pass a file: JSONL rows, CSV, gateway captures or an OTLP JSON export "
            "(repeat -d for several files).",
        )
    if not p.is_file():
        raise InputError(
            "dataset file not found",
            path=str(p),
            hint="Check the path, or set datasets in switchover.toml.",
        )
    if p.suffix.lower() in (".csv", ".tsv"):
        return Dataset(
            cases_from_csv(p, template=template, default_model=default_model, system=system),
            sources=[str(p)],
        )
    rows = list(_json_lines(p))
    warnings: list[str] = []
    if rows and is_otlp(rows[0][1]):
        spans, other = cases_from_otlp(rows, path=str(p))
        if other:
            warnings.append(f"{p}: {other} span(s) without gen_ai.request.model ignored")
        if not spans:
            raise InputError("no GenAI spans (gen_ai.request.model) in this export", path=str(p))
        return Dataset(spans, sources=[str(p)], skipped=other, warnings=warnings)
    captures = [(n, r) for n, r in rows if is_capture_record(r)]
    cases: list[Case] = []
    skipped = 0
    if captures:
        cases, skipped = cases_from_captures(captures, path=str(p))
        if skipped:
            warnings.append(
                f"{p}: {skipped} capture record(s) without a request body skipped "
                "(run the gateway with request bodies kept)"
            )
    for n, row in rows:
        if not is_capture_record(row):
            cases.append(
                row_to_case(
                    row,
                    path=str(p),
                    line=n,
                    default_id=f"{p.stem}:{n}",
                    default_model=default_model,
                )
            )
    if not cases:
        raise InputError("the dataset has no cases", path=str(p))
    return Dataset(cases, sources=[str(p)], skipped=skipped, warnings=warnings)


def _dedupe(
    cases: list[Case], policy: DuplicatePolicy, keys: dict[str, tuple[ChatRequest, str]]
) -> tuple[list[Case], list[Duplicate]]:
    """Handle duplicate requests by ``policy``; fills ``keys`` (case id -> request, key)."""
    by_id: dict[str, Case] = {}
    by_req: dict[str, Case] = {}
    kept: list[Case] = []
    dups: list[Duplicate] = []
    for c in cases:
        src = str(c.metadata.get("source", ""))
        if c.id in by_id:
            first = by_id[c.id].metadata.get("source", "?")
            path, _, line = src.rpartition(":")
            raise InputError(
                f"duplicate case id {c.id!r} (first at {first})",
                path=path or None,
                line=int(line) if line.isdigit() else None,
                field="id",
                hint="Case ids must be unique across the datasets of a run.",
            )
        by_id[c.id] = c
        key = request_key(c)
        keys[c.id] = (c.request, key)
        if key in by_req and policy != "keep":
            first_case = by_req[key]
            if policy == "error":
                path, _, line = src.rpartition(":")
                raise InputError(
                    f"request repeats case {first_case.id!r}",
                    path=path or None,
                    line=int(line) if line.isdigit() else None,
                    hint="Remove the duplicate, or allow duplicates (they are merged by default).",
                )
            dups.append(Duplicate(case_id=c.id, source=src, same_as=first_case.id))
            idx = kept.index(first_case)
            merged = first_case.model_copy(update={"weight": first_case.weight + c.weight})
            kept[idx] = merged
            by_req[key] = merged
            by_id[first_case.id] = merged
            continue
        by_req.setdefault(key, c)
        kept.append(c)
    return kept, dups


def load_datasets(
    paths: Sequence[str | Path],
    *,
    default_model: str | None = None,
    template: str | None = None,
    system: str | None = None,
    duplicates: DuplicatePolicy = "merge",
) -> Dataset:
    """Read and concatenate datasets, then handle duplicate requests: ``merge`` (default)
    keeps the first and adds the repeats' traffic weight to it, ``keep`` keeps every row,
    ``error`` refuses the file. Duplicate ids are always an error."""
    if not paths:
        raise InputError(
            "no dataset given", hint="Pass --dataset FILE or set eval.datasets in switchover.toml."
        )
    all_cases: list[Case] = []
    out = Dataset([])
    for path in paths:
        ds = load_dataset(path, default_model=default_model, template=template, system=system)
        all_cases.extend(ds.cases)
        out.sources.extend(ds.sources)
        out.skipped += ds.skipped
        out.warnings.extend(ds.warnings)
    out.cases, out.duplicates = _dedupe(all_cases, duplicates, out._keys)
    if out.duplicates:
        out.warnings.append(
            f"{len(out.duplicates)} duplicate request(s) merged into earlier cases (weights "
            "added): "
            + ", ".join(f"{d.case_id} = {d.same_as}" for d in out.duplicates[:5])
            + (" ..." if len(out.duplicates) > 5 else "")
        )
    return out
