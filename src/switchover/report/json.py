"""The report as JSON (schema: ``EvalReport.json_schema()``, documented in docs/evaluation.md)."""

from __future__ import annotations

import json as _json
from typing import Any

from switchover.evaluate.results import EvalReport

__all__ = ["load_json", "render_json", "report_schema"]


def render_json(report: EvalReport, *, indent: int | None = 2) -> str:
    return report.model_dump_json(indent=indent) + "\n"


def load_json(text: str) -> EvalReport:
    """Read a report written by :func:`render_json` (validated)."""
    return EvalReport.model_validate_json(text)


def report_schema() -> str:
    schema: dict[str, Any] = EvalReport.json_schema()
    return _json.dumps(schema, indent=2) + "\n"
