"""Catalog parameter rules enforced with the provider's own 400 (engine level)."""

from __future__ import annotations

from typing import Any

import pytest

from switchover.catalog.rules import check_request
from switchover.chat import ChatRequest, Message
from switchover.errors import ProviderBadRequestError
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine

LUNA_MSG = (
    "Unsupported parameter: 'max_tokens' is not supported with this model. "
    "Use 'max_completion_tokens' instead."
)


def _req(model: str) -> ChatRequest:
    return ChatRequest(model=model, messages=[Message.user("Where is my parcel?")])


def _engine() -> SimEngine:
    return SimEngine({"*": BUILTIN_PROFILES["baseline"]})


def test_max_tokens_on_gpt_6_luna_is_rejected_with_the_exact_message() -> None:
    body: dict[str, Any] = {
        "model": "gpt-6-luna",
        "messages": [{"role": "user", "content": "Where is my parcel?"}],
        "max_tokens": 500,
    }
    with pytest.raises(ProviderBadRequestError) as exc:
        _engine().respond(_req("gpt-6-luna"), api="openai.chat", wire_body=body)
    err = exc.value
    assert err.message == LUNA_MSG
    assert err.provider_message == LUNA_MSG
    assert err.status == 400
    assert err.param == "max_tokens"
    assert err.code == "unsupported_parameter"
    assert err.body == {
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
    adapted = {k: v for k, v in body.items() if k != "max_tokens"} | {"max_completion_tokens": 500}
    ok = _engine().respond(_req("gpt-6-luna"), api="openai.chat", wire_body=adapted)
    assert ok.usage.output_tokens > 0


def test_anthropic_rules_on_the_messages_wire_body() -> None:
    body: dict[str, Any] = {
        "model": "claude-opus-4-7",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.2,
    }
    expected = check_request("claude-opus-4-7", body, "anthropic.messages")[0].message
    with pytest.raises(ProviderBadRequestError) as exc:
        _engine().respond(_req("claude-opus-4-7"), api="anthropic.messages", wire_body=body)
    assert exc.value.message == expected
    assert exc.value.param == "temperature"
    del body["temperature"]
    assert _engine().respond(_req("claude-opus-4-7"), api="anthropic.messages", wire_body=body).text


def test_rules_can_be_disabled_or_replaced() -> None:
    body = {"model": "gpt-6-luna", "messages": [], "max_tokens": 5}
    free = SimEngine({"*": BUILTIN_PROFILES["baseline"]}, rules=None)
    assert free.respond(_req("gpt-6-luna"), api="openai.chat", wire_body=body).text
    seen: list[tuple[str, str]] = []

    def no_rules(model: str, wire: dict[str, Any], api: str) -> list[Any]:
        seen.append((model, api))
        return []

    custom = SimEngine({"*": BUILTIN_PROFILES["baseline"]}, rules=no_rules)
    custom.respond(_req("m"), api="openai.responses", wire_body=body)
    assert seen == [("m", "openai.responses")]


def test_default_engine_serves_catalog_models_only() -> None:
    eng = SimEngine(rules=None)
    assert eng.profile_for("gpt-4o").name == "baseline"
    assert eng.profile_for("claude-sonnet-4-5").name == "baseline"
    with pytest.raises(Exception, match="does not exist"):
        eng.profile_for("no-such-model-xyz")
    ids = eng.model_ids()
    assert "gpt-4o-2024-08-06" in ids
    assert len(ids) > 100


def test_cost_uses_catalog_prices_or_price_as() -> None:
    from switchover.catalog import get_catalog
    from switchover.chat import Usage
    from switchover.providers.sim import SimProfile

    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    eng = SimEngine(
        {
            "sim-old": SimProfile(name="old", price_as="gpt-4o-2024-08-06"),
            "gpt-4o*": BUILTIN_PROFILES["baseline"],
        },
        rules=None,
    )
    expected = get_catalog().cost("gpt-4o-2024-08-06", usage)
    assert expected is not None
    assert eng.cost("sim-old", usage) == expected
    assert eng.cost("gpt-4o-2024-08-06", usage) == expected
    assert eng.cost("not-served", usage) is None
