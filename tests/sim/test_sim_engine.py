"""SimEngine: determinism, answers derived from the prompt, usage, limits, errors."""

from __future__ import annotations

import json
import statistics

import jsonschema
import pytest

from switchover.chat import ChatRequest, Message, ResponseFormat, Thinking, Tool, ToolChoice
from switchover.errors import ModelNotFoundError
from switchover.providers.sim import BUILTIN_PROFILES, LatencyProfile, SimEngine, SimProfile
from switchover.providers.sim.textgen import estimate_tokens

from ._helpers import ORDER_TOOLS, TICKET_SCHEMA, engine, json_request, text_request, tool_request


def _all_kinds(i: int) -> list[ChatRequest]:
    return [text_request(i), json_request(i), tool_request(i)]


def test_same_seed_same_output_different_seed_differs() -> None:
    a, b, c = engine(seed=7), engine(seed=7), engine(seed=8)
    outs_a, outs_b, outs_c = [], [], []
    for i in range(15):
        for req in _all_kinds(i):
            outs_a.append(a.respond(req, api="openai.chat").model_dump())
            outs_b.append(b.respond(req, api="openai.chat").model_dump())
            outs_c.append(c.respond(req, api="openai.chat").model_dump())
    assert outs_a == outs_b
    differing = sum(x != y for x, y in zip(outs_a, outs_c, strict=True))
    assert differing >= len(outs_a) // 2


def test_repeats_vary_but_replay_identically() -> None:
    a, b = engine(), engine()
    first = [a.respond(text_request(1), api="openai.chat").text for _ in range(4)]
    second = [b.respond(text_request(1), api="openai.chat").text for _ in range(4)]
    assert first == second
    assert len(set(first)) > 1  # the n-th repeat is a different sample


def test_baseline_and_candidate_share_the_underlying_answer() -> None:
    base = engine().respond(text_request(3), api="openai.chat")
    cand = engine("verbose").respond(text_request(3, model="gpt-5"), api="openai.chat")
    first_step = next(line for line in base.text.splitlines() if line.startswith("1. "))
    assert first_step[:40] in cand.text


def test_text_answer_restates_key_terms_with_numbered_steps() -> None:
    resp = engine().respond(text_request(0), api="openai.chat")
    assert "password" in resp.text
    assert resp.text.count("\n1. ") == 1
    assert "\n2. " in resp.text
    assert "case 1000" not in resp.text
    assert "1000" in resp.text
    assert resp.finish_reason == "stop"
    assert resp.id is not None
    assert resp.id.startswith("simchat-")
    assert resp.provider == "sim"


@pytest.mark.parametrize("api", ["openai.responses", "anthropic.messages", "gemini.generate"])
def test_id_prefix_names_the_simulator(api: str) -> None:
    resp = engine().respond(text_request(0), api=api)
    assert resp.id is not None
    assert resp.id.startswith("sim")


def test_json_schema_answers_validate() -> None:
    eng = engine()
    for i in range(40):
        resp = eng.respond(json_request(i), api="openai.chat")
        jsonschema.validate(json.loads(resp.text), TICKET_SCHEMA)


def test_enum_is_chosen_from_the_prompt() -> None:
    req = json_request(0).model_copy(
        update={"messages": [Message.user("Classify: my shipping label is wrong")]}
    )
    assert json.loads(engine().respond(req, api="openai.chat").text)["category"] == "shipping"


def test_json_object_mode_and_prompt_requested_keys() -> None:
    eng = engine()
    req = ChatRequest(
        model="gpt-4o",
        messages=[
            Message.system('Reply in JSON with the keys "intent" and "reply".'),
            Message.user("Can I return shoes bought on sale?"),
        ],
    )
    value = json.loads(eng.respond(req, api="anthropic.messages").text)
    assert set(value) == {"intent", "reply"}
    req2 = ChatRequest(
        model="gpt-4o",
        messages=[Message.user("Can I return shoes bought on sale?")],
        response_format=ResponseFormat(type="json_object"),
    )
    value2 = json.loads(eng.respond(req2, api="openai.chat").text)
    assert {"answer", "keywords", "confidence"} <= set(value2)
    assert 0 <= value2["confidence"] <= 1


