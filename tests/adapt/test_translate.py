"""Cross-provider translation, policies and edge cases of ``adapt``."""

from __future__ import annotations

from typing import Any

import pytest

from switchover.adapt import AdaptationError, Adapted, adapt
from switchover.adapt.fixes import DEFAULT_MAX_TOKENS, THINKING_MAX_TOKENS
from switchover.adapt.reasoning import budget_to_effort
from switchover.adapt.translate import JSON_TOOL
from switchover.adapt.wire import encode_wire
from switchover.catalog.rules import check_request
from switchover.chat import (
    ChatRequest,
    ImagePart,
    Message,
    ResponseFormat,
    TextPart,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
)
from switchover.errors import UsageError
from switchover.providers import anthropic, gemini

TOOL = Tool(name="lookup", parameters={"type": "object", "properties": {"q": {"type": "string"}}})
SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


def _req(model: str = "gpt-4o", **kw: Any) -> ChatRequest:
    messages = kw.pop("messages", [Message.system("Be terse."), Message.user("Hello")])
    return ChatRequest(model=model, messages=messages, **kw)


def _kinds(result: Adapted) -> dict[str, str]:
    return {c.param: c.kind for c in result.changes}


def _accepted(result: Adapted) -> None:
    body = encode_wire(result.request, result.target_api)
    assert body is not None
    assert check_request(result.request.model, body, result.target_api) == []


def test_same_model_is_identity_even_with_problems() -> None:
    req = _req("gpt-5", max_output_tokens=10, max_tokens_field="max_tokens")
    result = adapt(req, "gpt-5")
    assert result.request == req
    assert result.changes == []
    assert any("openai-max-tokens-reasoning" in w for w in result.warnings)
    # aliases resolve to the same model
    assert adapt(_req("gpt-5-2025-08-07"), "gpt-5").changes == []


def test_input_is_not_modified() -> None:
    req = _req(temperature=0.3, messages=[Message.system("s"), Message.user("u")])
    snapshot = req.model_dump()
    adapt(req, "claude-opus-5")
    assert req.model_dump() == snapshot


def test_roles_openai_reasoning_and_back() -> None:
    to_reasoning = adapt(_req(), "o3")
    assert to_reasoning.request.messages[0].role == "developer"
    assert _kinds(to_reasoning)["messages[0].role"] == "role_mapped"
    back = adapt(to_reasoning.request, "gpt-4.1")
    assert back.request.messages[0].role == "system"
    claude = adapt(
        _req("o3", messages=[Message.developer("d"), Message.user("u")]), "claude-opus-5"
    )
    assert claude.request.messages[0].role == "system"
    _accepted(claude)


def test_mid_conversation_system_message_warns() -> None:
    msgs = [Message.user("a"), Message.system("late"), Message.user("b")]
    result = adapt(_req(messages=msgs, max_output_tokens=100), "claude-sonnet-4-5")
    assert any("moves to the top-level system prompt" in w for w in result.warnings)


def test_effort_to_anthropic_adaptive_and_budget() -> None:
    new = adapt(_req("gpt-5", reasoning_effort="high"), "claude-opus-4-7")
    assert new.request.thinking == Thinking(mode="adaptive")
    assert new.request.extra["output_config"] == {"effort": "high"}
    assert new.request.reasoning_effort is None
    assert new.request.max_output_tokens == THINKING_MAX_TOKENS
    _accepted(new)
    old = adapt(_req("gpt-5", reasoning_effort="low"), "claude-sonnet-4-5")
    assert old.request.thinking == Thinking(mode="enabled", budget_tokens=2048)
    assert old.request.max_output_tokens is not None
    assert old.request.max_output_tokens > 2048
    _accepted(old)
    none = adapt(_req("gpt-5.1", reasoning_effort="none"), "claude-sonnet-5")
    assert none.request.thinking == Thinking(mode="disabled")
    always = adapt(_req("gpt-5.1", reasoning_effort="none"), "claude-fable-5")
    assert always.lossy
    assert always.request.thinking is None
    no_thinking = adapt(_req("gpt-5", reasoning_effort="low"), "claude-3-5-haiku-20241022")
    assert _kinds(no_thinking)["reasoning_effort"] == "unsupported"


