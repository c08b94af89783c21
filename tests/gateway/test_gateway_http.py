"""The gateway's HTTP surface over ASGI, against the simulator on loopback."""

from __future__ import annotations

import json

import httpx

from switchover.gateway import GatewayApp, create_gateway_app
from switchover.providers._sse import parse_sse_text

from ._helpers import ADMIN, CHAT, make_config, settings


async def test_alias_passes_through_to_baseline(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-4.1"
    assert r.headers["x-switchover-arm"] == "baseline"
    assert r.headers["x-switchover-migration"] == "support"
    assert r.headers["x-switchover-simulator"] == "true"  # upstream headers kept


async def test_old_model_id_routes_transparently(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", json={**CHAT, "model": "GPT-4.1"})
    assert r.status_code == 200
    assert r.headers["x-switchover-arm"] == "baseline"


async def test_streaming_passthrough(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse_text(r.content)
    assert events[-1][1] == "[DONE]"
    text = "".join(
        (json.loads(d)["choices"] or [{}])[0].get("delta", {}).get("content") or ""
        for _, d in events[:-1]
    )
    assert text


async def test_unknown_model_is_404_in_openai_format(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", json={**CHAT, "model": "nope"})
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "model_not_found"
    assert "nope" in err["message"]


async def test_errors_in_anthropic_format(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/messages", content=b"{not json")
    assert r.status_code == 400
    assert r.json()["type"] == "error"
    assert r.json()["error"]["type"] == "invalid_request_error"
    r = await client.post("/v1/messages", json={"model": "nope", "max_tokens": 5, "messages": []})
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "not_found_error"


async def test_malformed_and_missing_model(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", content=b"[1, 2]")
    assert r.status_code == 400
    assert "JSON object" in r.json()["error"]["message"]
    r = await client.post("/v1/chat/completions", json={"messages": []})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "model"
    r = await client.get("/v1/chat/completions")
    assert r.status_code == 405


async def test_body_limit_413(sim_url: str) -> None:
    app = create_gateway_app(make_config(sim_url), settings(max_body_bytes=200))
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            big = {**CHAT, "messages": [{"role": "user", "content": "x" * 500}]}
            r = await c.post("/v1/chat/completions", json=big)
            assert r.status_code == 413
            assert "limit of 200 bytes" in r.json()["error"]["message"]


async def test_anthropic_client_to_openai_baseline_is_translated(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "model": "support-bot",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Where is my order?"}],
    }
    r = await client.post("/v1/messages", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["type"] == "message"
    assert data["content"][0]["type"] == "text"
    r = await client.post("/v1/messages", json={**body, "stream": True})
    assert r.status_code == 200
    names = [e for e, _ in parse_sse_text(r.content)]
    assert names[0] == "message_start"
    assert names[-1] == "message_stop"


async def test_models_health_ready_metrics(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/models")
    ids = {m["id"] for m in r.json()["data"]}
    assert ids == {"support-bot", "gpt-4.1"}
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = (await client.get("/readyz")).json()
    assert ready["ready"] is True
    await client.post("/v1/chat/completions", json=CHAT)
    text = (await client.get("/metrics")).text
    assert (
        'switchover_gateway_requests_total{arm="baseline",migration="support",status="2xx"}' in text
    )
    assert "switchover_gateway_latency_seconds_bucket" in text
    assert (await client.get("/nowhere")).status_code == 404


async def test_usage_metrics_tokens(gateway: GatewayApp, client: httpx.AsyncClient) -> None:
    await client.post("/v1/chat/completions", json=CHAT)
    assert gateway.pipeline is not None
    assert gateway.pipeline.wait_idle()
    text = gateway.metrics.render().decode()
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("switchover_gateway_tokens_total") and 'direction="output"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) > 0


async def test_not_ready_before_startup(sim_url: str) -> None:
    app = create_gateway_app(make_config(sim_url), settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        assert (await c.get("/readyz")).status_code == 503
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 503
    app.store.close()
    for up in app.upstreams.values():
        await up.aclose()


async def test_admin_requires_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/migrations")).status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert (await client.get("/admin/migrations", headers=bad)).status_code == 401
    r = await client.get("/admin/migrations", headers=ADMIN)
    assert r.status_code == 200
    mig = r.json()["migrations"][0]
    assert mig["status"] == "baseline"
    assert mig["candidate"]["model"] == "gpt-5-mini"


async def test_admin_actions_and_audit(client: httpx.AsyncClient) -> None:
    r = await client.post("/admin/migrations/support/promote", headers=ADMIN)
    assert r.status_code == 200
    assert r.json()["migration"]["status"] == "shadow"
    r = await client.post("/admin/migrations/support/resume", headers=ADMIN)
    assert r.status_code == 409
    assert "cannot resume" in r.json()["error"]["message"]
    for action, status in (("pause", "paused"), ("resume", "shadow"), ("kill", "rolled_back")):
        r = await client.post(f"/admin/migrations/support/{action}", headers=ADMIN)
        assert r.json()["migration"]["status"] == status
    r = await client.get("/admin/audit?migration=support", headers=ADMIN)
    actions = [e["action"] for e in r.json()["events"]]
    assert actions == ["promote", "pause", "resume", "kill"]
    assert (await client.get("/admin/audit?limit=x", headers=ADMIN)).status_code == 400
    assert (await client.post("/admin/migrations/other/kill", headers=ADMIN)).status_code == 404
    assert (await client.get("/admin/nothing", headers=ADMIN)).status_code == 404


async def test_admin_disabled_without_token(sim_url: str) -> None:
    app = create_gateway_app(make_config(sim_url), settings(admin_token=None))
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            assert (await c.get("/admin/migrations")).status_code == 403
    app2 = create_gateway_app(make_config(sim_url), settings(admin_token=None, insecure_dev=True))
    async with app2.running():
        transport = httpx.ASGITransport(app=app2)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            assert (await c.get("/admin/migrations")).status_code == 200
