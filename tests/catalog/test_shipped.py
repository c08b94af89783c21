"""The shipped data: invariants, and that scripts/build_catalog.py reproduces it exactly."""

from __future__ import annotations

import csv
import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from switchover.catalog import get_catalog
from switchover.catalog.loader import shipped_path

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT.parent / "shared" / "catalog-facts"
TODAY = date(2026, 11, 26)


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_catalog", ROOT / "scripts" / "build_catalog.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_catalog"] = module
    spec.loader.exec_module(module)
    return module


build = _build_module()
needs_facts = pytest.mark.skipif(not FACTS.is_dir(), reason="catalog facts not checked out")


def test_status_derivation_matches_every_source_label() -> None:
    cat = get_catalog()
    mismatched = [e.ref for e in cat.entries if e.status_on(TODAY) != e.status]
    assert mismatched == []


def test_shipped_data_covers_the_platforms() -> None:
    platforms = {e.platform for e in get_catalog().entries}
    assert platforms == {
        "openai",
        "anthropic",
        "gemini-api",
        "vertex",
        "azure",
        "bedrock",
        "mistral",
        "cohere",
    }


def test_known_rows() -> None:
    cat = get_catalog()
    gpt4o = cat.require("gpt-4o-2024-08-06")
    assert gpt4o.aliases == ["gpt-4o"]
    assert gpt4o.shutdown_date == date(2027, 1, 14)
    assert gpt4o.replacement == "gpt-6-luna"
    assert gpt4o.previous_plan
    assert "gpt-6.1-sol" in gpt4o.previous_plan
    assert gpt4o.input_per_mtok == 2.5
    assert {"chat", "tools", "vision"} <= gpt4o.capabilities
    azure = cat.require("gpt-4o 2024-08-06")
    assert azure.retrieved == date(2026, 9, 2)  # "crawl ms.date 2026-09-02" in the note
    assert azure.input_per_mtok is None  # prices join onto the provider's own platform only
    assert azure.previous_plan == "earlier crawls: 2027-10-01 (Apr), 2026-10-01 (Jul)"
    sonnet = cat.require("claude-sonnet-4-5")
    assert (sonnet.cached_input_per_mtok, sonnet.context_window) == (0.3, 200000)
    embed = cat.require("text-embedding-3-large")
    assert embed.capabilities == frozenset({"embeddings"})
    assert cat.require("o3-mini-2025-01-31").capabilities == frozenset(
        {"chat", "tools", "json", "reasoning"}
    )


def test_data_file_is_sorted_and_canonical() -> None:
    with open(shipped_path(), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = [(build.PLATFORMS.index(r["platform"]), r["provider"], r["id"].lower()) for r in rows]
    assert keys == sorted(keys)


@needs_facts
def test_build_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "models.csv"
    assert build.main(["--facts", str(FACTS), "--output", str(out)]) == 0
    first = out.read_bytes()
    assert build.main(["--facts", str(FACTS), "--output", str(out)]) == 0
    assert out.read_bytes() == first  # deterministic
    assert first == Path(shipped_path()).read_bytes()  # committed output is current
    assert build.main(["--facts", str(FACTS), "--check"]) == 0


@needs_facts
def test_check_mode_detects_stale_output(tmp_path: Path) -> None:
    stale = tmp_path / "models.csv"
    stale.write_text("provider\n", encoding="utf-8")
    assert build.main(["--facts", str(FACTS), "--output", str(stale), "--check"]) == 1


@needs_facts
def test_every_price_row_lands_on_a_model() -> None:
    entries, warnings = build.build(FACTS)
    assert warnings == []
    priced = {e.id for e in entries if e.price_source_url}
    with open(FACTS / "pricing.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["model_id"]
            assert any(name == e.id or name in e.aliases for e in entries if e.id in priced), name


def test_previous_plan_parsing() -> None:
    note = (
        "official deprecations.md copy (latest entry 2026-09-11); substitute per Sept page "
        "(April page: gpt-4.1-mini/gpt-5.4 family; June page: gpt-5.5/gpt-5.4-mini)"
    )
    assert build.previous_plan(note) == (
        "substitute per Sept page (April page: gpt-4.1-mini/gpt-5.4 family; "
        "June page: gpt-5.5/gpt-5.4-mini)"
    )
    assert build.previous_plan("official page; alias per older models-overview tables") is None
    assert (
        build.previous_plan("Microsoft Learn (crawl ms.date 2026-09-02): GA, scheduled retirement")
        is None
    )
    assert build.previous_plan("x; May page said gpt-5.5") == "May page said gpt-5.5"


def test_retrieved_parsing() -> None:
    assert build.retrieved("mirror dated 2026-08-22; x") == date(2026, 8, 22)
    assert build.retrieved("checked 2026-10-16 and observed 2026-10-02") == date(2026, 10, 16)
    assert build.retrieved("no date here") == TODAY
    assert build.retrieved("checked 2027-01-01") == TODAY  # never after the facts' date


def test_capability_rules() -> None:
    assert build.capabilities("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock")[0] >= {
        "reasoning",
        "vision",
    }
    assert build.capabilities("gpt-4o-mini-tts 2025-12-15", "azure")[0] == {"audio"}
    assert build.capabilities("textembedding-gecko@003", "vertex")[0] == {"embeddings"}
    assert build.capabilities("grok-4-fast-non-reasoning", "azure")[0] == {"chat", "tools", "json"}
    caps, matched = build.capabilities("totally-new-thing", "openai")
    assert (caps, matched) == (frozenset({"chat"}), False)