def test_thinking_to_openai_effort() -> None:
    src = _req(
        "claude-sonnet-4-5",
        max_output_tokens=20000,
        thinking=Thinking(mode="enabled", budget_tokens=12000),
    )
    result = adapt(src, "gpt-5")
    assert result.request.reasoning_effort == "high"
    assert result.request.thinking is None
    _accepted(result)
    adaptive = _req("claude-opus-5", max_output_tokens=900, thinking=Thinking(mode="adaptive"),
                    extra={"output_config": {"effort": "max"}})  # fmt: skip
    to_o3 = adapt(adaptive, "o3")
    assert to_o3.request.reasoning_effort == "high"  # max -> rule 8 maps to high
    assert "output_config" not in to_o3.request.extra
    _accepted(to_o3)
    off = _req("claude-sonnet-5", max_output_tokens=900, thinking=Thinking(mode="disabled"))
    assert adapt(off, "gpt-6-sol").request.reasoning_effort == "none"
    low = adapt(off, "o4-mini")
    assert low.request.reasoning_effort == "low"
    assert low.lossy
    chat = adapt(adaptive, "gpt-4o")
    assert chat.request.thinking is None
    assert _kinds(chat)["thinking"] == "unsupported"
    effort_on_chat = adapt(_req("gpt-5", reasoning_effort="low"), "gpt-4.1")
    assert effort_on_chat.request.reasoning_effort is None


def test_reasoning_to_gemini() -> None:
    g3 = adapt(_req("gpt-5", reasoning_effort="xhigh"), "gemini-3.5-flash")
    assert g3.request.reasoning_effort == "high"
    budget = _req(
        "claude-sonnet-4-5",
        max_output_tokens=9000,
        thinking=Thinking(mode="enabled", budget_tokens=3000),
    )
    g3b = adapt(budget, "gemini-3.5-flash")
    assert (g3b.request.reasoning_effort, g3b.request.thinking) == ("medium", None)
    off = adapt(_req("gpt-5.1", reasoning_effort="none"), "gemini-3.5-flash")
    assert off.request.reasoning_effort == "minimal"
    assert off.lossy
    g25 = adapt(_req("gpt-5", reasoning_effort="medium"), "gemini-2.5-flash")
    assert g25.request.thinking == Thinking(mode="enabled", budget_tokens=8192)
    _accepted(g25)
    pro_off = adapt(_req("gpt-5.1", reasoning_effort="none"), "gemini-2.5-pro")
    assert pro_off.request.thinking == Thinking(mode="enabled", budget_tokens=128)
    assert any(c.kind == "clamp" and c.lossy for c in pro_off.changes)
    old = adapt(_req("gpt-5", reasoning_effort="low"), "gemini-2.0-flash")
    assert old.request.reasoning_effort is None
    assert old.lossy


def test_budget_effort_mapping() -> None:
    assert [budget_to_effort(b) for b in (None, -1, 1024, 5000, 16000, 30000)] == [
        "medium", "medium", "low", "medium", "high", "xhigh",
    ]  # fmt: skip


def test_max_tokens_default_and_budget_clamps() -> None:
    plain = adapt(_req(), "claude-sonnet-4-5")
    assert plain.request.max_output_tokens == DEFAULT_MAX_TOKENS
    assert _kinds(plain)["max_tokens"] == "default_added"
    small = _req(
        "claude-3-7-sonnet-20250219",
        max_output_tokens=4000,
        thinking=Thinking(mode="enabled", budget_tokens=500),
    )
    clamped = adapt(small, "claude-sonnet-4-5")
    assert clamped.request.thinking == Thinking(mode="enabled", budget_tokens=1024)
    _accepted(clamped)


