"""Responses API: client against a loopback server answering as the API reference documents,
and the server-side codec."""

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
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
    fold_stream,
)
from switchover.errors import (
    InputError,
    ProviderBadRequestError,
    ProviderServerError,
    RateLimitError,
)
from switchover.providers import openai_responses as orr
from switchover.providers._replay import public_extra
from switchover.providers._sse import format_sse, parse_sse_text
from switchover.providers.base import ProviderSettings
from switchover.providers.base import create_provider as registry_create

KEY = "sk-test-SECRET123456"

USAGE = {
    "input_tokens": 36,
    "input_tokens_details": {"cached_tokens": 12},
    "output_tokens": 87,
    "output_tokens_details": {"reasoning_tokens": 20},
    "total_tokens": 123,
}


def response_obj(
    output: list[dict[str, Any]], status: str = "completed", **kw: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-4.1-2025-04-14",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": USAGE,
        "user": None,
        "metadata": {},
    }
    body.update(kw)
    return body


MESSAGE_ITEM = {
    "type": "message",
    "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
    "status": "completed",
    "role": "assistant",
    "content": [
        {
            "type": "output_text",
            "text": "In a peaceful grove beneath a silver moon.",
            "annotations": [],
        }
    ],
}
REASONING_ITEM = {
    "type": "reasoning",
    "id": "rs_6820f383d7c08191846711c5df8233bc",
    "summary": [{"type": "summary_text", "text": "Thinking about unicorns."}],
}
CALL_ITEM = {
    "type": "function_call",
    "id": "fc_12345xyz",
    "call_id": "call_12345xyz",
    "name": "get_weather",
    "arguments": '{"location":"Paris, France"}',
    "status": "completed",
}
TEXT_RESPONSE = response_obj([REASONING_ITEM, MESSAGE_ITEM])
CALL_RESPONSE = response_obj([CALL_ITEM])


def ev(etype: str, seq: int, **fields: Any) -> bytes:
    return format_sse(json.dumps({"type": etype, "sequence_number": seq, **fields}), etype)


def _in_progress() -> dict[str, Any]:
    return response_obj([], status="in_progress", usage=None)


TEXT_STREAM = [
    ev("response.created", 0, response=_in_progress()),
    ev("response.in_progress", 1, response=_in_progress()),
    ev(
        "response.output_item.added",
        2,
        output_index=0,
        item={"id": "rs_1", "type": "reasoning", "summary": []},
    ),
    ev(
        "response.reasoning_summary_part.added",
        3,
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        part={"type": "summary_text", "text": ""},
    ),
    ev(
        "response.reasoning_summary_text.delta",
        4,
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        delta="Thinking about unicorns.",
    ),
    ev(
        "response.reasoning_summary_text.done",
        5,
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        text="Thinking about unicorns.",
    ),
    ev("response.output_item.done", 6, output_index=0, item=REASONING_ITEM),
    ev(
        "response.output_item.added",
        7,
        output_index=1,
        item={
            "id": "msg_1",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        },
    ),
    ev(
        "response.content_part.added",
        8,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        part={"type": "output_text", "text": "", "annotations": []},
    ),
    ev(
        "response.output_text.delta",
        9,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        delta="In a peaceful grove ",
        logprobs=[],
    ),
    ev(
        "response.output_text.delta",
        10,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        delta="beneath a silver moon.",
        logprobs=[],
    ),
    ev(
        "response.output_text.done",
        11,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        text="In a peaceful grove beneath a silver moon.",
        logprobs=[],
    ),
    ev(
        "response.content_part.done",
        12,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        part=MESSAGE_ITEM["content"][0],
    ),
    ev("response.output_item.done", 13, output_index=1, item=MESSAGE_ITEM),
    ev("response.completed", 14, response=TEXT_RESPONSE),
]

