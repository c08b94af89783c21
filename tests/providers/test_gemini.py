"""Gemini generateContent codec (both directions) and client against a loopback wire server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from checks_anthropic_gemini import collect, core, decode_frames
from wire_server import Reply, WireServer

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
from switchover.providers import gemini as gc
from switchover.providers._sse import parse_sse_text
from switchover.providers.base import ProviderSettings, available_providers, create_provider

KEY = "AIzaSyTESTKEY-0123456789abcdefghijklm"
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = Tool(name="get_weather", description="Current weather", parameters=SCHEMA)


def _call_id(name: str, args: dict[str, Any], ordinal: int = 0, sig: str | None = None) -> str:
    body = {"name": name, "args": args}
    return gc._call_id(body, ordinal, sig)


# ------------------------------------------------------------------ request codec


def full_request() -> ChatRequest:
    call = ToolCall.from_args(
        _call_id("get_weather", {"city": "Paris"}, sig="c2lnMQ=="), "get_weather", {"city": "Paris"}
    )
    return ChatRequest(
        model="gemini-2.5-flash",
        messages=[
            Message.system("You are terse."),
            Message.developer("Answer in English."),
            Message(
                role="user",
                content=[
                    TextPart(text="What is this, and the weather?"),
                    ImagePart(data="iVBORw0KGgo=", media_type="image/png"),
                    ImagePart(url="gs://bucket/cat.jpg", media_type="image/jpeg"),
                    ImagePart(url="https://example.com/dog.png"),
                ],
            ),
            Message.assistant("Checking.", [call]),
            Message.tool(call.id, "sunny, 21C"),
            Message.tool("call_x", '{"temp": 21, "unit": "C"}', name="get_weather"),
            Message.user("Thanks!"),
        ],
        tools=[WEATHER],
        tool_choice=ToolChoice(mode="tool", name="get_weather"),
        temperature=0.3,
        top_p=0.9,
        top_k=40,
        max_output_tokens=512,
        stop=["END"],
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        response_format=ResponseFormat(type="json_schema", json_schema=SCHEMA),
        thinking=Thinking(mode="enabled", budget_tokens=1024),
        extra={
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
            "generationConfig": {"candidateCount": 1, "thinkingConfig": {"includeThoughts": True}},
        },
    )


FULL_WIRE: dict[str, Any] = {
    "contents": [
        {
            "role": "user",
            "parts": [
                {"text": "What is this, and the weather?"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                {"fileData": {"mimeType": "image/jpeg", "fileUri": "gs://bucket/cat.jpg"}},
                {"fileData": {"fileUri": "https://example.com/dog.png"}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "Checking."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                    "thoughtSignature": "c2lnMQ==",
                },
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"output": "sunny, 21C"}}},
                {
                    "functionResponse": {
                        "id": "call_x",
                        "name": "get_weather",
                        "response": {"temp": 21, "unit": "C"},
                    }
                },
                {"text": "Thanks!"},
            ],
        },
    ],
    "systemInstruction": {"parts": [{"text": "You are terse."}, {"text": "Answer in English."}]},
    "tools": [
        {
            "functionDeclarations": [
                {"name": "get_weather", "description": "Current weather", "parameters": SCHEMA}
            ]
        }
    ],
    "toolConfig": {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    },
    "generationConfig": {
        "temperature": 0.3,
        "topP": 0.9,
        "topK": 40,
        "maxOutputTokens": 512,
        "seed": 7,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "responseJsonSchema": SCHEMA,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
        "candidateCount": 1,
    },
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
}


def test_encode_request_exact_wire() -> None:
    wire = gc.encode_request(full_request())
    assert wire == FULL_WIRE
    assert "model" not in wire  # the model is in the URL


def test_request_round_trip_neutral_wire_neutral() -> None:
    req = full_request()
    back = gc.decode_request(gc.encode_request(req), model="models/gemini-2.5-flash")
    assert back.model == "gemini-2.5-flash"
    # documented normalisations: developer -> system; tool results gain the function name;
    # a JSON-object result comes back compact
    assert [m.role for m in back.messages] == [
        "system",
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "user",
    ]
    assert back.messages[2:4] == req.messages[2:4]
    assert back.messages[4] == Message.tool(
        req.messages[4].tool_call_id or "", "sunny, 21C", name="get_weather"
    )
    assert back.messages[5] == Message.tool("call_x", '{"temp":21,"unit":"C"}', name="get_weather")
    assert back.model_dump(exclude={"messages", "model"}) == req.model_dump(
        exclude={"messages", "model"}
    )
    assert gc.encode_request(back) == FULL_WIRE


def test_minimal_request_and_thinking_variants() -> None:
    def gen(**kw: Any) -> Any:
        return gc.encode_request(ChatRequest(model="m", messages=[Message.user("hi")], **kw)).get(
            "generationConfig"
        )

    assert gc.encode_request(ChatRequest(model="m", messages=[Message.user("hi")])) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}]
    }
    assert gen(thinking=Thinking(mode="disabled")) == {"thinkingConfig": {"thinkingBudget": 0}}
    assert gen(thinking=Thinking(mode="adaptive")) == {"thinkingConfig": {"thinkingBudget": -1}}
    assert gen(reasoning_effort="low") == {"thinkingConfig": {"thinkingLevel": "low"}}
    assert gen(response_format=ResponseFormat(type="json_object")) == {
        "responseMimeType": "application/json"
    }
    assert gen(response_format=ResponseFormat(type="text")) == {"responseMimeType": "text/plain"}
    assert gen(logprobs=True, top_logprobs=3) == {"responseLogprobs": True, "logprobs": 3}
    for wire_gen in (
        {"thinkingConfig": {"thinkingLevel": "HIGH"}},
        {"thinkingConfig": {"thinkingBudget": -1}},
    ):
        back = gc.decode_request({"contents": [], "generationConfig": wire_gen})
        assert (back.reasoning_effort, back.thinking) in (
            ("high", None),
            (None, Thinking(mode="adaptive")),
        )


@pytest.mark.parametrize(
    ("mode", "wire"),
    [
        (ToolChoice(mode="auto"), {"mode": "AUTO"}),
        (ToolChoice(mode="none"), {"mode": "NONE"}),
        (ToolChoice(mode="required"), {"mode": "ANY"}),
        (ToolChoice(mode="tool", name="f"), {"mode": "ANY", "allowedFunctionNames": ["f"]}),
    ],
)
def test_tool_choice_both_directions(mode: ToolChoice, wire: dict[str, Any]) -> None:
    req = ChatRequest(
        model="m", messages=[Message.user("x")], tool_choice=mode, parallel_tool_calls=True
    )
    body = gc.encode_request(req)
    assert body["toolConfig"] == {"functionCallingConfig": wire}
    assert gc.decode_request(body).tool_choice == mode


def test_tool_config_without_neutral_form_stays_in_extra() -> None:
    for cfg in (
        {"functionCallingConfig": {"mode": "VALIDATED"}},
        {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "b"]}},
        {"retrievalConfig": {"languageCode": "en"}},
    ):
        body = {"contents": [], "toolConfig": cfg}
        assert gc.encode_request(gc.decode_request(body)) == body


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"user": "u1"}, "user"),
        ({"metadata": {"a": "b"}}, "metadata"),
        ({"parallel_tool_calls": False}, "parallel_tool_calls"),
        ({"tools": [Tool(name="f", strict=True)]}, "tools[0].strict"),
        ({"thinking": Thinking(mode="enabled")}, "thinking.budget_tokens"),
        ({"tool_choice": ToolChoice(mode="tool")}, "tool_choice.name"),
        ({"response_format": ResponseFormat(type="json_schema")}, "response_format.json_schema"),
        ({"messages": [Message.tool("call_1", "x")]}, "messages[0].name"),
        (
            {"messages": [Message(role="user", content=[ImagePart(data="AAAA")])]},
            "messages[0].content[0].media_type",
        ),
        ({"messages": [Message(role="user", content=[ImagePart()])]}, "messages[0].content[0]"),
        (
            {
                "messages": [
                    Message(
                        role="assistant", tool_calls=[ToolCall(id="t", name="f", arguments_raw="{")]
                    )
                ]
            },
            "messages[0].tool_calls",
        ),
    ],
)
def test_encode_refuses_what_gemini_cannot_take(kwargs: dict[str, Any], field: str) -> None:
    req = ChatRequest(**{"model": "m", "messages": [Message.user("x")], **kwargs})
    with pytest.raises(InputError) as info:
        gc.encode_request(req)
    assert info.value.field == field


RICH_WIRE: dict[str, Any] = {
    "contents": [
        {
            "role": "user",
            "parts": [
                {"text": "Summarise this PDF and check the weather."},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0x"}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "Thinking about it", "thought": True},
                {
                    "functionCall": {"id": "fc-1", "name": "get_weather", "args": {"city": "Oslo"}},
                    "thoughtSignature": "c2ln",
                },
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "id": "fc-1",
                        "name": "get_weather",
                        "response": {"error": "timeout"},
                    }
                }
            ],
        },
        {"role": "model", "parts": [{"text": "It timed out.", "thoughtSignature": "c2lnMg=="}]},
        {"role": "user", "parts": [{"text": "Try again"}]},
    ],
    "systemInstruction": {"role": "system", "parts": [{"text": "Be helpful."}]},
    "tools": [
        {"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": SCHEMA}]},
        {"googleSearch": {}},
        {"codeExecution": {}},
    ],
    "generationConfig": {
        "responseMimeType": "application/json",
        "responseSchema": {"type": "OBJECT"},
        "thinkingConfig": {"thinkingLevel": "high", "includeThoughts": True},
        "mediaResolution": "MEDIA_RESOLUTION_LOW",
    },
    "cachedContent": "cachedContents/abc123",
    "labels": {"team": "search"},
}


def test_server_decode_keeps_what_neutral_cannot_hold() -> None:
    req = gc.decode_request(RICH_WIRE, model="gemini-3-pro-preview", stream=True)
    assert req.stream is True
    assert [m.role for m in req.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert req.messages[1].content == [TextPart(text="Summarise this PDF and check the weather.")]
    call = req.messages[2].tool_calls[0]
    assert call.id == "fc-1|ts:c2ln"
    assert gc.split_call_id(call.id) == ("fc-1", "c2ln")
    assert req.messages[3].tool_call_id == call.id
    assert req.messages[3].text == '{"error":"timeout"}'
    assert req.tools == [Tool(name="get_weather", parameters=SCHEMA)]
    assert req.response_format == ResponseFormat(type="json_schema", json_schema={"type": "OBJECT"})
    assert req.reasoning_effort == "high"
    assert req.extra["cachedContent"] == "cachedContents/abc123"
    expected = json.loads(json.dumps(RICH_WIRE))
    del expected["systemInstruction"]["role"]  # role on systemInstruction is ignored by the API
    assert gc.encode_request(req) == expected


def test_snake_case_spellings_decode_the_same() -> None:
    snake = {
        "contents": [
            {
                "role": "user",
                "parts": [{"inline_data": {"mime_type": "image/png", "data": "AAAA"}}],
            },
            {"role": "model", "parts": [{"function_call": {"name": "f", "args": {"a": 1}}}]},
            {
                "role": "function",
                "parts": [{"function_response": {"name": "f", "response": {"output": "ok"}}}],
            },
        ],
        "system_instruction": {"parts": [{"text": "sys"}]},
        "tools": [{"function_declarations": [{"name": "f", "parameters": {"type": "object"}}]}],
        "tool_config": {"function_calling_config": {"mode": "AUTO"}},
        "generation_config": {"max_output_tokens": 5, "thinking_config": {"thinking_budget": 0}},
    }
    req = gc.decode_request(snake)
    assert req.system_text == "sys"
    assert req.messages[1].content == [ImagePart(data="AAAA", media_type="image/png")]
    assert req.messages[2].tool_calls[0].name == "f"
    assert req.messages[3] == Message.tool(req.messages[2].tool_calls[0].id, "ok", name="f")
    assert req.tool_choice == ToolChoice(mode="auto")
    assert (req.max_output_tokens, req.thinking) == (5, Thinking(mode="disabled"))


def test_replay_data_of_another_api_is_ignored() -> None:
    req = gc.decode_request(RICH_WIRE)
    req.extra["_wire"]["api"] = "anthropic.messages"
    wire = gc.encode_request(req)
    assert "executableCode" not in json.dumps(wire)
    assert wire["tools"] == [
        {"functionDeclarations": [{"name": "get_weather", "parameters": SCHEMA}]}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "contents"),
        ({"contents": {}}, "contents"),
        ({"contents": ["x"]}, "contents[0]"),
        ({"contents": [{"role": "bot", "parts": []}]}, "contents[0].role"),
        ({"contents": [{"role": "user"}]}, "contents[0].parts"),
        ({"contents": [{"role": "user", "parts": ["x"]}]}, "contents[0].parts[0]"),
        (
            {"contents": [{"role": "model", "parts": [{"functionCall": {"args": {}}}]}]},
            "contents[0].parts[0].functionCall.name",
        ),
        (
            {"contents": [{"role": "user", "parts": [{"functionResponse": {"response": {}}}]}]},
            "contents[0].parts[0].functionResponse.name",
        ),
        (
            {"contents": [{"role": "user", "parts": [{"inlineData": {"data": "x"}}]}]},
            "contents[0].parts[0].inlineData",
        ),
        (
            {"contents": [{"role": "user", "parts": [{"fileData": {}}]}]},
            "contents[0].parts[0].fileData.fileUri",
        ),
        ({"contents": [], "systemInstruction": {"text": "x"}}, "systemInstruction.parts"),
        (
            {"contents": [], "systemInstruction": {"parts": [{"inlineData": {}}]}},
            "systemInstruction.parts[0].text",
        ),
        ({"contents": [], "tools": {}}, "tools"),
        (
            {"contents": [], "tools": [{"functionDeclarations": [{"description": "x"}]}]},
            "tools[0].functionDeclarations[0].name",
        ),
        ({"contents": [], "generationConfig": []}, "generationConfig"),
        ({"contents": [], "generationConfig": {"temperature": "hot"}}, "temperature"),
    ],
)
def test_server_decode_rejects_bad_bodies_naming_the_field(
    body: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as info:
        gc.decode_request(body)
    assert info.value.field == field


def test_server_decode_rejects_non_object_body() -> None:
    with pytest.raises(InputError, match="body"):
        gc.decode_request([])  # type: ignore[arg-type]


# ------------------------------------------------------------------ response codec

RESPONSE_BODY: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "parts": [
                    {"text": "Let me look that up.", "thought": True},
                    {"text": "Checking both cities."},
                    {
                        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": "c2lnMQ==",
                    },
                    {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
                ],
                "role": "model",
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 120,
        "candidatesTokenCount": 30,
        "totalTokenCount": 200,
        "cachedContentTokenCount": 100,
        "thoughtsTokenCount": 50,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 120}],
    },
    "modelVersion": "gemini-3-flash-preview",
    "responseId": "aBcDeFgHiJ",
}


def test_decode_response() -> None:
    resp = gc.decode_response(RESPONSE_BODY)
    assert (resp.id, resp.model) == ("aBcDeFgHiJ", "gemini-3-flash-preview")
    assert resp.text == "Checking both cities."
    assert resp.reasoning_text == "Let me look that up."
    assert [c.name for c in resp.tool_calls] == ["get_weather", "get_weather"]
    assert [c.arguments for c in resp.tool_calls] == [{"city": "Paris"}, {"city": "Oslo"}]
    first, second = (c.id for c in resp.tool_calls)
    assert first == _call_id("get_weather", {"city": "Paris"}, 0, "c2lnMQ==")
    assert first.startswith(gc.GENERATED_ID_PREFIX)
    assert first.endswith("|ts:c2lnMQ==")
    assert second == _call_id("get_weather", {"city": "Oslo"}, 1)
    assert gc.decode_response(RESPONSE_BODY).tool_calls == resp.tool_calls  # stable ids
    assert resp.finish_reason == "tool_calls"
    assert resp.usage == Usage(
        input_tokens=120, cached_input_tokens=100, output_tokens=80, reasoning_tokens=50
    )
    assert resp.raw is RESPONSE_BODY


def test_signature_replays_in_the_next_turn() -> None:
    resp = gc.decode_response(RESPONSE_BODY)
    history = [
        Message.user("Weather in Paris and Oslo?"),
        resp.to_message(),
        *(Message.tool(c.id, "sunny") for c in resp.tool_calls),
    ]
    wire = gc.encode_request(ChatRequest(model="gemini-3-flash-preview", messages=history))
    assert wire["contents"][1] == {
        "role": "model",
        "parts": [
            {"text": "Checking both cities."},
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": "c2lnMQ==",
            },
            {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
        ],
    }
    assert wire["contents"][2]["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
        {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
    ]


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("MALFORMED_FUNCTION_CALL", "error"),
        ("MISSING_THOUGHT_SIGNATURE", "error"),
        ("OTHER", "other"),
        ("LANGUAGE", "other"),
    ],
)
def test_finish_reason_mapping(reason: str, finish: str) -> None:
    body = {
        "candidates": [
            {"content": {"parts": [{"text": "x"}], "role": "model"}, "finishReason": reason}
        ]
    }
    assert gc.decode_response(body).finish_reason == finish


def test_blocked_prompt_has_no_candidates() -> None:
    body = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
        "modelVersion": "gemini-2.5-flash",
    }
    resp = gc.decode_response(body)
    assert (resp.text, resp.finish_reason, resp.usage.input_tokens) == ("", "content_filter", 9)
    dec = gc.StreamDecoder()
    assert [e.finish_reason for e in dec.feed(None, body) if e.type == "finish"] == [
        "content_filter"
    ]


def test_encode_response_then_decode() -> None:
    resp = gc.decode_response(RESPONSE_BODY)
    body = gc.encode_response(resp, model="gemini-3-flash-preview")
    expected = json.loads(json.dumps(RESPONSE_BODY))
    expected["usageMetadata"] = {
        "promptTokenCount": 120,
        "candidatesTokenCount": 30,
        "totalTokenCount": 200,
        "cachedContentTokenCount": 100,
        "thoughtsTokenCount": 50,
    }
    assert body == expected
    assert core(gc.decode_response(body)) == core(resp)


def test_encode_response_minimal_and_refusal() -> None:
    body = gc.encode_response(
        ChatResponse(model="x", refusal="I can't.", finish_reason="refusal"), model="g"
    )
    assert body["candidates"][0]["content"]["parts"] == [{"text": "I can't."}]
    assert body["candidates"][0]["finishReason"] == "STOP"
    assert body["usageMetadata"] == {
        "promptTokenCount": 0,
        "candidatesTokenCount": 0,
        "totalTokenCount": 0,
    }
    assert body["responseId"]


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "INVALID_ARGUMENT"),
        (401, "UNAUTHENTICATED"),
        (403, "PERMISSION_DENIED"),
        (404, "NOT_FOUND"),
        (429, "RESOURCE_EXHAUSTED"),
        (500, "INTERNAL"),
        (503, "UNAVAILABLE"),
        (504, "DEADLINE_EXCEEDED"),
        (502, "INTERNAL"),
        (418, "UNKNOWN"),
    ],
)
def test_error_body_shape(status: int, name: str) -> None:
    assert gc.error_body(status, "boom") == {
        "error": {"code": status, "message": "boom", "status": name}
    }


def test_error_body_details() -> None:
    body = gc.error_body(
        400, "API key not valid. Please pass a valid API key.", code="API_KEY_INVALID", param="key"
    )
    assert body["error"]["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
        },
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [
                {"field": "key", "description": "API key not valid. Please pass a valid API key."}
            ],
        },
    ]


# ------------------------------------------------------------------ streaming codec


def _chunk(parts: list[dict[str, Any]], usage: dict[str, int], finish: str | None = None) -> bytes:
    cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    body = {
        "candidates": [cand],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.5-flash",
        "responseId": "rid-1",
    }
    return f"data: {json.dumps(body)}\r\n\r\n".encode()


# What streamGenerateContent?alt=sse sends: one GenerateContentResponse per data line.
STREAM = [
    _chunk(
        [{"text": "Weighing options", "thought": True}],
        {"promptTokenCount": 12, "totalTokenCount": 12},
    ),
    _chunk(
        [{"text": "The weather "}],
        {"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15},
    ),
    _chunk(
        [{"text": "is sunny."}],
        {"promptTokenCount": 12, "candidatesTokenCount": 6, "totalTokenCount": 18},
    ),
    _chunk(
        [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": "c2ln",
            }
        ],
        {
            "promptTokenCount": 12,
            "candidatesTokenCount": 10,
            "thoughtsTokenCount": 4,
            "totalTokenCount": 26,
        },
        "STOP",
    ),
]
STREAM_BODY: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "parts": [
                    {"text": "Weighing options", "thought": True},
                    {"text": "The weather is sunny."},
                    {
                        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": "c2ln",
                    },
                ],
                "role": "model",
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 12,
        "candidatesTokenCount": 10,
        "thoughtsTokenCount": 4,
        "totalTokenCount": 26,
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "rid-1",
}


def test_stream_fold_equals_non_streaming() -> None:
    folded = fold_stream(decode_frames(gc.StreamDecoder(), STREAM))
    assert core(folded) == core(gc.decode_response(STREAM_BODY))


def test_stream_encoder_round_trip() -> None:
    resp = gc.decode_response(STREAM_BODY)
    enc = gc.StreamEncoder("gemini-2.5-flash")
    frames: list[bytes] = []
    for ev in decode_frames(gc.StreamDecoder(), STREAM):
        frames += enc.encode(ev)
    frames += enc.close()
    assert enc.close() == []
    assert enc.encode(StreamEvent(type="text", text="late")) == []
    chunks = [json.loads(d) for _, d in parse_sse_text(b"".join(frames))]
    assert all(
        c["responseId"] == "rid-1" and c["modelVersion"] == "gemini-2.5-flash" for c in chunks
    )
    assert [c["candidates"][0]["content"]["parts"] for c in chunks] == [
        [{"text": "Weighing options", "thought": True}],
        [{"text": "The weather "}],
        [{"text": "is sunny."}],
        [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": "c2ln",
            }
        ],
    ]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert core(fold_stream(decode_frames(gc.StreamDecoder(), frames))) == core(resp)


def test_stream_encoder_assembles_argument_deltas() -> None:
    enc = gc.StreamEncoder("g")
    frames = enc.encode(
        StreamEvent(type="tool_call_start", index=0, tool_call_id="call_1", name="f")
    )
    frames += enc.encode(StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"a":'))
    frames += enc.encode(StreamEvent(type="tool_call_delta", arguments_delta="1}"))
    frames += enc.encode(
        StreamEvent(
            type="tool_call_start", index=1, tool_call_id="call_2", name="g", arguments_delta="{bad"
        )
    )
    frames += enc.encode(StreamEvent(type="text", text="done"))
    frames += enc.close()
    chunks = [json.loads(d) for _, d in parse_sse_text(b"".join(frames))]
    assert chunks[0]["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"id": "call_1", "name": "f", "args": {"a": 1}}},
        {"functionCall": {"id": "call_2", "name": "g", "args": {}}},
        {"text": "done"},
    ]
    assert chunks[1]["candidates"][0] == {
        "content": {"parts": [], "role": "model"},
        "index": 0,
        "finishReason": "STOP",
    }


# ------------------------------------------------------------------ client


def _provider(srv: WireServer, **kw: Any) -> gc.GeminiProvider:
    options = kw.pop("options", {})
    settings = ProviderSettings(
        base_url=srv.base_url, api_key=KEY, max_retries=kw.pop("max_retries", 0), options=options
    )
    return gc.GeminiProvider(settings, **kw)


def _simple_request(model: str = "gemini-2.5-flash") -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[Message.system("Be brief."), Message.user("Weather in Paris?")],
        tools=[WEATHER],
        max_output_tokens=256,
    )


SIMPLE_WIRE = {
    "contents": [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}],
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "tools": [
        {
            "functionDeclarations": [
                {"name": "get_weather", "description": "Current weather", "parameters": SCHEMA}
            ]
        }
    ],
    "generationConfig": {"maxOutputTokens": 256},
}


async def test_complete_sends_the_exact_request(wire: WireServer) -> None:
    wire.queue(Reply(json=STREAM_BODY, headers={"x-request-id": "g-req-1"}))
    async with _provider(wire) as provider:
        resp = await provider.complete(_simple_request("models/gemini-2.5-flash"))
    rec = wire.last
    assert (rec.method, rec.path, rec.query) == (
        "POST",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        {},
    )
    assert rec.headers["x-goog-api-key"] == KEY
    assert rec.headers["content-type"] == "application/json"
    assert "authorization" not in rec.headers
    assert KEY not in rec.raw_path
    assert rec.json == SIMPLE_WIRE
    assert core(resp) == core(gc.decode_response(STREAM_BODY))
    assert (resp.provider, resp.provider_request_id) == ("gemini", "g-req-1")


async def test_stream_uses_alt_sse_and_folds_like_complete(wire: WireServer) -> None:
    wire.queue(Reply(sse=STREAM), Reply(json=STREAM_BODY))
    async with _provider(wire, options={"api_version": "v1"}) as provider:
        streamed = await provider.complete_streaming(_simple_request())
        plain = await provider.complete(_simple_request())
    first = wire.requests[0]
    assert first.path == "/v1/models/gemini-2.5-flash:streamGenerateContent"
    assert first.query == {"alt": ["sse"]}
    assert first.json == SIMPLE_WIRE  # no "stream" key: streaming is chosen by the URL
    assert wire.requests[1].path == "/v1/models/gemini-2.5-flash:generateContent"
    assert core(streamed) == core(plain)


async def test_stream_error_chunk_raises(wire: WireServer) -> None:
    err = gc.error_body(429, "Resource has been exhausted (e.g. check quota).")
    wire.queue(Reply(sse=[STREAM[0], f"data: {json.dumps(err)}\r\n\r\n".encode()]))
    seen: list[StreamEvent] = []

    async with _provider(wire) as provider:
        with pytest.raises(RateLimitError, match="exhausted"):
            await collect(lambda: provider.stream(_simple_request()), seen)
    assert [e.type for e in seen] == ["start", "reasoning", "usage"]


async def test_stream_error_body_is_redacted(wire: WireServer) -> None:
    err = gc.error_body(400, f"API key {KEY} not valid.")
    err["error"]["details"] = [{"reason": "API_KEY_INVALID", "metadata": {"key": KEY}}]
    wire.queue(Reply(sse=[STREAM[0], f"data: {json.dumps(err)}\r\n\r\n".encode()]))
    async with _provider(wire) as provider:
        with pytest.raises(ProviderBadRequestError) as info:
            await collect(lambda: provider.stream(_simple_request()), [])
    assert KEY not in str(info.value)
    assert KEY not in json.dumps(info.value.body)
    assert info.value.body["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("status", "message", "reason", "exc"),
    [
        (
            400,
            'Invalid JSON payload received. Unknown name "foo": Cannot find field.',
            None,
            ProviderBadRequestError,
        ),
        (400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID", AuthError),
        (403, "Method doesn't allow unregistered callers.", None, AuthError),
        (404, "models/gemini-9 is not found for API version v1beta.", None, ModelNotFoundError),
        (
            404,
            "Gemini 1.0 Pro Vision has been deprecated and is no longer available for this model.",
            None,
            ModelRetiredError,
        ),
        (429, "Resource has been exhausted (e.g. check quota).", None, RateLimitError),
        (500, "An internal error has occurred.", None, ProviderServerError),
        (503, "The model is overloaded. Please try again later.", None, ProviderServerError),
    ],
)
async def test_error_mapping(
    wire: WireServer, status: int, message: str, reason: str | None, exc: type[Exception]
) -> None:
    wire.queue(Reply(status=status, json=gc.error_body(status, message, code=reason)))
    async with _provider(wire) as provider:
        with pytest.raises(exc) as info:
            await provider.complete(_simple_request())
    err = info.value
    assert type(err) is exc
    assert err.provider_message == message  # type: ignore[attr-defined]
    assert err.status == status  # type: ignore[attr-defined]


async def test_rate_limit_reads_retry_info(wire: WireServer) -> None:
    body = gc.error_body(429, "Quota exceeded for metric generate_content_free_tier_requests")
    body["error"]["details"] = [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}
    ]
    wire.queue(Reply(status=429, json=body))
    async with _provider(wire) as provider:
        with pytest.raises(RateLimitError) as info:
            await provider.complete(_simple_request())
    assert info.value.retry_after == 37.0


async def test_retries_429_and_503_honouring_retry_after(wire: WireServer, sleeps: Any) -> None:
    wire.queue(
        Reply(
            status=429,
            json=gc.error_body(429, "Resource has been exhausted"),
            headers={"retry-after": "4"},
        ),
        Reply(status=503, json=gc.error_body(503, "The model is overloaded.")),
        Reply(json=STREAM_BODY),
    )
    async with _provider(wire, max_retries=2, sleep=sleeps, rand=lambda: 1.0) as provider:
        resp = await provider.complete(_simple_request())
    assert resp.text == "The weather is sunny."
    assert len(wire.requests) == 3
    assert sleeps.delays[0] == 4.0
    assert len(sleeps.delays) == 2


async def test_retries_after_a_connection_reset(wire: WireServer, sleeps: Any) -> None:
    wire.queue(Reply(action="reset"), Reply(json=STREAM_BODY))
    async with _provider(wire, max_retries=1, sleep=sleeps, rand=lambda: 0.25) as provider:
        resp = await provider.complete(_simple_request())
    assert resp.id == "rid-1"
    assert len(sleeps.delays) == 1


async def test_key_never_shows_in_repr_or_errors(wire: WireServer) -> None:
    wire.queue(
        Reply(
            status=400, json=gc.error_body(400, f"API key {KEY} not valid.", code="API_KEY_INVALID")
        )
    )
    async with _provider(wire) as provider:
        assert KEY not in repr(provider)
        with pytest.raises(AuthError) as info:
            await provider.complete(_simple_request())
    assert KEY not in str(info.value)
    assert KEY not in str(info.value.provider_message)
    assert KEY not in json.dumps(info.value.body)


async def test_keys_from_environment(wire: WireServer, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ProviderSettings(base_url=wire.base_url, max_retries=0)
    monkeypatch.setenv("GOOGLE_API_KEY", "AIzaGoogleFallbackKey000000000")
    wire.queue(Reply(json=STREAM_BODY), Reply(json=STREAM_BODY))
    async with gc.create_provider(settings) as provider:
        await provider.complete(_simple_request())
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaGeminiPreferredKey00000000")
    async with gc.create_provider(settings) as provider:
        await provider.complete(_simple_request())
    assert [r.headers["x-goog-api-key"] for r in wire.requests] == [
        "AIzaGoogleFallbackKey000000000",
        "AIzaGeminiPreferredKey00000000",
    ]


async def test_missing_key_is_an_auth_error_naming_the_variable() -> None:
    async with gc.GeminiProvider(ProviderSettings(base_url="http://127.0.0.1:9")) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(_simple_request())
    assert info.value.hint is not None
    assert "GEMINI_API_KEY" in info.value.hint


async def test_registered_as_entry_point(wire: WireServer) -> None:
    assert "gemini" in available_providers()
    provider = create_provider("gemini", ProviderSettings(base_url=wire.base_url, api_key=KEY))
    assert isinstance(provider, gc.GeminiProvider)
    await provider.aclose()


@pytest.mark.live
async def test_live_round_trip() -> None:
    """Against the real API (needs GEMINI_API_KEY and --run-live)."""
    req = ChatRequest(
        model="gemini-2.5-flash", messages=[Message.user("Say OK.")], max_output_tokens=64
    )
    async with gc.create_provider(ProviderSettings(max_retries=2)) as provider:
        plain = await provider.complete(req)
        streamed = await provider.complete_streaming(req)
    assert plain.usage.input_tokens > 0
    assert streamed.finish_reason in ("stop", "length")


def test_parts_with_nested_extras_are_replayed_whole() -> None:
    body = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "image/png",
                            "data": "AAAA",
                            "displayName": "a.png",
                        }
                    }
                ],
            },
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "scan", "args": {}, "willContinue": True}}],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "name": "scan",
                            "response": {"output": "page 1"},
                            "willContinue": True,
                        }
                    }
                ],
            },
        ]
    }
    req = gc.decode_request(body)
    assert req.messages[0].content == [ImagePart(data="AAAA", media_type="image/png")]
    assert req.messages[2].text == "page 1"
    assert gc.encode_request(req) == body
