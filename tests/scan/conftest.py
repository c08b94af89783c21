from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from switchover.catalog import Catalog, get_catalog
from switchover.scan.literals import ModelMatcher

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return get_catalog()


@pytest.fixture(scope="session")
def matcher(catalog: Catalog) -> ModelMatcher:
    return ModelMatcher(catalog.known_ids())


def copy_repo(name: str, dest: Path) -> Path:
    """A copy of a corpus repository plus the files git must not hold (ignored, vendored)."""
    root = dest / name
    shutil.copytree(CORPUS / name, root, symlinks=True)
    if name == "py-service":
        (root / "generated_clients").mkdir()
        (root / "generated_clients" / "client.py").write_text('MODEL = "gpt-4o"\n')
        (root / "debug.log").write_text("model=gpt-4o\n")
        (root / "keep.log").write_text("model=gpt-4o\n")
    return root
