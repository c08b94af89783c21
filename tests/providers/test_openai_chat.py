"""Chat Completions: client against a loopback server answering as the API reference documents,
and the server-side codec (decode_request / encode_response / StreamEncoder / error_body)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from wire_server import Reply, SleepRecorder, WireServer

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
    ConfigError,
    InputError,
    ModelRetiredError,
    ProviderBadRequestError,
    ProviderServerError,
    RateLimitError,
)
from switchover.providers import openai_chat as oc
from switchover.providers._sse import format_sse, parse_sse_text
from switchover.providers.base import ProviderSettings
from switchover.providers.base import create_provider as registry_create

KEY = "sk-test-SECRET123456"

# --- documented wire bodies (shapes from the Chat Completions API reference) -------------

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! How can I assist you today?",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
}

TOOL_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "created": 1699896916,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{\n"location": "Boston, MA"\n}',
                        },
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 82,
        "completion_tokens": 17,
        "total_tokens": 99,
        "prompt_tokens_details": {"cached_tokens": 64},
        "completion_tokens_details": {"reasoning_tokens": 5},
    },
}


def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None) -> bytes:
    body: dict[str, Any] = {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": []
        if delta is None
        else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }
    return format_sse(json.dumps(body))


TEXT_STREAM = [
    chunk({"role": "assistant", "content": "", "refusal": None}),
    chunk({"content": "Hello"}),
    chunk({"content": "!"}),
    chunk({}, "stop"),
    chunk(None, usage=COMPLETION["usage"]),
    b"data: [DONE]\n\n",
]

TOOL_STREAM = [
    chunk({"role": "assistant", "content": None}),
    chunk(
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_abc123",
                    "type": "function",
                    "function": {"name": "get_current_weather", "arguments": ""},
                }
            ]
        }
    ),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{\n"loca'}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'tion": "Boston, MA"\n}'}}]}),
    chunk({}, "tool_calls"),
    chunk(None, usage=TOOL_COMPLETION["usage"]),
    b"data: [DONE]\n\n",
]

WEATHER = Tool(
    name="get_current_weather",
    description="Get the current weather in a given location",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
    strict=True,
)


def rich_request(**kw: Any) -> ChatRequest:
    base: dict[str, Any] = {
        "model": "gpt-4.1",
        "messages": [
            Message.developer("Be terse."),
            Message(
                role="user",
                content=[
                    TextPart(text="What is in this image?"),
                    ImagePart(url="https://example.com/cat.png", detail="low"),
                    ImagePart(data="iVBORw0KGgo=", media_type="image/png"),
                ],
            ),
            Message.assistant(
                "", [ToolCall.from_args("call_1", "get_current_weather", {"location": "Oslo"})]
            ),
            Message.tool("call_1", '{"temp": 3}'),
        ],
        "tools": [WEATHER],
        "tool_choice": ToolChoice(mode="tool", name="get_current_weather"),
        "parallel_tool_calls": False,
        "response_format": ResponseFormat(
            type="json_schema", name="answer", json_schema={"type": "object"}, strict=True
        ),
        "temperature": 0.2,
        "top_p": 0.9,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.3,
        "max_output_tokens": 100,
        "stop": ["END", "STOP"],
        "seed": 7,
        "logprobs": True,
        "top_logprobs": 2,
        "user": "u-1",
        "metadata": {"team": "search"},
        "extra": {"logit_bias": {"50256": -100}, "n": 1},
    }
    base.update(kw)
    return ChatRequest(**base)


RICH_WIRE: dict[str, Any] = {
    "model": "gpt-4.1",
    "messages": [
        {"role": "developer", "content": "Be terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this image?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/cat.png", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_current_weather", "arguments": '{"location":"Oslo"}'},
                }
            ],
        },
        {"role": "tool", "content": '{"temp": 3}', "tool_call_id": "call_1"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "description": "Get the current weather in a given location",
                "parameters": WEATHER.parameters,
                "strict": True,
            },
        }
    ],
    "tool_choice": {"type": "function", "function": {"name": "get_current_weather"}},
    "parallel_tool_calls": False,
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
    },
    "temperature": 0.2,
    "top_p": 0.9,
    "presence_penalty": 0.1,
    "frequency_penalty": 0.3,
    "max_completion_tokens": 100,
    "stop": ["END", "STOP"],
    "seed": 7,
    "logprobs": True,
    "top_logprobs": 2,
    "user": "u-1",
    "metadata": {"team": "search"},
    "logit_bias": {"50256": -100},
    "n": 1,
}


def provider(srv: WireServer, **kw: Any) -> oc.OpenAIChatProvider:
    settings = ProviderSettings(base_url=srv.base_url + "/v1", api_key=KEY, **kw)
    return oc.create_provider(settings, sleep=SleepRecorder())


# --- client: encode, wire request, decode --------------------------------------------


def test_encode_request_matches_documented_wire_body() -> None:
    assert oc.encode_request(rich_request()) == RICH_WIRE


def test_encode_max_tokens_field_and_stop_and_choices() -> None:
    body = oc.encode_request(
        rich_request(max_tokens_field="max_tokens", tool_choice=ToolChoice(mode="required"))
    )
    assert body["max_tokens"] == 100
    assert "max_completion_tokens" not in body
    assert body["tool_choice"] == "required"
    assert oc.encode_request(rich_request(stream=True))["stream_options"] == {"include_usage": True}


def test_encode_refuses_thinking() -> None:
    with pytest.raises(InputError, match="thinking"):
        oc.encode_request(rich_request(thinking=Thinking(mode="enabled", budget_tokens=1024)))


async def test_complete_round_trip_against_server(wire: WireServer) -> None:
    wire.queue(Reply(json=COMPLETION, headers={"x-request-id": "req_abc"}))
    async with provider(wire, options={"organization": "org-1", "project": "proj_1"}) as p:
        out = await p.complete(rich_request(stream=False))
    rec = wire.last
    assert (rec.method, rec.path) == ("POST", "/v1/chat/completions")
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.headers["openai-organization"] == "org-1"
    assert rec.headers["openai-project"] == "proj_1"
    assert rec.json == RICH_WIRE
    assert out.text == "Hello! How can I assist you today?"
    assert out.finish_reason == "stop"
    assert out.usage == Usage(input_tokens=19, output_tokens=10)
    assert out.id == COMPLETION["id"]
    assert out.model == "gpt-4.1-2025-04-14"
    assert out.provider == "openai"
    assert out.provider_request_id == "req_abc"
    assert out.raw == COMPLETION


async def test_tool_call_response(wire: WireServer) -> None:
    wire.queue(Reply(json=TOOL_COMPLETION))
    async with provider(wire) as p:
        out = await p.complete(rich_request())
    assert out.finish_reason == "tool_calls"
    assert out.text == ""
    [call] = out.tool_calls
    assert (call.id, call.name, call.arguments) == (
        "call_abc123",
        "get_current_weather",
        {"location": "Boston, MA"},
    )
    assert call.arguments_raw == '{\n"location": "Boston, MA"\n}'
    assert out.usage == Usage(
        input_tokens=82, cached_input_tokens=64, output_tokens=17, reasoning_tokens=5
    )


@pytest.mark.parametrize(
    ("frames", "expected"),
    [(TEXT_STREAM, COMPLETION), (TOOL_STREAM, TOOL_COMPLETION)],
    ids=["text", "tool"],
)
async def test_stream_fold_equals_non_streaming(
    wire: WireServer, frames: list[bytes], expected: dict[str, Any]
) -> None:
    text_frames = frames
    if expected is COMPLETION:  # the documented stream says "Hello!" - compare like for like
        expected = copy.deepcopy(COMPLETION)
        expected["choices"][0]["message"]["content"] = "Hello!"
    wire.queue(Reply(sse=text_frames, headers={"x-request-id": "req_s"}), Reply(json=expected))
    async with provider(wire) as p:
        streamed = await p.complete_streaming(rich_request())
        whole = await p.complete(rich_request())
    stream_req, plain_req = wire.requests
    assert stream_req.json == {
        **RICH_WIRE,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert stream_req.headers["accept"] == "text/event-stream"
    assert plain_req.json == RICH_WIRE
    keep = {"text", "tool_calls", "finish_reason", "usage", "refusal"}
    assert streamed.model_dump(include=keep) == whole.model_dump(include=keep)
    assert streamed.provider_request_id == "req_s"


def test_stream_decoder_refusal_reasoning_legacy_and_other_choices() -> None:
    dec = oc.StreamDecoder()
    evs = dec.feed(None, json.loads(chunk({"role": "assistant", "refusal": "I can't"})[6:]))
    evs += dec.feed(None, json.loads(chunk({"reasoning_content": "hmm"})[6:]))
    evs += dec.feed(None, {"choices": [{"index": 1, "delta": {"content": "ignored"}}]})
    evs += dec.feed(
        None,
        {"choices": [{"index": 0, "delta": {"function_call": {"name": "f", "arguments": "{}"}}}]},
    )
    evs += dec.feed(None, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    folded = fold_stream(evs)
    assert folded.refusal == "I can't"
    assert folded.reasoning_text == "hmm"
    assert folded.finish_reason == "refusal"
    assert [(c.name, c.arguments) for c in folded.tool_calls] == [("f", {})]
    assert folded.text == ""


def test_decode_response_variants() -> None:
    refusal = copy.deepcopy(COMPLETION)
    refusal["choices"][0]["message"].update(content=None, refusal="I can't help with that.")
    out = oc.decode_response(refusal)
    assert (out.finish_reason, out.refusal, out.text) == ("refusal", "I can't help with that.", "")
    for wire_reason, neutral in [
        ("length", "length"),
        ("content_filter", "content_filter"),
        ("function_call", "tool_calls"),
        ("weird", "other"),
    ]:
        body = copy.deepcopy(COMPLETION)
        body["choices"][0]["finish_reason"] = wire_reason
        assert oc.decode_response(body).finish_reason == neutral
    legacy = copy.deepcopy(COMPLETION)
    legacy["choices"][0]["message"] = {
        "role": "assistant",
        "content": [{"type": "text", "text": "a"}],
        "function_call": {"name": "f", "arguments": '{"x":1}'},
        "reasoning": "r",
    }
    out = oc.decode_response(legacy)
    assert (out.text, out.tool_calls[0].arguments, out.reasoning_text) == ("a", {"x": 1}, "r")
    with pytest.raises(InputError, match="choices"):
        oc.decode_response({"choices": []})


async def test_malformed_success_body_is_a_server_error(wire: WireServer) -> None:
    wire.queue(Reply(json={"object": "chat.completion", "choices": []}))
    async with provider(wire) as p:
        with pytest.raises(ProviderServerError, match="malformed"):
            await p.complete(rich_request())


# --- errors as documented ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            401,
            {
                "error": {
                    "message": "Incorrect API key provided: sk-test-********3456. You can find your API key at https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
            AuthError,
        ),
        (
            404,
            {
                "error": {
                    "message": "The model `gpt-4-0314` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "model_not_found",
                }
            },
            ModelRetiredError,
        ),
        (
            400,
            {
                "error": {
                    "message": "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
                    "type": "invalid_request_error",
                    "param": "temperature",
                    "code": "unsupported_value",
                }
            },
            ProviderBadRequestError,
        ),
        (
            429,
            {
                "error": {
                    "message": "Rate limit reached for gpt-4.1 in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            },
            RateLimitError,
        ),
    ],
)
async def test_documented_errors(
    wire: WireServer, status: int, body: Any, cls: type[Exception]
) -> None:
    wire.queue(
        Reply(
            status=status, json=body, headers={"x-request-id": "req_e", "x-should-retry": "false"}
        )
    )
    async with provider(wire) as p:
        with pytest.raises(cls) as ei:
            await p.complete(rich_request())
    err: Any = ei.value
    assert err.provider_message == body["error"]["message"]
    assert err.request_id == "req_e"
    if status == 400:
        assert (err.param, err.code) == ("temperature", "unsupported_value")


async def test_stream_error_chunk(wire: WireServer) -> None:
    err = format_sse(
        json.dumps(
            {
                "error": {
                    "message": "The server had an error",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
        )
    )
    wire.queue(Reply(sse=[TEXT_STREAM[0], TEXT_STREAM[1], err]))
    async with provider(wire) as p:
        with pytest.raises(ProviderServerError, match="The server had an error"):
            await p.complete_streaming(rich_request())


def test_error_body_shapes() -> None:
    assert oc.error_body(400, "bad", param="temperature", code="unsupported_value") == {
        "error": {
            "message": "bad",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "unsupported_value",
        }
    }
    assert oc.error_body(429, "slow")["error"] == {
        "message": "slow",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    assert oc.error_body(500, "x")["error"]["type"] == "server_error"
    assert oc.error_body(401, "k")["error"]["code"] == "invalid_api_key"
    assert oc.error_body(404, "m")["error"]["code"] == "model_not_found"
    assert oc.error_body(403, "m", type="permission_error")["error"]["type"] == "permission_error"


# --- server side ------------------------------------------------------------------------


def test_decode_request_is_exact_inverse_of_encode() -> None:
    req = oc.decode_request(copy.deepcopy(RICH_WIRE))
    expected = rich_request(max_tokens_field="max_completion_tokens")
    assert req.model_dump(exclude={"extra"}) == expected.model_dump(exclude={"extra"})
    assert req.extra["logit_bias"] == {"50256": -100}
    assert oc.encode_request(req) == RICH_WIRE


GATEWAY_BODIES: list[dict[str, Any]] = [
    {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "system",
                "content": [
                    {"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "listen"},
                    {"type": "input_audio", "input_audio": {"data": "AAA=", "format": "wav"}},
                    {"type": "file", "file": {"file_id": "file-1"}},
                ],
                "name": "alice",
            },
            {
                "role": "assistant",
                "content": "",
                "refusal": None,
                "tool_calls": [
                    {"id": "call_9", "type": "custom", "custom": {"name": "grep", "input": "x"}},
                    {
                        "id": "call_8",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{bad json"},
                    },
                ],
            },
            {"role": "function", "name": "legacy_fn", "content": "42"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "legacy_fn", "arguments": "{}"},
            },
        ],
        "tools": [
            {"type": "custom", "custom": {"name": "grep"}},
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        ],
        "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "x", "description": "d", "schema": {"type": "object"}},
        },
        "functions": [{"name": "legacy_fn", "parameters": {}}],
        "function_call": "auto",
        "max_tokens": 50,
        "stop": "\n\n",
        "stream": True,
        "stream_options": {"include_usage": False},
        "top_k": 40,
        "reasoning_effort": "low",
    },
    {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
        "tool_choice": "none",
    },
    {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 5,
        "max_completion_tokens": 9,
    },
]


@pytest.mark.parametrize("body", GATEWAY_BODIES)
def test_gateway_bodies_round_trip_verbatim(body: dict[str, Any]) -> None:
    req = oc.decode_request(copy.deepcopy(body))
    assert oc.encode_request(req) == body


def test_decode_request_neutral_view_of_odd_body() -> None:
    req = oc.decode_request(copy.deepcopy(GATEWAY_BODIES[0]))
    assert req.max_tokens_field == "max_tokens"
    assert req.max_output_tokens == 50
    assert req.stop == ["\n\n"]
    assert req.stream is True
    assert req.top_k == 40
    assert req.messages[1].text == "listen"
    assert req.messages[3].role == "tool"
    assert req.messages[3].name == "legacy_fn"
    assert req.messages[3].tool_call_id is None
    assert req.messages[2].tool_calls[0].arguments is None  # invalid JSON kept raw
    assert req.messages[4].tool_calls[0].name == "legacy_fn"
    assert [t.name for t in req.tools] == ["f"]
    assert req.tool_choice is None
    assert req.response_format is not None
    assert req.response_format.strict is None
    assert req.extra["functions"] == [{"name": "legacy_fn", "parameters": {}}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": ["hi"]}, "messages[0]"),
        ({"model": "m", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"model": "m", "messages": [{"role": "user", "content": 3}]}, "messages[0].content"),
        (
            {"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]},
            "messages[0].content[0].type",
        ),
        (
            {
                "model": "m",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": "data:image/png,abc"}}
                        ],
                    }
                ],
            },
            "messages[0].content[0].image_url.url",
        ),
        (
            {
                "model": "m",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "image_url",
                                "image_url": {"url": "https://x", "detail": "max"},
                            }
                        ],
                    }
                ],
            },
            "messages[0].content[0].image_url.detail",
        ),
        (
            {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
            "messages[0].tool_call_id",
        ),
        ({"model": "m", "messages": [{"role": "function", "content": "x"}]}, "messages[0].name"),
        (
            {
                "model": "m",
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c", "type": "function", "function": {"arguments": "{}"}}
                        ],
                    }
                ],
            },
            "messages[0].tool_calls[0].function.name",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
            "temperature",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5},
            "max_tokens",
        ),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]}, "stop"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "metadata": {"a": 1}},
            "metadata",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "tool_choice": "sometimes",
            },
            "tool_choice",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "response_format": {"type": "xml"},
            },
            "response_format.type",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "response_format": {"type": "json_schema"},
            },
            "response_format.json_schema",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "f", "parameters": []}}],
            },
            "tools[0].function.parameters",
        ),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "user": 5}, "user"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "seed": True}, "seed"),
    ],
)
def test_decode_request_errors_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as ei:
        oc.decode_request(body)
    assert ei.value.field == field


def test_encode_response_round_trip_and_shape() -> None:
    resp = ChatResponse(
        model="gpt-4o",
        text="",
        tool_calls=[ToolCall.from_args("call_1", "f", {"a": 1})],
        finish_reason="tool_calls",
        reasoning_text="thought",
        usage=Usage(input_tokens=10, cached_input_tokens=4, output_tokens=3, reasoning_tokens=1),
    )
    body = oc.encode_response(resp, model="gpt-4o", created=1700000000)
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    assert body["created"] == 1700000000
    msg = body["choices"][0]["message"]
    assert msg["content"] is None
    assert msg["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
    ]
    assert body["usage"]["total_tokens"] == 13
    back = oc.decode_response(body)
    assert back.model_dump(exclude={"raw", "id"}) == resp.model_dump(exclude={"raw", "id"})
    refusal = ChatResponse(model="m", refusal="no", finish_reason="refusal")
    rb = oc.encode_response(refusal, model="m")
    assert rb["choices"][0]["finish_reason"] == "stop"
    assert oc.decode_response(rb).finish_reason == "refusal"


@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_encoder_sequence_and_fold(include_usage: bool) -> None:
    resp_events = [
        StreamEvent(type="start", id="chatcmpl-xyz", model="gpt-4o"),
        StreamEvent(type="text", text="Hi "),
        StreamEvent(type="text", text="there"),
        StreamEvent(
            type="tool_call_start", index=0, tool_call_id="call_1", name="f", arguments_delta='{"a"'
        ),
        StreamEvent(type="tool_call_delta", index=0, arguments_delta=":1}"),
        StreamEvent(type="usage", usage=Usage(input_tokens=5, output_tokens=7)),
        StreamEvent(type="finish", finish_reason="tool_calls"),
    ]
    enc = oc.StreamEncoder("gpt-4o", include_usage=include_usage, created=1)
    frames = [f for ev in resp_events for f in enc.encode(ev)] + enc.close()
    assert frames[-1] == b"data: [DONE]\n\n"
    assert enc.close() == []
    events = parse_sse_text(b"".join(frames))
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "chatcmpl-xyz" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    if include_usage:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"]["completion_tokens"] == 7
        assert all(c["usage"] is None for c in chunks[:-1])
    else:
        assert all("usage" not in c for c in chunks)
    dec = oc.StreamDecoder()
    folded = fold_stream([e for c in chunks for e in dec.feed(None, c)])
    assert folded.text == "Hi there"
    assert folded.tool_calls == [ToolCall.from_raw("call_1", "f", '{"a":1}')]
    assert folded.finish_reason == "tool_calls"
    assert folded.usage == (Usage(input_tokens=5, output_tokens=7) if include_usage else Usage())


def test_stream_encoder_close_without_finish_and_error() -> None:
    enc = oc.StreamEncoder("m")
    frames = (
        enc.encode(StreamEvent(type="refusal", text="no"))
        + enc.encode(StreamEvent(type="reasoning", text="r"))
        + enc.close()
    )
    chunks = [json.loads(d) for _, d in parse_sse_text(b"".join(frames))[:-1]]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    enc2 = oc.StreamEncoder("m")
    err = enc2.error("boom")
    assert parse_sse_text(b"".join(err))[0][1] == json.dumps(
        {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    )
    assert enc2.close() == []


# --- factories, presets, keys ---------------------------------------------------------------


def test_registry_creates_openai_and_compatible() -> None:
    p = registry_create("openai", ProviderSettings(api_key=KEY))
    assert isinstance(p, oc.OpenAIChatProvider)
    assert p.base_url == "https://api.openai.com/v1"
    with pytest.raises(ConfigError, match="base_url"):
        registry_create("openai-compatible", ProviderSettings())
    with pytest.raises(ConfigError) as ei:
        oc.create_compatible_provider(ProviderSettings(options={"preset": "nope"}))
    assert "ollama" in (ei.value.hint or "")


@pytest.mark.parametrize(
    ("preset", "url", "env"),
    [
        ("ollama", "http://localhost:11434/v1", "OLLAMA_API_KEY"),
        ("vllm", "http://localhost:8000/v1", "VLLM_API_KEY"),
        ("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        ("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
        ("together", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    ],
)
async def test_presets(preset: str, url: str, env: str) -> None:
    async with oc.create_compatible_provider(ProviderSettings(options={"preset": preset})) as p:
        assert p.base_url == url
        assert p.name == preset
        assert p.settings.api_key_env == env


async def test_compatible_keyless_and_preset_key_from_env(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # must NOT leak to a foreign server
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret")
    wire.queue(Reply(json=COMPLETION), Reply(json=COMPLETION))
    async with oc.create_compatible_provider(ProviderSettings(base_url=wire.base_url + "/v1")) as p:
        out = await p.complete(ChatRequest(model="llama3", messages=[Message.user("hi")]))
    assert out.provider == "openai-compatible"
    assert "authorization" not in wire.last.headers
    assert "openai-organization" not in wire.last.headers
    monkeypatch.setenv("GROQ_API_KEY", "gsk_test_SECRET987654")
    settings = ProviderSettings(base_url=wire.base_url + "/v1", options={"preset": "groq"})
    async with oc.create_compatible_provider(settings) as p:
        await p.complete(ChatRequest(model="llama3", messages=[Message.user("hi")]))
        assert "SECRET987654" not in repr(p)
    assert wire.last.headers["authorization"] == "Bearer gsk_test_SECRET987654"


async def test_openai_reads_key_and_org_from_env(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    wire.queue(Reply(json=COMPLETION))
    async with oc.create_provider(ProviderSettings(base_url=wire.base_url)) as p:
        await p.complete(ChatRequest(model="gpt-4o", messages=[Message.user("hi")]))
        assert "SECRET123456" not in repr(p) + str(p) + repr(p.settings)
    h = wire.last.headers
    assert (h["authorization"], h["openai-organization"], h["openai-project"]) == (
        f"Bearer {KEY}",
        "org-env",
        "proj-env",
    )
    assert wire.last.path == "/chat/completions"


async def test_rate_limit_then_success_through_openai_client(wire: WireServer) -> None:
    sleeps = SleepRecorder()
    wire.queue(
        Reply(
            status=429, json=oc.error_body(429, "Rate limit reached"), headers={"retry-after": "3"}
        ),
        Reply(status=500, json=oc.error_body(500, "The server had an error")),
        Reply(json=COMPLETION),
    )
    settings = ProviderSettings(base_url=wire.base_url + "/v1", api_key=KEY)
    async with oc.OpenAIChatProvider(settings, sleep=sleeps, rand=lambda: 1.0) as p:
        out = await p.complete(rich_request())
    assert out.text.startswith("Hello")
    assert sleeps.delays == [3.0, 1.0]


async def test_stream_options_kept_for_streams_dropped_otherwise(wire: WireServer) -> None:
    wire.queue(Reply(sse=TEXT_STREAM), Reply(json=COMPLETION))
    req = ChatRequest(
        model="gpt-4o",
        messages=[Message.user("hi")],
        extra={"stream_options": {"include_obfuscation": False}},
    )
    async with provider(wire) as p:
        await p.complete_streaming(req)
        await p.complete(req)
    streamed, plain = (r.json for r in wire.requests)
    assert streamed["stream_options"] == {"include_obfuscation": False, "include_usage": True}
    assert "stream_options" not in plain
    assert "stream" not in plain


def test_tool_choice_without_name_is_an_input_error() -> None:
    from switchover.providers import openai_responses as orr

    req = rich_request(tool_choice=ToolChoice(mode="tool"))
    for codec in (oc, orr):
        with pytest.raises(InputError) as ei:
            codec.encode_request(
                req.model_copy(
                    update={
                        "stop": [],
                        "seed": None,
                        "presence_penalty": None,
                        "frequency_penalty": None,
                        "logprobs": None,
                    }
                )
            )
        assert ei.value.field == "tool_choice.name"