CALL_STREAM = [
    ev("response.created", 0, response=_in_progress()),
    ev(
        "response.output_item.added",
        1,
        output_index=0,
        item={**CALL_ITEM, "arguments": "", "status": "in_progress"},
    ),
    ev(
        "response.function_call_arguments.delta",
        2,
        item_id="fc_12345xyz",
        output_index=0,
        delta='{"location":',
    ),
    ev(
        "response.function_call_arguments.delta",
        3,
        item_id="fc_12345xyz",
        output_index=0,
        delta='"Paris, France"}',
    ),
    ev(
        "response.function_call_arguments.done",
        4,
        item_id="fc_12345xyz",
        output_index=0,
        arguments=CALL_ITEM["arguments"],
    ),
    ev("response.output_item.done", 5, output_index=0, item=CALL_ITEM),
    ev("response.completed", 6, response=CALL_RESPONSE),
]

WEATHER = Tool(
    name="get_weather",
    description="Get current temperature for a given location.",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
        "additionalProperties": False,
    },
    strict=True,
)


def rich_request(**kw: Any) -> ChatRequest:
    base: dict[str, Any] = {
        "model": "gpt-4.1",
        "messages": [
            Message.system("You are a weather bot."),
            Message(
                role="user",
                content=[
                    TextPart(text="Weather here?"),
                    ImagePart(url="https://example.com/sky.jpg", detail="low"),
                ],
            ),
            Message.assistant(
                "Let me check.", [ToolCall.from_args("call_1", "get_weather", {"location": "Oslo"})]
            ),
            Message.tool("call_1", '{"temp": 3}'),
        ],
        "tools": [WEATHER],
        "tool_choice": ToolChoice(mode="tool", name="get_weather"),
        "parallel_tool_calls": False,
        "response_format": ResponseFormat(
            type="json_schema", name="weather", json_schema={"type": "object"}, strict=True
        ),
        "reasoning_effort": "medium",
        "temperature": 0.5,
        "top_p": 0.9,
        "max_output_tokens": 500,
        "user": "u-1",
        "metadata": {"k": "v"},
        "extra": {"store": False, "previous_response_id": "resp_prev"},
    }
    base.update(kw)
    return ChatRequest(**base)


RICH_WIRE: dict[str, Any] = {
    "model": "gpt-4.1",
    "instructions": "You are a weather bot.",
    "input": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Weather here?"},
                {
                    "type": "input_image",
                    "image_url": "https://example.com/sky.jpg",
                    "detail": "low",
                },
            ],
        },
        {"role": "assistant", "content": [{"type": "output_text", "text": "Let me check."}]},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"location":"Oslo"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp": 3}'},
    ],
    "tools": [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Get current temperature for a given location.",
            "parameters": WEATHER.parameters,
            "strict": True,
        }
    ],
    "tool_choice": {"type": "function", "name": "get_weather"},
    "parallel_tool_calls": False,
    "text": {
        "format": {
            "type": "json_schema",
            "name": "weather",
            "schema": {"type": "object"},
            "strict": True,
        }
    },
    "reasoning": {"effort": "medium"},
    "temperature": 0.5,
    "top_p": 0.9,
    "max_output_tokens": 500,
    "user": "u-1",
    "metadata": {"k": "v"},
    "store": False,
    "previous_response_id": "resp_prev",
}


def provider(srv: WireServer) -> orr.OpenAIResponsesProvider:
    return orr.create_provider(
        ProviderSettings(base_url=srv.base_url + "/v1", api_key=KEY), sleep=SleepRecorder()
    )


def test_encode_request_matches_documented_wire_body() -> None:
    assert orr.encode_request(rich_request()) == RICH_WIRE


def test_encode_simple_string_input_and_refusals() -> None:
    req = ChatRequest(model="gpt-4.1", messages=[Message.user("Tell me a story")], stream=True)
    assert orr.encode_request(req) == {
        "model": "gpt-4.1",
        "input": "Tell me a story",
        "stream": True,
    }
    for field, value in [
        ("stop", ["x"]),
        ("seed", 1),
        ("presence_penalty", 0.1),
        ("top_k", 3),
        ("logprobs", True),
    ]:
        with pytest.raises(InputError) as ei:
            orr.encode_request(req.model_copy(update={field: value}))
        assert ei.value.field == field
    with pytest.raises(InputError, match="tool_call_id"):
        orr.encode_request(
            ChatRequest(
                model="m",
                messages=[Message.user("a"), Message(role="tool", content=[TextPart(text="x")])],
            )
        )


