"""SimProvider: the simulator in-process behind the Provider interface."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from switchover.chat import ChatRequest, Message
from switchover.errors import (
    ProviderBadRequestError,
    ProviderConnectionError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    UsageError,
)
from switchover.providers.base import ProviderSettings, create_provider
from switchover.providers.sim import (
    BUILTIN_PROFILES,
    FaultProfile,
    LatencyProfile,
    SimEngine,
    SimProfile,
)
from switchover.providers.sim.provider import SimProvider

from ._helpers import text_request, tool_request


def _engine(profile: SimProfile | None = None, **kw: object) -> SimEngine:
    return SimEngine({"*": profile or BUILTIN_PROFILES["baseline"]}, time_scale=0.0, **kw)  # type: ignore[arg-type]


async def test_entry_point_creates_a_sim_provider(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text('[models]\n"gpt-4o*" = "terse"\n', encoding="utf-8")
    settings = ProviderSettings(options={"profiles": str(path), "seed": 3, "time_scale": 0})
    async with create_provider("sim", settings) as provider:
        assert isinstance(provider, SimProvider)
        assert provider.engine.seed == 3
        resp = await provider.complete(text_request(0))
    assert resp.provider == "sim"
    assert resp.text.startswith("1. ")  # terse: no greeting
    assert resp.latency_s is not None
    assert resp.ttft_s is not None


async def test_complete_round_trips_through_the_wire_codec() -> None:
    provider = SimProvider(engine=_engine())
    direct = _engine().respond(text_request(1), api="openai.chat")
    resp = await provider.complete(text_request(1))
    assert resp.text == direct.text
    assert resp.usage == direct.usage
    assert resp.latency_s == direct.latency_s  # simulated, not wall-clock
    assert isinstance(resp.raw, dict)
    assert resp.raw["object"] == "chat.completion"
    assert resp.provider_request_id is not None
    assert resp.provider_request_id.startswith("simreq-")


async def test_anthropic_api_applies_anthropic_rules() -> None:
    provider = SimProvider(engine=_engine(), api="anthropic.messages")
    req = ChatRequest(
        model="claude-opus-4-7",
        messages=[Message.user("hi")],
        temperature=0.5,
        max_output_tokens=100,
    )
    with pytest.raises(ProviderBadRequestError) as exc:
        await provider.complete(req)
    assert exc.value.param == "temperature"
    ok = await provider.complete(req.model_copy(update={"temperature": None}))
    assert ok.raw["type"] == "message"


async def test_openai_max_tokens_rule_through_the_provider() -> None:
    provider = SimProvider(engine=_engine())
    req = text_request(0, model="gpt-6-luna").model_copy(
        update={"max_output_tokens": 50, "max_tokens_field": "max_tokens"}
    )
    with pytest.raises(ProviderBadRequestError, match="max_completion_tokens"):
        await provider.complete(req)
    adapted = req.model_copy(update={"max_tokens_field": "max_completion_tokens"})
    assert (await provider.complete(adapted)).finish_reason == "length"


async def test_streaming_folds_to_the_same_answer() -> None:
    provider = SimProvider(engine=_engine())
    events = [ev async for ev in provider.stream(tool_request(0))]
    assert events[0].type == "start"
    assert events[-1].type == "finish"
    folded = await SimProvider(engine=_engine()).complete_streaming(tool_request(0))
    direct = _engine().respond(tool_request(0), api="openai.chat")
    assert folded.tool_calls == direct.tool_calls
    assert folded.usage == direct.usage
    text = await SimProvider(engine=_engine()).complete_streaming(text_request(0))
    assert text.text == _engine().respond(text_request(0), api="openai.chat").text


async def test_retries_rate_limits_then_succeeds() -> None:
    prof = SimProfile(name="rl", faults=FaultProfile(rate_limit=0.5, retry_after_s=0.0))
    provider = SimProvider(ProviderSettings(max_retries=10), engine=_engine(prof))
    for i in range(20):
        assert (await provider.complete(text_request(i))).text


async def test_gives_up_after_max_retries_and_does_not_retry_400() -> None:
    always = SimProfile(name="down", faults=FaultProfile(server_error=1.0))
    provider = SimProvider(
        ProviderSettings(max_retries=2, backoff_base_s=0.0), engine=_engine(always)
    )
    with pytest.raises(ProviderServerError):
        await provider.complete(text_request(0))
    limited = SimProfile(name="429", faults=FaultProfile(rate_limit=1.0, retry_after_s=0))
    with pytest.raises(RateLimitError):
        await SimProvider(ProviderSettings(max_retries=1), engine=_engine(limited)).complete(
            text_request(0)
        )
    reset = SimProfile(name="reset", faults=FaultProfile(connection_reset=1.0))
    with pytest.raises(ProviderConnectionError):
        await SimProvider(ProviderSettings(max_retries=0), engine=_engine(reset)).complete(
            text_request(0)
        )


async def test_injected_timeout_waits_for_the_client_timeout() -> None:
    hang = SimProfile(name="hang", faults=FaultProfile(timeout=1.0, timeout_s=3600))
    engine = SimEngine({"*": hang}, time_scale=1.0)
    provider = SimProvider(ProviderSettings(timeout_s=0.05, max_retries=0), engine=engine)
    start = time.perf_counter()
    with pytest.raises(ProviderTimeoutError):
        await provider.complete(text_request(0))
    assert 0.04 < time.perf_counter() - start < 1.0


async def test_latency_is_waited_scaled() -> None:
    slow = SimProfile(name="slow", latency=LatencyProfile(median_ms=2000, p95_ms=2000, ttft_ms=500))
    provider = SimProvider(engine=SimEngine({"*": slow}, time_scale=0.01))
    start = time.perf_counter()
    resp = await provider.complete(text_request(0))
    elapsed = time.perf_counter() - start
    assert resp.latency_s == pytest.approx(2.0)
    assert 0.015 < elapsed < 0.5  # 2 s scaled by 0.01
    start = time.perf_counter()
    events = [ev async for ev in provider.stream(text_request(1))]
    assert len(events) > 5
    assert time.perf_counter() - start >= 0.005  # ttft 0.5 s scaled


def test_unknown_api_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown API"):
        SimProvider(api="openai.nope")
    with pytest.raises(UsageError, match="unknown API"):
        SimProvider(ProviderSettings(options={"api": "x"}))


async def test_responses_api_in_process() -> None:
    provider = SimProvider(engine=_engine(), api="openai.responses")
    resp = await provider.complete(tool_request(3))
    assert resp.raw["object"] == "response"
    assert resp.tool_calls[0].arguments["order_id"] == "A1003"


def test_stream_events_for_refusals_and_reasoning() -> None:
    from switchover.chat import ChatResponse, fold_stream
    from switchover.providers.sim.stream import response_events, text_chunks

    assert text_chunks("") == []
    assert "".join(text_chunks("a b  c d \n")) == "a b  c d \n"
    resp = ChatResponse(
        model="m", text="", refusal="I can't help.", reasoning_text="thinking hard", id="simchat-1"
    )
    folded = fold_stream(response_events(resp))
    assert folded.refusal == "I can't help."
    assert folded.reasoning_text == "thinking hard"
    assert folded.id == "simchat-1"


async def test_streamed_refusal_over_openai_chat() -> None:
    provider = SimProvider(engine=_engine(BUILTIN_PROFILES["refuser"]))
    refusals = 0
    for i in range(40):
        resp = await provider.complete_streaming(text_request(i))
        if resp.refusal:
            refusals += 1
            assert resp.text == ""
            assert resp.finish_reason == "content_filter"
    assert refusals > 0


async def test_gemini_api_in_process() -> None:
    provider = SimProvider(engine=_engine(), api="gemini.generate")
    resp = await provider.complete(text_request(2, model="gemini-2.5-flash"))
    assert "candidates" in resp.raw
    assert resp.text
    assert resp.usage.reasoning_tokens > 0  # gemini 2.5 thinks