def test_tool_call_chosen_by_overlap_and_valid_against_schema() -> None:
    eng = engine()
    for i in range(30):
        resp = eng.respond(tool_request(i), api="openai.chat")
        assert resp.finish_reason == "tool_calls"
        (call,) = resp.tool_calls
        assert call.name == "get_order_status"
        jsonschema.validate(call.arguments, ORDER_TOOLS[0].parameters)
        assert call.arguments["order_id"] == f"A{1000 + i}"
        assert call.arguments["customer_id"] == f"C-{5000 + i}"
        assert json.loads(call.arguments_raw) == call.arguments


def test_parallel_calls_for_several_ids_unless_disabled() -> None:
    req = ChatRequest(
        model="gpt-4o",
        messages=[Message.user("Check order A1234 and order A5678 for customer C-1.")],
        tools=ORDER_TOOLS,
    )
    resp = engine().respond(req, api="openai.chat")
    assert [c.arguments["order_id"] for c in resp.tool_calls] == ["A1234", "A5678"]
    single = engine().respond(
        req.model_copy(update={"parallel_tool_calls": False}), api="openai.chat"
    )
    assert len(single.tool_calls) == 1


def test_tool_choice_none_required_and_named() -> None:
    eng = engine()
    unrelated = [Message.user("What colour is the sky?")]
    req = ChatRequest(model="gpt-4o", messages=unrelated, tools=ORDER_TOOLS)
    assert eng.respond(req, api="openai.chat").tool_calls == []
    forced = req.model_copy(update={"tool_choice": ToolChoice(mode="required")})
    assert len(eng.respond(forced, api="openai.chat").tool_calls) == 1
    named = req.model_copy(
        update={"tool_choice": ToolChoice(mode="tool", name="search_help_center")}
    )
    assert eng.respond(named, api="openai.chat").tool_calls[0].name == "search_help_center"
    none = tool_request(1).model_copy(update={"tool_choice": ToolChoice(mode="none")})
    assert eng.respond(none, api="openai.chat").tool_calls == []


def test_tool_result_leads_to_final_answer() -> None:
    eng = engine()
    req = tool_request(2)
    first = eng.respond(req, api="openai.chat")
    call = first.tool_calls[0]
    result = json.dumps({"order_id": "A1002", "status": "shipped", "carrier": "UPS"})
    follow = req.model_copy(
        update={"messages": [*req.messages, first.to_message(), Message.tool(call.id, result)]}
    )
    final = eng.respond(follow, api="openai.chat")
    assert final.tool_calls == []
    assert final.finish_reason == "stop"
    assert "shipped" in final.text
    assert "UPS" in final.text
    assert "A1002" in final.text
    failed = follow.model_copy(
        update={
            "messages": [
                *req.messages,
                first.to_message(),
                Message.tool(call.id, '{"error": "not found"}'),
            ]
        }
    )
    assert "not found" in eng.respond(failed, api="openai.chat").text
    plain = follow.model_copy(
        update={
            "messages": [
                *req.messages,
                first.to_message(),
                Message.tool(call.id, "Delivered today"),
            ]
        }
    )
    assert "Delivered today" in eng.respond(plain, api="openai.chat").text


def test_usage_estimates_tokens_from_text() -> None:
    req = text_request(0)
    resp = engine().respond(req, api="openai.chat")
    assert resp.usage.output_tokens == estimate_tokens(resp.text)
    expected_in = 3 + sum(4 + estimate_tokens(m.text) for m in req.messages)
    assert resp.usage.input_tokens == expected_in
    assert resp.usage.reasoning_tokens == 0


def test_reasoning_tokens_scale_with_effort() -> None:
    eng = engine()
    by_effort = {}
    for effort in ("none", "low", "high"):
        req = text_request(0, model="gpt-5").model_copy(update={"reasoning_effort": effort})
        by_effort[effort] = eng.respond(req, api="openai.chat").usage
    assert by_effort["none"].reasoning_tokens == 0
    assert 0 < by_effort["low"].reasoning_tokens < by_effort["high"].reasoning_tokens
    high = by_effort["high"]
    assert high.output_tokens > high.reasoning_tokens  # output includes reasoning
    chat = eng.respond(text_request(0, model="gpt-5-chat-latest"), api="openai.chat")
    assert chat.usage.reasoning_tokens == 0
    thinking = text_request(0, model="claude-sonnet-4-5").model_copy(
        update={"thinking": Thinking(mode="enabled", budget_tokens=100), "max_output_tokens": 4000}
    )
    assert 0 < eng.respond(thinking, api="anthropic.messages").usage.reasoning_tokens <= 100