def test_prefill_moves_into_system_prompt() -> None:
    req = _req(
        "claude-sonnet-4-5",
        max_output_tokens=300,
        messages=[Message.user("JSON please"), Message.assistant("{")],
    )
    result = adapt(req, "claude-opus-4-6")
    assert result.request.messages[-1].role == "user"
    assert result.request.messages[0].role == "system"
    assert result.request.messages[0].text.endswith("{")
    assert result.lossy
    _accepted(result)


def test_response_format_to_anthropic() -> None:
    rf = ResponseFormat(type="json_schema", name="out", json_schema=SCHEMA)
    structured = adapt(_req(response_format=rf), "claude-sonnet-4-5")
    assert structured.request.response_format == rf
    assert not structured.lossy
    wire = encode_wire(structured.request, "anthropic.messages")
    assert wire is not None
    assert wire["output_config"]["format"]["schema"] == SCHEMA
    tool = adapt(_req(response_format=rf), "claude-3-5-haiku-20241022")
    assert tool.request.tool_choice == ToolChoice(mode="tool", name=JSON_TOOL)
    assert tool.request.tools[-1].parameters == SCHEMA
    _accepted(tool)
    obj = adapt(_req(response_format=ResponseFormat(type="json_object")), "claude-opus-5-5")
    assert obj.request.tool_choice is None
    assert "single JSON object" in obj.request.messages[0].text
    _accepted(obj)
    text = adapt(_req(response_format=ResponseFormat(type="text")), "claude-opus-5")
    assert text.request.response_format is None


def test_images_inline_data_and_gemini_urls() -> None:
    parts: list[Any] = [TextPart(text="what is this?"),
                        ImagePart(url="data:image/png;base64,iVBORw0KGgo=", detail="high"),
                        ImagePart(url="https://example.com/cat.png")]  # fmt: skip
    req = _req(messages=[Message(role="user", content=parts)])
    claude = adapt(req, "claude-opus-5")
    img = claude.request.messages[0].content[1]
    assert isinstance(img, ImagePart)
    assert (img.data, img.media_type, img.url, img.detail) == (
        "iVBORw0KGgo=",
        "image/png",
        None,
        None,
    )
    _accepted(claude)
    gem = adapt(req, "gemini-3.5-flash")
    assert _kinds(gem)["messages[0].content[2]"] == "unsupported"
    assert gem.request.messages[0].content[2] == ImagePart(url="https://example.com/cat.png")
    assert adapt(req, "gpt-4.1").changes == []


def test_legacy_functions_become_tools() -> None:
    extra = {
        "functions": [{"name": "lookup", "parameters": TOOL.parameters}],
        "function_call": {"name": "lookup"},
    }
    result = adapt(_req(extra=extra), "gpt-5")
    assert [t.name for t in result.request.tools] == ["lookup"]
    assert result.request.tool_choice == ToolChoice(mode="tool", name="lookup")
    assert "functions" not in result.request.extra
    none = adapt(_req(extra={"function_call": "none"}), "gpt-4.1")
    assert none.request.tool_choice == ToolChoice(mode="none")


def test_foreign_extra_fields() -> None:
    extra = {"logit_bias": {"1": 2}, "store": True, "n": 1, "service_tier": "flex"}
    result = adapt(_req(extra=extra, max_output_tokens=50), "claude-opus-5")
    kinds = _kinds(result)
    assert kinds["logit_bias"] == "unsupported"
    assert kinds["store"] == "drop"
    assert "n" not in kinds
    assert result.request.extra == {}
    responses = _req(extra={"reasoning": {"effort": "low", "summary": "auto"}})
    moved = adapt(responses, "gpt-5", source_api="openai.responses")
    assert moved.request.reasoning_effort == "low"
    assert _kinds(moved)["reasoning"] == "unsupported"


