from __future__ import annotations

import pytest

from switchover.cli._output import print_error
from switchover.errors import InputError, UnknownModelError


def test_print_error_keeps_brackets_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(UnknownModelError("nonsense-xyz"))
    err = capsys.readouterr().err
    assert "add the model under [catalog] in switchover.toml" in err
    print_error(InputError("bad '[bold]x'", hint="See [[catalog.models]] or [project]."))
    err = capsys.readouterr().err
    assert "bad '[bold]x'" in err
    assert "See [[catalog.models]] or [project]." in err
