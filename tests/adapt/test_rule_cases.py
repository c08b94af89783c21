"""For every request-error rule: the request as written, sent to the new model unchanged,
is rejected (by the rules and by the simulator, with the provider's error), and the adapted
request is accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from switchover.adapt import adapt, probe_body
from switchover.adapt.wire import encode_wire, has_codec
from switchover.catalog.rules import check_request, get_rules
from switchover.chat import ChatRequest, Message, Thinking, Tool, ToolChoice
from switchover.errors import InputError, ProviderBadRequestError
from switchover.providers.anthropic import decode_request as anthropic_decode
from switchover.providers.sim import SimEngine

TOOL = Tool(name="lookup", parameters={"type": "object", "properties": {"q": {"type": "string"}}})


def _req(model: str, **kw: Any) -> ChatRequest:
    messages = kw.pop("messages", [Message.system("Be terse."), Message.user("Hello")])
    return ChatRequest(model=model, messages=messages, **kw)


@dataclass
class Case:
    number: int
    source: str
    target: str
    api: str
    request: ChatRequest
    rule_fix: bool = True  # the change list names the rule (False: met by a translation)


_THINK = Thinking(mode="enabled", budget_tokens=4000)
_COMPUTER = anthropic_decode(
    {
        "model": "claude-opus-5",
        "max_tokens": 1000,
        "messages": [{"role": "user", "content": "click OK"}],
        "tools": [
            {"type": "computer_20251124", "name": "computer", "display_width_px": 1024},
            {"name": "lookup", "input_schema": {"type": "object"}},
        ],
    }
)

CASES = [
    Case(1, "gpt-4o", "gpt-5-mini", "openai.chat", _req("gpt-4o", max_output_tokens=300, max_tokens_field="max_tokens")),
    Case(2, "gpt-4.1", "gpt-5", "openai.chat", _req("gpt-4.1", temperature=0.2)),
    Case(3, "gpt-4o", "o3", "openai.chat", _req("gpt-4o", top_p=0.5, frequency_penalty=0.4, extra={"logit_bias": {"50256": -100}})),
    Case(3, "gpt-4o", "o4-mini", "openai.chat", _req("gpt-4o", logprobs=True, top_logprobs=2, presence_penalty=0.1)),
    Case(5, "gpt-4.1-nano", "gpt-5.4-nano", "openai.chat", _req("gpt-4.1-nano", stop=["\n\n"])),
    Case(6, "gpt-5", "gpt-6-luna", "openai.chat", _req("gpt-5", tools=[TOOL], reasoning_effort="low")),
    Case(7, "gpt-6-sol", "gpt-6.2-sol", "openai.chat", _req("gpt-6-sol", reasoning_effort="none")),
    Case(7, "gpt-6-sol", "gpt-6.2-sol", "openai.responses", _req("gpt-6-sol", reasoning_effort="none")),
    Case(2, "gpt-4o", "gpt-6-sol", "openai.responses", _req("gpt-4o", temperature=0.7, top_p=0.9)),
    Case(8, "gpt-5", "gpt-6-sol", "openai.chat", _req("gpt-5", reasoning_effort="minimal")),
    Case(8, "gpt-6-sol", "o3", "openai.chat", _req("gpt-6-sol", reasoning_effort="xhigh")),
    Case(8, "gpt-5", "gpt-5-chat-latest", "openai.chat", _req("gpt-5", reasoning_effort="high")),
    Case(10, "claude-sonnet-4-5", "claude-opus-4-7", "anthropic.messages", _req("claude-sonnet-4-5")),
    Case(11, "claude-3-7-sonnet-20250219", "claude-haiku-4-5", "anthropic.messages", _req("claude-3-7-sonnet-20250219", max_output_tokens=500, temperature=0.3, top_p=0.8)),
    Case(12, "claude-sonnet-4-5", "claude-opus-5", "anthropic.messages", _req("claude-sonnet-4-5", max_output_tokens=500, temperature=0.0)),
    Case(12, "claude-sonnet-4-6", "claude-fable-5", "anthropic.messages", _req("claude-sonnet-4-6", max_output_tokens=500, top_k=20)),
    Case(13, "claude-sonnet-4-5", "claude-opus-4-8", "anthropic.messages", _req("claude-sonnet-4-5", max_output_tokens=16000, thinking=_THINK)),
    Case(14, "claude-opus-4-7", "claude-opus-4-5", "anthropic.messages", _req("claude-opus-4-7", max_output_tokens=16000, thinking=Thinking(mode="adaptive"), extra={"output_config": {"effort": "high"}})),
    Case(15, "claude-sonnet-5", "claude-mythos-5", "anthropic.messages", _req("claude-sonnet-5", max_output_tokens=800, thinking=Thinking(mode="disabled"))),
    Case(17, "claude-sonnet-4-5", "claude-opus-4-1", "anthropic.messages", _req("claude-sonnet-4-5", max_output_tokens=2000, thinking=Thinking(mode="enabled", budget_tokens=3000))),
    Case(18, "claude-sonnet-4-5", "claude-sonnet-4-6", "anthropic.messages", _req("claude-sonnet-4-5", max_output_tokens=500, messages=[Message.user("List colours as JSON"), Message.assistant("[")])),
    Case(19, "claude-opus-5", "claude-opus-5-5", "anthropic.messages", _req("claude-opus-5", max_output_tokens=500, tools=[TOOL], tool_choice=ToolChoice(mode="tool", name="lookup"))),
    Case(19, "claude-opus-4-6", "claude-sonnet-4-5", "anthropic.messages", _req("claude-opus-4-6", max_output_tokens=9000, tools=[TOOL], tool_choice=ToolChoice(mode="required"), thinking=_THINK)),
    Case(21, "claude-opus-5", "claude-opus-5-5", "anthropic.messages", _COMPUTER),
    Case(22, "claude-sonnet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.messages", _req("claude-sonnet-4-5", max_output_tokens=500)),
    Case(24, "gemini-2.5-flash", "gemini-3.5-flash", "gemini.generate", _req("gemini-2.5-flash", thinking=Thinking(mode="enabled", budget_tokens=2048), reasoning_effort="low"), rule_fix=False),
    Case(25, "gemini-2.5-flash", "gemini-2.5-pro", "gemini.generate", _req("gemini-2.5-flash", thinking=Thinking(mode="disabled"))),
    Case(25, "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini.generate", _req("gemini-2.5-pro", thinking=Thinking(mode="enabled", budget_tokens=256))),
]  # fmt: skip


def _wire(req: ChatRequest, api: str) -> dict[str, Any]:
    """The real codec's body; the rule view when the codec refuses or is missing."""
    try:
        body = encode_wire(req, api)
    except InputError:
        body = None
    return body if body is not None else probe_body(req, api)