async def test_complete_round_trip_against_server(wire: WireServer) -> None:
    wire.queue(Reply(json=TEXT_RESPONSE, headers={"x-request-id": "req_r1"}))
    async with provider(wire) as p:
        out = await p.complete(rich_request(stream=True))
    rec = wire.last
    assert (rec.method, rec.path) == ("POST", "/v1/responses")
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.json == RICH_WIRE
    assert out.text == "In a peaceful grove beneath a silver moon."
    assert out.reasoning_text == "Thinking about unicorns."
    assert out.finish_reason == "stop"
    assert out.usage == Usage(
        input_tokens=36, cached_input_tokens=12, output_tokens=87, reasoning_tokens=20
    )
    assert (out.id, out.provider, out.provider_request_id) == (
        TEXT_RESPONSE["id"],
        "openai-responses",
        "req_r1",
    )


@pytest.mark.parametrize(
    ("frames", "body"),
    [(TEXT_STREAM, TEXT_RESPONSE), (CALL_STREAM, CALL_RESPONSE)],
    ids=["text", "call"],
)
async def test_stream_fold_equals_non_streaming(
    wire: WireServer, frames: list[bytes], body: dict[str, Any]
) -> None:
    wire.queue(Reply(sse=frames), Reply(json=body))
    async with provider(wire) as p:
        streamed = await p.complete_streaming(rich_request())
        whole = await p.complete(rich_request())
    assert wire.requests[0].json == {**RICH_WIRE, "stream": True}
    assert wire.requests[1].json == RICH_WIRE
    keep = {
        "text",
        "tool_calls",
        "finish_reason",
        "usage",
        "refusal",
        "reasoning_text",
        "id",
        "model",
    }
    assert streamed.model_dump(include=keep) == whole.model_dump(include=keep)


