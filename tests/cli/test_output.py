from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from rich.markup import RE_TAGS
from typer._click.core import Command
from typer.core import TyperGroup

from switchover.cli._output import print_error
from switchover.cli.app import app
from switchover.errors import InputError, UnknownModelError


def test_print_error_keeps_brackets_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(UnknownModelError("nonsense-xyz"))
    err = capsys.readouterr().err
    assert "add the model under [catalog] in switchover.toml" in err
    print_error(InputError("bad '[bold]x'", hint="See [[catalog.models]] or [project]."))
    err = capsys.readouterr().err
    assert "bad '[bold]x'" in err
    assert "See [[catalog.models]] or [project]." in err


_MINE = ("adapt", "catalog", "config", "models", "rollout", "sim")


def _params(command: Command) -> Iterator[tuple[str, str]]:
    for param in command.params:
        yield command.name or "", getattr(param, "help", None) or ""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            yield from _params(sub)


def test_help_texts_have_no_text_rich_would_take_for_markup() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for name in _MINE:
        for command, text in _params(root.commands[name]):
            tags = RE_TAGS.findall(text)
            assert not tags, f"{name} {command}: {text!r} loses {tags} in --help"
