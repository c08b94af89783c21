from __future__ import annotations

from pathlib import Path

from switchover.cli.docgen import render_cli_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date() -> None:
    """docs/cli.md is generated from the CLI; run `make docs` after changing a command."""
    assert DOC.read_text(encoding="utf-8") == render_cli_reference(), "run `make docs`"