def test_decoder_only_done_arguments_and_unknown_events() -> None:
    dec = orr.StreamDecoder()
    evs = dec.feed(
        "response.output_item.added",
        {
            "type": "response.output_item.added",
            "item": {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "c1",
                "name": "f",
                "arguments": "",
            },
        },
    )
    evs += dec.feed(
        "response.function_call_arguments.done",
        {
            "type": "response.function_call_arguments.done",
            "item_id": "fc_1",
            "arguments": '{"a":1}',
        },
    )
    evs += dec.feed(
        "response.output_item.done",
        {
            "type": "response.output_item.done",
            "item": {"type": "function_call", "id": "fc_1", "arguments": '{"a":1}'},
        },
    )
    evs += dec.feed("response.function_call_arguments.delta", {"item_id": "unknown", "delta": "x"})
    evs += dec.feed(None, {"type": "response.refusal.delta", "delta": "No."})
    evs += dec.feed(
        "response.web_search_call.searching", {"type": "response.web_search_call.searching"}
    )
    evs += dec.feed(
        "response.incomplete",
        {
            "type": "response.incomplete",
            "response": {
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        },
    )
    out = fold_stream(evs)
    assert out.tool_calls == [ToolCall.from_raw("c1", "f", '{"a":1}')]
    assert out.refusal == "No."
    assert out.finish_reason == "length"


@pytest.mark.parametrize(
    ("frame", "cls", "message"),
    [
        (
            ev("error", 1, code="rate_limit_exceeded", message="Rate limit reached", param=None),
            RateLimitError,
            "Rate limit reached",
        ),
        (
            ev("error", 1, code="server_error", message="Internal", param=None),
            ProviderServerError,
            "Internal",
        ),
        (
            ev("error", 1, code="invalid_prompt", message="Bad prompt", param="input"),
            ProviderBadRequestError,
            "Bad prompt",
        ),
        (
            ev(
                "response.failed",
                1,
                response=response_obj(
                    [],
                    status="failed",
                    error={"code": "server_error", "message": "The model failed"},
                ),
            ),
            ProviderServerError,
            "The model failed",
        ),
    ],
)
async def test_stream_errors(
    wire: WireServer, frame: bytes, cls: type[Exception], message: str
) -> None:
    wire.queue(Reply(sse=[TEXT_STREAM[0], frame]))
    async with provider(wire) as p:
        with pytest.raises(cls) as ei:
            await p.complete_streaming(rich_request())
    assert getattr(ei.value, "provider_message", None) == message


def test_decode_response_statuses_and_refusal() -> None:
    refusal_msg = {
        **MESSAGE_ITEM,
        "content": [{"type": "refusal", "refusal": "I can't help with that."}],
    }
    out = orr.decode_response(response_obj([refusal_msg]))
    assert (out.finish_reason, out.refusal, out.text) == ("refusal", "I can't help with that.", "")
    out = orr.decode_response(
        response_obj(
            [MESSAGE_ITEM], status="incomplete", incomplete_details={"reason": "max_output_tokens"}
        )
    )
    assert out.finish_reason == "length"
    out = orr.decode_response(
        response_obj([], status="incomplete", incomplete_details={"reason": "content_filter"})
    )
    assert out.finish_reason == "content_filter"
    assert orr.decode_response(response_obj([], status="failed")).finish_reason == "error"
    call = orr.decode_response(CALL_RESPONSE)
    assert call.finish_reason == "tool_calls"
    assert call.tool_calls == [
        ToolCall.from_raw("call_12345xyz", "get_weather", '{"location":"Paris, France"}')
    ]
    with pytest.raises(InputError, match="output"):
        orr.decode_response({"object": "response"})


# --- server side ------------------------------------------------------------------------


def test_decode_request_inverse_of_encode() -> None:
    req = orr.decode_request(copy.deepcopy(RICH_WIRE))
    assert req.model_dump(exclude={"extra"}) == rich_request().model_dump(exclude={"extra"})
    assert orr.encode_request(req) == RICH_WIRE


GATEWAY_BODIES: list[dict[str, Any]] = [
    {"model": "gpt-4.1", "input": "Tell me a three sentence bedtime story about a unicorn."},
    {"model": "gpt-4.1", "instructions": "Say hi.", "previous_response_id": "resp_1"},
    {"model": "gpt-4.1", "input": []},
    {"model": "gpt-4.1", "instructions": "Be brief.", "input": [{"role": "user", "content": "hi"}]},
    {
        "model": "o4-mini",
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        ],
    },
    {
        "model": "o4-mini",
        "input": [
            {"role": "developer", "content": "dev"},
            {"role": "system", "content": "sys"},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "look"},
                    {
                        "type": "input_image",
                        "image_url": "data:image/png;base64,iVBORw0KGgo=",
                        "detail": "auto",
                    },
                    {"type": "input_file", "file_id": "file-123"},
                    {"type": "input_image", "file_id": "file-img"},
                ],
            },
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"},
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "f",
                "arguments": "{}",
                "status": "completed",
            },
            {
                "type": "function_call",
                "id": "fc_2",
                "call_id": "call_2",
                "name": "g",
                "arguments": "{bad",
                "status": "completed",
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "1"},
            {"type": "function_call_output", "call_id": "call_2", "output": "2"},
            {
                "type": "message",
                "role": "assistant",
                "id": "msg_1",
                "status": "completed",
                "content": [{"type": "output_text", "text": "done", "annotations": []}],
            },
            {"type": "item_reference", "id": "msg_0"},
            {"role": "user", "content": "thanks"},
        ],
        "tools": [
            {"type": "web_search_preview"},
            {
                "type": "function",
                "name": "f",
                "parameters": {"type": "object"},
                "strict": False,
                "defer_loading": True,
            },
        ],
        "tool_choice": {"type": "web_search_preview"},
        "text": {
            "format": {
                "type": "json_schema",
                "name": "x",
                "description": "d",
                "schema": {"type": "object"},
                "strict": True,
            },
            "verbosity": "low",
        },
        "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "truncation": "auto",
        "stream": True,
        "top_logprobs": 2,
    },
    {
        "model": "m",
        "input": [{"role": "user", "content": "x"}],
        "text": {"format": {"type": "json_object"}},
        "tool_choice": "required",
    },
    {
        "model": "m",
        "input": "x",
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
    },
]


@pytest.mark.parametrize("body", GATEWAY_BODIES)
def test_gateway_bodies_round_trip_verbatim(body: dict[str, Any]) -> None:
    req = orr.decode_request(copy.deepcopy(body))
    assert orr.encode_request(req) == body


