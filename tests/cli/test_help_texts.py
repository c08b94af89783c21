"""--help of scan/eval/tune/init/ui/status/rewrite keeps bracketed words and short summaries."""

from __future__ import annotations

from typing import Any

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


def _all_commands() -> list[tuple[str, Any]]:
    """Every command and group under the root, with its full name (``rollout promote``)."""
    out: list[tuple[str, Any]] = []
    todo: list[tuple[str, Any]] = [("", typer.main.get_command(app))]
    while todo:
        prefix, group = todo.pop()
        for name, cmd in group.commands.items():
            full = f"{prefix} {name}".strip()
            out.append((full, cmd))
            if isinstance(cmd, TyperGroup):
                todo.append((full, cmd))
    return sorted(out, key=lambda nc: nc[0])


_COMMANDS = _all_commands()


@pytest.mark.parametrize(("name", "cmd"), _COMMANDS, ids=[n for n, _ in _COMMANDS])
def test_every_summary_is_one_short_sentence(name: str, cmd: Any) -> None:
    """The first paragraph of each command's help is what `--help` of its group lists: one
    line, a full sentence ending with a period, at most 80 characters."""
    first = (cmd.short_help or cmd.help or "").strip().split("\n\n")[0]
    assert first, f"{name}: no help"
    assert "\n" not in first, f"{name}: the summary spans lines: {first!r}"
    assert first.endswith("."), f"{name}: not a full sentence: {first!r}"
    assert len(first) <= 80, f"{name}: {len(first)} characters: {first!r}"


def test_root_help_lists_the_gateway_summary_whole() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}, terminal_width=200)
    gateway = next(line for line in res.output.splitlines() if " gateway " in line)
    summary = gateway.replace("│", " ").split("gateway", 1)[1].strip()
    assert summary.endswith("."), summary
