"""The adaptation changes made for a candidate request reach its record and its headers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from switchover.config import UpstreamSettings
from switchover.gateway import GatewayApp, create_gateway_app
from switchover.gateway.records import Job, record_body
from switchover.rollout import RequestRecord

from ._helpers import ADMIN, fast_rollout, make_config, settings

ADAPTED_CHAT: dict[str, Any] = {
    "model": "support-bot",
    "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Where is my order?"},
    ],
    "temperature": 0.3,
    "max_tokens": 50,
}


async def _records(app: GatewayApp) -> list[RequestRecord]:
    assert app.pipeline is not None
    assert await asyncio.to_thread(app.pipeline.wait_idle, 5.0)
    return app.store.query_records("support", datetime(2000, 1, 1, tzinfo=UTC))


@contextlib.asynccontextmanager
async def _started(
    sim_url: str,
    stage: dict[str, Any],
    to: str = "openai:gpt-5-mini",
    *,
    upstreams: dict[str, UpstreamSettings] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **mig: Any,
) -> AsyncIterator[tuple[GatewayApp, httpx.AsyncClient]]:
    """A gateway whose migration was promoted into ``stage`` (no controller); ``upstreams``
    replace or add configured upstreams, ``transport`` serves the decoded-path clients."""
    plan = fast_rollout(stages=[{**stage, "duration": "1h"}])
    cfg = make_config(sim_url, to=to, rollout=plan, **mig)
    cfg.upstreams.update(upstreams or {})
    app = create_gateway_app(cfg, settings(controller=False), transport=transport)
    async with app.running():
        asgi = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=asgi, base_url="http://gw") as c:
            r = await c.post("/admin/migrations/support/promote", headers=ADMIN)
            assert r.status_code == 200, r.text
            yield app, c


async def test_candidate_record_and_header_list_the_changes(sim_url: str) -> None:
    async with _started(sim_url, {"kind": "canary", "percent": 100}) as (app, c):
        r = await c.post("/v1/chat/completions", json=ADAPTED_CHAT)
        assert r.status_code == 200
        assert r.headers["x-switchover-arm"] == "candidate"
        assert r.headers["x-switchover-adapted"] == "3"
        stream = {**ADAPTED_CHAT, "stream": True}
        async with c.stream("POST", "/v1/chat/completions", json=stream) as s:
            assert s.headers["x-switchover-adapted"] == "3"
            assert "[DONE]" in (await s.aread()).decode()
        records = await _records(app)
    assert [(r.arm, r.ok) for r in records] == [("candidate", True), ("candidate", True)]
    for rec in records:
        assert rec.body is not None
        adaptation = rec.body["adaptation"]
        assert "request" not in rec.body  # --record-bodies is off
        changes = {ch["param"]: ch for ch in adaptation["changes"]}
        assert set(changes) == {"messages[0].role", "max_tokens", "temperature"}
        drop = changes["temperature"]
        assert (drop["kind"], drop["before"], drop["lossy"]) == ("drop", 0.3, True)
        assert drop["rule_id"] == "openai-temperature-reasoning"
        assert changes["max_tokens"]["after"] == "max_completion_tokens"
        assert adaptation["target_api"] == "openai.chat"


async def test_baseline_record_has_no_adaptation_and_no_header(sim_url: str) -> None:
    # not started: the baseline serves (passed through); every request recorded
    app = create_gateway_app(make_config(sim_url), settings(idle_record_sample=1.0))
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.post("/v1/chat/completions", json=ADAPTED_CHAT)
            assert r.headers["x-switchover-arm"] == "baseline"
            assert "x-switchover-adapted" not in r.headers
            records = await _records(app)
    assert [(r.arm, r.body) for r in records] == [("baseline", None)]


async def test_shadow_record_lists_the_changes(sim_url: str) -> None:
    async with _started(sim_url, {"kind": "shadow", "percent": 100}) as (app, c):
        r = await c.post("/v1/chat/completions", json=ADAPTED_CHAT)
        assert r.headers["x-switchover-arm"] == "baseline"
        assert app.shadow is not None
        await app.shadow.drain(5.0)
        records = await _records(app)
    shadowed = [r for r in records if r.shadow]
    assert len(shadowed) == 1
    assert shadowed[0].body is not None
    params = [ch["param"] for ch in shadowed[0].body["adaptation"]["changes"]]
    assert sorted(params) == ["max_tokens", "messages[0].role", "temperature"]


def _job(adaptation: dict[str, Any] | None) -> Job:
    return Job(
        migration="m",
        arm="candidate",
        api="openai.chat",
        at=0.0,
        latency_ms=1.0,
        status=200,
        ok=True,
        model="gpt-5-mini",
        request_id="r1",
        record=True,
        body={"model": "gpt-4.1"},
        adaptation=adaptation,
    )


def test_record_body_keeps_large_values_only_with_bodies() -> None:
    schema = {"type": "object", "properties": {"secret_prompt": {"type": "string"}}}
    change = {
        "kind": "translate",
        "param": "response_format",
        "before": schema,
        "after": "x" * 100,
        "reason": "why",
        "rule_id": None,
        "lossy": False,
    }
    adaptation = {"target_api": "anthropic.messages", "changes": [change], "warnings": []}
    lean = record_body(_job(adaptation), keep_bodies=False)
    assert lean is not None
    assert "request" not in lean
    kept = lean["adaptation"]["changes"][0]
    assert "rule_id" not in kept
    assert kept["lossy"] is False
    assert "secret_prompt" not in json.dumps(lean)
    assert kept["before"].startswith("(omitted")
    assert kept["after"].startswith("(omitted")
    full = record_body(_job(adaptation), keep_bodies=True)
    assert full is not None
    assert full["request"] == {"model": "gpt-4.1"}
    assert full["adaptation"]["changes"][0]["before"] == schema
    assert record_body(_job(None), keep_bodies=False) is None


async def test_failed_candidate_record_keeps_the_adaptation(sim_url: str) -> None:
    canary = {"kind": "canary", "percent": 100}
    async with _started(sim_url, canary, to="openai:gpt-4.1-mini") as (app, c):  # 50% 500s
        for _ in range(12):
            r = await c.post("/v1/chat/completions", json=ADAPTED_CHAT)
            assert r.status_code == 200  # the baseline answers for a failed candidate
        records = await _records(app)
    failed = [r for r in records if r.arm == "candidate" and not r.ok]
    assert failed
    assert all(r.fallback for r in failed)
    for rec in failed:
        assert rec.body is not None
        assert rec.body["adaptation"]["target_api"] == "openai.chat"


async def test_refused_adaptation_is_recorded_and_falls_back(sim_url: str) -> None:
    canary = {"kind": "canary", "percent": 100}
    async with _started(sim_url, canary, adaptation="strict") as (app, c):
        r = await c.post("/v1/chat/completions", json=ADAPTED_CHAT)
        assert r.status_code == 200
        assert r.headers["x-switchover-fallback"] == "true"
        assert r.headers["x-switchover-arm"] == "baseline"
        records = await _records(app)
    failed = [r for r in records if r.arm == "candidate"]
    assert len(failed) == 1
    assert failed[0].status == 400
    assert failed[0].body is not None
    adaptation = failed[0].body["adaptation"]
    assert "loses information" in adaptation["error"]
    assert [ch["param"] for ch in adaptation["changes"]] == ["temperature"]  # the lossy one


async def test_refused_adaptation_in_shadow_is_recorded(sim_url: str) -> None:
    shadow = {"kind": "shadow", "percent": 100}
    async with _started(sim_url, shadow, adaptation="strict") as (app, c):
        assert (await c.post("/v1/chat/completions", json=ADAPTED_CHAT)).status_code == 200
        assert app.shadow is not None
        await app.shadow.drain(5.0)
        records = await _records(app)
    shadowed = [r for r in records if r.shadow]
    assert [(r.ok, r.status) for r in shadowed] == [(False, 400)]
    assert shadowed[0].body is not None
    assert "loses information" in shadowed[0].body["adaptation"]["error"]
