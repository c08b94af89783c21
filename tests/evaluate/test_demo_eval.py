from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from switchover.demo_eval import eval_step


def test_demo_evaluates_the_example_and_writes_the_report(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, width=160)
    html = eval_step(console, out_dir=tmp_path)
    text = out.getvalue()
    assert html == tmp_path / "support-gpt-6-luna-eval.html"
    assert html.is_file()
    assert "<html" in html.read_text()[:500].lower()
    assert f"HTML report: {html}" in text
    assert "verdict NO-GO (exit code 1)" in text
    assert "rename:max_tokens" in text  # the adapter's changes for gpt-6-luna
    assert "json_fence" in text
    assert "tool_calls_match" in text


def test_demo_without_the_example(tmp_path: Path) -> None:
    out = io.StringIO()
    assert eval_step(Console(file=out), example_dir=tmp_path) is None
    assert "skipped" in out.getvalue()