def test_unsupported_params_per_api() -> None:
    req = _req(user="u1", metadata={"k": "v"}, parallel_tool_calls=False, seed=7,
               tools=[TOOL.model_copy(update={"strict": True})], top_k=5)  # fmt: skip
    gem = adapt(req, "gemini-2.5-flash")
    assert gem.request.user is None
    assert gem.request.metadata == {}
    assert gem.request.parallel_tool_calls is None
    assert gem.request.tools[0].strict is None
    _accepted(gem)
    chat = adapt(req.model_copy(update={"model": "claude-opus-5"}), "gpt-4.1")
    assert chat.request.top_k is None
    resp = adapt(_req(stop=["x"], presence_penalty=0.2), "gpt-5.6", target_api="openai.responses")
    assert resp.request.stop == []
    assert resp.request.presence_penalty is None
    many = adapt(_req("claude-opus-5", stop=list("abcdef"), max_output_tokens=100), "gpt-4.1")
    assert many.request.stop == list("abcd")
    assert _kinds(many)["stop"] == "clamp"


def test_history_from_another_model_is_stripped() -> None:
    wire = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 2000,
        "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "let me call", "signature": "sig"},
                {"type": "tool_use", "id": "tu1", "name": "lookup", "input": {"q": "x"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu1", "content": "sunny"}]},
        ],
    }  # fmt: skip
    req = anthropic.decode_request(wire)
    same_api = adapt(req, "claude-opus-5")
    assert any(c.rule_id == "anthropic-thinking-blocks-replay" for c in same_api.changes)
    body = encode_wire(same_api.request, "anthropic.messages")
    assert body is not None
    assert "thinking" not in str(body["messages"])
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    other_api = adapt(req, "gpt-5")
    assert "_wire" not in other_api.request.extra
    assert any("cache_control" in w for w in other_api.warnings)

    call = ToolCall.from_args("c1|ts:SIGNATURE", "lookup", {"q": "x"})
    history = [
        Message.user("q"),
        Message.assistant("", [call]),
        Message.tool("c1|ts:SIGNATURE", "{}"),
    ]
    g = adapt(_req("gemini-3.5-flash", messages=history), "gemini-3.8-flash")
    assert g.request.messages[1].tool_calls[0].id == "c1"
    assert g.request.messages[2].tool_call_id == "c1"
    assert any(c.rule_id == "gemini-3-thought-signatures" for c in g.changes)
    decoded = gemini.decode_request(gemini.encode_request(g.request), model="gemini-3.8-flash")
    assert decoded.messages[1].tool_calls[0].name == "lookup"


def test_strict_policy_fails_on_lossy_and_lenient_warns() -> None:
    req = _req(temperature=0.2, logprobs=True)
    with pytest.raises(AdaptationError) as exc:
        adapt(req, "gpt-5", policy="strict")
    assert exc.value.exit_code == 2
    assert {c.param for c in exc.value.changes} == {"temperature", "logprobs"}
    assert "temperature" in exc.value.message
    lenient = adapt(req, "gpt-5")
    assert {c.param for c in lenient.lossy} == {"temperature", "logprobs"}
    # a lossless migration passes strict
    assert adapt(
        _req(max_output_tokens=10, max_tokens_field="max_tokens"), "gpt-5", policy="strict"
    ).changes
    with pytest.raises(AdaptationError, match="unknown policy"):
        adapt(req, "gpt-5", policy="loose")  # type: ignore[arg-type]


def test_unknown_targets() -> None:
    guessed = adapt(_req(temperature=0.3), "gpt-9-experimental")
    assert any("not in the catalog" in w for w in guessed.warnings)
    assert guessed.target_api == "openai.chat"
    ref = adapt(_req(), "anthropic:claude-opus-5")
    assert ref.request.model == "claude-opus-5"
    assert ref.target_api == "anthropic.messages"
    custom = adapt(_req(), "my-finetune", target_api="anthropic.messages")
    assert any("not a known anthropic model" in w for w in custom.warnings)
    with pytest.raises(UsageError, match="cannot tell which API"):
        adapt(_req(), "my-finetune")
    with pytest.raises(UsageError, match="unknown API"):
        adapt(_req(), "gpt-5", target_api="openai.completions")


