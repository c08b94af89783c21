"""HTTPProvider: retries, backoff, error mapping, keys, concurrency, timings (real loopback server)."""

from __future__ import annotations

import asyncio
import email.utils
import socket
from typing import Any

import httpx
import pytest
from wire_server import Reply, SleepRecorder, WireServer

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent
from switchover.errors import (
    AuthError,
    ConfigError,
    ModelNotFoundError,
    ModelRetiredError,
    ProviderBadRequestError,
    ProviderConnectionError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)
from switchover.providers._http import (
    HTTPProvider,
    backoff_delay,
    parse_error_body,
    parse_retry_after,
)
from switchover.providers._sse import format_sse
from switchover.providers.base import ProviderSettings

KEY = "sk-test-SECRET123456"


class _Decoder:
    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        if "text" in data:
            return [StreamEvent(type="text", text=data["text"])]
        return [StreamEvent(type="finish", finish_reason="stop")]


class ToyProvider(HTTPProvider):
    name = "toy"
    default_key_env = "TOY_API_KEY"

    def url_for(self, request: ChatRequest) -> str:
        return f"{self.base_url}/v1/echo"

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return {"model": request.model, "prompt": request.messages[-1].text}

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        return ChatResponse(model=body["model"], text=body["text"], raw=body)

    def stream_decoder(self, request: ChatRequest) -> _Decoder:
        return _Decoder()


REQ = ChatRequest(model="toy-1", messages=[Message.user("hi")])
OK = Reply(json={"model": "toy-1", "text": "hello"}, headers={"x-request-id": "req_123"})


def make(srv: WireServer, sleeps: SleepRecorder | None = None, **kw: Any) -> ToyProvider:
    settings = ProviderSettings(base_url=srv.base_url, api_key=KEY, **kw)
    return ToyProvider(settings, sleep=sleeps, rand=lambda: 0.5)


async def test_happy_path_wire_request_and_timings(wire: WireServer) -> None:
    wire.queue(OK)
    async with make(wire) as p:
        out = await p.complete(REQ)
    assert out.text == "hello"
    assert out.provider == "toy"
    assert out.provider_request_id == "req_123"
    assert out.latency_s is not None
    assert out.latency_s > 0
    assert out.ttft_s is not None
    assert 0 < out.ttft_s <= out.latency_s
    rec = wire.last
    assert (rec.method, rec.path) == ("POST", "/v1/echo")
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.headers["content-type"] == "application/json"
    assert rec.json == {"model": "toy-1", "prompt": "hi"}


async def test_retry_on_429_honours_retry_after(wire: WireServer, sleeps: SleepRecorder) -> None:
    wire.queue(
        Reply(status=429, json={"error": {"message": "slow down"}}, headers={"Retry-After": "2"}),
        Reply(status=429, json={"error": {"message": "slow"}}, headers={"retry-after-ms": "1500"}),
        OK,
    )
    async with make(wire, sleeps) as p:
        out = await p.complete(REQ)
    assert out.text == "hello"
    assert sleeps.delays == [2.0, 1.5]
    assert len(wire.requests) == 3
    # The identical body was sent each time.
    assert {r.body for r in wire.requests} == {wire.requests[0].body}


async def test_retry_after_http_date(wire: WireServer, sleeps: SleepRecorder) -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    wire.queue(Reply(status=503, json={}, headers={"Retry-After": date}), OK)
    settings = ProviderSettings(base_url=wire.base_url, api_key=KEY)
    async with ToyProvider(settings, sleep=sleeps, now=lambda: now) as p:
        await p.complete(REQ)
    assert sleeps.delays == [7.0]