def test_neutral_view_of_rich_body() -> None:
    req = orr.decode_request(copy.deepcopy(next(b for b in GATEWAY_BODIES if "include" in b)))
    roles = [m.role for m in req.messages]
    assert roles == [
        "developer",
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
        "user",
    ]
    assert [tc.id for tc in req.messages[3].tool_calls] == ["call_1", "call_2"]
    assert req.messages[3].tool_calls[1].arguments is None
    assert req.messages[2].text == "look"
    assert isinstance(req.messages[2].content[1], ImagePart)
    assert req.messages[2].content[1].media_type == "image/png"
    assert req.reasoning_effort == "high"
    assert req.response_format is not None
    assert req.response_format.name == "x"
    assert [t.name for t in req.tools] == ["f"]
    assert req.tool_choice is None
    assert public_extra(req.extra) == {
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "truncation": "auto",
        "tool_choice": {"type": "web_search_preview"},
        "text": {"verbosity": "low", "format": {"description": "d"}},
        "reasoning": {"summary": "auto"},
    }
    assert req.stream is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input": "x"}, "model"),
        ({"model": "m", "input": [3]}, "input[0]"),
        ({"model": "m", "input": [{"content": "x"}]}, "input[0].type"),
        ({"model": "m", "input": [{"role": "tool", "content": "x"}]}, "input[0].role"),
        (
            {"model": "m", "input": [{"role": "user", "content": [{"text": "x"}]}]},
            "input[0].content[0].type",
        ),
        (
            {"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "{}"}]},
            "input[0].call_id",
        ),
        (
            {"model": "m", "input": [{"type": "function_call_output", "output": "x"}]},
            "input[0].call_id",
        ),
        ({"model": "m", "input": "x", "instructions": 5}, "instructions"),
        ({"model": "m", "input": "x", "tool_choice": 5}, "tool_choice"),
        ({"model": "m", "input": "x", "text": {"format": {"type": "yaml"}}}, "text.format.type"),
        (
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "schema": {}}}},
            "text.format.name",
        ),
        ({"model": "m", "input": "x", "reasoning": {"effort": 1}}, "reasoning.effort"),
        ({"model": "m", "input": "x", "metadata": {"a": 1}}, "metadata"),
        ({"model": "m", "input": "x", "max_output_tokens": "10"}, "max_output_tokens"),
        (
            {"model": "m", "input": "x", "tools": [{"type": "function", "parameters": {}}]},
            "tools[0].name",
        ),
    ],
)
def test_decode_request_errors_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as ei:
        orr.decode_request(body)
    assert ei.value.field == field


@pytest.mark.parametrize(
    ("resp", "status", "details"),
    [
        (
            ChatResponse(
                model="m",
                text="hi",
                reasoning_text="why",
                usage=Usage(input_tokens=3, output_tokens=2),
            ),
            "completed",
            None,
        ),
        (
            ChatResponse(
                model="m",
                tool_calls=[ToolCall.from_args("call_1", "f", {"a": 1})],
                finish_reason="tool_calls",
            ),
            "completed",
            None,
        ),
        (
            ChatResponse(model="m", text="cut", finish_reason="length"),
            "incomplete",
            {"reason": "max_output_tokens"},
        ),
        (
            ChatResponse(model="m", finish_reason="content_filter"),
            "incomplete",
            {"reason": "content_filter"},
        ),
        (ChatResponse(model="m", refusal="no", finish_reason="refusal"), "completed", None),
        (ChatResponse(model="m", finish_reason="error"), "failed", None),
    ],
)
def test_encode_response_round_trip(resp: ChatResponse, status: str, details: Any) -> None:
    body = orr.encode_response(resp, model="m", created=5)
    assert (body["object"], body["status"], body["incomplete_details"], body["created_at"]) == (
        "response",
        status,
        details,
        5,
    )
    assert body["id"].startswith("resp_")
    back = orr.decode_response(body)
    keep = {"text", "tool_calls", "finish_reason", "refusal", "reasoning_text", "usage"}
    assert back.model_dump(include=keep) == resp.model_dump(include=keep)


def test_error_body_is_openai_shape() -> None:
    assert orr.error_body(400, "bad", param="input") == {
        "error": {"message": "bad", "type": "invalid_request_error", "param": "input", "code": None}
    }


