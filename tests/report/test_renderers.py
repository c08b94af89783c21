"""Markdown, JSON, JUnit and HTML renderers (browser-free checks)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from markupsafe import escape

from switchover.evaluate.results import EvalReport
from switchover.report import json as report_json
from switchover.report import (
    load_json,
    render_html,
    render_json,
    render_junit,
    render_markdown,
    report_schema,
)
from switchover.report.html import case_views, word_diff
from switchover.report.svg import histogram_svg, interval_svg


def test_json_round_trip_and_schema(nogo_report: EvalReport) -> None:
    text = render_json(nogo_report)
    assert load_json(text) == nogo_report
    schema = json.loads(report_schema())
    jsonschema.validate(json.loads(text), schema)
    assert json.loads(text)["verdict"] == "NO-GO"


def test_large_reports_are_written_compact(
    nogo_report: EvalReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Indented for reading up to INDENT_MAX_CASES cases, compact beyond; the file
    write_reports puts on disk is the same text either way."""
    from switchover.evaluate.engine import write_reports

    assert len(nogo_report.cases) > 1
    assert "\n  " in render_json(nogo_report)
    (path,) = write_reports(nogo_report, tmp_path, ["json"], "r")
    assert path.read_text(encoding="utf-8") == render_json(nogo_report)
    monkeypatch.setattr(report_json, "INDENT_MAX_CASES", len(nogo_report.cases) - 1)
    text = render_json(nogo_report)
    assert text.count("\n") == 1
    assert load_json(text) == nogo_report
    (path,) = write_reports(nogo_report, tmp_path, ["json"], "r")
    assert path.read_text(encoding="utf-8") == text


def test_junit_parses_and_counts(nogo_report: EvalReport) -> None:
    xml = render_junit(nogo_report)
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    assert root.get("verdict") == "NO-GO"
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "0")) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures", "0")) == len(failures)
    metric_fail = {c.get("name") for c in failures if "metrics" in (c.get("classname") or "")}
    assert {"json_fence", "json_valid"} <= metric_fail
    case_fail = [c for c in failures if "cases" in (c.get("classname") or "")]
    assert len(case_fail) == sum(1 for c in nogo_report.cases if c.regressions)
    f = case_fail[0].find("failure")
    assert f is not None
    assert (f.get("message") or "").startswith("regressed: ")


def test_junit_go_has_no_metric_failures(go_report: EvalReport) -> None:
    root = ET.fromstring(render_junit(go_report))
    metric_fail = [
        c
        for c in root.iter("testcase")
        if "metrics" in (c.get("classname") or "") and c.find("failure") is not None
    ]
    assert metric_fail == []


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self.cells.append(tag)


def test_markdown_tables_are_well_formed(nogo_report: EvalReport) -> None:
    md = render_markdown(nogo_report)
    assert md.startswith("## ❌ switchover eval: **NO-GO**")
    lines = md.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Metric |"))
    ncols = lines[header].count(" | ") + 1
    assert re.fullmatch(
        r"\|(-+:?\|)+|\|(---\|){2}(---:\|){3}---\|---:\|---\|---\|", lines[header + 1]
    )
    i = header + 2
    while lines[i].startswith("|"):
        # escaped pipes do not split cells
        assert len(re.split(r"(?<!\\)\|", lines[i])) - 2 == ncols, lines[i]
        i += 1
    assert "<details><summary>" in md
    assert "| `json_fence` | gate |" in md
    # renders with a Markdown engine into a real table when one is available (markdown-it)
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - rich depends on markdown-it-py
        return
    html = MarkdownIt("commonmark").enable("table").render(md)
    parser = _Tables()
    parser.feed(html)
    assert parser.cells.count("th") >= ncols
    assert "<table>" in html


def test_markdown_go(go_report: EvalReport) -> None:
    md = render_markdown(go_report)
    assert md.startswith("## ✅ switchover eval: **GO**")
    assert "with a regression" in md or "<details>" not in md


def test_word_diff_marks_changes_and_escapes() -> None:
    left, right = word_diff("the <b>cat</b> sat", "the <b>dog</b> sat down")
    assert "<del>cat</del>" in left
    assert "<ins>dog</ins>" in right
    assert "<ins> down</ins>" in right
    assert "&lt;b&gt;" in left
    same = "the *same* <answer>"
    assert word_diff(same, same) == (escape(same), escape(same))
    big = "word " * 5000
    l2, r2 = word_diff(big, big + "x")
    assert "<ins>" not in r2
    assert str(l2).startswith("word")