def test_codec_refusal_is_reported() -> None:
    # a tool call whose arguments are not JSON cannot be written for Anthropic
    bad = ToolCall(id="c1", name="lookup", arguments=None, arguments_raw="{not json")
    req = _req(messages=[Message.user("q"), Message.assistant("", [bad]), Message.tool("c1", "r")])
    lenient = adapt(req, "claude-opus-5")
    assert any("cannot encode" in w for w in lenient.warnings)
    with pytest.raises(AdaptationError, match="cannot encode"):
        adapt(req, "claude-opus-5", policy="strict")


def test_six_luna_tools_prefer_effort_none() -> None:
    result = adapt(_req("gpt-5", tools=[TOOL]), "gpt-6-luna")
    assert result.request.reasoning_effort == "none"
    assert any("openai.responses" in c.reason for c in result.changes)
    via_responses = adapt(_req("gpt-5", tools=[TOOL]), "gpt-6-luna", target_api="openai.responses")
    assert via_responses.request.reasoning_effort is None


@pytest.mark.parametrize(
    ("ref", "model"),
    [
        ("anthropic:claude-opus-5@bedrock", "global.anthropic.claude-opus-5"),
        ("anthropic:claude-sonnet-4-5@vertex", "claude-sonnet-4-5@20250929"),
        ("openai:gpt-5@azure", "gpt-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5@20250929"),
    ],
)
def test_platform_refs(ref: str, model: str) -> None:
    result = adapt(_req(max_output_tokens=10), ref)
    assert result.request.model == model


def test_legacy_function_history_gets_ids() -> None:
    from switchover.providers import openai_chat

    body = {
        "model": "gpt-3.5-turbo",
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": None,
             "function_call": {"name": "lookup", "arguments": "{\"q\": \"x\"}"}},
            {"role": "function", "name": "lookup", "content": "sunny"},
        ],
        "functions": [{"name": "lookup", "parameters": TOOL.parameters}],
    }  # fmt: skip
    req = openai_chat.decode_request(body)
    result = adapt(req, "claude-sonnet-4-5")
    call = result.request.messages[1].tool_calls[0]
    assert call.id == "call_legacy_1_0"
    assert result.request.messages[2].tool_call_id == call.id
    wire = encode_wire(result.request, "anthropic.messages")
    assert wire is not None
    assert wire["messages"][2]["content"][0]["tool_use_id"] == call.id
    _accepted(result)


def test_new_advisory_rules_are_warned_once() -> None:
    to_claude = adapt(_req(max_output_tokens=300), "claude-opus-4-7")
    advice = [w for w in to_claude.warnings if w.startswith("rule ")]
    assert any("anthropic-tokenizer-4-7" in w for w in advice)
    assert any("anthropic-default-thinking" in w for w in advice)
    assert not any("thinking-blocks-replay" in w for w in advice)
    # moving within the same tokenizer generation repeats no advice already in force
    within = adapt(_req("claude-opus-4-7", max_output_tokens=300), "claude-opus-4-8")
    assert not [w for w in within.warnings if "anthropic-tokenizer-4-7" in w]
    long_ctx = adapt(_req("gpt-4.1"), "gpt-6-sol")
    assert any("openai-long-context-pricing" in w for w in long_ctx.warnings)


def test_fixes_apply_one_at_a_time() -> None:
    # found by hypothesis: rule 6 sets effort "none", which rule 8 must then see (not "minimal")
    result = adapt(_req(tools=[TOOL], reasoning_effort="minimal"), "gpt-6-luna")
    assert result.request.reasoning_effort == "none"
    assert not [w for w in result.warnings if "still rejected" in w]
    _accepted(result)


