"""``switchover init``: scan, models at risk, proposals, a valid plan, no silent overwrite."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.catalog import get_catalog
from switchover.cli.app import app, main
from switchover.config import load_config
from switchover.errors import UsageError
from switchover.project.init import (
    build_plan,
    find_at_risk,
    parse_targets,
    propose,
    render_toml,
    scan_project,
)

runner = CliRunner()
TODAY = date(2026, 11, 26)


def test_init_writes_a_valid_plan_for_the_example(example: Path) -> None:
    result = runner.invoke(
        app,
        ["init", "--path", str(example), "--yes", "--owner", "support", "--today", "2026-11-26"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "gpt-4o-2024-08-06" in result.stdout
    assert "gpt-6-luna" in result.stdout
    cfg = load_config(example / "switchover.toml")
    (mig,) = cfg.migrations
    assert mig.from_ == "openai:gpt-4o-2024-08-06"
    assert mig.to == "openai:gpt-6-luna"
    assert mig.deadline == date(2027, 1, 14)  # the catalog's shutdown date
    assert mig.owner == "support"
    assert mig.eval.datasets == ["traffic/requests.jsonl"]
    assert cfg.upstreams["openai"].api_key_env == "OPENAI_API_KEY"
    assert mig.baseline_upstream == mig.candidate_upstream == "openai"


def test_init_refuses_to_overwrite(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example / "switchover.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as ei:
        main(["init", "--path", str(example), "--yes"])
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "--force" in err
    assert (example / "switchover.toml").read_text(encoding="utf-8") == "# mine\n"
    result = runner.invoke(app, ["init", "--path", str(example), "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert load_config(example / "switchover.toml").migrations


def test_to_flag_and_json(example: Path) -> None:
    result = runner.invoke(
        app,
        ["init", "--path", str(example), "--to", "gpt-4o=gpt-4.1", "--json", "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["written"] is False
    assert data["migrations"][0]["to"] == "gpt-4.1-2025-04-14"
    assert not (example / "switchover.toml").exists()
    bad = runner.invoke(app, ["init", "--path", str(example), "--to", "gpt-9-nonexistent", "-y"])
    assert isinstance(bad.exception, UsageError)
    assert "unknown model" in bad.exception.message
    assert not (example / "switchover.toml").exists()


def test_dry_run_prints_the_toml(example: Path) -> None:
    result = runner.invoke(
        app, ["init", "--path", str(example), "--dry-run", "--today", "2026-11-26"]
    )
    assert result.exit_code == 0
    assert "[[migrations]]" in result.stdout
    assert 'to = "openai:gpt-6-luna"' in result.stdout


def test_parse_targets() -> None:
    assert parse_targets([]) == (None, {})
    assert parse_targets(["gpt-6-luna", "GPT-4o=gpt-4.1"]) == ("gpt-6-luna", {"gpt-4o": "gpt-4.1"})
    with pytest.raises(UsageError):
        parse_targets(["a", "b"])
    with pytest.raises(UsageError):
        parse_targets(["=x"])


def test_nothing_at_risk(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-6-luna", '
        "messages=[])\n",
        encoding="utf-8",
    )
    plan = build_plan(tmp_path, TODAY)
    assert plan.migrations == []
    assert plan.at_risk == []
    result = runner.invoke(app, ["init", "--path", str(tmp_path), "--yes"])
    assert result.exit_code == 0
    assert "No model at risk" in result.stdout
    assert load_config(tmp_path / "switchover.toml").migrations == []


def test_at_risk_ordering_and_render(example: Path) -> None:
    catalog = get_catalog()
    report = scan_project(example, TODAY)
    risk = find_at_risk(report, catalog, TODAY)
    assert [r.entry.id for r in risk] == ["gpt-4o-2024-08-06"]
    assert "support_assistant/settings.py:9" in risk[0].sites
    migs = propose(risk, catalog, TODAY, owner="o")
    assert migs[0].new.id == "gpt-6-luna"
    plan = build_plan(example, TODAY, project="demo")
    assert 'name = "demo"' in render_toml(plan)


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["init", "--path", str(tmp_path / "missing"), "--yes"])
    assert ei.value.code == 2
    with pytest.raises(SystemExit) as ei:
        main(["init", "--path", str(tmp_path), "--today", "yesterday"])
    assert ei.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_prompts(example: Path) -> None:
    # owner, keep the migration, a wrong model, then a real one
    answers = "platform-team\ny\ngpt-9-imaginary\ngpt-4.1\n"
    result = runner.invoke(
        app, ["init", "--path", str(example), "--prompt", "--today", "2026-11-26"], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "unknown model 'gpt-9-imaginary'" in result.stdout
    mig = load_config(example / "switchover.toml").migrations[0]
    assert mig.to == "openai:gpt-4.1-2025-04-14"
    assert mig.owner == "platform-team"
    assert mig.name == "gpt-4o-2024-08-06-to-gpt-4.1-2025-04-14"


def test_prompt_declined(example: Path) -> None:
    result = runner.invoke(app, ["init", "--path", str(example), "--prompt"], input="\nn\n")
    assert result.exit_code == 0, result.output
    assert load_config(example / "switchover.toml").migrations == []


def test_upstreams_per_platform(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "A=gpt-4o-2024-08-06\nB=claude-3-5-haiku-20241022\n", encoding="utf-8"
    )
    catalog = get_catalog()
    risk = find_at_risk(scan_project(tmp_path, TODAY), catalog, TODAY)
    assert {r.entry.platform for r in risk} >= {"openai"}
    from switchover.project.init import upstream_provider

    def first(provider: str, platform: str) -> str | None:
        entry = next(e for e in catalog.entries if (e.provider, e.platform) == (provider, platform))
        return upstream_provider(entry)

    assert first("openai", "openai") == "openai"
    assert first("openai", "azure") == "azure"
    assert first("anthropic", "anthropic") == "anthropic"
    assert first("google", "gemini-api") == "gemini"
    assert first("anthropic", "bedrock") == "bedrock"
    assert first("meta", "bedrock") is None
    assert first("mistral", "azure") is None
    plan = build_plan(tmp_path, TODAY, to=["gpt-6-luna"])
    text = render_toml(plan)
    path = tmp_path / "switchover.toml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    for m in cfg.migrations:
        assert m.baseline_upstream in (None, *cfg.upstreams)
    assert all(
        u.provider in {"openai", "anthropic", "gemini", "azure"} for u in cfg.upstreams.values()
    )


def test_aliases_the_code_uses_go_into_the_plan(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\n"
        'OpenAI().chat.completions.create(model="gpt-4o", messages=[])\n'
        'OpenAI().chat.completions.create(model="gpt-4o-2024-08-06", messages=[])\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["init", "--path", str(tmp_path), "--to", "gpt-6-luna", "-y", "--today", "2026-11-26"]
    )
    assert result.exit_code == 0, result.output
    (mig,) = load_config(tmp_path / "switchover.toml").migrations
    assert mig.from_ == "openai:gpt-4o-2024-08-06"
    assert mig.aliases == ["gpt-4o"]  # the gateway routes model "gpt-4o" to this migration


def test_no_aliases_line_when_the_code_names_the_snapshot(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-4o-2024-08-06", '
        "messages=[])\n",
        encoding="utf-8",
    )
    plan = build_plan(tmp_path, TODAY, to=["gpt-6-luna"])
    assert plan.migrations[0].aliases == []
    assert "aliases =" not in render_toml(plan)


@pytest.mark.parametrize(
    ("value", "says"),
    [("foo=bar=baz", "--to: bad value 'foo=bar=baz'"), ("foo=bar", "--to: 'foo' is not a model")],
)
def test_bad_to_values_are_usage_errors(
    example: Path, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["init", "--path", str(example), "--to", value, "-y", "--dry-run"])
    assert ei.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert says in err
    assert "Traceback" not in err


def test_claude_on_bedrock_gets_a_bedrock_upstream(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("M=anthropic.claude-3-5-sonnet-20240620-v1:0\n", "utf-8")
    plan = build_plan(tmp_path, TODAY, to=["anthropic.claude-sonnet-4-5-20250929-v1:0"])
    text = render_toml(plan)
    assert "# auth: the Bedrock API key above, else AWS_ACCESS_KEY_ID" in text
    path = tmp_path / "switchover.toml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    up = cfg.upstreams["bedrock"]
    assert (up.provider, up.api_key_env, up.options) == (
        "bedrock",
        "AWS_BEARER_TOKEN_BEDROCK",
        {"region": "us-east-1"},
    )
    assert up.platform == "bedrock"
    (mig,) = cfg.migrations
    assert (mig.baseline_upstream, mig.candidate_upstream) == ("bedrock", "bedrock")