def _ids(case: Case) -> str:
    return f"rule{case.number}-{case.source}-to-{case.target}-{case.api}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_unadapted_rejected_adapted_accepted(case: Case) -> None:
    rule = next(r for r in get_rules().rules if r.number == case.number)
    naive = case.request.model_copy(update={"model": case.target})
    before = check_request(case.target, _wire(naive, case.api), case.api)
    assert rule.id in {v.rule.id for v in before}

    result = adapt(case.request, case.target, source=case.source, target_api=case.api)
    assert result.target_api == case.api
    body = _wire(result.request, case.api)
    assert check_request(result.request.model, body, case.api) == []
    assert result.changes
    if case.rule_fix:
        fixed = [c for c in result.changes if c.rule_id == rule.id]
        assert fixed, [c.summary() for c in result.changes]
        assert fixed[0].source_url == rule.source_url
    assert not [w for w in result.warnings if "still rejected" in w]


def test_every_request_error_rule_has_an_adaptation_case() -> None:
    errors = {r.number for r in get_rules().rules if r.kind == "request_error"}
    assert errors <= {c.number for c in CASES}


@pytest.mark.parametrize("case", [c for c in CASES if has_codec(c.api)], ids=_ids)
def test_simulator_rejects_then_accepts(case: Case) -> None:
    engine = SimEngine(seed=1)
    naive = case.request.model_copy(update={"model": case.target})
    expected = check_request(case.target, _wire(naive, case.api), case.api)[0]
    with pytest.raises(ProviderBadRequestError) as exc:
        engine.respond(naive, api=case.api, wire_body=_wire(naive, case.api))
    assert exc.value.status == 400
    assert exc.value.provider_message == expected.message
    assert exc.value.param == expected.param

    result = adapt(case.request, case.target, source=case.source, target_api=case.api)
    response = engine.respond(result.request, api=case.api)
    assert response.model == result.request.model or response.text or response.tool_calls


_PATHS = {
    "openai.chat": "/v1/chat/completions",
    "openai.responses": "/v1/responses",
    "anthropic.messages": "/v1/messages",
}


@pytest.mark.parametrize("case", [c for c in CASES if c.api in _PATHS and c.number != 22], ids=_ids)
async def test_simulator_http_400_then_200(case: Case) -> None:
    """Over HTTP: the unadapted wire body gets the provider's 400 error body, the adapted 200."""
    import httpx

    from switchover.providers.sim import create_sim_app

    naive = case.request.model_copy(update={"model": case.target})
    expected = check_request(case.target, _wire(naive, case.api), case.api)[0]
    adapted = adapt(case.request, case.target, source=case.source, target_api=case.api)
    good_body = encode_wire(adapted.request, case.api)
    transport = httpx.ASGITransport(app=create_sim_app(SimEngine(seed=2, time_scale=0.0)))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        bad = await client.post(_PATHS[case.api], json=_wire(naive, case.api))
        good = await client.post(_PATHS[case.api], json=good_body)
    assert bad.status_code == 400, bad.text
    error = bad.json()["error"]
    # The Anthropic error_body folds the param into the message ("param: text"), which is
    # right for field errors and not for the official full-sentence texts (reported).
    assert error["message"] in (expected.message, f"{expected.param}: {expected.message}")
    assert error["type"] == "invalid_request_error"
    assert good.status_code == 200, good.text