def test_svg_helpers() -> None:
    svg = histogram_svg([0.1, 0.2, 0.3], [0.2, 0.4, 0.5], title="Latency <ms>", unit="ms")
    assert svg.startswith("<svg")
    assert "Latency &lt;ms&gt;" in svg
    assert "median: <tspan" in svg
    assert "baseline 200 ms</tspan>" in svg
    assert histogram_svg([], [], title="x") == ""
    assert "<svg" in histogram_svg([1.0, 1.0], [1.0], title="flat", unit="$")
    ci = interval_svg(-0.1, -0.2, 0.0, 0.05, verdict="NO-GO")
    assert "#dc2626" in ci
    assert interval_svg(None, None, None, 0.1) == ""
    assert "<svg" in interval_svg(0.1, 0.05, 0.2, 0.1, direction="lower", verdict="GO")


def test_html_is_self_contained(nogo_report: EvalReport) -> None:
    html = render_html(nogo_report)
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html
    assert html.index('data-verdict="NO-GO"') < html.index('class="metrics"')
    assert html.count('<details class="case"') == len(nogo_report.cases)
    assert "<svg" in html
    assert "Tool calls differ:" in html
    assert "renamed to" in html
    assert "<del>" in html or "<ins>" in html
    assert "synthetic data" in html


def test_html_case_limit_and_ordering(nogo_report: EvalReport) -> None:
    views = case_views(nogo_report, limit=10)
    assert len(views) == 10
    assert all(v.regressions for v in views)
    html = render_html(nogo_report, max_cases=5)
    assert html.count('<details class="case"') == 5
    assert f"showing 5 of {len(nogo_report.cases)}" in html


def test_html_handles_errors_and_empty_report(nogo_report: EvalReport) -> None:
    report = nogo_report.model_copy(deep=True)
    out = report.cases[0].candidate_outputs[0]
    from switchover.evaluate.results import ErrorInfo

    out.response = None
    out.error = ErrorInfo(type="ProviderServerError", message="503 <overloaded>")
    from switchover.evaluate.results import JudgeCall, JudgeVerdict

    report.cases[0].judge = [
        JudgeVerdict(
            calls=[
                JudgeCall(order="AB", error="judge timed out"),
                JudgeCall(order="BA", winner="A", candidate_outcome="win", reason="clearer"),
            ]
        )
    ]
    html = render_html(report)
    assert "503 &lt;overloaded&gt;" in html
    assert "baseline shown first: no verdict (judge timed out)" in html
    assert "candidate shown first: prefers the candidate - clearer" in html
    empty = render_html(EvalReport())
    assert 'data-verdict="INCONCLUSIVE"' in empty
    assert "No case matches" in empty


def test_documented_schema_is_current() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "eval-report.schema.json"
    assert doc.read_text(encoding="utf-8") == report_schema(), (
        "regenerate: python -c 'from switchover.report import report_schema; "
        'open("docs/eval-report.schema.json", "w").write(report_schema())\''
    )


def test_two_candidates(nogo_report: EvalReport) -> None:
    from switchover.evaluate.analysis import build_report, compare, judge_spec
    from switchover.evaluate.checks import default_checks
    from switchover.evaluate.synthetic import synthetic_results

    _, bad = synthetic_results(60, seed=8, hazards={"fence": 0.5})
    _, good = synthetic_results(60, seed=9)
    for cr in good:
        cr.candidate = "alt"
    specs = [c.spec() for c in default_checks()] + [judge_spec()]
    comps = [
        compare(bad, specs, candidate="new", candidate_model="sim-new", n_resamples=500),
        compare(good, specs, candidate="alt", candidate_model="sim-alt", n_resamples=500),
    ]
    meta = nogo_report.meta.model_copy(update={"candidates": {"new": "sim-new", "alt": "sim-alt"}})
    report = build_report(meta, comps, [*bad, *good])
    html = render_html(report)
    assert '<select id="f-cand"' in html
    assert html.count('class="comparison"') == 2
    md = render_markdown(report)
    assert "### new: sim-new" in md
    assert "### alt: sim-alt" in md
    root = ET.fromstring(render_junit(report))
    assert len(root.findall("testsuite")) == 2
