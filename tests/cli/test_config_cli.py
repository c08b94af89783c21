from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.cli.app import app, main

runner = CliRunner()

PLAN = """\
[[migrations]]
name = "bot"
from = "openai:gpt-4o-2024-08-06"
to = "openai:gpt-6-luna"
"""


def test_schema_to_stdout_and_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "schema"])
    assert result.exit_code == 0
    assert "migrations" in json.loads(result.stdout)["properties"]
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["config", "schema", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["title"] == "Config"


def test_check_ok_and_json(tmp_path: Path) -> None:
    plan = tmp_path / "switchover.toml"
    plan.write_text(PLAN)
    result = runner.invoke(app, ["config", "check", "-c", str(plan)])
    assert result.exit_code == 0
    assert "bot: openai:gpt-4o-2024-08-06 -> openai:gpt-6-luna" in result.stdout
    result = runner.invoke(app, ["config", "check", "-c", str(plan), "--json"])
    assert json.loads(result.stdout)["migrations"][0]["from"] == "openai:gpt-4o-2024-08-06"


def test_check_error_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "switchover.toml"
    plan.write_text(PLAN + "colour = 1\n")
    with pytest.raises(SystemExit) as info:
        main(["config", "check", "-c", str(plan)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "switchover.toml:5" in err
    assert "colour" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["config", "check", "-c", "{dir}"], "cannot read the file"),
        (["config", "schema", "-o", "{dir}/no/such/dir/s.json"], "cannot write the schema"),
    ],
)
def test_unusable_paths_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main([arg.format(dir=tmp_path) for arg in argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert str(tmp_path) in err
