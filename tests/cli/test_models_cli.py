"""``switchover models`` end to end through the real entry point (``main``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchover.catalog import clear_cache
from switchover.cli import _output
from switchover.cli.app import main
from switchover.cli.models import parse_within


@pytest.fixture(autouse=True)
def _wide_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SWITCHOVER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_output.console, "_width", 200)
    clear_cache()
    yield
    clear_cache()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_list_deprecated_within_a_year(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "models",
        "list",
        "--status",
        "deprecated",
        "--within",
        "365d",
        "--today",
        "2026-11-26",
    )
    assert code == 0
    lines = out.splitlines()
    row = next(line for line in lines if "gpt-4o-2024-08-06" in line)
    assert "2027-01-14" in row
    assert "49" in row
    assert "gpt-6-luna" in row
    assert "deprecated" in row
    # sorted by shutdown date: the Sonnet 4.5 shutdown on 2026-11-30 comes before gpt-4o
    first = next(i for i, line in enumerate(lines) if "claude-sonnet-4-5-20250929" in line)
    assert first < lines.index(row)
    assert "retired" not in out.split("\n", 1)[1]


def test_list_json_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "models",
        "list",
        "--provider",
        "anthropic",
        "--platform",
        "bedrock",
        "--status",
        "deprecated,retired",
        "--today",
        "2026-11-26",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["today"] == "2026-11-26"
    models = data["models"]
    assert models
    assert {m["platform"] for m in models} == {"bedrock"}
    assert {m["provider"] for m in models} == {"anthropic"}
    assert {m["status"] for m in models} <= {"deprecated", "retired"}
    dates = [m["shutdown_date"] for m in models if m["shutdown_date"]]
    assert dates == sorted(dates)


def test_list_on_another_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "models", "list", "--platform", "openai", "--today", "2027-02-01", "--json"
    )
    assert code == 0
    gpt4o = next(m for m in json.loads(out)["models"] if m["id"] == "gpt-4o-2024-08-06")
    assert gpt4o["status"] == "retired"
    assert gpt4o["days_left"] == -18


def test_show_gpt4o(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "show", "gpt-4o-2024-08-06", "--today", "2026-11-26")
    assert code == 0
    for needle in (
        "deprecation announced: 2026-10-14",
        "shutdown: 2027-01-14",
        "days left: 49",
        "replacement: gpt-6-luna",
        "aliases: gpt-4o",
        "input $2.50, cached input $1.25, output $10.00",
        "context window 128,000",
        "https://developers.openai.com/api/docs/deprecations",
        "previous plan: CONFLICT",
        "Parameter rules after migrating to openai:gpt-6-luna@openai",
        "openai-max-tokens-reasoning",
        "source: https://developers.openai.com/api/docs/guides/reasoning",
    ):
        assert needle in out, needle


def test_show_lists_the_models_own_rules_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "show", "gpt-5-2025-08-07", "--json")
    assert code == 0
    data = json.loads(out)
    ids = {r["id"] for r in data["rules"]}
    assert "openai-max-tokens-reasoning" in ids
    assert all(r["source_url"].startswith("https://") for r in data["rules"])
    code, out, _ = run(capsys, "models", "show", "claude-opus-4-7")
    assert code == 0
    assert "Parameter rules for claude-opus-4-7" in out
    assert "anthropic-sampling-removed" in out


def test_show_lists_the_bedrock_rule_only_for_bedrock_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def rule_ids(*argv: str) -> set[str]:
        code, out, _ = run(capsys, "models", "show", *argv, "--json")
        assert code == 0
        return {r["id"] for r in json.loads(out)["rules"]}

    for first_party in (["claude-sonnet-4-5"], ["claude-sonnet-4-5", "--platform", "vertex"]):
        ids = rule_ids(*first_party)
        assert "anthropic-max-tokens-required" in ids
        assert "bedrock-inference-profile" not in ids
    for bedrock in (
        ["anthropic.claude-sonnet-4-5-20250929-v1:0"],
        ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ):
        assert "bedrock-inference-profile" in rule_ids(*bedrock), bedrock


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "models", "show", "gpt-4o", "--platform", "azure", "--json", "--today", "2026-11-26"
    )
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "gpt-4o 2024-11-20"
    assert data["platform"] == "azure"
    assert data["status_on_day"] == "deprecated"
    assert data["days_left"] == 139
    assert "gpt-5.1" in data["replacement_chain"][0]
    assert isinstance(data["rules"], list)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["models", "list", "--within", "soon"], "is not a duration"),
        (["models", "list", "--status", "sunset"], "is not a status"),
        (["models", "list", "--today", "26/11/2026"], "is not a date"),
        (["models", "list", "--platform", "heroku"], "unknown platform"),
        (["models", "list", "--provider", "acme"], "no models from provider"),
        (["models", "show", "gpt-4o-2024-08-07"], "Did you mean: gpt-4o-2024-08-06"),
        (["models", "show", "claude-opus-4-6", "--platform", "vertex"], "is in the catalog on"),
    ],
)
def test_errors_exit_2_with_hint(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert needle in err.replace("\n", " ")
    assert "hint:" in err
    assert "Traceback" not in err


def test_within_units() -> None:
    assert [parse_within(x) for x in ("90d", "12w", "6m", "1y", "30")] == [90, 84, 180, 365, 30]


def test_project_file_is_read_from_cwd(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "switchover.toml").write_text(
        '[[catalog.models]]\nid = "gpt-4o-2024-08-06"\nshutdown_date = 2027-03-01\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "models", "show", "gpt-4o", "--json")
    assert code == 0
    assert json.loads(out)["shutdown_date"] == "2027-03-01"
    (tmp_path / "other.toml").write_text(
        '[[catalog.models]]\nid = "x"\nbogus = 1\n', encoding="utf-8"
    )
    code, _, err = run(capsys, "models", "list", "--project", "other.toml")
    assert code == 2
    assert "other.toml:3: catalog.models[0].bogus" in err


def test_console_script_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "switchover",
            "models",
            "list",
            "--status",
            "deprecated",
            "--within",
            "365d",
            "--today",
            "2026-11-26",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"SWITCHOVER_HOME": str(tmp_path), "COLUMNS": "200", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "gpt-6-luna" in proc.stdout
