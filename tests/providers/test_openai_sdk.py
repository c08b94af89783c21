"""The official ``openai`` SDK, pointed at a loopback server built from our server-side codecs.

Proves what the gateway relies on: what the SDK sends is decoded by ``decode_request``
correctly, and what ``encode_response`` / ``StreamEncoder`` produce is parsed by the SDK.
"""

from __future__ import annotations

from typing import Any

import openai
from wire_server import Recorded, Reply, WireServer

from switchover.chat import ChatResponse, StreamEvent, ToolCall, Usage
from switchover.providers import openai_chat as oc
from switchover.providers import openai_responses as orr
from switchover.providers._replay import public_extra
from switchover.providers.base import ProviderSettings

KEY = "sk-test-SECRET123456"

RESP = ChatResponse(
    model="gpt-4.1",
    text="It is 3 degrees in Oslo.",
    tool_calls=[ToolCall.from_args("call_7", "get_weather", {"city": "Oslo"})],
    finish_reason="tool_calls",
    usage=Usage(input_tokens=30, cached_input_tokens=10, output_tokens=12, reasoning_tokens=4),
)

TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
]
MESSAGES: Any = [
    {"role": "developer", "content": "Answer briefly."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "Weather here?"},
            {
                "type": "image_url",
                "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ", "detail": "high"},
            },
        ],
    },
]


def _answer(rec: Recorded) -> Reply:
    body = rec.json
    if body.get("stream"):
        enc = oc.StreamEncoder(body["model"], include_usage=True)
        events = [
            StreamEvent(type="start", model=body["model"]),
            StreamEvent(type="text", text="It is 3 degrees "),
            StreamEvent(type="text", text="in Oslo."),
            StreamEvent(type="tool_call_start", index=0, tool_call_id="call_7", name="get_weather"),
            StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"city":'),
            StreamEvent(type="tool_call_delta", index=0, arguments_delta='"Oslo"}'),
            StreamEvent(type="usage", usage=RESP.usage),
            StreamEvent(type="finish", finish_reason="tool_calls"),
        ]
        frames = [f for ev in events for f in enc.encode(ev)] + enc.close()
        return Reply(sse=frames, headers={"x-request-id": "req_sdk_stream"})
    return Reply(
        json=oc.encode_response(RESP, model=body["model"]), headers={"x-request-id": "req_sdk"}
    )


async def test_sdk_request_decodes_and_sdk_parses_our_response() -> None:
    with WireServer(handler=_answer) as srv:
        async with openai.AsyncOpenAI(
            api_key=KEY, base_url=srv.base_url + "/v1", max_retries=0
        ) as client:
            completion = await client.chat.completions.create(
                model="gpt-4.1",
                messages=MESSAGES,
                tools=TOOLS,
                tool_choice={"type": "function", "function": {"name": "get_weather"}},
                parallel_tool_calls=False,
                response_format={"type": "json_object"},
                temperature=0.3,
                top_p=0.8,
                presence_penalty=0.5,
                frequency_penalty=0.25,
                max_completion_tokens=256,
                stop=["\n\nEND"],
                seed=42,
                reasoning_effort="low",
                logprobs=True,
                top_logprobs=3,
                user="user-123",
                metadata={"app": "demo"},
                extra_body={"top_k": 20, "logit_bias": {"1": 5}},
            )
        rec = srv.last
    assert rec.path == "/v1/chat/completions"
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    req = oc.decode_request(rec.json)
    assert req.model == "gpt-4.1"
    assert [m.role for m in req.messages] == ["developer", "user"]
    assert req.messages[1].text == "Weather here?"
    image = req.messages[1].content[1]
    assert image.type == "image"
    assert (image.data, image.media_type, image.detail) == ("/9j/4AAQ", "image/jpeg", "high")
    [tool] = req.tools
    assert (tool.name, tool.strict, tool.parameters["required"]) == ("get_weather", True, ["city"])
    assert req.tool_choice is not None
    assert (req.tool_choice.mode, req.tool_choice.name) == ("tool", "get_weather")
    assert req.parallel_tool_calls is False
    assert req.response_format is not None
    assert req.response_format.type == "json_object"
    assert (req.temperature, req.top_p, req.presence_penalty, req.frequency_penalty) == (
        0.3,
        0.8,
        0.5,
        0.25,
    )
    assert (req.max_output_tokens, req.max_tokens_field) == (256, "max_completion_tokens")
    assert req.stop == ["\n\nEND"]
    assert (req.seed, req.reasoning_effort, req.logprobs, req.top_logprobs) == (42, "low", True, 3)
    assert (req.user, req.metadata, req.top_k) == ("user-123", {"app": "demo"}, 20)
    assert req.extra == {"logit_bias": {"1": 5}}  # nothing else needed replaying
    assert req.stream is False
    # ... and encoding the decoded request gives back exactly what the SDK sent.
    assert oc.encode_request(req) == rec.json
    # The SDK parsed our encode_response output.
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == RESP.text
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert (call.id, call.function.name, call.function.arguments) == (
        "call_7",
        "get_weather",
        '{"city":"Oslo"}',
    )
    assert completion.usage is not None
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 10
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 4
    assert completion.model == "gpt-4.1"