def test_custom_rules_without_fix_warn_or_fail() -> None:
    from switchover.catalog.rules import load_rules

    rule: dict[str, Any] = {
        "id": "house-no-seed", "number": 90, "title": "Our proxy rejects seed",
        "provider": "openai", "kind": "request_error", "apis": ["openai.chat"],
        "applies_to": ["gpt-4.1*"], "source_url": "https://example.com/proxy",
        "source_kind": "observed", "wording": "observed",
        "checks": [{"param": "seed", "when": {"present": "seed"}, "message": "seed is not allowed"}],
    }  # fmt: skip
    rules = load_rules(extra=[rule])
    lenient = adapt(_req(seed=3), "gpt-4.1", rules=rules)
    assert any("still rejected by rule 90" in w for w in lenient.warnings)
    with pytest.raises(AdaptationError, match="would still reject"):
        adapt(_req(seed=3), "gpt-4.1", rules=rules, policy="strict")
    fixable = load_rules(
        extra=[
            {**rule, "checks": [{**rule["checks"][0], "fix": {"kind": "drop", "param": "seed"}}]}
        ]
    )
    fixed = adapt(_req(seed=3), "gpt-4.1", rules=fixable)
    assert fixed.request.seed is None
    assert [c.rule_id for c in fixed.changes] == ["house-no-seed"]
    assert fixed.changes[0].source_url == "https://example.com/proxy"
    other = {**rule, "checks": [{**rule["checks"][0], "fix": {"kind": "drop", "param": "n"}}]}
    unknown = adapt(_req(seed=3), "gpt-4.1", rules=load_rules(extra=[other]))
    assert any("still rejected" in w for w in unknown.warnings)


def test_adaptive_without_effort_and_effort_on_chat_models() -> None:
    adaptive = _req("claude-opus-4-7", max_output_tokens=900, thinking=Thinking(mode="adaptive"))
    to_gpt5 = adapt(adaptive, "gpt-5")
    assert to_gpt5.request.reasoning_effort is None
    assert to_gpt5.request.thinking is None
    assert _kinds(to_gpt5)["reasoning_effort"] == "translated"
    effort_only = _req(
        "claude-sonnet-5", max_output_tokens=900, extra={"output_config": {"effort": "low"}}
    )
    to_chat = adapt(effort_only, "gpt-4o", source_api="anthropic.messages")
    assert _kinds(to_chat)["thinking"] == "unsupported"
    assert to_chat.lossy
    assert "output_config" not in to_chat.request.extra


def test_unknown_source_keeps_extra_fields_with_a_warning() -> None:
    req = _req("my-house-model", extra={"service_tier": "flex"})
    result = adapt(req, "gpt-4.1")
    assert result.request.extra == {"service_tier": "flex"}
    assert any("unknown source API" in w for w in result.warnings)
    off = adapt(
        _req("gpt-5.1", reasoning_effort="none", thinking=Thinking(mode="adaptive")),
        "claude-opus-4-6",
    )
    assert off.request.thinking is None


def test_platform_scoped_rules_follow_the_known_platform() -> None:
    """A rule with ``platforms: [bedrock]`` concerns the target only on Bedrock: from the
    ``platform`` argument (the migration's / upstream's), the ref, or the id's shape."""
    from switchover.catalog.rules import load_rules

    advisory = {
        "id": "bedrock-house-note",
        "number": 99,
        "title": "A Bedrock-only fact",
        "provider": "anthropic",
        "kind": "advisory",
        "apis": ["anthropic.messages"],
        "platforms": ["bedrock"],
        "applies_to": ["claude-sonnet-4-5*"],
        "note": "only on Bedrock",
        "source_url": "https://example.com/bedrock",
        "source_kind": "official",
        "wording": "unverified",
    }
    rules = load_rules(extra=[advisory])

    def noted(target: str, **kw: Any) -> bool:
        result = adapt(_req("gpt-4o", max_output_tokens=10), target, rules=rules, **kw)
        return any("bedrock-house-note" in w for w in result.warnings)

    assert not noted("claude-sonnet-4-5")
    assert noted("claude-sonnet-4-5", platform="bedrock")
    assert noted("anthropic:claude-sonnet-4-5@bedrock")
    assert noted("anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert not noted("anthropic.claude-sonnet-4-5-20250929-v1:0", platform="anthropic")
    # rule 22's fix (inference profile) follows the platform too
    bedrock_id = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert adapt(_req(max_output_tokens=10), bedrock_id).request.model == "global." + bedrock_id
    kept = adapt(_req(max_output_tokens=10), bedrock_id, platform="anthropic")
    assert kept.request.model == bedrock_id
