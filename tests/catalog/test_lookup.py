from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from switchover.catalog import Catalog, ModelEntry, get_catalog
from switchover.catalog.core import replacement_candidates
from switchover.chat import Usage
from switchover.config import Migration
from switchover.errors import UnknownModelError
from switchover.project.status import old_model_ids

TODAY = date(2026, 11, 26)


def entry(mid: str, **kw: Any) -> ModelEntry:
    data: dict[str, Any] = {
        "provider": "openai",
        "platform": "openai",
        "id": mid,
        "status": "active",
        "source_url": "https://example.test",
        "source_kind": "official",
        "retrieved": "2026-11-26",
    }
    data.update(kw)
    return ModelEntry.model_validate(data)


@pytest.mark.parametrize(
    ("query", "platform", "ref"),
    [
        ("gpt-4o-2024-08-06", None, "openai:gpt-4o-2024-08-06@openai"),
        ("gpt-4o", None, "openai:gpt-4o-2024-08-06@openai"),  # alias -> dated snapshot
        ("GPT-4o", None, "openai:gpt-4o-2024-08-06@openai"),
        ("openai:gpt-4o", None, "openai:gpt-4o-2024-08-06@openai"),
        ("gpt-4o", "azure", "openai:gpt-4o 2024-11-20@azure"),  # newest Azure version
        ("openai:gpt-4o@azure", None, "openai:gpt-4o 2024-11-20@azure"),
        ("azure:gpt-4o", None, "openai:gpt-4o 2024-11-20@azure"),
        ("gpt-4o 2024-08-06", None, "openai:gpt-4o 2024-08-06@azure"),
        ("gpt-4o-2024-08-06", "azure", "openai:gpt-4o 2024-08-06@azure"),
        ("gpt-4o-2024-05-13@azure", None, "openai:gpt-4o 2024-05-13@azure"),
        ("claude-opus-4-6", None, "anthropic:claude-opus-4-6@anthropic"),  # native first
        ("claude-opus-4-6", "azure", "anthropic:claude-opus-4-6@azure"),
        ("claude-sonnet-4-5", None, "anthropic:claude-sonnet-4-5-20250929@anthropic"),
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            None,
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            None,
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        ("anthropic.claude-opus-4-6-v1:0", None, "anthropic:anthropic.claude-opus-4-6-v1@bedrock"),
        (
            "eu.anthropic.claude-sonnet-4-6-v1:0",
            None,
            "anthropic:anthropic.claude-sonnet-4-6@bedrock",
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0",
            None,
            "meta:meta.llama3-70b-instruct-v1:0@bedrock",
        ),
        (
            "claude-sonnet-4-5-20250929",
            "bedrock",
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        ("claude-sonnet-4-5@20250929", None, "anthropic:claude-sonnet-4-5@20250929@vertex"),
        ("anthropic:claude-sonnet-4-5@vertex", None, "anthropic:claude-sonnet-4-5@20250929@vertex"),
        ("gemini-2.5-pro", None, "google:gemini-2.5-pro@gemini-api"),
        ("gemini-2.5-pro", "vertex", "google:gemini-2.5-pro@vertex"),
        ("gemini:gemini-2.5-pro", None, "google:gemini-2.5-pro@gemini-api"),
        ("Meta-Llama-3.1-405B-Instruct", None, "meta:Meta-Llama-3.1-405B-Instruct@azure"),
        ("mistral-medium-latest", None, "mistral:mistral-medium-3-5@mistral"),
    ],
)
def test_lookup(query: str, platform: str | None, ref: str) -> None:
    found = get_catalog().lookup(query, platform)
    assert found is not None
    assert found.ref == ref


def test_lookup_misses() -> None:
    cat = get_catalog()
    assert cat.lookup("gpt-4o", "bedrock") is None
    assert cat.lookup("no-such-model") is None
    assert cat.lookup("anthropic:gpt-4o") is not None  # provider only narrows when it can


def test_require_suggests_close_ids() -> None:
    with pytest.raises(UnknownModelError) as info:
        get_catalog().require("gpt-4o-2024-08-07")
    assert "gpt-4o-2024-08-06" in info.value.suggestions
    assert info.value.exit_code == 2
    assert "Did you mean" in (info.value.hint or "")


def test_require_names_other_platforms() -> None:
    with pytest.raises(UnknownModelError) as info:
        get_catalog().require("claude-opus-4-6", "vertex")
    assert "anthropic" in (info.value.hint or "")
    assert "azure" in (info.value.hint or "")


def test_known_ids_has_ids_and_aliases() -> None:
    ids = get_catalog().known_ids()
    assert {"gpt-4o", "gpt-4o-2024-08-06", "gpt-4o 2024-11-20", "claude-sonnet-4-0"} <= ids
    assert len(get_catalog()) == 494


def test_replacement_chain_follows_until_active() -> None:
    chain = get_catalog().replacement_chain("gpt-3.5-turbo-0613", today=TODAY)
    assert [e.id for e in chain] == ["gpt-3.5-turbo-0613", "gpt-3.5-turbo-0125", "gpt-5.6-terra"]
    assert chain[-1].status_on(TODAY) == "active"
    # an active model is its own chain
    assert [e.id for e in get_catalog().replacement_chain("gpt-6-luna", today=TODAY)] == [
        "gpt-6-luna"
    ]


def test_replacement_chain_is_cycle_safe_and_stops_at_unknown() -> None:
    cat = Catalog(
        [
            entry("a", status="retired", replacement="b"),
            entry("b", status="retired", replacement="c or a"),
            entry("c", status="deprecated", replacement="a"),
            entry("d", status="retired", replacement="(none - gone)"),
            entry("e", status="retired", replacement="Mystery Model"),
        ]
    )
    assert [e.id for e in cat.replacement_chain("a", today=TODAY)] == ["a", "b", "c"]
    assert [e.id for e in cat.replacement_chain("d", today=TODAY)] == ["d"]
    assert [e.id for e in cat.replacement_chain("e", today=TODAY)] == ["e"]
    with pytest.raises(UnknownModelError):
        cat.replacement_chain("zzz")


def test_replacement_candidates() -> None:
    assert replacement_candidates("gpt-5 or gpt-4.1") == ["gpt-5", "gpt-4.1"]
    assert replacement_candidates("gpt-5.6-sol (reasoning.mode: pro)") == ["gpt-5.6-sol"]
    assert replacement_candidates("Gemini 3.5 Flash") == ["Gemini 3.5 Flash", "gemini-3.5-flash"]
    assert replacement_candidates("a, b or c") == ["a", "b", "c"]
    assert replacement_candidates("(none - Videos API also shut down)") == []
    assert replacement_candidates("gpt-35-turbo (0125) / gpt-4o-mini") == [
        "gpt-35-turbo",
        "gpt-4o-mini",
    ]


def test_cost_uses_cached_price_for_cached_tokens() -> None:
    cat = Catalog(
        [
            entry("p", input_per_mtok=2.5, cached_input_per_mtok=1.25, output_per_mtok=10),
            entry("q", input_per_mtok=3, output_per_mtok=15),
            entry("r", input_per_mtok=1.25),
        ]
    )
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=400_000, output_tokens=200_000)
    # 600k fresh * 2.5 + 400k cached * 1.25 + 200k * 10 (per million)
    assert cat.cost("p", usage) == pytest.approx(1.5 + 0.5 + 2.0)
    # no cached price: cached tokens at the input price
    assert cat.cost("q", usage) == pytest.approx(3.0 + 3.0)
    # cached tokens never exceed input tokens
    odd = Usage(input_tokens=10, cached_input_tokens=50, output_tokens=0)
    assert cat.cost("p", odd) == pytest.approx(10 * 1.25 / 1e6)
    # a needed price is missing -> None; not needed -> fine
    assert cat.cost("r", Usage(input_tokens=100, output_tokens=1)) is None
    assert cat.cost("r", Usage(input_tokens=1_000_000)) == pytest.approx(1.25)
    assert cat.cost("unknown", usage) is None
    assert cat.cost(cat.require("p"), Usage()) == 0.0