def test_max_output_tokens_truncates_with_finish_length() -> None:
    eng = engine()
    req = text_request(0).model_copy(update={"max_output_tokens": 10})
    resp = eng.respond(req, api="openai.chat")
    assert resp.finish_reason == "length"
    assert len(resp.text) <= 40
    assert resp.usage.output_tokens <= 10
    reasoning = text_request(0, model="o3").model_copy(
        update={"max_output_tokens": 20, "reasoning_effort": "high"}
    )
    r = eng.respond(reasoning, api="openai.chat")
    assert r.finish_reason == "length"
    assert r.text == ""
    assert r.usage.output_tokens == 20
    tool = tool_request(0).model_copy(update={"max_output_tokens": 3})
    t = eng.respond(tool, api="openai.chat")
    assert t.tool_calls == []
    assert t.finish_reason == "length"


def test_stop_sequences_cut_the_answer() -> None:
    req = text_request(0).model_copy(update={"stop": ["2."]})
    resp = engine().respond(req, api="openai.chat")
    assert "2." not in resp.text
    assert "1." in resp.text
    assert resp.finish_reason == "stop"


def test_cached_tokens_on_a_repeated_long_prefix() -> None:
    eng = engine()
    long_system = "Policy: " + "Always be accurate and kind to customers. " * 120
    reqs = [
        ChatRequest(model="gpt-4o", messages=[Message.system(long_system), Message.user(q)])
        for q in ("Where is my parcel?", "How do I change my email?")
    ]
    first = eng.respond(reqs[0], api="openai.chat").usage
    second = eng.respond(reqs[1], api="openai.chat").usage
    assert first.cached_input_tokens == 0
    assert second.cached_input_tokens > 1000
    assert second.cached_input_tokens % 128 == 0
    assert second.cached_input_tokens <= second.input_tokens


def test_latency_is_lognormal_with_profile_median_and_p95() -> None:
    prof = SimProfile(name="lat", latency=LatencyProfile(median_ms=800, p95_ms=2000))
    eng = engine(prof)
    lat = [eng.respond(text_request(i), api="openai.chat").latency_s or 0 for i in range(800)]
    assert statistics.median(lat) == pytest.approx(0.8, rel=0.12)
    p95 = sorted(lat)[int(0.95 * len(lat))]
    assert p95 == pytest.approx(2.0, rel=0.2)
    resp = eng.respond(text_request(1), api="openai.chat")
    assert resp.ttft_s is not None
    assert resp.latency_s is not None
    assert resp.ttft_s <= resp.latency_s


def test_unknown_model_is_404_unless_catch_all() -> None:
    eng = SimEngine({"gpt-4o*": BUILTIN_PROFILES["baseline"]}, rules=None)
    assert eng.respond(text_request(0, model="gpt-4o-mini"), api="openai.chat").text
    with pytest.raises(ModelNotFoundError) as exc:
        eng.respond(text_request(0, model="gpt-nope"), api="openai.chat")
    assert exc.value.status == 404
    assert "gpt-nope" in exc.value.message
    assert eng.model_ids() == []
    exact = SimEngine({"sim-old": BUILTIN_PROFILES["baseline"], "x*": BUILTIN_PROFILES["terse"]})
    assert exact.model_ids() == ["sim-old"]
    assert exact.profile_for("XYZ").name == "terse"  # globs are case-insensitive


def test_images_count_as_tokens() -> None:
    from switchover.chat import ImagePart, TextPart

    msg = Message(
        role="user", content=[TextPart(text="What is this?"), ImagePart(url="https://x/y.png")]
    )
    req = ChatRequest(model="gpt-4o", messages=[msg])
    assert engine().respond(req, api="openai.chat").usage.input_tokens >= 85