async def test_5xx_backoff_is_exponential_with_full_jitter(
    wire: WireServer, sleeps: SleepRecorder
) -> None:
    wire.queue(*(Reply(status=s, json={"error": {"message": "x"}}) for s in (500, 502, 503)), OK)
    async with make(wire, sleeps, backoff_base_s=1.0) as p:
        await p.complete(REQ)
    # rand() = 0.5 -> half of base * 2**attempt
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_retries_exhausted_raises_last_error(wire: WireServer, sleeps: SleepRecorder) -> None:
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit"}}
    wire.queue(*(Reply(status=429, json=body, headers={"retry-after": "1"}) for _ in range(3)))
    async with make(wire, sleeps, max_retries=2) as p:
        with pytest.raises(RateLimitError) as ei:
            await p.complete(REQ)
    assert ei.value.retry_after == 1.0
    assert ei.value.provider_message == "Rate limit reached"
    assert ei.value.status == 429
    assert len(wire.requests) == 3
    assert sleeps.delays == [1.0, 1.0]


async def test_long_retry_after_is_not_waited_inline(
    wire: WireServer, sleeps: SleepRecorder
) -> None:
    wire.queue(Reply(status=429, json={}, headers={"retry-after": "3600"}))
    async with make(wire, sleeps) as p:
        with pytest.raises(RateLimitError) as ei:
            await p.complete(REQ)
    assert ei.value.retry_after == 3600.0
    assert sleeps.delays == []


async def test_x_should_retry_header_is_obeyed(wire: WireServer, sleeps: SleepRecorder) -> None:
    wire.queue(Reply(status=500, json={}, headers={"x-should-retry": "false"}))
    async with make(wire, sleeps) as p:
        with pytest.raises(ProviderServerError):
            await p.complete(REQ)
    assert len(wire.requests) == 1
    wire.queue(Reply(status=400, json={}, headers={"x-should-retry": "true"}), OK)
    async with make(wire, sleeps) as p:
        assert (await p.complete(REQ)).text == "hello"


@pytest.mark.parametrize("action", ["close", "reset"])
async def test_retry_on_connection_drop(
    wire: WireServer, sleeps: SleepRecorder, action: Any
) -> None:
    wire.queue(Reply(action=action), Reply(action=action), OK)
    async with make(wire, sleeps) as p:
        out = await p.complete(REQ)
    assert out.text == "hello"
    assert len(wire.requests) == 3
    assert len(sleeps.delays) == 2


async def test_connection_drop_exhausted(wire: WireServer, sleeps: SleepRecorder) -> None:
    wire.queue(Reply(action="reset"), Reply(action="reset"))
    async with make(wire, sleeps, max_retries=1) as p:
        with pytest.raises(ProviderConnectionError) as ei:
            await p.complete(REQ)
    assert ei.value.retryable


async def test_connect_refused_maps_to_connection_error(sleeps: SleepRecorder) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    settings = ProviderSettings(base_url=f"http://127.0.0.1:{port}", api_key=KEY, max_retries=1)
    async with ToyProvider(settings, sleep=sleeps) as p:
        with pytest.raises(ProviderConnectionError):
            await p.complete(REQ)
    assert len(sleeps.delays) == 1


async def test_timeout_maps_to_timeout_error(wire: WireServer, sleeps: SleepRecorder) -> None:
    wire.queue(Reply(delay_s=0.5, json={"model": "m", "text": "late"}))
    async with make(wire, sleeps, timeout_s=0.1, max_retries=0) as p:
        with pytest.raises(ProviderTimeoutError) as ei:
            await p.complete(REQ)
    assert ei.value.retryable


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            401,
            {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}},
            AuthError,
        ),
        (403, {"error": {"message": "not allowed"}}, AuthError),
        (
            404,
            {"error": {"message": "The model `gpt-9` does not exist", "code": "model_not_found"}},
            ModelNotFoundError,
        ),
        (
            404,
            {
                "error": {
                    "message": "The model `text-davinci-003` has been deprecated, learn more here",
                    "type": "invalid_request_error",
                    "code": "model_not_found",
                }
            },
            ModelRetiredError,
        ),
        (
            400,
            {
                "error": {
                    "message": "The model `llama2-70b` has been decommissioned",
                    "code": "model_decommissioned",
                }
            },
            ModelRetiredError,
        ),
        (500, {"error": {"message": "boom"}}, ProviderServerError),
        (418, {"message": "teapot"}, ProviderBadRequestError),
    ],
)
async def test_status_mapping(
    wire: WireServer, sleeps: SleepRecorder, status: int, body: Any, cls: type[ProviderError]
) -> None:
    wire.queue(Reply(status=status, json=body, headers={"x-request-id": "req_err"}))
    async with make(wire, sleeps, max_retries=0) as p:
        with pytest.raises(cls) as ei:
            await p.complete(REQ)
    assert type(ei.value) is cls
    assert ei.value.status == status
    assert ei.value.request_id == "req_err"


