"""The HTML report in headless Chromium: filters, search, no console errors, offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from switchover.evaluate.results import EvalReport
from switchover.report import render_html

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():  # pragma: no cover - CI installs chromium
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, nogo_report: EvalReport, tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "report.html"
    path.write_text(render_html(nogo_report), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(path.as_uri())
    pg.errors = errors
    pg.requests = requests
    try:
        yield pg
    finally:
        context.close()


def _visible(pg: Any) -> int:
    return int(pg.locator("details.case:visible").count())


def test_loads_offline_without_errors(page: Any, nogo_report: EvalReport) -> None:
    assert page.errors == []
    assert all(u.startswith("file://") for u in page.requests), page.requests
    assert page.locator(".big").inner_text() == "NO-GO"
    assert _visible(page) == len(nogo_report.cases)
    assert page.locator("#shown").inner_text() == str(len(nogo_report.cases))


def test_regressions_only_filter(page: Any, nogo_report: EvalReport) -> None:
    n_reg = sum(1 for c in nogo_report.cases if c.regressions)
    assert 0 < n_reg < len(nogo_report.cases)
    page.check("#only-reg")
    assert _visible(page) == n_reg
    assert page.locator("#shown").inner_text() == str(n_reg)
    page.uncheck("#only-reg")
    assert _visible(page) == len(nogo_report.cases)


def test_check_and_tag_filters(page: Any, nogo_report: EvalReport) -> None:
    page.select_option("#f-check", "json_fence")
    expected = sum(
        1
        for c in nogo_report.cases
        if "json_fence" in c.regressions
        or any(
            (r := o.checks.get("json_fence")) is not None and r.passed is False
            for o in c.candidate_outputs[:1]
        )
    )
    assert expected > 0
    assert _visible(page) == expected
    page.select_option("#f-check", "")
    page.select_option("#f-tag", "tool")
    tool_cases = sum(1 for c in nogo_report.cases if "tool" in c.tags)
    assert _visible(page) == tool_cases
    page.check("#only-reg")
    both = sum(1 for c in nogo_report.cases if "tool" in c.tags and c.regressions)
    assert _visible(page) == both
    assert page.errors == []


def test_search_and_empty_state(page: Any, nogo_report: EvalReport) -> None:
    target = nogo_report.cases[17].case_id
    page.fill("#q", target)
    assert _visible(page) == 1
    assert page.locator("details.case:visible .cid").inner_text() == target
    assert page.locator("#no-match").is_hidden()
    page.fill("#q", "zz-no-such-text-zz")
    assert _visible(page) == 0
    assert page.locator("#no-match").is_visible()
    page.fill("#q", "")
    assert _visible(page) == len(nogo_report.cases)


def test_case_viewer_expands_with_diff(page: Any) -> None:
    first = page.locator("details.case").first
    assert first.locator(".sbs").is_hidden()
    first.locator("summary").click()
    assert first.locator(".sbs").is_visible()
    assert first.locator(".pane.base").is_visible()
    assert first.locator(".pane.cand").is_visible()
    assert page.locator("table.metrics tr[data-metric]").count() >= 10
    assert page.errors == []


def test_screenshot(page: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.png"
    page.screenshot(path=str(out), full_page=False)
    assert out.stat().st_size > 10_000
