"""``adapt(..., platform=)`` for a target named without a platform: on Bedrock / Vertex the
model is called by that platform's id (through the catalog), so the platform's rules apply to
the id actually sent (rule 22: the global inference profile); elsewhere the id is kept."""

from __future__ import annotations

from switchover.adapt import adapt
from switchover.adapt.context import model_id_for
from switchover.catalog import get_catalog
from switchover.chat import ChatRequest, Message

BEDROCK_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def _req() -> ChatRequest:
    return ChatRequest(model="gpt-4o", messages=[Message.user("Hello")], max_output_tokens=10)


def test_platform_resolves_the_id_sent_and_applies_its_rules() -> None:
    on_bedrock = adapt(_req(), "claude-sonnet-4-5", platform="bedrock")
    assert on_bedrock.request.model == "global." + BEDROCK_ID
    assert "bedrock-inference-profile" in {c.rule_id for c in on_bedrock.changes}
    # the same as naming the platform in the ref
    by_ref = adapt(_req(), "anthropic:claude-sonnet-4-5@bedrock")
    assert by_ref.request == on_bedrock.request
    for platform in (None, "anthropic", "azure"):
        kept = adapt(_req(), "claude-sonnet-4-5", platform=platform)
        assert kept.request.model == "claude-sonnet-4-5"
        assert not any(c.rule_id == "bedrock-inference-profile" for c in kept.changes)


def test_model_id_for_a_platform() -> None:
    catalog = get_catalog()
    assert model_id_for("claude-sonnet-4-5", catalog, "bedrock") == BEDROCK_ID
    assert model_id_for("anthropic:claude-sonnet-4-5", catalog, "vertex").startswith(
        "claude-sonnet-4-5@"
    )
    assert model_id_for("gpt-5-mini", catalog, "azure") == "gpt-5-mini"
    # a ref or id that names its own platform keeps it
    assert model_id_for("claude-sonnet-4-5@vertex", catalog, "bedrock").startswith(
        "claude-sonnet-4-5@"
    )
    assert model_id_for(BEDROCK_ID, catalog, "bedrock") == BEDROCK_ID
    # not in the catalog on that platform: the id as given
    assert model_id_for("claude-unknown-9", catalog, "bedrock") == "claude-unknown-9"