async def test_sdk_streaming_against_our_stream_encoder() -> None:
    with WireServer(handler=_answer) as srv:
        async with openai.AsyncOpenAI(
            api_key=KEY, base_url=srv.base_url + "/v1", max_retries=0
        ) as client:
            stream = await client.chat.completions.create(
                model="gpt-4.1",
                messages=MESSAGES,
                tools=TOOLS,
                stream=True,
                stream_options={"include_usage": True},
            )
            text, args, usage, finish = [], [], None, None
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for ch in chunk.choices:
                    if ch.delta.content:
                        text.append(ch.delta.content)
                    for tc in ch.delta.tool_calls or []:
                        if tc.function is not None and tc.function.arguments:
                            args.append(tc.function.arguments)
                    finish = ch.finish_reason or finish
        rec = srv.last
    req = oc.decode_request(rec.json)
    assert req.stream is True
    assert req.extra == {"stream_options": {"include_usage": True}}
    assert "".join(text) == RESP.text
    assert "".join(args) == '{"city":"Oslo"}'
    assert finish == "tool_calls"
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (30, 12)


async def test_our_client_against_our_server_codec_matches_sdk_view() -> None:
    """Our client (complete and streaming) against the same codec-built server."""
    with WireServer(handler=_answer) as srv:
        settings = ProviderSettings(base_url=srv.base_url + "/v1", api_key=KEY)
        async with oc.OpenAIChatProvider(settings) as p:
            req = oc.decode_request({"model": "gpt-4.1", "messages": MESSAGES, "tools": TOOLS})
            whole = await p.complete(req)
            streamed = await p.complete_streaming(req)
    keep = {"text", "tool_calls", "finish_reason", "usage"}
    assert whole.model_dump(include=keep) == RESP.model_dump(include=keep)
    assert streamed.model_dump(include=keep) == whole.model_dump(include=keep)
    assert (whole.provider_request_id, streamed.provider_request_id) == (
        "req_sdk",
        "req_sdk_stream",
    )


# --- Responses API ------------------------------------------------------------------------

R_RESP = ChatResponse(
    model="o4-mini",
    text="Sunny.",
    reasoning_text="Check the sky.",
    tool_calls=[ToolCall.from_args("call_3", "get_weather", {"city": "Oslo"})],
    finish_reason="tool_calls",
    usage=Usage(input_tokens=50, cached_input_tokens=20, output_tokens=9, reasoning_tokens=3),
)


def _answer_responses(rec: Recorded) -> Reply:
    body = rec.json
    if not body.get("stream"):
        return Reply(json=orr.encode_response(R_RESP, model=body["model"]))
    enc = orr.StreamEncoder(body["model"])
    events = [
        StreamEvent(type="start", model=body["model"]),
        StreamEvent(type="reasoning", text="Check the sky."),
        StreamEvent(type="text", text="Sun"),
        StreamEvent(type="text", text="ny."),
        StreamEvent(type="tool_call_start", index=0, tool_call_id="call_3", name="get_weather"),
        StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"city":"Oslo"}'),
        StreamEvent(type="usage", usage=R_RESP.usage),
        StreamEvent(type="finish", finish_reason="tool_calls"),
    ]
    return Reply(sse=[f for ev in events for f in enc.encode(ev)] + enc.close())


