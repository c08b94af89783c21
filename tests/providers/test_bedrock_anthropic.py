"""Claude on Amazon Bedrock (provider ``bedrock``): the event-stream framing and the client
against a loopback server that answers as Bedrock's InvokeModel API documents (paths, Bearer
or SigV4 auth verified on the server, event-stream responses, x-amzn-ErrorType errors)."""

from __future__ import annotations

import calendar
import json
import struct
import uuid
import zlib
from typing import Any
from urllib.parse import unquote

import pytest
from checks_anthropic_gemini import collect, core
from wire_server import Recorded, Reply, WireServer

from switchover.chat import (
    ChatRequest,
    Message,
    ResponseFormat,
    StreamEvent,
    Tool,
    ToolChoice,
)
from switchover.errors import (
    AuthError,
    ConfigError,
    ModelNotFoundError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)
from switchover.providers import _sigv4 as sigv4
from switchover.providers import anthropic as ac
from switchover.providers import bedrock_anthropic as bd
from switchover.providers._eventstream import (
    EventStreamDecoder,
    EventStreamError,
    encode_message,
)
from switchover.providers._eventstream import (
    Message as EsMessage,
)
from switchover.providers.base import ProviderSettings, available_providers, create_provider

MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLTEyMzQ1Njc4OTA="
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789abcdef"
NOW = float(calendar.timegm((2026, 11, 27, 4, 30, 0)))
AWS_VARS = (
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)
WEATHER = Tool(
    name="get_weather",
    description="Current weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)


@pytest.fixture(autouse=True)
def _no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real AWS credentials or regions in the environment must never reach a test."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def sigv4_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


# ------------------------------------------------------------------ event stream framing


def _raw_header(name: str, kind: int, value: bytes) -> bytes:
    return bytes([len(name)]) + name.encode() + bytes([kind]) + value


def _frame(raw_headers: bytes, payload: bytes) -> bytes:
    total = 16 + len(raw_headers) + len(payload)
    prelude = struct.pack(">II", total, len(raw_headers))
    head = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw_headers + payload
    return head + struct.pack(">I", zlib.crc32(head))


def test_event_stream_round_trip_fed_byte_by_byte() -> None:
    one = encode_message({":message-type": "event", ":event-type": "chunk"}, b'{"bytes":"e30="}')
    two = encode_message({"flag": True, "off": False, "n": -7, "blob": b"\x00\x01"}, b"")
    dec = EventStreamDecoder()
    got: list[EsMessage] = []
    for i in range(len(one + two)):
        got += dec.feed((one + two)[i : i + 1])
    dec.close()
    assert [m.headers for m in got] == [
        {":message-type": "event", ":event-type": "chunk"},
        {"flag": True, "off": False, "n": -7, "blob": b"\x00\x01"},
    ]
    assert got[0].payload == b'{"bytes":"e30="}'
    assert got[0].header(":event-type") == "chunk"
    assert got[1].header("n") is None  # not a string header


def test_event_stream_reads_every_header_type() -> None:
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    raw = b"".join(
        [
            _raw_header("b", 2, struct.pack(">b", -2)),
            _raw_header("s", 3, struct.pack(">h", 300)),
            _raw_header("l", 5, struct.pack(">q", 2**40)),
            _raw_header("t", 8, struct.pack(">q", 1_700_000_000_000)),
            _raw_header("u", 9, u.bytes),
            _raw_header("str", 7, struct.pack(">H", 3) + b"abc"),
        ]
    )
    (msg,) = EventStreamDecoder().feed(_frame(raw, b"xyz"))
    assert msg.headers == {
        "b": -2,
        "s": 300,
        "l": 2**40,
        "t": 1_700_000_000_000,
        "u": u,
        "str": "abc",
    }
    assert msg.payload == b"xyz"


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda b: b[:8] + b"\x00\x00\x00\x00" + b[12:], "prelude CRC"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 0xFF]), "message CRC"),
        (lambda b: b[:-5] + bytes([b[-5] ^ 0xFF]) + b[-4:], "message CRC"),
        (lambda b: _frame(_raw_header("x", 42, b""), b""), "unknown value type"),
        (lambda b: _frame(_raw_header("x", 7, b"\x00\x09ab"), b""), "truncated"),
    ],
)
def test_event_stream_rejects_corruption(mutate: Any, match: str) -> None:
    good = encode_message({":event-type": "chunk"}, b"payload")
    with pytest.raises(EventStreamError, match=match):
        EventStreamDecoder().feed(mutate(good))