def test_cost_on_shipped_prices() -> None:
    usage = Usage(input_tokens=2_000, cached_input_tokens=1_000, output_tokens=500)
    cost = get_catalog().cost("gpt-4o", usage)
    assert cost == pytest.approx((1000 * 2.5 + 1000 * 1.25 + 500 * 10) / 1e6)


@pytest.mark.parametrize(
    ("query", "platform", "ref"),
    [
        # The family ID (an alias on the provider's platform) with another platform: that
        # model's row on the platform, the row "models show" lists under "also on".
        (
            "anthropic:claude-sonnet-4-5@bedrock",
            None,
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        (
            "claude-sonnet-4-5",
            "bedrock",
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        (
            "bedrock:claude-sonnet-4-5",
            None,
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        (
            "CLAUDE-SONNET-4-5@bedrock",
            None,
            "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock",
        ),
        # the dated first-party ID on a platform that spells it without the date
        ("claude-sonnet-4-5-20250929@azure", None, "anthropic:claude-sonnet-4-5@azure"),
        # names that were already spelled the platform's way keep their row
        ("claude-sonnet-4-5@vertex", None, "anthropic:claude-sonnet-4-5@20250929@vertex"),
        ("openai:gpt-4o@azure", None, "openai:gpt-4o 2024-11-20@azure"),
    ],
)
def test_lookup_on_another_platform_goes_through_the_first_party_row(
    query: str, platform: str | None, ref: str
) -> None:
    cat = get_catalog()
    found = cat.lookup(query, platform)
    assert found is not None
    assert found.ref == ref
    assert cat.require(query, platform) is found


def test_the_platform_row_is_the_one_also_on_lists() -> None:
    cat = get_catalog()
    home = cat.require("claude-sonnet-4-5")
    also = {e.platform: e for e in cat.also_on(home)}
    assert set(also) == {"azure", "bedrock", "vertex"}
    for platform, row in also.items():
        assert cat.lookup(f"anthropic:claude-sonnet-4-5@{platform}") is row
        assert cat.lookup("claude-sonnet-4-5-20250929", platform) is row


def test_lookup_on_another_platform_uses_aliases_and_ids() -> None:
    cat = Catalog(
        [
            entry("fam-2026-01-01", aliases=["fam"], input_per_mtok=1.0),
            entry("vendor.fam-2026-01-01-v1:0", platform="bedrock"),
            entry("fam", platform="azure", input_per_mtok=3.0),
            entry("other", platform="bedrock"),
        ]
    )
    assert cat.require("fam@bedrock").id == "vendor.fam-2026-01-01-v1:0"
    assert cat.require("openai:fam", "bedrock").id == "vendor.fam-2026-01-01-v1:0"
    assert cat.require("fam-2026-01-01@azure").id == "fam"
    assert [e.ref for e in cat.also_on(cat.require("fam"))] == [
        "openai:vendor.fam-2026-01-01-v1:0@bedrock",
        "openai:fam@azure",
    ]
    # every caller that resolves through the catalog sees the platform's row
    usage = Usage(input_tokens=1_000_000)
    assert cat.cost("fam-2026-01-01@azure", usage) == pytest.approx(3.0)
    assert cat.cost("fam", usage) == pytest.approx(1.0)
    assert cat.lookup("fam@vertex") is None
    assert cat.lookup("nothing@bedrock") is None


def test_lookup_on_another_platform_feeds_lifecycle_and_chains() -> None:
    cat = get_catalog()
    chain = cat.replacement_chain("anthropic:claude-sonnet-4-5@bedrock", today=TODAY)
    assert chain[0].ref == "anthropic:anthropic.claude-sonnet-4-5-20250929-v1:0@bedrock"
    assert chain[0].shutdown_date == date(2027, 4, 8)  # Bedrock's date, not Anthropic's
    # a migration's `from` in switchover.toml resolves the same way (status, scan matching)
    mig = Migration.model_validate(
        {"name": "m", "from": "anthropic:claude-sonnet-4-5@bedrock", "to": "claude-sonnet-5-5"}
    )
    assert "anthropic.claude-sonnet-4-5-20250929-v1:0" in old_model_ids(mig, cat)


@pytest.mark.parametrize(
    ("query", "platform", "message", "on"),
    [
        ("gpt-4o@bedrock", None, "gpt-4o is not offered on bedrock", "azure, openai"),
        (
            "anthropic:claude-sonnet-4-5@gemini-api",
            None,
            "anthropic:claude-sonnet-4-5 is not offered on gemini-api",
            "anthropic, azure, bedrock, vertex",
        ),
        (
            "claude-opus-4-6",
            "vertex",
            "claude-opus-4-6 is not offered on vertex",
            "anthropic, azure, bedrock",
        ),
    ],
)
def test_require_says_a_known_model_is_not_on_the_platform(
    query: str, platform: str | None, message: str, on: str
) -> None:
    with pytest.raises(UnknownModelError) as info:
        get_catalog().require(query, platform)
    assert str(info.value).startswith(message)
    assert "unknown model" not in str(info.value)
    assert f"in the catalog on: {on}." in (info.value.hint or "")
    assert info.value.exit_code == 2
