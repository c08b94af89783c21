"""The report as JSON (schema: ``EvalReport.json_schema()``, documented in docs/evaluation.md)."""

from __future__ import annotations

import json as _json
from typing import Any

from switchover.evaluate.results import EvalReport

__all__ = ["INDENT_MAX_CASES", "load_json", "render_json", "report_json_bytes", "report_schema"]


#: reports with more cases than this are written without indentation (a 10,000-case report
#: is 80 MB compact and 160 MB indented, and takes twice as long to write)
INDENT_MAX_CASES = 1000


def _indent(report: EvalReport, indent: int | None) -> int | None:
    return indent if len(report.cases) <= INDENT_MAX_CASES else None


def render_json(report: EvalReport, *, indent: int | None = 2) -> str:
    """The report as JSON text, indented by ``indent`` up to ``INDENT_MAX_CASES`` cases."""
    return report.model_dump_json(indent=_indent(report, indent)) + "\n"


def report_json_bytes(report: EvalReport, *, indent: int | None = 2) -> bytes:
    """:func:`render_json` as UTF-8 bytes, encoded once."""
    return report.__pydantic_serializer__.to_json(report, indent=_indent(report, indent)) + b"\n"


def load_json(text: str) -> EvalReport:
    """Read a report written by :func:`render_json` (validated)."""
    return EvalReport.model_validate_json(text)


def report_schema() -> str:
    schema: dict[str, Any] = EvalReport.json_schema()
    return _json.dumps(schema, indent=2) + "\n"
