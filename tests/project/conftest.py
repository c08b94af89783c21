"""A fresh copy of the example application for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
_SKIP = shutil.ignore_patterns(
    ".switchover", "switchover-reports", "__pycache__", ".pytest_cache", "switchover.toml", ".env"
)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """examples/support-assistant copied without its switchover.toml or any state."""
    dest = tmp_path / "support-assistant"
    shutil.copytree(EXAMPLE, dest, ignore=_SKIP)
    return dest


@pytest.fixture
def example_with_plan(tmp_path: Path) -> Path:
    """The example with its own switchover.toml (simulator upstreams)."""
    dest = tmp_path / "support-assistant"
    shutil.copytree(
        EXAMPLE,
        dest,
        ignore=shutil.ignore_patterns(".switchover", "switchover-reports", "__pycache__"),
    )
    return dest
