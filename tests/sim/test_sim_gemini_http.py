"""The simulator's Gemini REST wire format over HTTP, driven by switchover's own Gemini
client (``GeminiProvider``) pointed at a loopback server, and by raw HTTP for the wire
details (URL methods, ``?alt=sse``, ``x-goog-api-key`` / ``key=``, Google's error bodies)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from switchover.chat import ChatRequest, Message, StreamEvent, Thinking, ToolChoice
from switchover.errors import (
    AuthError,
    ModelNotFoundError,
    ProviderBadRequestError,
    ProviderServerError,
    RateLimitError,
)
from switchover.providers.base import ProviderSettings
from switchover.providers.gemini import GeminiProvider
from switchover.providers.sim import (
    BUILTIN_PROFILES,
    FaultProfile,
    SimEngine,
    SimProfile,
    run_sim_server,
)
from switchover.providers.sim.provider import SimProvider

from ._helpers import ORDER_TOOLS, sim_serve

KEY = "sim-gemini-key-1234"


def _engine() -> SimEngine:
    return SimEngine(
        {
            "gemini-*": BUILTIN_PROFILES["baseline"],
            "limited": SimProfile(
                name="limited", faults=FaultProfile(rate_limit=1.0, retry_after_s=2)
            ),
            "busy": SimProfile(name="busy", faults=FaultProfile(unavailable=1.0)),
        },
        seed=3,
        time_scale=0,
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with run_sim_server(_engine(), api_key=KEY) as url:
        yield url


@pytest.fixture
async def gemini(base_url: str) -> AsyncIterator[GeminiProvider]:
    settings = ProviderSettings(base_url=base_url, api_key=KEY, max_retries=0)
    async with GeminiProvider(settings) as provider:
        yield provider


@pytest.fixture
async def fresh() -> AsyncIterator[GeminiProvider]:
    """A client on a server of its own: the simulator varies repeated requests, so answers
    are compared on first asks only."""
    with run_sim_server(_engine(), api_key=KEY) as url:
        settings = ProviderSettings(base_url=url, api_key=KEY, max_retries=0)
        async with GeminiProvider(settings) as provider:
            yield provider


async def _in_process(req: ChatRequest) -> Any:
    """The same engine in process, speaking gemini.generate (first ask)."""
    return await SimProvider(engine=_engine(), api="gemini.generate").complete(req)


def _request(model: str = "gemini-2.5-flash", **kw: Any) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[
            Message.system("You are a support assistant."),
            Message.user("How do I reset my password for order A1234?"),
        ],
        max_output_tokens=4000,
        **kw,
    )


def _core(resp: Any) -> dict[str, Any]:
    out: dict[str, Any] = resp.model_dump(
        exclude={"raw", "latency_s", "ttft_s", "provider", "provider_request_id", "id"}
    )
    for call in out["tool_calls"]:
        call.pop("arguments_raw")
    return out


async def test_generate_content_through_the_gemini_client(fresh: GeminiProvider) -> None:
    resp = await fresh.complete(_request())
    assert "password" in (resp.text or "")
    assert resp.finish_reason == "stop"
    assert resp.usage.output_tokens > 0
    assert resp.model == "gemini-2.5-flash"
    assert _core(resp) == _core(await _in_process(_request()))


async def test_stream_generate_content_sse_folds_like_complete(
    fresh: GeminiProvider, gemini: GeminiProvider
) -> None:
    streamed = await fresh.complete_streaming(_request())
    assert _core(streamed) == _core(await _in_process(_request()))
    events: list[StreamEvent] = [ev async for ev in gemini.stream(_request(stream=True))]
    assert events[0].type == "start"
    assert sum(1 for e in events if e.type == "text") > 1  # text arrives in several chunks
    assert {"usage", "finish"} <= {e.type for e in events}


async def test_function_calls_round_trip(fresh: GeminiProvider) -> None:
    req = ChatRequest(
        model="gemini-2.5-flash",
        messages=[Message.user("What is the status of order A1234 for customer C77?")],
        tools=ORDER_TOOLS,
        tool_choice=ToolChoice(mode="required"),
    )
    resp = await fresh.complete(req)
    assert resp.tool_calls, resp
    call = resp.tool_calls[0]
    assert call.name in {t.name for t in ORDER_TOOLS}
    assert isinstance(call.arguments, dict)
    assert _core(resp) == _core(await _in_process(req))
    streamed = await fresh.complete_streaming(req.model_copy(update={"model": "gemini-3-flash"}))
    assert streamed.tool_calls
    assert streamed.finish_reason == "tool_calls"


async def test_errors_map_to_the_clients_exceptions(gemini: GeminiProvider) -> None:
    # catalog rule 25: Gemini 2.5 Pro cannot turn thinking off (thinkingBudget 0)
    with pytest.raises(ProviderBadRequestError) as bad:
        await gemini.complete(_request("gemini-2.5-pro", thinking=Thinking(mode="disabled")))
    assert bad.value.status == 400
    with pytest.raises(ModelNotFoundError):
        await gemini.complete(_request("nonexistent-model"))
    with pytest.raises(RateLimitError) as limited:
        await gemini.complete(_request("limited"))
    assert limited.value.retry_after == 2
    with pytest.raises(ProviderServerError) as busy:
        await gemini.complete(_request("busy"))
    assert busy.value.status == 503


async def test_a_wrong_key_is_an_auth_error(base_url: str) -> None:
    settings = ProviderSettings(base_url=base_url, api_key="wrong", max_retries=0)
    async with GeminiProvider(settings) as provider:
        with pytest.raises(AuthError):
            await provider.complete(_request())


BODY = {"contents": [{"role": "user", "parts": [{"text": "Hello there?"}]}]}


def test_wire_details(base_url: str) -> None:
    url = f"{base_url}/v1beta/models/gemini-2.5-flash"
    with httpx.Client(timeout=10) as http:
        ok = http.post(f"{url}:generateContent", params={"key": KEY}, json=BODY)
        assert ok.status_code == 200
        assert ok.headers["x-switchover-simulator"] == "true"
        body = ok.json()
        assert body["candidates"][0]["content"]["role"] == "model"
        assert body["candidates"][0]["finishReason"] == "STOP"
        assert body["modelVersion"] == "gemini-2.5-flash"
        assert {"promptTokenCount", "candidatesTokenCount"} <= set(body["usageMetadata"])
        assert "id" not in body
        assert body["responseId"]
        v1 = http.post(
            f"{base_url}/v1/models/gemini-2.5-flash:generateContent",
            headers={"x-goog-api-key": KEY},
            json=BODY,
        )
        assert v1.json()["candidates"][0]["finishReason"] == "STOP"

        sse = http.post(
            f"{url}:streamGenerateContent",
            params={"alt": "sse"},
            headers={"x-goog-api-key": KEY},
            json=BODY,
        )
        assert sse.headers["content-type"].startswith("text/event-stream")
        chunks = [
            json.loads(line[len("data: ") :])
            for line in sse.text.splitlines()
            if line.startswith("data: ")
        ]
        assert len(chunks) > 1
        assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
        assert "usageMetadata" in chunks[-1]

        def error(resp: httpx.Response) -> dict[str, Any]:
            err: dict[str, Any] = resp.json()["error"]
            assert set(err) >= {"code", "message", "status"}
            assert err["code"] == resp.status_code
            return err

        no_key = http.post(f"{url}:generateContent", json=BODY)
        assert (no_key.status_code, error(no_key)["status"]) == (403, "PERMISSION_DENIED")
        wrong = http.post(f"{url}:generateContent", params={"key": "nope"}, json=BODY)
        assert (wrong.status_code, error(wrong)["status"]) == (400, "INVALID_ARGUMENT")
        assert error(wrong)["details"][0]["reason"] == "API_KEY_INVALID"
        keyed = {"x-goog-api-key": KEY}
        not_sse = http.post(f"{url}:streamGenerateContent", headers=keyed, json=BODY)
        assert (not_sse.status_code, error(not_sse)["status"]) == (400, "INVALID_ARGUMENT")
        assert "alt=sse" in error(not_sse)["message"]
        bad_json = http.post(
            f"{url}:generateContent",
            headers={**keyed, "content-type": "application/json"},
            content=b"{not json",
        )
        assert (bad_json.status_code, error(bad_json)["status"]) == (400, "INVALID_ARGUMENT")
        no_contents = http.post(f"{url}:generateContent", headers=keyed, json={})
        assert error(no_contents)["details"][0]["fieldViolations"][0]["field"] == "contents"
        unknown = http.post(f"{url}:countTokens", headers=keyed, json=BODY)
        assert (unknown.status_code, error(unknown)["status"]) == (404, "NOT_FOUND")
        missing = http.post(
            f"{base_url}/v1beta/models/no-such-model:generateContent", headers=keyed, json=BODY
        )
        assert error(missing)["status"] == "NOT_FOUND"
        assert "models/no-such-model is not found" in error(missing)["message"]
        rule = http.post(
            f"{base_url}/v1beta/models/gemini-3-pro-preview:generateContent",
            headers=keyed,
            json={
                **BODY,
                "generationConfig": {
                    "thinkingConfig": {"thinkingLevel": "low", "thinkingBudget": 128}
                },
            },
        )
        assert (rule.status_code, error(rule)["status"]) == (400, "INVALID_ARGUMENT")
        limited = http.post(
            f"{base_url}/v1beta/models/limited:generateContent", headers=keyed, json=BODY
        )
        assert error(limited)["status"] == "RESOURCE_EXHAUSTED"
        retry = [d for d in error(limited)["details"] if d["@type"].endswith("RetryInfo")]
        assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}]


async def _ask_twice(url: str) -> tuple[Any, Any]:
    settings = ProviderSettings(base_url=url, api_key="anything", max_retries=0)
    async with GeminiProvider(settings) as provider:
        return await provider.complete(_request()), await provider.complete_streaming(_request())


def test_sim_serve_answers_the_gemini_client() -> None:
    """``switchover sim serve`` itself (a subprocess on a loopback port) serves Gemini."""
    with sim_serve() as (_, url):
        resp, streamed = asyncio.run(_ask_twice(url))
    assert "password" in (resp.text or "")
    assert "password" in (streamed.text or "")
    assert streamed.usage.output_tokens > 0
