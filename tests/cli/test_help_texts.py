"""--help of scan/eval/tune/init/ui/status/rewrite keeps bracketed words and short summaries."""

from __future__ import annotations

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from switchover.cli.app import app

runner = CliRunner()

_BRACKETED = {
    "eval": ["reports_dir in [project]"],
    "tune": ["TOML file of [[variants]] tables"],
    "status": ["store in [project] of switchover.toml"],
    "ui": ["store in [project]"],
}
_MINE = ("scan", "eval", "tune", "init", "ui", "status", "rewrite")


@pytest.mark.parametrize(("command", "words"), sorted(_BRACKETED.items()))
def test_bracketed_words_survive_rich_markup(command: str, words: list[str]) -> None:
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "300"}, terminal_width=300)
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.replace("│", " ").split())
    for text in words:
        assert text in flat, f"{command} --help lost {text!r}"


@pytest.mark.parametrize("command", _MINE)
def test_root_help_summary_is_one_complete_sentence(command: str) -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    help_text = root.commands[command].help or ""
    first = help_text.strip().split("\n\n")[0]
    assert "\n" not in first, f"{command}: summary spans lines: {first!r}"
    assert first.endswith("."), first
    assert len(first) <= 90, first
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}, terminal_width=200)
    assert first in " ".join(res.output.replace("│", " ").split())
