"""Pure parts of the gateway: routing, sticky keys, decisions, usage extraction, JSON-tool
unwrapping, admin token checks."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from switchover.adapt.translate import JSON_TOOL
from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent, ToolCall, Usage
from switchover.config import Config
from switchover.errors import ConfigError
from switchover.gateway.admin import authorized
from switchover.gateway.codecs import CODECS, decode_raw_response, raw_usage
from switchover.gateway.reshape import unwrap_json_response, unwrap_json_stream
from switchover.gateway.routing import build_routes, decide, sticky_key
from switchover.rollout import RolloutState

from ._helpers import make_config

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def _state(status: str, percent: float = 0, shadow: float = 0) -> RolloutState:
    return RolloutState(
        migration="support",
        status=status,  # type: ignore[arg-type]
        stage=0,
        percent=percent,
        shadow_percent=shadow,
        entered_at=NOW,
        updated_at=NOW,
        version=1,
    )


def test_routes_by_alias_and_old_model_id() -> None:
    table = build_routes(make_config("http://127.0.0.1:1"))
    route = table.lookup("support-bot")
    assert route is not None
    assert table.lookup("GPT-4.1") is route
    assert table.lookup("gpt-5-mini") is None
    assert (route.baseline.upstream, route.baseline.model) == ("sim", "gpt-4.1")
    assert (route.candidate.upstream, route.candidate.model) == ("sim", "gpt-5-mini")


def test_upstream_found_by_provider_name() -> None:
    cfg = Config.model_validate(
        {
            "upstreams": {"openai": {"provider": "openai"}, "claude": {"provider": "anthropic"}},
            "migrations": [
                {"name": "m", "from": "openai:gpt-4.1", "to": "anthropic:claude-sonnet-4-6"}
            ],
        }
    )
    route = build_routes(cfg).routes["m"]
    assert (route.baseline.upstream, route.candidate.upstream) == ("openai", "claude")


def test_alias_claimed_twice_is_a_config_error() -> None:
    cfg = Config.model_validate(
        {
            "upstreams": {"o": {"provider": "openai"}},
            "migrations": [
                {
                    "name": "a",
                    "from": "openai:gpt-4.1",
                    "to": "openai:gpt-5-mini",
                    "aliases": ["x"],
                },
                {"name": "b", "from": "openai:gpt-4o", "to": "openai:gpt-5-mini", "aliases": ["x"]},
            ],
        }
    )
    with pytest.raises(ConfigError, match="routed by migrations 'a' and 'b'") as exc:
        build_routes(cfg)
    assert exc.value.field == "migrations[1].aliases"


def test_sticky_key_sources_in_order() -> None:
    assert sticky_key({"x-switchover-user": "h1"}, {"user": "u1"}) == "h:h1"
    assert sticky_key({}, {"user": "u1"}) == "u:u1"
    assert sticky_key({}, {"metadata": {"user_id": "a1"}}) == "u:a1"
    k = sticky_key({"authorization": "Bearer sk-secret"}, {})
    assert k is not None
    assert k.startswith("k:")
    assert "sk-secret" not in k
    assert sticky_key({}, {"user": ""}) is None


def test_decisions_follow_the_state() -> None:
    route = build_routes(make_config("http://127.0.0.1:1")).routes["support"]
    assert decide(None, route, "k", "r").arm == "baseline"
    assert decide(_state("complete", 100), route, "k", "r").arm == "candidate"
    assert decide(_state("rolled_back"), route, "k", "r").arm == "baseline"
    shadow = [decide(_state("shadow", shadow=50), route, None, f"r{i}") for i in range(400)]
    assert {d.arm for d in shadow} == {"baseline"}
    assert 120 < sum(d.shadow for d in shadow) < 280
    users = [f"user-{i}" for i in range(1000)]
    at10 = {u for u in users if decide(_state("canary", 10), route, u, "r").arm == "candidate"}
    at50 = {u for u in users if decide(_state("canary", 50), route, u, "r").arm == "candidate"}
    assert at10 < at50  # raising the percentage only adds users
    assert 50 < len(at10) < 150
    paused = _state("paused", 50).model_copy(update={"paused_from": "canary", "paused_at": NOW})
    held = {u for u in users if decide(paused, route, u, "r").arm == "candidate"}
    assert held == at50


def _resp() -> ChatResponse:
    return ChatResponse(
        model="m", text="hello", usage=Usage(input_tokens=11, output_tokens=7), finish_reason="stop"
    )


@pytest.mark.parametrize("api", ["openai.chat", "openai.responses", "anthropic.messages"])
def test_usage_from_raw_bodies_and_streams(api: str) -> None:
    import json

    codec = CODECS[api]
    body = json.dumps(codec.encode_response(_resp(), model="m")).encode()
    assert raw_usage(body, False) == Usage(input_tokens=11, output_tokens=7)
    enc = codec.StreamEncoder("m")
    frames: list[bytes] = []
    for ev in [
        StreamEvent(type="start", id="x", model="m"),
        StreamEvent(type="usage", usage=Usage(input_tokens=11)),
        StreamEvent(type="text", text="hel"),
        StreamEvent(type="text", text="lo"),
        StreamEvent(type="usage", usage=Usage(input_tokens=11, output_tokens=7)),
        StreamEvent(type="finish", finish_reason="stop"),
    ]:
        frames += enc.encode(ev)
    frames += enc.close()
    got = raw_usage(frames, True)
    assert got is not None
    assert (got.input_tokens, got.output_tokens) == (11, 7)
    decoded = decode_raw_response(api, frames, True)
    assert decoded is not None
    assert decoded.text == "hello"
    assert decode_raw_response(api, b"not json", False) is None
    assert raw_usage(b"[]", False) is None


def test_json_tool_unwrapped_whole_and_streamed() -> None:
    call = ToolCall.from_raw("c1", JSON_TOOL, '{"a": 1}')
    resp = ChatResponse(model="m", tool_calls=[call], finish_reason="tool_calls")
    out = unwrap_json_response(resp)
    assert (out.text, out.tool_calls, out.finish_reason) == ('{"a": 1}', [], "stop")
    assert unwrap_json_response(_resp()) == _resp()

    async def events() -> AsyncIterator[StreamEvent]:
        yield StreamEvent(type="tool_call_start", index=0, tool_call_id="c1", name=JSON_TOOL)
        yield StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"a"')
        yield StreamEvent(type="tool_call_delta", index=0, arguments_delta=": 1}")
        yield StreamEvent(type="finish", finish_reason="tool_calls")

    async def collect() -> list[StreamEvent]:
        return [e async for e in unwrap_json_stream(events())]

    import asyncio

    got = asyncio.run(collect())
    assert "".join(e.text or "" for e in got if e.type == "text") == '{"a": 1}'
    assert got[-1].finish_reason == "stop"
    req = ChatRequest(model="m", messages=[Message.user("x")])
    assert req.tools == []


def test_admin_token_is_compared_exactly() -> None:
    assert authorized("tok", False, "Bearer tok")
    assert authorized("tok", False, "bearer  tok")
    assert not authorized("tok", False, "Bearer tok2")
    assert not authorized("tok", False, "Basic tok")
    assert not authorized("tok", False, None)
    assert not authorized(None, False, "Bearer x")
    assert authorized(None, True, None)


async def test_shadow_queue_full_drops_and_counts() -> None:
    from typing import cast

    from switchover.gateway.metrics import GatewayMetrics
    from switchover.gateway.proxy import Call, Proxy
    from switchover.gateway.records import RecordPipeline
    from switchover.gateway.shadow import ShadowDispatcher, ShadowTask

    metrics = GatewayMetrics()
    proxy = Proxy({}, metrics, cast(RecordPipeline, None))
    route = build_routes(make_config("http://127.0.0.1:1")).routes["support"]
    call = Call("openai.chat", route, {}, b"{}", {}, "r1", stream=False, record=False)
    shadow = ShadowDispatcher(proxy, capacity=1, workers=0)
    assert not shadow.offer(ShadowTask(call, None, False))  # not started: dropped
    shadow.start()
    assert shadow.offer(ShadowTask(call, None, False))
    assert not shadow.offer(ShadowTask(call, None, False))
    assert shadow.dropped == 2
    text = metrics.render().decode()
    assert 'switchover_gateway_shadow_dropped_total{migration="support"} 2.0' in text
    assert shadow.queue is not None
    shadow.queue.get_nowait()
    shadow.queue.task_done()
    await shadow.drain(0.1)


def test_sim_profiles_are_found_next_to_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative ``profiles`` path means the file beside switchover.toml, as in `eval`,
    wherever the gateway is started from."""
    from switchover.config import load_config
    from switchover.gateway.upstream import build_upstreams

    example = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
    plan = tmp_path / "plan"
    plan.mkdir()
    shutil.copy(example / "switchover.toml", plan)
    shutil.copy(example / "sim-profiles.toml", plan)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(plan / "switchover.toml")
    assert cfg.path is not None
    ups = build_upstreams(cfg.upstreams, base_dir=cfg.path.parent)
    for up in ups.values():
        assert up.provider.settings.options["profiles"] == str(plan / "sim-profiles.toml")
    assert cfg.upstreams["today"].options["profiles"] == "sim-profiles.toml"