STREAM_EVENTS = [
    StreamEvent(type="start", id="resp_abc", model="o4-mini"),
    StreamEvent(type="reasoning", text="Let me "),
    StreamEvent(type="reasoning", text="think."),
    StreamEvent(type="text", text="Hello "),
    StreamEvent(type="text", text="world"),
    StreamEvent(type="refusal", text="but no more."),
    StreamEvent(
        type="tool_call_start", index=0, tool_call_id="call_1", name="f", arguments_delta='{"a"'
    ),
    StreamEvent(type="tool_call_delta", index=0, arguments_delta=":1}"),
    StreamEvent(type="tool_call_start", index=1, tool_call_id="call_2", name="g"),
    StreamEvent(type="tool_call_delta", index=1, arguments_delta="{}"),
    StreamEvent(type="usage", usage=Usage(input_tokens=10, output_tokens=20, reasoning_tokens=5)),
    StreamEvent(type="finish", finish_reason="tool_calls"),
]


def test_stream_encoder_documented_sequence_and_fold() -> None:
    enc = orr.StreamEncoder("o4-mini", created=7)
    frames = [f for e in STREAM_EVENTS for f in enc.encode(e)] + enc.close()
    events = parse_sse_text(b"".join(frames))
    names = [n for n, _ in events]
    datas = [json.loads(d) for _, d in events]
    assert all(n == d["type"] for n, d in zip(names, datas, strict=True))
    assert [d["sequence_number"] for d in datas] == list(range(len(datas)))
    assert names[:2] == ["response.created", "response.in_progress"]
    assert names[-1] == "response.completed"
    assert names[2:9] == [
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
    ]
    assert names.count("response.function_call_arguments.done") == 2
    assert names.index("response.refusal.delta") > names.index("response.output_text.done")
    final = datas[-1]["response"]
    assert final["id"] == "resp_abc"
    assert [it["type"] for it in final["output"]] == [
        "reasoning",
        "message",
        "function_call",
        "function_call",
    ]
    assert final["output"][1]["content"] == [
        {"type": "output_text", "text": "Hello world", "annotations": [], "logprobs": []},
        {"type": "refusal", "refusal": "but no more."},
    ]
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 5
    # Decoding our own stream gives the same as decoding the final response object.
    dec = orr.StreamDecoder()
    folded = fold_stream([e for n, d in zip(names, datas, strict=True) for e in dec.feed(n, d)])
    whole = orr.decode_response(final)
    keep = {
        "text",
        "tool_calls",
        "finish_reason",
        "refusal",
        "reasoning_text",
        "usage",
        "id",
        "model",
    }
    assert folded.model_dump(include=keep) == whole.model_dump(include=keep)
    assert enc.encode(StreamEvent(type="text", text="late")) == []
    assert enc.close() == []


def test_stream_encoder_close_and_error() -> None:
    enc = orr.StreamEncoder("m")
    frames = enc.encode(StreamEvent(type="text", text="partial")) + enc.close()
    names = [n for n, _ in parse_sse_text(b"".join(frames))]
    assert names[-1] == "response.completed"
    enc2 = orr.StreamEncoder("m")
    enc2.encode(StreamEvent(type="finish", finish_reason="length"))
    enc3 = orr.StreamEncoder("m")
    err = parse_sse_text(b"".join(enc3.error("Too many requests", code="rate_limit_exceeded")))
    assert [n for n, _ in err] == ["response.created", "response.in_progress", "error"]
    assert json.loads(err[-1][1])["code"] == "rate_limit_exceeded"
    assert enc3.close() == []
    enc4 = orr.StreamEncoder("m")
    names4 = [
        n
        for n, _ in parse_sse_text(
            b"".join(enc4.encode(StreamEvent(type="finish", finish_reason="length")))
        )
    ]
    assert names4[-1] == "response.incomplete"
    enc5 = orr.StreamEncoder("m")
    names5 = [
        n
        for n, _ in parse_sse_text(
            b"".join(enc5.encode(StreamEvent(type="finish", finish_reason="error")))
        )
    ]
    assert names5[-1] == "response.failed"


def test_registry_name() -> None:
    p = registry_create("openai-responses", ProviderSettings(api_key=KEY))
    assert isinstance(p, orr.OpenAIResponsesProvider)
    assert p.url_for(rich_request()) == "https://api.openai.com/v1/responses"