async def test_sdk_responses_request_decodes_and_sdk_parses_our_response() -> None:
    with WireServer(handler=_answer_responses) as srv:
        async with openai.AsyncOpenAI(
            api_key=KEY, base_url=srv.base_url + "/v1", max_retries=0
        ) as client:
            resp = await client.responses.create(
                model="o4-mini",
                instructions="Be brief.",
                input=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "input_text", "text": "Weather?"},
                            {
                                "type": "input_image",
                                "image_url": "https://example.com/a.png",
                                "detail": "low",
                            },
                        ],
                    },
                    {
                        "type": "function_call",
                        "call_id": "call_0",
                        "name": "get_weather",
                        "arguments": '{"city":"Rome"}',
                    },
                    {"type": "function_call_output", "call_id": "call_0", "output": "warm"},
                ],
                tools=[
                    {
                        "type": "function",
                        "name": "get_weather",
                        "description": "Weather for a city",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                        "strict": False,
                    }
                ],
                tool_choice="required",
                text={
                    "format": {
                        "type": "json_schema",
                        "name": "w",
                        "schema": {"type": "object"},
                        "strict": True,
                    }
                },
                reasoning={"effort": "low", "summary": "auto"},
                max_output_tokens=300,
                temperature=0.7,
                store=False,
                previous_response_id="resp_prev",
                metadata={"a": "b"},
            )
        rec = srv.last
    assert rec.path == "/v1/responses"
    req = orr.decode_request(rec.json)
    assert req.messages[0].role == "system"
    assert req.messages[0].text == "Be brief."
    assert req.messages[1].text == "Weather?"
    assert req.messages[2].tool_calls[0].arguments == {"city": "Rome"}
    assert req.messages[3].tool_call_id == "call_0"
    assert req.tools[0].name == "get_weather"
    assert req.tool_choice is not None
    assert req.tool_choice.mode == "required"
    assert req.response_format is not None
    assert (req.response_format.type, req.response_format.name, req.response_format.strict) == (
        "json_schema",
        "w",
        True,
    )
    assert (req.reasoning_effort, req.max_output_tokens, req.temperature) == ("low", 300, 0.7)
    assert public_extra(req.extra) == {
        "store": False,
        "previous_response_id": "resp_prev",
        "reasoning": {"summary": "auto"},
    }
    assert orr.encode_request(req) == rec.json
    # The SDK parsed our response object.
    assert resp.output_text == "Sunny."
    assert [it.type for it in resp.output] == ["reasoning", "message", "function_call"]
    call = resp.output[2]
    assert call.type == "function_call"
    assert (call.call_id, call.name, call.arguments) == ("call_3", "get_weather", '{"city":"Oslo"}')
    assert resp.usage is not None
    assert resp.usage.input_tokens_details.cached_tokens == 20


async def test_sdk_responses_stream_parses_our_event_sequence() -> None:
    with WireServer(handler=_answer_responses) as srv:
        async with openai.AsyncOpenAI(
            api_key=KEY, base_url=srv.base_url + "/v1", max_retries=0
        ) as client:
            stream = await client.responses.create(model="o4-mini", input="Weather?", stream=True)
            kinds: list[str] = []
            text: list[str] = []
            final = None
            async for event in stream:
                kinds.append(event.type)
                if event.type == "response.output_text.delta":
                    text.append(event.delta)
                if event.type == "response.completed":
                    final = event.response
    assert kinds[0] == "response.created"
    assert "response.function_call_arguments.done" in kinds
    assert "".join(text) == "Sunny."
    assert final is not None
    assert final.output_text == "Sunny."
    assert final.usage is not None
    assert final.usage.output_tokens_details.reasoning_tokens == 3
