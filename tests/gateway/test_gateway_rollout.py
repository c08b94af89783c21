"""End-to-end rollouts on the simulator (time-scaled): a healthy candidate reaches 100%
through every gate; a candidate with a planted regression is rolled back by itself in the
canary while callers keep getting answers from the baseline."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime

import httpx

from switchover.gateway import GatewayApp, create_gateway_app

from ._helpers import ADMIN, CHAT, fast_rollout, make_config, settings

_users = itertools.count()


async def _traffic(client: httpx.AsyncClient, n: int) -> list[httpx.Response]:
    async def one() -> httpx.Response:
        headers = {"x-switchover-user": f"user-{next(_users) % 400}"}
        return await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _drive_until(
    app: GatewayApp, client: httpx.AsyncClient, statuses: set[str], limit_s: float
) -> list[httpx.Response]:
    seen: list[httpx.Response] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        seen += await _traffic(client, 16)
        state = app.view.states.get("support")
        if state is not None and state.status in statuses:
            return seen
    state = app.view.states.get("support")
    raise AssertionError(f"still {state.describe() if state else 'not started'}")


async def test_healthy_candidate_reaches_complete_through_every_gate(sim_url: str) -> None:
    cfg = make_config(sim_url, rollout=fast_rollout())
    app = create_gateway_app(cfg, settings())
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            r = await client.post("/admin/migrations/support/promote", headers=ADMIN)
            assert r.json()["migration"]["status"] == "shadow"
            responses = await _drive_until(app, client, {"complete", "rolled_back"}, 60)
            assert app.view.states["support"].status == "complete"
            assert all(r.status_code == 200 for r in responses)
            arms = {r.headers["x-switchover-arm"] for r in responses}
            assert arms == {"baseline", "candidate"}
            after = await _traffic(client, 8)
            assert {r.headers["x-switchover-arm"] for r in after} == {"candidate"}
            audit = (await client.get("/admin/audit", headers=ADMIN)).json()["events"]
            records = app.store.query_records("support", datetime(2000, 1, 1, tzinfo=UTC))
    promotions = [e for e in audit if e["action"] == "promote"]
    assert [e["to_status"] for e in promotions] == ["shadow", "canary", "canary", "complete"]
    assert promotions[0]["actor"] == "user:admin-api"
    for e in promotions[1:]:
        assert e["actor"].startswith("gate:")
        gates = {g["gate"]: g["outcome"] for g in e["metrics"]["gates"]}
        assert gates == {"error_rate": "pass", "check_pass_rate": "pass"}
    assert app.shadow is not None
    assert app.shadow.done > 0
    shadowed = [r for r in records if r.shadow]
    assert shadowed
    assert all(r.arm == "candidate" for r in shadowed)
    assert any(r.checks_total > 0 for r in shadowed)


async def test_planted_regression_is_rolled_back_in_the_canary(sim_url: str) -> None:
    plan = fast_rollout(
        stages=[
            {"kind": "canary", "percent": 50, "duration": "30s"},
            {"kind": "canary", "percent": 100, "duration": "30s"},
        ]
    )
    cfg = make_config(sim_url, to="openai:gpt-4.1-mini", rollout=plan)
    app = create_gateway_app(cfg, settings())
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            await client.post("/admin/migrations/support/promote", headers=ADMIN)
            assert app.view.states["support"].describe() == "canary 50% (stage 1)"
            responses = await _drive_until(app, client, {"rolled_back", "complete"}, 60)
            assert app.view.states["support"].status == "rolled_back"
            # callers never saw the candidate's 500s: the baseline answered instead
            assert all(r.status_code == 200 for r in responses)
            assert any(r.headers.get("x-switchover-fallback") == "true" for r in responses)
            after = await _traffic(client, 8)
            assert {r.headers["x-switchover-arm"] for r in after} == {"baseline"}
            audit = (await client.get("/admin/audit", headers=ADMIN)).json()["events"]
            metrics = (await client.get("/metrics")).text
    last = audit[-1]
    assert last["action"] == "rollback"
    assert last["actor"] == "gate:error_rate"
    assert last["from_status"] == "canary"
    assert "failure 2 of 2" in last["reason"]
    assert 'switchover_gateway_errors_total{arm="candidate",kind="server"' in metrics
