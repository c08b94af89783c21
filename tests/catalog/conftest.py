"""Catalog tests never see the developer's installed catalog update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from switchover.catalog import clear_cache


@pytest.fixture(autouse=True)
def catalog_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "switchover-home"
    monkeypatch.setenv("SWITCHOVER_HOME", str(home))
    clear_cache()
    yield home
    clear_cache()
