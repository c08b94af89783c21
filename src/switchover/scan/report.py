"""Renderers for scan reports: JSON, SARIF 2.1.0, Markdown, CSV, and the rich terminal summary."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from switchover.errors import UsageError
from switchover.scan.findings import Finding, ScanReport
from switchover.scan.policy import reportable

__all__ = [
    "check_output_file",
    "render_csv",
    "render_json",
    "render_markdown",
    "render_rich",
    "render_sarif",
]

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES = {
    "model-retired": ("error", "Model is retired: calls fail"),
    "model-deprecated": ("warning", "Model is deprecated and has a shutdown date"),
    "model-active": ("note", "Model in use"),
    "model-unknown": ("note", "Model not in the catalog or expression not resolved"),
    "param-problem": ("warning", "Parameter rejected by the replacement / target model"),
}


def check_output_file(path: Path, option: str) -> None:
    """Fail early (exit 2) when ``path`` cannot be written as a file."""
    if path.is_dir():
        raise UsageError(
            f"{option}: {path} is a directory",
            hint=f"Give a file name, e.g. {path / 'report.json'}",
        )
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(
            f"{option}: cannot write {path}: directory {parent} does not exist",
            hint=f"Create it first (mkdir -p {parent}) or choose another path.",
        )


def _shown(report: ScanReport, show_all: bool) -> list[Finding]:
    return [f for f in report.findings if reportable(f, show_all=show_all)]


def _models(f: Finding) -> str:
    return ", ".join(r.catalog_id or r.value for r in f.resolved) or "unresolved"


def _where(f: Finding) -> str:
    cell = f" (cell {f.cell})" if f.cell else ""
    return f"{f.path}:{f.line}{cell}"


def render_json(report: ScanReport, *, show_all: bool = False) -> str:
    data = report.model_dump(mode="json")
    data["findings"] = [f.model_dump(mode="json") for f in _shown(report, show_all)]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _rule(f: Finding) -> str:
    if f.lifecycle in {"retired", "deprecated", "active"}:
        return f"model-{f.lifecycle}"
    return "model-unknown"


def render_sarif(report: ScanReport, *, show_all: bool = False) -> str:
    results: list[dict[str, Any]] = []
    for f in _shown(report, show_all):
        for rule, message in _sarif_messages(f):
            region: dict[str, Any] = {"startLine": f.line, "startColumn": max(f.column, 1)}
            if f.snippet:
                region["snippet"] = {"text": f.snippet}
            result: dict[str, Any] = {
                "ruleId": rule,
                "level": _RULES[rule][0],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {
                    "switchover/v1": f.fingerprint + ("" if rule != "param-problem" else "/p")
                },
                "properties": {
                    "context": f.context,
                    "sdk": f.sdk,
                    "api": f.api,
                    "models": [r.catalog_id or r.value for r in f.resolved],
                    "daysLeft": f.days_left,
                    "confidence": f.confidence,
                },
            }
            sup: list[dict[str, Any]] = []
            if f.suppressed is not None:
                sup.append({"kind": "inSource", "justification": f.suppressed})
            if f.baselined:
                sup.append({"kind": "external", "justification": "in baseline"})
            if sup:
                result["suppressions"] = sup
            results.append(result)
    doc = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "switchover",
                        "version": report.tool_version,
                        "informationUri": "https://github.com/switchover/switchover",
                        "rules": [
                            {
                                "id": rid,
                                "shortDescription": {"text": text},
                                "defaultConfiguration": {"level": level},
                            }
                            for rid, (level, text) in _RULES.items()
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _file_uri(report.root)}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _file_uri(root: str) -> str:
    from pathlib import Path

    path = Path(root).resolve()
    if path.is_file():
        path = path.parent
    return path.as_uri() + "/"


def _sarif_messages(f: Finding) -> list[tuple[str, str]]:
    models = _models(f)
    if f.lifecycle in {"retired", "deprecated"}:
        when = f"shuts down in {f.days_left} days" if (f.days_left or 0) > 0 else "is retired"
        repl = f"; replacement: {f.replacement}" if f.replacement else ""
        text = f"{models} ({f.lifecycle}) {when}{repl}. Expression: {f.model_expression}"
    elif f.resolution == "unresolved":
        text = f"Model expression {f.model_expression} could not be resolved"
    else:
        text = f"{models} ({f.lifecycle}). Expression: {f.model_expression}"
    out = [(_rule(f), text)]
    for p in f.param_problems:
        out.append(
            ("param-problem", f"{p.target}: {p.message}" + (f" Fix: {p.fix}." if p.fix else ""))
        )
    return out


def render_markdown(report: ScanReport, *, show_all: bool = False) -> str:
    shown = _shown(report, show_all)
    lines = [f"## switchover scan: {len(shown)} finding(s) on {report.today.isoformat()}", ""]
    if not shown:
        lines.append("No model usage found.")
        return "\n".join(lines) + "\n"
    lines += [
        "| Model | Lifecycle | Days left | Replacement | Where | SDK / API | Parameter problems |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in sorted(shown, key=_deadline_key):
        problems = "<br>".join(f"`{p.param}`: {p.message}" for p in f.param_problems) or ""
        lines.append(
            "| "
            + " | ".join(
                _md(x)
                for x in [
                    _models(f),
                    f.lifecycle,
                    "" if f.days_left is None else str(f.days_left),
                    f.replacement or "",
                    f"`{_where(f)}`",
                    " / ".join(x for x in [f.sdk or f.context, f.api or ""] if x),
                    problems,
                ]
            )
            + " |"
        )
    s = report.stats
    lines += ["", f"_{s.files_seen} files seen, {s.files_parsed} parsed in {s.elapsed_s}s._"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_csv(report: ScanReport, *, show_all: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [
        "fingerprint",
        "path",
        "line",
        "column",
        "cell",
        "context",
        "usage",
        "provider",
        "platform",
        "sdk",
        "api",
    ]
    cols += ["model_expression", "resolution", "models", "lifecycle", "days_left", "replacement"]
    cols += ["param_problems", "confidence", "suppressed", "baselined"]
    w.writerow(cols)
    for f in _shown(report, show_all):
        w.writerow(
            [
                f.fingerprint, f.path, f.line, f.column, f.cell or "", f.context, f.usage, f.provider or "",
                f.platform or "", f.sdk or "", f.api or "", f.model_expression, f.resolution, _models(f),
                f.lifecycle, "" if f.days_left is None else f.days_left, f.replacement or "",
                "; ".join(f"{p.param}: {p.message}" for p in f.param_problems), f.confidence,
                f.suppressed or "", f.baselined,
            ]
        )  # fmt: skip
    return buf.getvalue()


def _deadline_key(f: Finding) -> tuple[int, int, str, int]:
    rank = {"retired": 0, "deprecated": 1, "unknown": 2, "active": 3}[f.lifecycle]
    return (rank, f.days_left if f.days_left is not None else 10**6, f.path, f.line)


def render_rich(report: ScanReport, console: Console, *, show_all: bool = False) -> None:
    shown = _shown(report, show_all)
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in shown:
        groups[_models(f)].append(f)
    ordered = sorted(groups.items(), key=lambda kv: _deadline_key(min(kv[1], key=_deadline_key)))
    table = Table(
        title=f"Model inventory on {report.today.isoformat()} (deadlines first)", expand=False
    )
    for col in (
        "Model",
        "Lifecycle",
        "Shutdown",
        "Days left",
        "Replacement",
        "Sites",
        "Param problems",
    ):
        table.add_column(col, overflow="fold")
    colour = {"retired": "bold red", "deprecated": "yellow", "active": "green", "unknown": "dim"}
    for model, items in ordered:
        first = min(items, key=_deadline_key)
        shutdown = next((str(r.shutdown_date) for r in first.resolved if r.shutdown_date), "")
        table.add_row(
            model,
            f"[{colour[first.lifecycle]}]{first.lifecycle}[/]",
            shutdown,
            "" if first.days_left is None else str(first.days_left),
            first.replacement or "",
            str(len(items)),
            str(sum(len(f.param_problems) for f in items)),
        )
    console.print(table)
    for model, items in ordered:
        console.print(f"\n[bold]{model}[/]")
        for f in sorted(items, key=lambda x: (x.path, x.cell or 0, x.line)):
            what = " / ".join(x for x in [f.sdk, f.api] if x) or f.context
            tag = f" [dim]({f.resolution}, {f.confidence})[/]"
            console.print(
                f"  {_where(f)}  {what}  [cyan]{f.model_expression}[/]{tag}", soft_wrap=True
            )
            for p in f.param_problems:
                fix = f" [dim]fix: {p.fix}[/]" if p.fix else ""
                console.print(f"    [red]✗[/] {p.target}: {p.message}{fix}", soft_wrap=True)
    s = report.stats
    hidden = len(report.findings) - len(shown)
    console.print(
        f"\n{len(shown)} finding(s) shown"
        + (
            f", {hidden} hidden (non-usage, suppressed or baselined; --all shows them)"
            if hidden
            else ""
        )
        + f". {s.files_seen} files seen, {s.files_matched} matched the prefilter, {s.files_parsed} parsed"
        + f" in {s.elapsed_s}s on {s.jobs} job(s)."
    )
    if s.skipped:
        console.print("Skipped: " + ", ".join(f"{k}={v}" for k, v in s.skipped.items()))
    for w in s.warnings[:10]:
        console.print(f"[yellow]warning:[/] {w}", soft_wrap=True)
    if s.warnings_total > 10:
        console.print(f"[yellow]... {s.warnings_total - 10} more warnings (see --format json)[/]")