def test_tool_with_ref_and_nested_schema() -> None:
    params = {
        "type": "object",
        "$defs": {
            "addr": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
                "required": ["city", "zip"],
            }
        },
        "properties": {
            "address": {"$ref": "#/$defs/addr"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "sku": {"type": "string"},
                        "quantity": {"type": "integer", "minimum": 1},
                    },
                    "required": ["sku", "quantity"],
                },
                "minItems": 1,
            },
            "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
        "required": ["address", "items", "note"],
    }
    tool = Tool(
        name="create_shipment", description="Create a shipment for an address", parameters=params
    )
    req = ChatRequest(
        model="gpt-4o",
        messages=[Message.user("Please create a shipment of 3 units of SKU-12345 to Berlin")],
        tools=[tool],
    )
    call = engine().respond(req, api="openai.chat").tool_calls[0]
    jsonschema.validate(call.arguments, params)
    assert call.arguments["items"][0]["quantity"] == 3


def test_tool_result_not_found_and_nullable_ids() -> None:
    eng = engine()
    schema = {
        "type": "object",
        "properties": {
            "reply": {"type": "string"},
            "order_id": {"type": ["string", "null"]},
            "ticket_id": {"type": ["string", "null"]},
        },
        "required": ["reply", "order_id", "ticket_id"],
        "additionalProperties": False,
    }
    req = ChatRequest(
        model="gpt-4o",
        messages=[Message.user("Where is my order A1002?")],
        tools=ORDER_TOOLS,
        response_format=ResponseFormat(type="json_schema", json_schema=schema),
    )
    first = eng.respond(req, api="openai.chat")
    call = first.tool_calls[0]
    results = [
        ('{"found": false, "order_id": ""}', "no matching record", None),
        ('{"found": true, "order_id": "A1002", "ticket_id": "T5001"}', "T5001", "T5001"),
    ]
    for result, needle, ticket in results:
        follow = req.model_copy(
            update={"messages": [*req.messages, first.to_message(), Message.tool(call.id, result)]}
        )
        value = json.loads(eng.respond(follow, api="openai.chat").text)
        jsonschema.validate(value, schema)
        assert needle in value["reply"]
        assert value["order_id"] == "A1002"
        assert value["ticket_id"] == ticket


def test_json_keys_with_types_from_the_system_prompt() -> None:
    system = (
        "Reply with a JSON object:\n"
        '{"reply": string, "order_id": string|null, "ticket_id": string|null, '
        '"escalate": boolean, "score": number, "tags": array}'
    )
    req = ChatRequest(
        model="claude-sonnet-4-6",
        messages=[Message.system(system), Message.user("Where is my order A1001?")],
    )
    value = json.loads(engine().respond(req, api="anthropic.messages").text)
    assert list(value) == ["reply", "order_id", "ticket_id", "escalate", "score", "tags"]
    assert value["order_id"] == "A1001"
    assert value["ticket_id"] is None
    assert isinstance(value["escalate"], bool)
    assert isinstance(value["score"], float)
    assert isinstance(value["tags"], list)


def test_two_models_on_one_profile_give_the_same_first_answer() -> None:
    eng = engine()
    a = eng.respond(text_request(4, model="gpt-4o"), api="openai.chat")
    b = eng.respond(text_request(4, model="gpt-4.1"), api="openai.chat")
    assert a.text == b.text
    assert eng.respond(text_request(4, model="gpt-4o"), api="openai.chat").text != a.text


def test_adapted_request_gets_the_same_underlying_answer() -> None:
    original = text_request(6).model_copy(
        update={"temperature": 0.2, "max_output_tokens": 5000, "max_tokens_field": "max_tokens"}
    )
    adapted = original.model_copy(
        update={
            "model": "gpt-6-luna",
            "temperature": None,
            "max_tokens_field": "max_completion_tokens",
            "reasoning_effort": "low",
            "messages": [
                Message.developer(original.messages[0].text),
                *original.messages[1:],
            ],
        }
    )
    a = engine().respond(original, api="openai.chat")
    b = engine().respond(adapted, api="openai.chat")
    assert a.text == b.text
    assert b.usage.reasoning_tokens > 0
    other_seed = original.model_copy(update={"seed": 99})
    assert engine().respond(other_seed, api="openai.chat").text != a.text