async def test_bad_request_keeps_provider_message_param_code(wire: WireServer) -> None:
    msg = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    err = {
        "error": {
            "message": msg,
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
    }
    wire.queue(Reply(status=400, json=err), Reply(status=422, json={"detail": "bad field"}))
    async with make(wire) as p:
        with pytest.raises(ProviderBadRequestError) as ei:
            await p.complete(REQ)
        with pytest.raises(ProviderBadRequestError) as ei2:
            await p.complete(REQ)
    e = ei.value
    assert e.provider_message == msg
    assert (e.param, e.code, e.status) == ("max_tokens", "unsupported_parameter", 400)
    assert msg in str(e)
    assert e.body == err
    assert ei2.value.provider_message == "bad field"
    assert ei2.value.status == 422
    assert len(wire.requests) == 2  # 400s are not retried


async def test_non_json_error_body(wire: WireServer) -> None:
    wire.queue(Reply(status=502, body=b"<html>Bad Gateway</html>"))
    async with make(wire, max_retries=0) as p:
        with pytest.raises(ProviderServerError) as ei:
            await p.complete(REQ)
    assert ei.value.provider_message == "<html>Bad Gateway</html>"


async def test_non_json_success_body(wire: WireServer) -> None:
    wire.queue(Reply(body=b"not json"), Reply(json=[1, 2]))
    async with make(wire) as p:
        with pytest.raises(ProviderServerError, match="not JSON"):
            await p.complete(REQ)
        with pytest.raises(ProviderServerError, match="not a JSON object"):
            await p.complete(REQ)


async def test_key_never_shown(wire: WireServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_API_KEY", KEY)
    settings = ProviderSettings(base_url=wire.base_url)
    # The server echoes the key back in its error, as some gateways do.
    wire.queue(
        Reply(
            status=401,
            json={"error": {"message": f"Incorrect API key provided: {KEY}", "key": KEY}},
        )
    )
    async with ToyProvider(settings) as p:
        assert p.has_key
        with pytest.raises(AuthError) as ei:
            await p.complete(REQ)
        texts = [repr(p), str(p), repr(settings), str(settings), str(ei.value), repr(ei.value)]
        texts += [str(ei.value.provider_message), str(ei.value.body), ei.value.hint or ""]
    assert wire.last.headers["authorization"] == f"Bearer {KEY}"  # it was sent ...
    for t in texts:
        assert "SECRET123456" not in t, t  # ... but never shown


async def test_missing_key_is_a_clear_error(wire: WireServer) -> None:
    async with ToyProvider(ProviderSettings(base_url=wire.base_url)) as p:
        with pytest.raises(AuthError) as ei:
            await p.complete(REQ)
    assert "TOY_API_KEY" in (ei.value.hint or "")
    assert wire.requests == []


async def test_keyless_allowed_when_not_required(wire: WireServer) -> None:
    class Local(ToyProvider):
        key_required = False

    wire.queue(OK)
    async with Local(ProviderSettings(base_url=wire.base_url)) as p:
        await p.complete(REQ)
    assert "authorization" not in wire.last.headers


async def test_extra_headers_sent(wire: WireServer) -> None:
    wire.queue(OK)
    settings = ProviderSettings(base_url=wire.base_url, api_key=KEY, headers={"X-Team": "a"})
    async with ToyProvider(settings) as p:
        await p.complete(REQ)
    assert wire.last.headers["x-team"] == "a"


async def test_concurrency_limit_holds_at_the_server(wire: WireServer) -> None:
    wire.handler = lambda rec: Reply(delay_s=0.3, json={"model": "toy-1", "text": "ok"})
    async with make(wire, max_concurrency=2) as p:
        outs = await asyncio.gather(*(p.complete(REQ) for _ in range(6)))
    assert [o.text for o in outs] == ["ok"] * 6
    assert wire.max_in_flight == 2


async def test_concurrency_unlimited_enough_runs_in_parallel(wire: WireServer) -> None:
    wire.handler = lambda rec: Reply(delay_s=0.3, json={"model": "toy-1", "text": "ok"})
    async with make(wire, max_concurrency=8) as p:
        await asyncio.gather(*(p.complete(REQ) for _ in range(4)))
    assert wire.max_in_flight == 4


async def test_stream_events_done_and_metadata(wire: WireServer) -> None:
    frames = [b": keep-alive\n\n", format_sse('{"text": "hel"}'), format_sse('{"text": "lo"}')]
    frames += [format_sse('{"end": true}'), format_sse("[DONE]"), format_sse('{"text": "after"}')]
    wire.queue(Reply(sse=frames, headers={"x-request-id": "req_s"}, chunk_delay_s=0.01))
    async with make(wire) as p:
        out = await p.complete_streaming(REQ)
    assert out.text == "hello"
    assert out.finish_reason == "stop"
    assert out.provider_request_id == "req_s"
    assert out.ttft_s is not None
    assert out.latency_s is not None
    assert 0 < out.ttft_s < out.latency_s
    assert wire.last.json == {"model": "toy-1", "prompt": "hi", "stream": True}
    assert wire.last.headers["accept"] == "text/event-stream"


async def test_stream_retries_before_first_event(wire: WireServer, sleeps: SleepRecorder) -> None:
    wire.queue(
        Reply(status=429, json={}, headers={"retry-after": "0.25"}),
        Reply(sse=[format_sse('{"text": "ok"}')]),
    )
    async with make(wire, sleeps) as p:
        events = [ev async for ev in p.stream(REQ)]
    assert [e.text for e in events] == ["ok"]
    assert sleeps.delays == [0.25]


@pytest.mark.parametrize(
    ("frame", "cls"),
    [
        (
            format_sse('{"error": {"message": "overloaded", "type": "server_error"}}'),
            ProviderServerError,
        ),
        (
            format_sse(
                '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
                "error",
            ),
            RateLimitError,
        ),
        (
            format_sse(
                '{"error": {"message": "bad", "type": "invalid_request_error", "param": "x"}}'
            ),
            ProviderBadRequestError,
        ),
        (format_sse("{not json"), ProviderServerError),
    ],
)
async def test_stream_error_events(
    wire: WireServer, frame: bytes, cls: type[ProviderError]
) -> None:
    wire.queue(Reply(sse=[format_sse('{"text": "a"}'), frame]))
    got: list[StreamEvent] = []

    async def drain(p: ToyProvider) -> None:
        async for ev in p.stream(REQ):
            got.append(ev)

    async with make(wire) as p:
        with pytest.raises(cls):
            await drain(p)
    assert [e.text for e in got] == ["a"]


def test_parse_retry_after_variants() -> None:
    h = httpx.Headers
    assert parse_retry_after(h({})) is None
    assert parse_retry_after(h({"retry-after": "3"})) == 3.0
    assert parse_retry_after(h({"retry-after": "-3"})) == 0.0
    assert parse_retry_after(h({"retry-after": "soon"})) is None
    assert parse_retry_after(h({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert parse_retry_after(h({"retry-after-ms": "x", "retry-after": "9"})) == 9.0
    past = email.utils.formatdate(1000.0, usegmt=True)
    assert parse_retry_after(h({"retry-after": past}), now=lambda: 2000.0) == 0.0


def test_backoff_delay_caps() -> None:
    assert backoff_delay(0, 0.5, 30.0, lambda: 1.0) == 0.5
    assert backoff_delay(10, 0.5, 30.0, lambda: 1.0) == 30.0
    assert backoff_delay(3, 0.5, 30.0, lambda: 0.0) == 0.0


def test_parse_error_body_shapes() -> None:
    anth = {"type": "error", "error": {"type": "invalid_request_error", "message": "m1"}}
    assert parse_error_body(anth, "f").type == "invalid_request_error"
    google = [{"error": {"code": 400, "message": "m2", "status": "INVALID_ARGUMENT"}}]
    info = parse_error_body(google, "f")
    assert (info.message, info.type, info.code) == ("m2", "INVALID_ARGUMENT", "400")
    assert parse_error_body({"error": "plain"}, "f").message == "plain"
    assert parse_error_body({"message": "m3", "type": "t"}, "f").type == "t"
    assert parse_error_body("text", "fallback").message == "fallback"
    assert parse_error_body({"error": {"type": "x"}}, "fb").message == "fb"


async def test_slot_is_released_while_waiting_to_retry(wire: WireServer) -> None:
    def answer(rec: Any) -> Reply:
        first_a = (
            rec.json["prompt"] == "a" and sum(r.json["prompt"] == "a" for r in wire.requests) == 1
        )
        if first_a:
            return Reply(status=429, json={}, headers={"retry-after": "0.3"})
        return Reply(json={"model": "toy-1", "text": rec.json["prompt"]})

    wire.handler = answer
    settings = ProviderSettings(base_url=wire.base_url, api_key=KEY, max_concurrency=1)
    async with ToyProvider(settings) as p:
        req_a = ChatRequest(model="toy-1", messages=[Message.user("a")])
        req_b = ChatRequest(model="toy-1", messages=[Message.user("b")])
        task_a = asyncio.create_task(p.complete(req_a))
        await asyncio.sleep(0.1)  # a has had its 429 and is waiting to retry
        out_b = await p.complete(req_b)
        out_a = await task_a
    assert (out_a.text, out_b.text) == ("a", "b")
    assert [r.json["prompt"] for r in wire.requests] == ["a", "b", "a"]
    assert wire.max_in_flight == 1


@pytest.mark.parametrize(
    ("status", "message", "param", "retired"),
    [
        (404, "The model `gpt-4-0314` has been deprecated, learn more here: https://x", None, True),
        (
            404,
            "Gemini 1.0 Pro Vision has been deprecated on July 12, 2024. Consider switching to different model.",
            None,
            True,
        ),
        (404, "The model `gpt-9` does not exist or you do not have access to it.", None, False),
        (
            400,
            "The model `llama2-70b-4096` has been decommissioned and is no longer supported.",
            None,
            True,
        ),
        (400, "This model is no longer available.", None, True),
        (400, "The 'functions' parameter is deprecated for this model; use 'tools'.", None, False),
        (400, "The model has been deprecated for parameter x", "temperature", False),
        (400, "'max_tokens' is not supported with this model.", "max_tokens", False),
    ],
)
async def test_retired_model_detection(
    wire: WireServer, status: int, message: str, param: str | None, retired: bool
) -> None:
    wire.queue(Reply(status=status, json={"error": {"message": message, "param": param}}))
    async with make(wire, max_retries=0) as p:
        with pytest.raises(ProviderError) as ei:
            await p.complete(REQ)
    assert isinstance(ei.value, ModelRetiredError) is retired
    assert ei.value.provider_message == message


def test_socks_proxy_without_socksio_is_a_clear_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpx needs the optional socksio package for a socks5:// proxy and raised an
    ImportError (a traceback) when the client was made; it is a user error with a hint."""
    try:
        import socksio  # noqa: F401

        pytest.skip("socksio is installed: socks proxies work")
    except ImportError:
        pass
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ConfigError) as info:
        ToyProvider(ProviderSettings(base_url="https://api.example.test", api_key=KEY))
    assert "httpx[socks]" in (info.value.hint or "")
    assert "ALL_PROXY" in str(info.value)
