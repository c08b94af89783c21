"""One self-contained, offline HTML report (inline CSS, JS and SVG; no network)."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from switchover.evaluate.results import (
    ArmOutput,
    CaseResult,
    EvalReport,
    JudgeCall,
    MetricSummary,
)
from switchover.evaluate.verdict import format_amount
from switchover.report.svg import histogram_svg, interval_svg

__all__ = ["CaseView", "case_views", "render_html", "word_diff"]

_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")
_MAX_DIFF_TOKENS = 6000
MAX_CASES = 2000

_CHARTS = (
    ("latency_s", "Latency per case", "ms"),
    ("cost_usd", "Cost per case", "$"),
    ("output_tokens", "Answer length (tokens)", ""),
)


def word_diff(a: str, b: str) -> tuple[Markup, Markup]:
    """Word-level diff: ``a`` with deletions marked, ``b`` with insertions marked."""
    if a == b:
        same = Markup(escape(a))
        return same, same
    ta, tb = _TOKEN_RE.findall(a), _TOKEN_RE.findall(b)
    if len(ta) + len(tb) > _MAX_DIFF_TOKENS:
        return Markup(escape(a)), Markup(escape(b))
    # whitespace runs are "junk": no match starts on one (they are the most frequent tokens
    # and made the matcher quadratic), but matches grow across them; 4x faster on answers
    sm = difflib.SequenceMatcher(str.isspace, ta, tb, autojunk=False)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        sa, sb = "".join(ta[i1:i2]), "".join(tb[j1:j2])
        if op == "equal":
            left.append(str(escape(sa)))
            right.append(str(escape(sb)))
            continue
        if sa:
            left.append(f"<del>{escape(sa)}</del>")
        if sb:
            right.append(f"<ins>{escape(sb)}</ins>")
    return Markup("".join(left)), Markup("".join(right))


@dataclass
class CheckRow:
    name: str
    baseline: str
    candidate: str
    status: str  # "same" | "worse" | "better" | "changed"


@dataclass
class CaseView:
    key: str
    case_id: str
    candidate: str
    call_site: str
    tags: list[str]
    weight: float
    prompt: str
    regressions: list[str]
    improvements: list[str]
    problems: list[str]
    base_html: Markup
    cand_html: Markup
    base_calls: str
    cand_calls: str
    tool_diff: str
    base_error: str
    cand_error: str
    checks: list[CheckRow] = field(default_factory=list)
    judge: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    repeats: int = 1

    @property
    def tags_json(self) -> str:
        return json.dumps(self.tags)

    @property
    def problems_json(self) -> str:
        return json.dumps(self.problems)


def _calls(out: ArmOutput | None) -> str:
    if out is None or out.response is None or not out.response.tool_calls:
        return ""
    return "\n".join(
        f"{c.name}({json.dumps(c.arguments, ensure_ascii=False, sort_keys=True)})"
        for c in out.response.tool_calls
    )


def _show(out: ArmOutput | None, name: str) -> str:
    if out is None or name not in out.checks:
        return ""
    r = out.checks[name]
    if not r.applicable:
        return "n/a"
    if r.kind == "pass":
        mark = "pass" if r.passed else "FAIL"
        return f"{mark}: {r.detail}" if r.detail and not r.passed else mark
    return format_amount(name, r.kind, r.numeric, signed=False) + (
        f" ({r.detail})" if r.kind == "score" and r.detail else ""
    )


def _check_rows(base: ArmOutput | None, cand: ArmOutput | None, cr: CaseResult) -> list[CheckRow]:
    names = list((cand.checks if cand else {}).keys()) or list((base.checks if base else {}).keys())
    rows = []
    for n in names:
        b, c = _show(base, n), _show(cand, n)
        if b == "n/a" and c == "n/a":
            continue
        status = (
            "worse"
            if n in cr.regressions
            else "better"
            if n in cr.improvements
            else "same"
            if b == c
            else "changed"
        )
        rows.append(CheckRow(n, b, c, status))
    return rows


def _judge_line(call: JudgeCall) -> str:
    first = "baseline" if call.order == "AB" else "candidate"
    if call.candidate_outcome is None:
        return f"{first} shown first: no verdict ({call.error or 'unreadable'})"
    verdict = {"win": "prefers the candidate", "loss": "prefers the baseline", "tie": "tie"}[
        call.candidate_outcome
    ]
    return f"{first} shown first: {verdict}" + (f" - {call.reason}" if call.reason else "")


def _view(cr: CaseResult) -> CaseView:
    base = cr.baseline[0] if cr.baseline else None
    cand = cr.candidate_outputs[0] if cr.candidate_outputs else None
    bt = base.response.text if base and base.response else ""
    ct = cand.response.text if cand and cand.response else ""
    bh, ch = word_diff(bt, ct)
    tool = cand.checks.get("tool_calls_match") if cand else None
    problems = set(cr.regressions)
    if cand:
        problems |= {n for n, r in cand.checks.items() if r.kind == "pass" and r.passed is False}
    judge = [
        {
            "outcome": j.outcome or "no answer",
            "score": j.score,
            "consistent": j.consistent,
            "reasons": [_judge_line(c) for c in j.calls],
        }
        for j in cr.judge
    ]
    return CaseView(
        key=f"{cr.candidate}:{cr.case_id}",
        case_id=cr.case_id,
        candidate=cr.candidate,
        call_site=cr.call_site or "",
        tags=cr.tags,
        weight=cr.weight,
        prompt=cr.prompt_preview,
        regressions=cr.regressions,
        improvements=cr.improvements,
        problems=sorted(problems),
        base_html=bh,
        cand_html=ch,
        base_calls=_calls(base),
        cand_calls=_calls(cand),
        tool_diff=tool.detail if tool and tool.applicable and not tool.passed else "",
        base_error=base.error.message if base and base.error else "",
        cand_error=cand.error.message if cand and cand.error else "",
        checks=_check_rows(base, cand, cr),
        judge=judge,
        changes=cand.changes if cand else [],
        repeats=len(cr.candidate_outputs),
    )


def case_views(report: EvalReport, limit: int = MAX_CASES) -> list[CaseView]:
    """Views of the cases to show, regressions first, at most ``limit``."""
    ordered = sorted(report.cases, key=lambda c: (not c.regressions, c.candidate, c.case_id))
    return [_view(c) for c in ordered[:limit]]


def _charts(metrics: list[MetricSummary]) -> list[Markup]:
    by = {m.name: m for m in metrics}
    out = []
    for name, title, unit in _CHARTS:
        m = by.get(name)
        if m and m.baseline_values and m.candidate_values:
            out.append(histogram_svg(m.baseline_values, m.candidate_values, title=title, unit=unit))
    return out


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("switchover.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = lambda x, m, signed=True: format_amount(
        m.name, m.kind, x, signed=signed
    )
    env.filters["pval"] = lambda p: "" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")
    env.globals["interval_svg"] = interval_svg
    return env


def render_html(report: EvalReport, *, max_cases: int = MAX_CASES) -> str:
    """The report as one HTML page that works offline."""
    views = case_views(report, max_cases)
    tags = sorted({t for v in views for t in v.tags})
    problems = sorted({p for v in views for p in v.problems})
    comparisons = [{"c": c, "charts": _charts(c.metrics)} for c in report.comparisons]
    template = _env().get_template("report.html.j2")
    return template.render(
        report=report,
        meta=report.meta,
        comparisons=comparisons,
        cases=views,
        n_cases_total=len(report.cases),
        tags=tags,
        problems=problems,
        candidates=sorted({v.candidate for v in views}),
        n_regressions=sum(1 for c in report.cases if c.regressions),
        weighted=any(m.weighted for c in report.comparisons for m in c.metrics),
    )
