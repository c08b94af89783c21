from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.cli.app import app, main

runner = CliRunner()

SAME = """\
[profiles.same]
base = "baseline"
[profiles.same.latency]
time_scale = 0
[models]
"*" = "same"
"""


def test_no_go_writes_reports(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    plan = make_plan(tmp_path, n=40, json_share=1)
    res = runner.invoke(app, ["eval", "-c", str(plan), "--format", "html,json"])
    assert res.exit_code == 1, res.stdout
    assert "estimate: 80 calls" in res.stdout
    assert "NO-GO" in res.stdout
    assert "json_fence" in res.stdout
    html = tmp_path / "reports" / "bot-eval.html"
    assert html.is_file()
    assert f"report: {html}" in res.stdout.replace("\n", "")
    data = json.loads((tmp_path / "reports" / "bot-eval.json").read_text())
    assert data["verdict"] == "NO-GO"
    assert data["exit_code"] == 1
    assert not (tmp_path / "reports" / "bot-eval.md").exists()
    # the default store lives next to switchover.toml; a re-run resumes from it
    assert (tmp_path / "state.db").is_file()
    again = runner.invoke(
        app, ["eval", "-c", str(plan), "--json", "-f", "md", "-o", str(tmp_path / "o2")]
    )
    assert again.exit_code == 1
    report = json.loads(again.stdout)
    assert any("resumed run" in w for w in report["warnings"])
    assert (tmp_path / "o2" / "bot-eval.md").is_file()
    # only the console command freezes its objects for the exit; in-process, nothing stays
    assert gc.get_freeze_count() == 0


def test_go_and_dry_run_and_adhoc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plan: Callable[..., Path]
) -> None:
    make_plan(tmp_path, n=30)
    (tmp_path / "profiles.toml").write_text(SAME)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "switchover.toml").unlink()
    args = [
        "eval",
        "--baseline",
        "sim:gpt-4o-2024-08-06",
        "--candidate",
        "sim:gpt-4o-2024-11-20",
        "--dataset",
        "data.jsonl",
        "--store",
        "sqlite://:memory:",
        "-o",
        "out",
    ]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0
    assert "estimate: 60 calls" in dry.stdout
    assert not (tmp_path / "out").exists()
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.stdout
    assert (tmp_path / "out" / "adhoc-eval.html").is_file()
    data = json.loads((tmp_path / "out" / "adhoc-eval.json").read_text())
    assert data["verdict"] == "GO"
    assert data["meta"]["candidates"] == {"candidate": "gpt-4o-2024-11-20"}


def _run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_user_errors_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_plan: Callable[..., Path]
) -> None:
    plan = make_plan(tmp_path, n=3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"request": {"model": "m", "messages": [{"role": "user", "content": "x"}]}}\n{oops\n'
    )
    code, out = _run_main(["eval", "-c", str(plan), "-d", str(bad)], capsys)
    assert code == 2
    assert f"{bad}:2: invalid JSON" in out.replace("\n", "")
    assert "Traceback" not in out
    code, out = _run_main(["eval", "-c", str(plan), "--format", "pdf"], capsys)
    assert code == 2
    assert "unknown --format 'pdf'" in out
    code, out = _run_main(["eval", "-c", str(plan), "--migration", "nope"], capsys)
    assert code == 2
    assert "no migration named 'nope'" in out
    code, out = _run_main(["eval", "-c", str(plan), "--store", "mysql://x"], capsys)
    assert code == 2
    assert "unsupported store URL" in out


def test_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plan: Callable[..., Path]
) -> None:
    import io

    from rich.console import Console

    from switchover.cli import eval as eval_cli
    from switchover.config import load_config
    from switchover.evaluate.engine import EvalOptions, plan_evaluation

    buf = io.StringIO()
    monkeypatch.setattr(eval_cli, "err_console", Console(file=buf, force_terminal=True))
    plan = plan_evaluation(
        load_config(make_plan(tmp_path, n=12)),
        EvalOptions(store_url="sqlite://:memory:", n_resamples=200),
    )
    report = eval_cli._run(plan)
    assert report.meta.n_cases == 12
    assert plan.options.on_progress is not None  # the bar's callback was installed
    assert "cases/s" in buf.getvalue()


def test_out_must_be_a_directory_checked_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_plan: Callable[..., Path]
) -> None:
    plan = make_plan(tmp_path, n=3)
    existing = tmp_path / "taken.jsonl"
    existing.write_text("{}\n")
    for out in (existing, existing / "sub"):
        code, text = _run_main(["eval", "-c", str(plan), "-o", str(out), "-y"], capsys)
        assert code == 2
        flat = " ".join(text.split())
        assert f"--out: {out} is not a directory" in flat
        assert "hint" in flat
        assert "estimate:" not in flat  # nothing was planned or called
    assert not (tmp_path / "state.db").exists()


def test_a_directory_as_dataset_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_plan: Callable[..., Path]
) -> None:
    plan = make_plan(tmp_path, n=3)
    code, text = _run_main(["eval", "-c", str(plan), "-d", str(tmp_path)], capsys)
    assert code == 2
    flat = " ".join(text.split())
    assert f"{tmp_path}: is a directory, not a dataset file" in flat
    assert "JSONL" in flat


def test_status_spinner_while_reading_datasets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plan: Callable[..., Path]
) -> None:
    import io

    from rich.console import Console

    from switchover.cli import eval as eval_cli

    buf = io.StringIO()
    monkeypatch.setattr(eval_cli, "err_console", Console(file=buf, force_terminal=True))
    plan = make_plan(tmp_path, n=3)
    res = runner.invoke(app, ["eval", "-c", str(plan), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "reading " in buf.getvalue()
    assert "planning the run" in buf.getvalue()


def test_missing_credentials_are_named_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_plan: Callable[..., Path]
) -> None:
    """A user learns from the estimate (and --dry-run) that an upstream has no key, not
    from the first failed call."""
    plan = make_plan(tmp_path, n=3)
    text = plan.read_text().replace(
        '[upstreams.sim]\nprovider = "sim"',
        '[upstreams.real]\nprovider = "openai"\napi_key_env = "TEAM_OPENAI_KEY"\n\n'
        '[upstreams.sim]\nprovider = "sim"',
    )
    plan.write_text(
        text.replace(
            'to = "openai:gpt-6-luna"', 'to = "openai:gpt-6-luna"\ncandidate_upstream = "real"'
        )
    )
    code, out = _run_main(["eval", "-c", str(plan), "--dry-run"], capsys)
    assert code == 0, out
    flat = " ".join(out.split())
    assert "warning: upstream 'real' (openai): TEAM_OPENAI_KEY is not set" in flat
    assert "upstream 'sim'" not in flat
