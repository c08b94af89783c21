"""Anthropic Messages codec (both directions) and client against a loopback wire server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from checks_anthropic_gemini import collect, core, decode_frames
from wire_server import Recorded, Reply, WireServer

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    ImagePart,
    Message,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
    fold_stream,
)
from switchover.errors import (
    AuthError,
    InputError,
    ModelNotFoundError,
    ModelRetiredError,
    ProviderBadRequestError,
    ProviderServerError,
    RateLimitError,
)
from switchover.providers import anthropic as ac
from switchover.providers._sse import parse_sse_text
from switchover.providers.base import ProviderSettings, available_providers, create_provider

KEY = "sk-ant-api03-TESTKEY0123456789abcdef"
WEATHER = Tool(
    name="get_weather",
    description="Current weather for a city",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)


def full_request() -> ChatRequest:
    return ChatRequest(
        model="claude-sonnet-4-5",
        messages=[
            Message.system("You are terse."),
            Message.developer("Answer in English."),
            Message(
                role="user",
                content=[
                    TextPart(text="What is in this picture, and the weather?"),
                    ImagePart(data="iVBORw0KGgo=", media_type="image/png"),
                    ImagePart(url="https://example.com/cat.jpg"),
                ],
            ),
            Message.assistant(
                "Let me check.",
                [ToolCall.from_args("toolu_01", "get_weather", {"city": "Paris"})],
            ),
            Message.tool("toolu_01", "sunny, 21C"),
            Message.user("Thanks!"),
        ],
        tools=[WEATHER],
        tool_choice=ToolChoice(mode="tool", name="get_weather"),
        parallel_tool_calls=False,
        temperature=0.3,
        top_k=40,
        max_output_tokens=512,
        stop=["END"],
        thinking=Thinking(mode="enabled", budget_tokens=2048),
        user="user-42",
        response_format=ResponseFormat(type="json_schema", json_schema={"type": "object"}),
        extra={"service_tier": "auto", "output_config": {"effort": "high"}},
    )


FULL_WIRE: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 512,
    "system": [
        {"type": "text", "text": "You are terse."},
        {"type": "text", "text": "Answer in English."},
    ],
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture, and the weather?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                },
                {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "toolu_01",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny, 21C"},
                {"type": "text", "text": "Thanks!"},
            ],
        },
    ],
    "tools": [
        {
            "name": "get_weather",
            "description": "Current weather for a city",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ],
    "tool_choice": {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "temperature": 0.3,
    "top_k": 40,
    "stop_sequences": ["END"],
    "metadata": {"user_id": "user-42"},
    "output_config": {
        "format": {"type": "json_schema", "schema": {"type": "object"}},
        "effort": "high",
    },
    "service_tier": "auto",
}


# ------------------------------------------------------------------ request codec


def test_encode_request_exact_wire() -> None:
    assert ac.encode_request(full_request()) == FULL_WIRE


def test_request_round_trip_neutral_wire_neutral() -> None:
    req = full_request()
    back = ac.decode_request(ac.encode_request(req))
    # the one documented normalisation: developer messages come back as system messages
    expected = req.model_copy(
        update={
            "messages": [
                Message.system("You are terse."),
                Message.system("Answer in English."),
                *req.messages[2:],
            ]
        }
    )
    expected.messages[4] = Message.tool("toolu_01", "sunny, 21C", name="get_weather")
    assert back.model_dump(exclude={"extra"}) == expected.model_dump(exclude={"extra"})
    assert back.extra == {
        "service_tier": "auto",
        "output_config": {"effort": "high"},
    }
    assert ac.encode_request(back) == FULL_WIRE


def test_minimal_request_uses_plain_strings() -> None:
    req = ChatRequest(model="claude-haiku-4-5", messages=[Message.user("hi")], max_output_tokens=16)
    assert ac.encode_request(req) == {
        "model": "claude-haiku-4-5",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "hi"}],
    }
    req.stream = True
    assert ac.encode_request(req)["stream"] is True


def test_max_tokens_is_never_invented() -> None:
    req = ChatRequest(model="claude-haiku-4-5", messages=[Message.user("hi")])
    with pytest.raises(InputError) as info:
        ac.encode_request(req)
    assert info.value.field == "max_output_tokens"
    assert "max_tokens" in info.value.message
    assert info.value.hint
    assert "adapt" in info.value.hint


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("presence_penalty", 0.5),
        ("frequency_penalty", 0.5),
        ("seed", 7),
        ("logprobs", True),
        ("top_logprobs", 2),
        ("reasoning_effort", "high"),
    ],
)
def test_fields_without_an_anthropic_slot_are_refused(field: str, value: Any) -> None:
    req = ChatRequest(
        model="m", messages=[Message.user("hi")], max_output_tokens=8, **{field: value}
    )
    with pytest.raises(InputError) as info:
        ac.encode_request(req)
    assert info.value.field == field


def test_json_object_without_schema_is_refused() -> None:
    req = ChatRequest(
        model="m",
        messages=[Message.user("hi")],
        max_output_tokens=8,
        response_format=ResponseFormat(type="json_object"),
    )
    with pytest.raises(InputError, match="response_format"):
        ac.encode_request(req)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"thinking": Thinking(mode="enabled")}, "thinking.budget_tokens"),
        ({"tool_choice": ToolChoice(mode="tool")}, "tool_choice.name"),
        ({"response_format": ResponseFormat(type="json_schema")}, "response_format.json_schema"),
    ],
)
def test_incomplete_neutral_settings_are_refused(kwargs: dict[str, Any], field: str) -> None:
    req = ChatRequest(model="m", messages=[Message.user("hi")], max_output_tokens=8, **kwargs)
    with pytest.raises(InputError) as info:
        ac.encode_request(req)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (
            Message(role="assistant", content=[ImagePart(url="https://x/y.png")]),
            "messages[0].content[0]",
        ),
        (Message(role="user", content=[ImagePart(data="AAAA")]), "messages[0].content[0]"),
        (Message(role="user", content=[ImagePart()]), "messages[0].content[0]"),
        (Message(role="tool", content=[TextPart(text="x")]), "messages[0].tool_call_id"),
        (
            Message(
                role="assistant", tool_calls=[ToolCall(id="t", name="f", arguments_raw="{bad")]
            ),
            "messages[0].tool_calls",
        ),
    ],
)
def test_bad_neutral_messages_name_the_field(message: Message, field: str) -> None:
    req = ChatRequest(model="m", messages=[message], max_output_tokens=8)
    with pytest.raises(InputError) as info:
        ac.encode_request(req)
    assert info.value.field == field


def test_tool_choice_modes_and_parallel_flag() -> None:
    def choice(**kw: Any) -> Any:
        req = ChatRequest(model="m", messages=[Message.user("x")], max_output_tokens=8, **kw)
        return ac.encode_request(req).get("tool_choice")

    assert choice() is None
    assert choice(tool_choice=ToolChoice(mode="auto")) == {"type": "auto"}
    assert choice(tool_choice=ToolChoice(mode="required")) == {"type": "any"}
    assert choice(tool_choice=ToolChoice(mode="none"), parallel_tool_calls=False) == {
        "type": "none"
    }
    assert choice(parallel_tool_calls=False) == {"type": "auto", "disable_parallel_tool_use": True}
    assert choice(parallel_tool_calls=True) == {"type": "auto", "disable_parallel_tool_use": False}


def test_thinking_modes_and_legacy_output_format() -> None:
    for mode in ("adaptive", "disabled"):
        req = ChatRequest(
            model="m",
            messages=[Message.user("x")],
            max_output_tokens=8,
            thinking=Thinking(mode=mode),
        )
        assert ac.encode_request(req)["thinking"] == {"type": mode}
    wire = {
        "model": "m",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "x"}],
        "output_format": {"type": "json_schema", "schema": {"type": "object"}},
    }
    req = ac.decode_request(wire)
    assert req.response_format == ResponseFormat(type="json_schema", json_schema={"type": "object"})
    assert ac.encode_request(req) == wire


# A server-side body with everything the neutral model has no slot for.
RICH_WIRE: dict[str, Any] = {
    "model": "claude-opus-4-6",
    "max_tokens": 4096,
    "system": [
        {"type": "text", "text": "You are a support agent.", "cache_control": {"type": "ephemeral"}}
    ],
    "messages": [
        {
            "role": "user",
            "content": [
                {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "policy"},
                },
                {"type": "text", "text": "Refund order 7?", "cache_control": {"type": "ephemeral"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Need the order.", "signature": "EqQBCkYI"},
                {"type": "redacted_thinking", "data": "EmwKAhgB"},
                {"type": "tool_use", "id": "toolu_9", "name": "lookup", "input": {"order": 7}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_9",
                    "content": [{"type": "text", "text": "not found"}],
                    "is_error": True,
                }
            ],
        },
        {"role": "user", "content": "Any luck?"},
    ],
    "tools": [
        {
            "name": "lookup",
            "input_schema": {"type": "object", "properties": {"order": {"type": "integer"}}},
            "cache_control": {"type": "ephemeral"},
        },
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
    ],
    "tool_choice": {"type": "auto"},
    "thinking": {"type": "enabled", "budget_tokens": 1024, "display": "summarized"},
    "metadata": {"user_id": "u-1"},
    "context_management": {"edits": []},
}


def test_server_decode_keeps_what_neutral_cannot_hold() -> None:
    req = ac.decode_request(RICH_WIRE)
    assert [m.role for m in req.messages] == ["system", "user", "assistant", "tool", "user"]
    assert req.messages[1].text == "Refund order 7?"
    assert req.messages[2].tool_calls == [ToolCall.from_args("toolu_9", "lookup", {"order": 7})]
    assert req.messages[3].tool_call_id == "toolu_9"
    assert req.messages[3].name == "lookup"
    assert req.messages[3].text == "not found"
    assert [t.name for t in req.tools] == ["lookup"]
    assert req.thinking == Thinking(mode="enabled", budget_tokens=1024)
    assert req.user == "u-1"
    assert req.extra["context_management"] == {"edits": []}
    wire = ac.encode_request(req)
    # the tool result content comes back as a string, and the trailing user turn folds into
    # the tool-result turn (the API merges consecutive user turns the same way)
    expected = json.loads(json.dumps(RICH_WIRE))
    expected["messages"][2]["content"][0]["content"] = "not found"
    expected["messages"][2]["content"].append({"type": "text", "text": "Any luck?"})
    del expected["messages"][3]
    assert wire == expected


def test_replay_data_is_ignored_by_other_apis_and_after_edits() -> None:
    req = ac.decode_request(RICH_WIRE)
    req.extra["_wire"]["api"] = "gemini.generate"
    wire = ac.encode_request(req)
    assert "thinking" not in json.dumps(wire["messages"])
    assert wire["system"] == "You are a support agent."


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("max_tokens"), "max_tokens"),
        (lambda b: b.update(max_tokens="ten"), "max_tokens"),
        (lambda b: b.pop("model"), "model"),
        (lambda b: b.update(messages="hi"), "messages"),
        (lambda b: b.update(messages=["hi"]), "messages[0]"),
        (lambda b: b["messages"].append({"role": "system", "content": "x"}), "messages[1].role"),
        (lambda b: b["messages"].append({"role": "user", "content": 5}), "messages[1].content"),
        (
            lambda b: b["messages"].append({"role": "user", "content": [{"text": "x"}]}),
            "messages[1].content[0].type",
        ),
        (
            lambda b: b["messages"].append({"role": "assistant", "content": [{}]}),
            "messages[1].content[0].type",
        ),
        (
            lambda b: b["messages"].append({"role": "user", "content": [{"type": "image"}]}),
            "messages[1].content[0].source",
        ),
        (
            lambda b: b["messages"].append({"role": "user", "content": [{"type": "tool_result"}]}),
            "messages[1].content[0].tool_use_id",
        ),
        (lambda b: b.update(system=[{"type": "image"}]), "system[0].type"),
        (
            lambda b: b["messages"].append(
                {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text"}]}
            ),
            "messages[1].content[1].text",
        ),
        (
            lambda b: b["messages"].append(
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t"}]}
            ),
            "messages[1].content[0].name",
        ),
        (lambda b: b.update(system=3), "system"),
        (lambda b: b.update(tools=[{"name": "f"}]), "tools[0].input_schema"),
        (lambda b: b.update(tools={}), "tools"),
        (lambda b: b.update(tools=[1]), "tools[0]"),
        (lambda b: b.update(tool_choice={"type": "sometimes"}), "tool_choice.type"),
        (lambda b: b.update(tool_choice={"type": "tool"}), "tool_choice.name"),
        (lambda b: b.update(thinking={"type": "enabled"}), "thinking.enabled.budget_tokens"),
        (lambda b: b.update(thinking={"type": "on"}), "thinking.type"),
        (lambda b: b.update(stop_sequences="END"), "stop_sequences"),
        (lambda b: b.update(output_config={"format": {"type": "json"}}), "output_config.format"),
        (lambda b: b.update(temperature="hot"), "temperature"),
    ],
)
def test_server_decode_rejects_bad_bodies_naming_the_field(mutate: Any, field: str) -> None:
    body: dict[str, Any] = {
        "model": "m",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "x"}],
    }
    mutate(body)
    with pytest.raises(InputError) as info:
        ac.decode_request(body)
    assert info.value.field == field


def test_server_decode_rejects_non_object_body() -> None:
    with pytest.raises(InputError, match="body"):
        ac.decode_request([])  # type: ignore[arg-type]


def test_system_string_and_image_sources() -> None:
    req = ac.decode_request(
        {
            "model": "m",
            "max_tokens": 8,
            "system": "Be kind.",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}},
                        {"type": "image", "source": {"type": "file", "file_id": "file_1"}},
                    ],
                }
            ],
        }
    )
    assert req.messages[0] == Message.system("Be kind.")
    assert req.messages[1].content == [ImagePart(url="https://x/a.png")]
    assert ac.encode_request(req)["messages"][0]["content"][1] == {
        "type": "image",
        "source": {"type": "file", "file_id": "file_1"},
    }


# ------------------------------------------------------------------ response codec

RESPONSE_BODY: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "thinking", "thinking": "The user wants weather.", "signature": "EqQBCgIYAhIM"},
        {"type": "text", "text": "I'll check the weather."},
        {
            "type": "tool_use",
            "id": "toolu_01A09q90qw90lq917835lq9",
            "name": "get_weather",
            "input": {"city": "Paris"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 100,
        "cache_creation_input_tokens": 20,
        "cache_read_input_tokens": 300,
        "output_tokens": 60,
    },
}


def test_decode_response() -> None:
    resp = ac.decode_response(RESPONSE_BODY)
    assert resp.id == "msg_01XFDUDYJgAACzvnptvVoYEL"
    assert resp.model == "claude-sonnet-4-5-20250929"
    assert resp.text == "I'll check the weather."
    assert resp.reasoning_text == "The user wants weather."
    assert resp.tool_calls == [
        ToolCall(
            id="toolu_01A09q90qw90lq917835lq9",
            name="get_weather",
            arguments={"city": "Paris"},
            arguments_raw='{"city":"Paris"}',
        )
    ]
    assert resp.finish_reason == "tool_calls"
    assert resp.usage == Usage(input_tokens=420, cached_input_tokens=300, output_tokens=60)
    assert resp.raw is RESPONSE_BODY


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "refusal"),
        ("pause_turn", "other"),
        ("something_new", "other"),
    ],
)
def test_stop_reason_mapping(stop_reason: str, finish: str) -> None:
    body = {**RESPONSE_BODY, "content": [{"type": "text", "text": "x"}], "stop_reason": stop_reason}
    resp = ac.decode_response(body)
    assert resp.finish_reason == finish
    assert resp.refusal == ("x" if finish == "refusal" else None)


def test_encode_response_then_decode() -> None:
    resp = ac.decode_response(RESPONSE_BODY)
    body = ac.encode_response(resp, model="claude-sonnet-4-5")
    # the same body, but: our model name, no thinking signature to give (it is not neutral),
    # and cache writes counted as plain input (the neutral usage has no slot for them)
    expected = json.loads(json.dumps(RESPONSE_BODY))
    expected["model"] = "claude-sonnet-4-5"
    expected["content"][0]["signature"] = ""
    expected["usage"].update(input_tokens=120, cache_creation_input_tokens=0)
    assert body == expected
    again = ac.decode_response(body)
    assert core(again) == {**core(resp), "model": "claude-sonnet-4-5"}


def test_encode_response_generates_an_id_and_maps_refusals() -> None:
    resp = ChatResponse(model="x", refusal="I can't help with that.", finish_reason="refusal")
    body = ac.encode_response(resp, model="claude-x")
    assert body["id"].startswith("msg_")
    assert body["content"] == [{"type": "text", "text": "I can't help with that."}]
    assert body["stop_reason"] == "refusal"


@pytest.mark.parametrize(
    ("status", "etype"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (529, "overloaded_error"),
        (503, "api_error"),
        (418, "invalid_request_error"),
    ],
)
def test_error_body_shape(status: int, etype: str) -> None:
    assert ac.error_body(status, "boom") == {
        "type": "error",
        "error": {"type": etype, "message": "boom"},
    }


def test_error_body_param_and_request_id() -> None:
    assert ac.error_body(400, "Field required", param="max_tokens", request_id="req_1") == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
        "request_id": "req_1",
    }


# ------------------------------------------------------------------ streaming codec


def _f(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps({'type': event, **data})}\n\n".encode()


def _start(index: int, block: dict[str, Any]) -> bytes:
    return _f("content_block_start", {"index": index, "content_block": block})


def _delta(index: int, kind: str, **fields: str) -> bytes:
    return _f("content_block_delta", {"index": index, "delta": {"type": kind, **fields}})


def _stop(index: int) -> bytes:
    return _f("content_block_stop", {"index": index})


def _message_start(id_: str, model: str, usage: dict[str, int]) -> bytes:
    message = {
        "id": id_,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    return _f("message_start", {"message": message})


def _message_end(stop_reason: str, output_tokens: int) -> list[bytes]:
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    return [
        _f("message_delta", {"delta": delta, "usage": {"output_tokens": output_tokens}}),
        _f("message_stop", {}),
    ]


# The documented sequence for a text + tool_use answer (streaming guide), ping included.
TOOL_STREAM = [
    _message_start(
        "msg_014p7gG3wDgGV9EUtLvnow3U",
        "claude-sonnet-4-5-20250929",
        {"input_tokens": 472, "output_tokens": 2},
    ),
    _start(0, {"type": "text", "text": ""}),
    _f("ping", {}),
    _delta(0, "text_delta", text="Okay"),
    _delta(0, "text_delta", text=", let's check."),
    _stop(0),
    _start(
        1,
        {
            "type": "tool_use",
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "get_weather",
            "input": {},
        },
    ),
    _delta(1, "input_json_delta", partial_json=""),
    _delta(1, "input_json_delta", partial_json='{"city":'),
    _delta(1, "input_json_delta", partial_json=' "San Francisco, CA"}'),
    _stop(1),
    *_message_end("tool_use", 89),
]

TOOL_BODY: dict[str, Any] = {
    "id": "msg_014p7gG3wDgGV9EUtLvnow3U",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "text", "text": "Okay, let's check."},
        {
            "type": "tool_use",
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "get_weather",
            "input": {"city": "San Francisco, CA"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {"input_tokens": 472, "output_tokens": 89},
}

THINKING_STREAM = [
    _message_start(
        "msg_01think",
        "claude-sonnet-4-5",
        {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 1},
    ),
    _start(0, {"type": "thinking", "thinking": ""}),
    _delta(0, "thinking_delta", thinking="Let me think"),
    _delta(0, "signature_delta", signature="EqQBCgIYAhIM"),
    _stop(0),
    _start(1, {"type": "text", "text": ""}),
    _delta(1, "text_delta", text="42"),
    _stop(1),
    *_message_end("end_turn", 30),
]

THINKING_BODY: dict[str, Any] = {
    "id": "msg_01think",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [
        {"type": "thinking", "thinking": "Let me think", "signature": "EqQBCgIYAhIM"},
        {"type": "text", "text": "42"},
    ],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 30},
}


@pytest.mark.parametrize(
    ("frames", "body"), [(TOOL_STREAM, TOOL_BODY), (THINKING_STREAM, THINKING_BODY)]
)
def test_stream_fold_equals_non_streaming(frames: list[bytes], body: dict[str, Any]) -> None:
    folded = fold_stream(decode_frames(ac.StreamDecoder(), frames))
    assert core(folded) == core(ac.decode_response(body))


def test_stream_encoder_emits_the_documented_sequence() -> None:
    resp = ac.decode_response(TOOL_BODY)
    enc = ac.StreamEncoder("claude-sonnet-4-5-20250929")
    frames: list[bytes] = []
    for ev in decode_frames(ac.StreamDecoder(), TOOL_STREAM):
        frames += enc.encode(ev)
    frames += enc.close()
    assert enc.close() == []
    assert enc.encode(StreamEvent(type="text", text="late")) == []
    names = [name for name, _ in parse_sse_text(b"".join(frames))]
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    for name, data in parse_sse_text(b"".join(frames)):
        assert json.loads(data)["type"] == name
    assert core(fold_stream(decode_frames(ac.StreamDecoder(), frames))) == core(resp)


def test_stream_encoder_thinking_then_text_and_lazy_start() -> None:
    enc = ac.StreamEncoder("claude-x")
    frames = enc.encode(StreamEvent(type="reasoning", text="hmm"))
    frames += enc.encode(StreamEvent(type="text", text="Hi"))
    frames += enc.encode(StreamEvent(type="usage", usage=Usage(input_tokens=3, output_tokens=2)))
    frames += enc.close()
    parsed = [(n, json.loads(d)) for n, d in parse_sse_text(b"".join(frames))]
    assert parsed[0][0] == "message_start"
    assert parsed[0][1]["message"]["id"].startswith("msg_")
    deltas = [d["delta"] for n, d in parsed if n == "content_block_delta"]
    assert deltas == [
        {"type": "thinking_delta", "thinking": "hmm"},
        {"type": "signature_delta", "signature": ""},
        {"type": "text_delta", "text": "Hi"},
    ]
    folded = fold_stream(decode_frames(ac.StreamDecoder(), frames))
    assert (folded.text, folded.reasoning_text, folded.finish_reason) == ("Hi", "hmm", "stop")
    assert folded.usage == Usage(input_tokens=3, output_tokens=2)


def test_stream_encoder_with_no_events_still_closes_properly() -> None:
    enc = ac.StreamEncoder("claude-x")
    names = [n for n, _ in parse_sse_text(b"".join(enc.close()))]
    assert names == ["message_start", "ping", "message_delta", "message_stop"]


# ------------------------------------------------------------------ client


def _provider(srv: WireServer, **kw: Any) -> ac.AnthropicProvider:
    settings = ProviderSettings(
        base_url=srv.base_url, api_key=KEY, max_retries=kw.pop("max_retries", 0)
    )
    return ac.AnthropicProvider(settings, **kw)


def _simple_request(**kw: Any) -> ChatRequest:
    return ChatRequest(
        model="claude-sonnet-4-5",
        messages=[Message.system("Be brief."), Message.user("Weather in SF?")],
        tools=[WEATHER],
        max_output_tokens=256,
        **kw,
    )


async def test_complete_sends_the_exact_request(wire: WireServer) -> None:
    wire.queue(Reply(json=TOOL_BODY, headers={"request-id": "req_011CSHoEeqs5C35K2UUqR7Fy"}))
    async with _provider(wire) as provider:
        resp = await provider.complete(_simple_request())
    rec = wire.last
    assert (rec.method, rec.path) == ("POST", "/v1/messages")
    assert rec.headers["x-api-key"] == KEY
    assert rec.headers["anthropic-version"] == "2023-06-01"
    assert rec.headers["content-type"] == "application/json"
    assert "authorization" not in rec.headers
    assert rec.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 256,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Weather in SF?"}],
        "tools": [
            {
                "name": "get_weather",
                "description": "Current weather for a city",
                "input_schema": WEATHER.parameters,
            }
        ],
    }
    assert core(resp) == core(ac.decode_response(TOOL_BODY))
    assert resp.provider == "anthropic"
    assert resp.provider_request_id == "req_011CSHoEeqs5C35K2UUqR7Fy"
    assert resp.latency_s is not None
    assert resp.latency_s >= 0


async def test_stream_sends_stream_true_and_folds_like_complete(wire: WireServer) -> None:
    wire.queue(Reply(sse=TOOL_STREAM, headers={"request-id": "req_s"}), Reply(json=TOOL_BODY))
    async with _provider(wire) as provider:
        streamed = await provider.complete_streaming(_simple_request())
        plain = await provider.complete(_simple_request())
    assert wire.requests[0].json["stream"] is True
    assert wire.requests[0].headers["accept"] == "text/event-stream"
    assert "stream" not in wire.requests[1].json
    assert core(streamed) == core(plain)
    assert streamed.provider_request_id == "req_s"


async def test_stream_error_event_raises(wire: WireServer) -> None:
    frames = [
        *TOOL_STREAM[:4],
        _f(
            "error",
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        ),
    ]
    wire.queue(Reply(sse=frames))
    seen: list[StreamEvent] = []

    async with _provider(wire) as provider:
        with pytest.raises(RateLimitError, match="Overloaded"):
            await collect(lambda: provider.stream(_simple_request()), seen)
    assert [e.type for e in seen] == ["start", "usage", "text"]


@pytest.mark.parametrize(
    ("status", "etype", "message", "exc"),
    [
        (400, "invalid_request_error", "max_tokens: Field required", ProviderBadRequestError),
        (401, "authentication_error", "invalid x-api-key", AuthError),
        (
            403,
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
            AuthError,
        ),
        (404, "not_found_error", "model: claude-3-sonnet-2024", ModelNotFoundError),
        (
            404,
            "not_found_error",
            "model claude-2.0 has been retired and is no longer available",
            ModelRetiredError,
        ),
        (
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            RateLimitError,
        ),
        (
            413,
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
            ProviderBadRequestError,
        ),
        (500, "api_error", "Internal server error", ProviderServerError),
        (504, "timeout_error", "Request timed out", ProviderServerError),
        (529, "overloaded_error", "Overloaded", RateLimitError),
    ],
)
async def test_error_mapping(
    wire: WireServer, status: int, etype: str, message: str, exc: type[Exception]
) -> None:
    body = ac.error_body(status, message, type=etype, request_id="req_err")
    wire.queue(
        Reply(status=status, json=body, headers={"request-id": "req_err", "retry-after": "3"})
    )
    async with _provider(wire) as provider:
        with pytest.raises(exc) as info:
            await provider.complete(_simple_request())
    err = info.value
    assert type(err) is exc
    assert err.provider_message == message  # type: ignore[attr-defined]
    assert err.status == status  # type: ignore[attr-defined]
    assert err.request_id == "req_err"  # type: ignore[attr-defined]
    if isinstance(err, RateLimitError):
        assert err.retry_after == 3.0


async def test_retries_429_and_529_honouring_retry_after(wire: WireServer, sleeps: Any) -> None:
    wire.queue(
        Reply(status=429, json=ac.error_body(429, "slow down"), headers={"retry-after": "2"}),
        Reply(status=529, json=ac.error_body(529, "Overloaded")),
        Reply(json=TOOL_BODY),
    )
    async with _provider(wire, max_retries=3, sleep=sleeps, rand=lambda: 0.5) as provider:
        resp = await provider.complete(_simple_request())
    assert resp.text == "Okay, let's check."
    assert len(wire.requests) == 3
    assert sleeps.delays[0] == 2.0
    assert len(sleeps.delays) == 2
    assert wire.requests[0].json == wire.requests[2].json


async def test_retries_after_a_connection_reset(wire: WireServer, sleeps: Any) -> None:
    wire.queue(Reply(action="reset"), Reply(json=TOOL_BODY))
    async with _provider(wire, max_retries=1, sleep=sleeps, rand=lambda: 0.25) as provider:
        resp = await provider.complete(_simple_request())
    assert resp.id == "msg_014p7gG3wDgGV9EUtLvnow3U"
    assert len(sleeps.delays) == 1


def test_stream_decoder_reads_cumulative_usage_in_message_delta() -> None:
    dec = ac.StreamDecoder()
    usage = {"input_tokens": 7, "cache_read_input_tokens": 3, "output_tokens": 9}
    events = dec.feed("message_delta", {"type": "message_delta", "delta": {}, "usage": usage})
    assert [e.type for e in events] == ["usage"]
    assert events[0].usage == Usage(input_tokens=10, cached_input_tokens=3, output_tokens=9)
    assert dec.feed("ping", {"type": "ping"}) == []
    assert (
        dec.feed(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 5,
                "delta": {"type": "input_json_delta", "partial_json": "{}"},
            },
        )
        == []
    )


async def test_retries_give_up_with_the_last_error(wire: WireServer, sleeps: Any) -> None:
    for _ in range(3):
        wire.queue(Reply(status=529, json=ac.error_body(529, "Overloaded")))
    async with _provider(wire, max_retries=2, sleep=sleeps, rand=lambda: 0.0) as provider:
        with pytest.raises(RateLimitError):
            await provider.complete(_simple_request())
    assert len(wire.requests) == 3


async def test_key_never_shows_in_repr_or_errors(wire: WireServer) -> None:
    echo = ac.error_body(401, f"invalid x-api-key: {KEY}")
    wire.queue(Reply(status=401, json=echo))
    async with _provider(wire) as provider:
        assert KEY not in repr(provider)
        with pytest.raises(AuthError) as info:
            await provider.complete(_simple_request())
    err = info.value
    assert KEY not in str(err)
    assert KEY not in str(err.provider_message)
    assert KEY not in json.dumps(err.body)


async def test_missing_key_is_an_auth_error_naming_the_variable() -> None:
    async with ac.AnthropicProvider(ProviderSettings(base_url="http://127.0.0.1:9")) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(_simple_request())
    assert info.value.hint is not None
    assert "ANTHROPIC_API_KEY" in info.value.hint


async def test_key_from_environment(wire: WireServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env-key-000000000")
    wire.queue(Reply(json=TOOL_BODY))
    async with ac.create_provider(
        ProviderSettings(base_url=wire.base_url, max_retries=0)
    ) as provider:
        assert isinstance(provider, ac.AnthropicProvider)
        await provider.complete(_simple_request())
    assert wire.last.headers["x-api-key"] == "sk-ant-env-key-000000000"


async def test_registered_as_entry_point(wire: WireServer) -> None:
    assert "anthropic" in available_providers()
    provider = create_provider("anthropic", ProviderSettings(base_url=wire.base_url, api_key=KEY))
    assert isinstance(provider, ac.AnthropicProvider)
    await provider.aclose()


# ------------------------------------------------------------------ official SDK -> our server


def _sdk_handler(seen: list[Any]) -> Any:
    def handle(rec: Recorded) -> Reply:
        req = ac.decode_request(rec.json)
        seen.append(req)
        resp = ChatResponse(
            model=req.model,
            id="msg_sdk_1",
            text="It is sunny.",
            tool_calls=[ToolCall.from_args("toolu_sdk", "get_weather", {"city": "Paris"})],
            finish_reason="tool_calls",
            usage=Usage(input_tokens=50, cached_input_tokens=10, output_tokens=12),
        )
        if req.stream:
            enc = ac.StreamEncoder(req.model)
            frames: list[bytes] = []
            for ev in [
                StreamEvent(type="start", id="msg_sdk_1"),
                StreamEvent(type="text", text="It is "),
                StreamEvent(type="text", text="sunny."),
                StreamEvent(
                    type="tool_call_start", index=0, tool_call_id="toolu_sdk", name="get_weather"
                ),
                StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"city":'),
                StreamEvent(type="tool_call_delta", index=0, arguments_delta='"Paris"}'),
                StreamEvent(type="usage", usage=resp.usage),
                StreamEvent(type="finish", finish_reason="tool_calls"),
            ]:
                frames += enc.encode(ev)
            return Reply(sse=frames + enc.close())
        return Reply(json=ac.encode_response(resp, model=req.model))

    return handle


def test_official_sdk_request_is_decoded_by_the_server_codec() -> None:
    anthropic = pytest.importorskip("anthropic")
    seen: list[ChatRequest] = []
    with (
        WireServer(handler=_sdk_handler(seen)) as srv,
        anthropic.Anthropic(api_key=KEY, base_url=srv.base_url, max_retries=0) as client,
    ):
        msg = client.messages.create(
            model="claude-opus-5",
            max_tokens=300,
            system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
            messages=[
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "tool_use",
                            "id": "toolu_0",
                            "name": "get_weather",
                            "input": {"city": "Paris"},
                        }
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_0", "content": "sunny"}
                    ],
                },
            ],
            tools=[
                {
                    "name": "get_weather",
                    "description": "weather",
                    "input_schema": WEATHER.parameters,
                }
            ],
            tool_choice={"type": "auto", "disable_parallel_tool_use": True},
            thinking={"type": "enabled", "budget_tokens": 1024},
            stop_sequences=["END"],
            metadata={"user_id": "u-7"},
            extra_body={"temperature": 0.2},
        )
        with client.messages.stream(
            model="claude-opus-5", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            final = stream.get_final_message()
    rec = srv.requests[0]
    assert rec.path == "/v1/messages"
    # SDK 2.x sends the key as a bearer token (older SDKs and the docs use x-api-key) and
    # its own dated anthropic-version: a gateway must accept both spellings.
    assert (
        rec.headers.get("x-api-key") == KEY or rec.headers.get("authorization") == f"Bearer {KEY}"
    )
    assert rec.headers["anthropic-version"]
    req = seen[0]
    assert req.model == "claude-opus-5"
    assert req.max_output_tokens == 300
    assert req.system_text == "Be brief."
    assert [m.role for m in req.messages] == ["system", "user", "assistant", "tool"]
    assert req.messages[2].tool_calls == [
        ToolCall.from_args("toolu_0", "get_weather", {"city": "Paris"})
    ]
    assert (req.messages[3].tool_call_id, req.messages[3].name, req.messages[3].text) == (
        "toolu_0",
        "get_weather",
        "sunny",
    )
    assert req.tools == [
        Tool(name="get_weather", description="weather", parameters=WEATHER.parameters)
    ]
    assert req.tool_choice == ToolChoice(mode="auto")
    assert req.parallel_tool_calls is False
    assert req.thinking == Thinking(mode="enabled", budget_tokens=1024)
    assert (req.stop, req.user, req.temperature) == (["END"], "u-7", 0.2)
    # and re-encoding gives back exactly what the SDK sent
    assert ac.encode_request(req) == rec.json
    # the SDK parses our response and our stream
    assert msg.id == "msg_sdk_1"
    assert msg.stop_reason == "tool_use"
    assert msg.content[0].type == "text"
    assert msg.content[0].text == "It is sunny."
    assert msg.content[1].type == "tool_use"
    assert msg.content[1].input == {"city": "Paris"}
    assert msg.usage.input_tokens == 40
    assert msg.usage.cache_read_input_tokens == 10
    assert seen[1].stream is True
    assert final.stop_reason == "tool_use"
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[0].text == "It is sunny."  # type: ignore[union-attr]
    assert final.content[1].input == {"city": "Paris"}  # type: ignore[union-attr]
    assert final.usage.output_tokens == 12


@pytest.mark.live
async def test_live_round_trip() -> None:
    """Against the real API (needs ANTHROPIC_API_KEY and --run-live)."""
    req = ChatRequest(
        model="claude-haiku-4-5", messages=[Message.user("Say OK.")], max_output_tokens=16
    )
    async with ac.create_provider(ProviderSettings(max_retries=2)) as provider:
        plain = await provider.complete(req)
        streamed = await provider.complete_streaming(req)
    assert plain.text
    assert streamed.text
    assert plain.usage.output_tokens > 0


def test_tool_result_with_non_neutral_content_is_replayed_whole() -> None:
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [
            {"type": "text", "text": "two hits"},
            {
                "type": "search_result",
                "source": "https://docs.example.com/a",
                "title": "A",
                "content": [{"type": "text", "text": "alpha"}],
            },
        ],
    }
    body = {
        "model": "m",
        "max_tokens": 8,
        "messages": [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}}],
            },
            {"role": "user", "content": [result]},
        ],
    }
    req = ac.decode_request(body)
    assert req.messages[1].text == "two hits"
    assert ac.encode_request(req) == body
