from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from switchover.catalog import get_catalog, load_catalog
from switchover.errors import CatalogError

TOML = """\
[project]
name = "demo"

[[catalog.models]]
id = "gpt-4o-2024-08-06"
shutdown_date = 2027-02-01
replacement = "gpt-6-sol"

[[catalog.models]]
provider = "openai"
platform = "openai-compatible"
id = "llama-3.3-70b-vllm"
status = "active"
input_per_mtok = 0.2
output_per_mtok = 0.6
capabilities = ["chat", "tools"]
"""


def test_project_file_overrides_and_adds(tmp_path: Path) -> None:
    project = tmp_path / "switchover.toml"
    project.write_text(TOML, encoding="utf-8")
    cat = load_catalog(project_file=project, today=date(2026, 11, 26))
    changed = cat.require("gpt-4o")
    assert changed.shutdown_date == date(2027, 2, 1)
    assert changed.replacement == "gpt-6-sol"
    assert changed.aliases == ["gpt-4o"]  # fields not given are kept
    added = cat.require("llama-3.3-70b-vllm")
    assert added.platform == "openai-compatible"
    assert added.source_kind == "user"
    assert added.source_url == str(project)
    assert added.retrieved == date(2026, 11, 26)
    assert len(cat) == len(get_catalog()) + 1
    assert [s.kind for s in cat.sources] == ["shipped", "project"]
    # the cached default catalog is untouched
    assert get_catalog().require("gpt-4o").shutdown_date == date(2027, 1, 14)


def test_overrides_argument_and_defaults() -> None:
    cat = load_catalog(
        overrides=[
            {"id": "claude-haiku-5-5", "output_per_mtok": 0.6},
            {"id": "sim-x", "status": "active"},
        ]
    )
    assert cat.require("claude-haiku-5-5").output_per_mtok == 0.6
    sim = cat.require("sim-x")
    assert (sim.provider, sim.platform) == ("sim", "sim")  # guessed from the id's shape
    assert load_catalog() is get_catalog()


def _error(tmp_path: Path, text: str) -> CatalogError:
    project = tmp_path / "switchover.toml"
    project.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(project_file=project)
    return info.value


def test_bad_value_names_file_line_and_key(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        '[[catalog.models]]\nid = "a-model"\nstatus = "active"\nprovider = "openai"\n\n'
        '[[catalog.models]]\nid = "gpt-4o"\nplatform = "openai"\n'
        'shutdown_date = "next year"\n',
    )
    assert err.field == "catalog.models[1].shutdown_date"
    assert err.line == 9
    assert err.path is not None
    assert err.path.endswith("switchover.toml")
    assert "next year" in str(err)


def test_unknown_key_and_missing_fields(tmp_path: Path) -> None:
    err = _error(tmp_path, '[[catalog.models]]\nid = "x-1"\n\ncolour = "red"\n')
    assert (err.field, err.line) == ("catalog.models[0].colour", 4)
    err = _error(tmp_path, '[[catalog.models]]\nstatus = "active"\n')
    assert err.field == "catalog.models[0].id"
    err = _error(tmp_path, '[[catalog.models]]\nid = "mystery-1"\nstatus = "active"\n')
    assert err.field == "catalog.models[0].provider"  # could not be guessed
    assert (err.line, "cannot be guessed from 'mystery-1'" in err.message) == (1, True)
    err = _error(tmp_path, '[[catalog.models]]\nid = "gpt-new"\nstatus = "bogus"\n')
    assert (err.field, err.line) == ("catalog.models[0].status", 3)


def test_file_level_errors(tmp_path: Path) -> None:
    assert "invalid TOML" in str(_error(tmp_path, "[[catalog.models]\n"))
    assert _error(tmp_path, "catalog = 3\n").field == "catalog"
    assert _error(tmp_path, "[catalog]\nmodels = 3\n").field == "catalog.models"
    with pytest.raises(CatalogError, match="project file not found"):
        load_catalog(project_file=tmp_path / "missing.toml")
    with pytest.raises(CatalogError, match="cannot read the project file: Is a directory"):
        load_catalog(project_file=tmp_path)
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CatalogError, match="not UTF-8"):
        load_catalog(project_file=tmp_path / "binary.toml")


def test_override_by_alias_keeps_the_snapshot_id() -> None:
    cat = load_catalog(overrides=[{"id": "gpt-4o", "replacement": "gpt-6-sol"}])
    entry = cat.require("gpt-4o")
    assert entry.id == "gpt-4o-2024-08-06"
    assert entry.replacement == "gpt-6-sol"
    assert len(cat) == len(get_catalog())
