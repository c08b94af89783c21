"""Report renderers: pure functions from an :class:`~switchover.evaluate.EvalReport` to text."""

from __future__ import annotations

from switchover.report.html import render_html
from switchover.report.json import load_json, render_json, report_schema
from switchover.report.junit import render_junit
from switchover.report.markdown import render_markdown

__all__ = [
    "load_json",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "report_schema",
]