def test_event_stream_ending_inside_a_message_is_an_error() -> None:
    dec = EventStreamDecoder()
    assert dec.feed(encode_message({}, b"abc")[:10]) == []
    with pytest.raises(EventStreamError, match="ended inside a message"):
        dec.close()


# ------------------------------------------------------------------ Bedrock wire fixtures


TOOL_EVENTS: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_bdrk_01",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 472, "output_tokens": 2},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Okay"}},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": ", let's check."},
    },
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_bdrk",
            "name": "get_weather",
            "input": {},
        },
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"city":'},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": ' "Paris"}'},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 89},
    },
    {
        "type": "message_stop",
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": 472,
            "outputTokenCount": 89,
            "invocationLatency": 1234,
            "firstByteLatency": 345,
        },
    },
]

TOOL_BODY: dict[str, Any] = {
    "id": "msg_bdrk_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "text", "text": "Okay, let's check."},
        {"type": "tool_use", "id": "toolu_bdrk", "name": "get_weather", "input": {"city": "Paris"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {"input_tokens": 472, "output_tokens": 89},
}
STREAM_HEADERS = {
    "Content-Type": "application/vnd.amazon.eventstream",
    "x-amzn-RequestId": "req-stream-1",
    "X-Amzn-Bedrock-Content-Type": "application/json",
}


def _stream_reply(frames: list[bytes], *, split: bool = True) -> Reply:
    """The frames as the body, cut at odd places so messages straddle chunks."""
    blob = b"".join(frames)
    chunks = [blob[i : i + 37] for i in range(0, len(blob), 37)] if split else frames
    return Reply(sse=chunks, headers=STREAM_HEADERS)


def _bedrock_error(status: int, etype: str, message: str, **headers: str) -> Reply:
    return Reply(
        status=status,
        json={"message": message},
        headers={
            "x-amzn-ErrorType": f"{etype}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-RequestId": "req-err-1",
            **headers,
        },
    )


def _provider(srv: WireServer, **kw: Any) -> bd.BedrockAnthropicProvider:
    opts = kw.pop("options", {"region": "us-east-1"})
    settings = ProviderSettings(
        base_url=srv.base_url,
        api_key=kw.pop("api_key", API_KEY),
        max_retries=kw.pop("max_retries", 0),
        options=opts,
    )
    return bd.BedrockAnthropicProvider(settings, **kw)


def _request(model: str = MODEL, **kw: Any) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[Message.system("Be brief."), Message.user("Weather in Paris?")],
        max_output_tokens=256,
        **kw,
    )


def _verify_sigv4(rec: Recorded, region: str) -> str | None:
    """What Bedrock checks: recompute the signature over the request as received. Returns
    the reason it fails, or None."""
    parts = sigv4.parse_authorization(rec.headers.get("authorization", ""))
    if not parts:
        return "not a SigV4 Authorization header"
    date = rec.headers.get("x-amz-date", "")
    scope = f"{ACCESS_KEY}/{date[:8]}/{region}/bedrock/aws4_request"
    if parts["credential"] != scope:
        return f"credential scope {parts['credential']!r} != {scope!r}"
    names = parts["signed_headers"].split(";")
    if not {"host", "x-amz-date", "x-amz-security-token"} <= set(names):
        return f"unsigned required headers in {names}"
    signed = {n: rec.headers[n] for n in names}
    url = f"http://{rec.headers['host']}{rec.raw_path}"
    expected, _ = sigv4.signature(
        rec.method,
        url,
        signed,
        rec.body,
        secret_access_key=SECRET_KEY,
        region=region,
        service="bedrock",
        date=date,
    )
    return None if expected == parts["signature"] else "signature mismatch"


def _sigv4_server(srv: WireServer, region: str, replies: list[Reply]) -> list[str | None]:
    """Answer ``replies`` in order to correctly signed requests; 403 as AWS does otherwise."""
    verdicts: list[str | None] = []

    def handle(rec: Recorded) -> Reply:
        reason = _verify_sigv4(rec, region)
        verdicts.append(reason)
        if reason is not None:
            return _bedrock_error(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method.",
            )
        return replies.pop(0)

    srv.handler = handle
    return verdicts


# ------------------------------------------------------------------ requests


async def test_complete_with_api_key_sends_the_exact_request(wire: WireServer) -> None:
    wire.queue(Reply(json=TOOL_BODY, headers={"x-amzn-RequestId": "req-123"}))
    async with _provider(wire) as provider:
        resp = await provider.complete(_request(tools=[WEATHER]))
    rec = wire.last
    assert rec.method == "POST"
    assert rec.raw_path == "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    assert rec.headers["authorization"] == f"Bearer {API_KEY}"
    assert rec.headers["content-type"] == "application/json"
    assert rec.headers["accept"] == "application/json"
    for absent in ("x-api-key", "anthropic-version", "x-amz-date", "x-amz-security-token"):
        assert absent not in rec.headers
    assert rec.json == {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 256,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [
            {
                "name": "get_weather",
                "description": "Current weather for a city",
                "input_schema": WEATHER.parameters,
            }
        ],
    }
    assert core(resp) == core(ac.decode_response(TOOL_BODY))
    assert resp.tool_calls[0].arguments == {"city": "Paris"}
    assert resp.finish_reason == "tool_calls"
    assert (resp.provider, resp.provider_request_id) == ("bedrock", "req-123")


async def test_complete_with_sigv4_is_verified_by_the_server(
    wire: WireServer, sigv4_env: None
) -> None:
    verdicts = _sigv4_server(wire, "us-west-2", [Reply(json=TOOL_BODY)])
    async with _provider(
        wire, api_key=None, options={"region": "us-west-2"}, now=lambda: NOW
    ) as provider:
        assert provider.auth_mode == "sigv4"
        resp = await provider.complete(_request(PROFILE))
    assert verdicts == [None]
    rec = wire.last
    assert rec.raw_path == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    assert rec.headers["x-amz-date"] == "20261127T043000Z"
    assert rec.headers["x-amz-security-token"] == SESSION_TOKEN
    auth = rec.headers["authorization"]
    assert auth.startswith(
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20261127/us-west-2/bedrock/aws4_request, "
        "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="
    )
    assert rec.json["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in rec.json
    assert resp.text == "Okay, let's check."


async def test_the_server_check_catches_a_tampered_request(
    wire: WireServer, sigv4_env: None
) -> None:
    """The verifier is not vacuous: a body changed after signing fails it."""
    verdicts = _sigv4_server(wire, "us-east-1", [Reply(json=TOOL_BODY)])
    async with _provider(wire, api_key=None, now=lambda: NOW) as provider:
        await provider.complete(_request())
    rec = wire.last
    rec.body = rec.body.replace(b"Paris", b"Rome!")
    assert verdicts == [None]
    assert _verify_sigv4(rec, "us-east-1") == "signature mismatch"
    assert _verify_sigv4(rec, "eu-west-1") is not None


async def test_json_schema_goes_through_the_anthropic_codec(wire: WireServer) -> None:
    body = {**TOOL_BODY, "content": [{"type": "text", "text": '{"ok": true}'}]}
    body["stop_reason"] = "end_turn"
    wire.queue(Reply(json=body))
    fmt = ResponseFormat(type="json_schema", json_schema={"type": "object"})
    async with _provider(wire) as provider:
        resp = await provider.complete(
            _request(response_format=fmt, tool_choice=ToolChoice(mode="none"))
        )
    assert wire.last.json["output_config"] == {
        "format": {"type": "json_schema", "schema": {"type": "object"}}
    }
    assert wire.last.json["tool_choice"] == {"type": "none"}
    assert resp.text == '{"ok": true}'
    assert resp.finish_reason == "stop"


async def test_stream_decodes_the_event_stream_like_complete(wire: WireServer) -> None:
    wire.queue(_stream_reply([bd.encode_chunk(e) for e in TOOL_EVENTS]), Reply(json=TOOL_BODY))
    async with _provider(wire) as provider:
        streamed = await provider.complete_streaming(_request(tools=[WEATHER]))
        plain = await provider.complete(_request(tools=[WEATHER]))
    first, second = wire.requests
    assert first.raw_path == (
        "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
    )
    assert first.headers["accept"] == "application/vnd.amazon.eventstream"
    assert first.headers["x-amzn-bedrock-accept"] == "application/json"
    assert "stream" not in first.json
    assert first.json == second.json
    assert core(streamed) == core(plain)
    assert streamed.provider_request_id == "req-stream-1"
    assert streamed.tool_calls[0].arguments == {"city": "Paris"}
    assert streamed.usage.input_tokens == 472
    assert streamed.usage.output_tokens == 89


async def test_stream_with_sigv4(wire: WireServer, sigv4_env: None) -> None:
    verdicts = _sigv4_server(
        wire, "us-east-1", [_stream_reply([bd.encode_chunk(e) for e in TOOL_EVENTS])]
    )
    async with _provider(wire, api_key=None, now=lambda: NOW) as provider:
        resp = await provider.complete_streaming(_request())
    assert verdicts == [None]
    assert "accept;content-type;host;" in wire.last.headers["authorization"]
    assert resp.text == "Okay, let's check."


@pytest.mark.parametrize(
    ("kind", "exc", "status"),
    [
        ("throttlingException", RateLimitError, 429),
        ("modelStreamErrorException", ProviderServerError, 424),
        ("modelTimeoutException", ProviderTimeoutError, 408),
        ("validationException", ProviderBadRequestError, 400),
        ("internalServerException", ProviderServerError, 500),
        ("serviceUnavailableException", ProviderServerError, 503),
    ],
)
async def test_exception_event_mid_stream_raises_typed_error(
    wire: WireServer, kind: str, exc: type[ProviderError], status: int
) -> None:
    message = "Too many tokens, please wait before trying again."
    frames = [bd.encode_chunk(e) for e in TOOL_EVENTS[:3]] + [bd.encode_exception(kind, message)]
    wire.queue(_stream_reply(frames))
    seen: list[StreamEvent] = []
    async with _provider(wire) as provider:
        with pytest.raises(exc) as info:
            await collect(lambda: provider.stream(_request()), seen)
    err = info.value
    assert type(err) is exc
    assert err.provider_message == message
    assert err.status == status
    assert err.request_id == "req-stream-1"
    assert kind in str(err)
    assert [e.type for e in seen] == ["start", "usage", "text"]


async def test_corrupted_frame_mid_stream_is_a_server_error(wire: WireServer) -> None:
    bad = bytearray(bd.encode_chunk(TOOL_EVENTS[1]))
    bad[-6] ^= 0xFF  # inside the payload: the message CRC no longer matches
    wire.queue(_stream_reply([bd.encode_chunk(TOOL_EVENTS[0]), bytes(bad)], split=False))
    seen: list[StreamEvent] = []
    async with _provider(wire) as provider:
        with pytest.raises(ProviderServerError, match="malformed event stream"):
            await collect(lambda: provider.stream(_request()), seen)
    assert [e.type for e in seen] == ["start", "usage"]


async def test_anthropic_error_event_inside_a_chunk(wire: WireServer) -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    wire.queue(_stream_reply([bd.encode_chunk(TOOL_EVENTS[0]), bd.encode_chunk(error)]))
    async with _provider(wire) as provider:
        with pytest.raises(RateLimitError, match="Overloaded"):
            await provider.complete_streaming(_request())


# ------------------------------------------------------------------ errors and retries


@pytest.mark.parametrize(
    ("status", "etype", "message", "exc"),
    [
        (
            400,
            "ValidationException",
            "The provided model identifier is invalid.",
            ProviderBadRequestError,
        ),
        (
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
            AuthError,
        ),
        (404, "ResourceNotFoundException", "Model not found.", ModelNotFoundError),
        (
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
            RateLimitError,
        ),
        (
            408,
            "ModelTimeoutException",
            "Model has timed out in processing the request.",
            ProviderTimeoutError,
        ),
        (
            503,
            "ServiceUnavailableException",
            "Bedrock is unable to process your request.",
            ProviderServerError,
        ),
        (
            429,
            "ModelNotReadyException",
            "Model is not ready to serve inference requests.",
            RateLimitError,
        ),
        (
            500,
            "InternalServerException",
            "The server encountered an internal error.",
            ProviderServerError,
        ),
        (424, "ModelErrorException", "The model returned an error.", ProviderServerError),
    ],
)
async def test_error_mapping(
    wire: WireServer, status: int, etype: str, message: str, exc: type[ProviderError]
) -> None:
    wire.queue(_bedrock_error(status, etype, message))
    async with _provider(wire) as provider:
        with pytest.raises(exc) as info:
            await provider.complete(_request())
    err = info.value
    assert type(err) is exc
    assert err.provider_message == message
    assert err.status == status
    assert err.request_id == "req-err-1"
    assert err.body == {"message": message}
    if isinstance(err, ProviderBadRequestError):
        assert err.code == etype


async def test_throttling_is_retried_with_backoff_and_retry_after(
    wire: WireServer, sleeps: Any, sigv4_env: None
) -> None:
    """Bedrock usually sends no Retry-After (backoff then); when it does, it is honoured.
    Each attempt is signed afresh."""
    clock = iter([NOW, NOW + 1, NOW + 3])
    verdicts = _sigv4_server(
        wire,
        "us-east-1",
        [
            _bedrock_error(429, "ThrottlingException", "Too many requests"),
            _bedrock_error(429, "ThrottlingException", "Too many requests", **{"Retry-After": "2"}),
            Reply(json=TOOL_BODY),
        ],
    )
    async with _provider(
        wire, api_key=None, max_retries=3, sleep=sleeps, rand=lambda: 0.5, now=lambda: next(clock)
    ) as provider:
        resp = await provider.complete(_request())
    assert resp.id == "msg_bdrk_01"
    assert verdicts == [None, None, None]
    assert sleeps.delays == [0.25, 2.0]  # full jitter 0.5 x 0.5 s, then the server's 2 s
    dates = [r.headers["x-amz-date"] for r in wire.requests]
    assert dates == ["20261127T043000Z", "20261127T043001Z", "20261127T043003Z"]
    assert wire.requests[0].body == wire.requests[2].body


async def test_validation_errors_are_not_retried(wire: WireServer, sleeps: Any) -> None:
    wire.queue(_bedrock_error(400, "ValidationException", "max_tokens: Field required"))
    async with _provider(wire, max_retries=3, sleep=sleeps) as provider:
        with pytest.raises(ProviderBadRequestError):
            await provider.complete(_request())
    assert len(wire.requests) == 1
    assert sleeps.delays == []


# ------------------------------------------------------------------ credentials, settings


async def test_credentials_never_show_in_repr_or_errors(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch, sigv4_env: None
) -> None:
    echo = f"bad: {ACCESS_KEY} {SECRET_KEY} {SESSION_TOKEN}"
    wire.queue(_bedrock_error(403, "UnrecognizedClientException", echo))
    async with _provider(wire, api_key=None) as provider:
        text = repr(provider) + str(provider)
        with pytest.raises(AuthError) as info:
            await provider.complete(_request())
    err = info.value
    dumped = str(err) + str(err.provider_message) + json.dumps(err.body)
    for secret in (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN):
        assert secret not in text
        assert secret not in dumped
    assert "sigv4" in text

    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    wire.queue(_bedrock_error(403, "AccessDeniedException", f"key {API_KEY} denied"))
    async with _provider(wire, api_key=None) as provider:
        assert provider.auth_mode == "api_key"  # the API key wins over SigV4 credentials
        assert API_KEY not in repr(provider)
        with pytest.raises(AuthError) as info:
            await provider.complete(_request())
    assert API_KEY not in str(info.value) + str(info.value.provider_message)
    assert wire.last.headers["authorization"] == f"Bearer {API_KEY}"


async def test_no_credentials_is_an_auth_error_naming_both_ways() -> None:
    settings = ProviderSettings(options={"region": "us-east-1"})
    async with bd.BedrockAnthropicProvider(settings) as provider:
        assert provider.auth_mode == "none"
        with pytest.raises(AuthError) as info:
            await provider.complete(_request())
    assert info.value.hint is not None
    assert "AWS_BEARER_TOKEN_BEDROCK" in info.value.hint
    assert "AWS_ACCESS_KEY_ID" in info.value.hint


async def test_no_credentials_hint_names_the_upstreams_key_variable() -> None:
    settings = ProviderSettings(api_key_env="TEAM_BEDROCK_KEY", options={"region": "us-east-1"})
    async with bd.BedrockAnthropicProvider(settings) as provider:
        assert provider.missing_credentials is not None
        assert provider.missing_credentials.startswith("TEAM_BEDROCK_KEY ")
        with pytest.raises(AuthError) as info:
            await provider.complete(_request())
    assert info.value.hint is not None
    assert info.value.hint.startswith("Set TEAM_BEDROCK_KEY (an Amazon Bedrock API key), or ")
    assert "AWS_BEARER_TOKEN_BEDROCK" not in info.value.hint


async def test_region_and_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    async with bd.create_provider() as provider:
        assert provider.url_for(_request()) == (
            "https://bedrock-runtime.eu-central-1.amazonaws.com/model/"
            "anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
        )
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    async with bd.create_provider() as provider:
        assert provider.region == "us-west-2"
    settings = ProviderSettings(options={"region": "ap-northeast-1"})
    async with bd.create_provider(settings) as provider:
        arn = "arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/jp.anthropic.x-v1:0"
        assert provider.stream_url_for(_request(arn)) == (
            "https://bedrock-runtime.ap-northeast-1.amazonaws.com/model/"
            "arn%3Aaws%3Abedrock%3Aap-northeast-1%3A123456789012%3Ainference-profile"
            "%2Fjp.anthropic.x-v1%3A0/invoke-with-response-stream"
        )
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ConfigError, match="region"):
        bd.create_provider()
    with pytest.raises(ConfigError, match="not an AWS region"):
        bd.create_provider(ProviderSettings(options={"region": "us-east-1/../evil"}))


async def test_anthropic_version_option(wire: WireServer) -> None:
    wire.queue(Reply(json=TOOL_BODY))
    opts = {"region": "us-east-1", "anthropic_version": "bedrock-2099-01-01"}
    async with _provider(wire, options=opts) as provider:
        await provider.complete(_request(extra={"anthropic_beta": ["context-1m-2025-08-07"]}))
    assert wire.last.json["anthropic_version"] == "bedrock-2099-01-01"
    assert wire.last.json["anthropic_beta"] == ["context-1m-2025-08-07"]  # betas go in the body


def test_sigv4_needs_a_region_even_with_a_base_url(sigv4_env: None) -> None:
    settings = ProviderSettings(base_url="http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="region for SigV4"):
        bd.BedrockAnthropicProvider(settings)


async def test_registered_as_entry_point_with_platform_bedrock(wire: WireServer) -> None:
    from switchover.config import UpstreamSettings

    assert "bedrock" in available_providers()
    settings = ProviderSettings(base_url=wire.base_url, api_key=API_KEY)
    provider = create_provider("bedrock", settings)
    assert isinstance(provider, bd.BedrockAnthropicProvider)
    assert provider.api == ac.API
    await provider.aclose()
    upstream = UpstreamSettings(provider="bedrock", options={"region": "us-east-1"})
    assert upstream.platform == "bedrock"


async def test_request_matches_the_official_sdk_bedrock_client(wire: WireServer) -> None:
    """The official ``anthropic`` SDK's Bedrock client (API-key mode, no botocore needed)
    and this provider send the same body to the same model path. They differ where both are
    valid: the SDK leaves ``:`` unescaped in the path, and the installed SDK sends its own
    ``anthropic_version`` (AWS documents ``bedrock-2023-05-31``)."""
    sdk = pytest.importorskip("anthropic")
    wire.queue(Reply(json=TOOL_BODY), Reply(json=TOOL_BODY))
    client = sdk.AsyncAnthropicBedrock(
        api_key=API_KEY, aws_region="us-east-1", base_url=wire.base_url, max_retries=0
    )
    await client.messages.create(
        model=PROFILE,
        max_tokens=256,
        system="Be brief.",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[
            {
                "name": "get_weather",
                "description": "Current weather for a city",
                "input_schema": WEATHER.parameters,
            }
        ],
    )
    await client.close()
    async with _provider(wire) as provider:
        await provider.complete(_request(PROFILE, tools=[WEATHER]))
    theirs, ours = wire.requests
    assert unquote(theirs.raw_path) == unquote(ours.raw_path)
    assert ours.raw_path == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    assert theirs.headers["authorization"] == ours.headers["authorization"]
    assert "anthropic_version" in theirs.json
    theirs_body = {k: v for k, v in theirs.json.items() if k != "anthropic_version"}
    ours_body = {k: v for k, v in ours.json.items() if k != "anthropic_version"}
    assert theirs_body == ours_body


async def test_other_events_are_skipped_and_error_messages_raise(wire: WireServer) -> None:
    initial = encode_message({":message-type": "event", ":event-type": "initial-response"}, b"{}")
    failure = encode_message(
        {":message-type": "error", ":error-code": "InternalFailure", ":error-message": "boom"}
    )
    wire.queue(
        _stream_reply([initial, *(bd.encode_chunk(e) for e in TOOL_EVENTS)]),
        _stream_reply([initial, bd.encode_chunk(TOOL_EVENTS[0]), failure]),
    )
    async with _provider(wire) as provider:
        resp = await provider.complete_streaming(_request())
        assert resp.text == "Okay, let's check."
        with pytest.raises(ProviderServerError, match=r"\(InternalFailure\): boom") as info:
            await provider.complete_streaming(_request())
    assert info.value.provider_message == "boom"
