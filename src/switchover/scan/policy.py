"""Baselines, suppressions and ``--fail-on`` conditions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from switchover.errors import InputError, UsageError
from switchover.scan.findings import SCHEMA_VERSION, Finding, ScanReport

__all__ = [
    "FailOn",
    "apply_baseline",
    "failing",
    "parse_fail_on",
    "reportable",
    "write_baseline",
]

_WITHIN = re.compile(r"^within:(\d+)d?$")


@dataclass(frozen=True, slots=True)
class FailOn:
    retired: bool = False
    deprecated: bool = False
    within_days: int | None = None
    params: bool = False

    def matches(self, f: Finding) -> bool:
        if self.retired and f.lifecycle == "retired":
            return True
        if self.deprecated and f.lifecycle in {"deprecated", "retired"}:
            return True
        if (
            self.within_days is not None
            and f.days_left is not None
            and f.days_left <= self.within_days
        ):
            return True
        return self.params and bool(f.param_problems)


def parse_fail_on(values: list[str]) -> FailOn | None:
    """Parse ``--fail-on`` values (repeatable, comma separated)."""
    items = [v.strip().lower() for raw in values for v in raw.split(",") if v.strip()]
    if not items:
        return None
    retired = deprecated = params = False
    within: int | None = None
    for item in items:
        if item == "retired":
            retired = True
        elif item == "deprecated":
            deprecated = True
        elif item == "params":
            params = True
        elif m := _WITHIN.match(item):
            within = int(m.group(1))
        else:
            raise UsageError(
                f"--fail-on: unknown condition {item!r}",
                hint="Use retired, deprecated, within:90d or params (comma separated).",
            )
    return FailOn(retired, deprecated, within, params)


def reportable(f: Finding, *, show_all: bool) -> bool:
    """Whether a finding is shown (usage only unless ``--all``; never suppressed/baselined)."""
    if show_all:
        return True
    return f.usage and f.suppressed is None and not f.baselined


def failing(report: ScanReport, fail_on: FailOn) -> list[Finding]:
    return [
        f
        for f in report.findings
        if f.usage and f.suppressed is None and not f.baselined and fail_on.matches(f)
    ]


def write_baseline(report: ScanReport, path: Path) -> int:
    entries = [
        {"fingerprint": f.fingerprint, "path": f.path, "model_expression": f.model_expression}
        for f in report.findings
        if f.usage and f.suppressed is None
    ]
    doc = {"schema_version": SCHEMA_VERSION, "tool": "switchover scan", "findings": entries}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return len(entries)


def apply_baseline(report: ScanReport, path: Path) -> int:
    """Mark findings listed in a baseline file; returns how many matched."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "baseline file not found", path=str(path), hint="Create one with --write-baseline."
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", path=str(path)) from exc
    entries = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(
            "not a switchover baseline (no 'findings' list)", path=str(path), field="findings"
        )
    known = {e.get("fingerprint") for e in entries if isinstance(e, dict)}
    hits = 0
    for f in report.findings:
        if f.fingerprint in known:
            f.baselined = True
            hits += 1
    return hits
