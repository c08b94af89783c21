"""With --record-bodies, gateway records are captures that ``switchover eval`` replays
offline: the request, its wire API and both arms' answers are kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from switchover.evaluate.datasets.captures import cases_from_captures
from switchover.gateway import create_gateway_app

from ._helpers import ADMIN, CHAT, fast_rollout, make_config, settings


async def test_recorded_bodies_replay_as_eval_cases_with_both_answers(sim_url: str) -> None:
    plan = fast_rollout(stages=[{"kind": "shadow", "percent": 100, "duration": "1h"}])
    cfg = make_config(sim_url, rollout=plan)
    app = create_gateway_app(cfg, settings(controller=False, record_bodies=True))
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.post("/admin/migrations/support/promote", headers=ADMIN)
            assert r.status_code == 200, r.text
            plain = await c.post("/v1/chat/completions", json=CHAT)
            assert plain.status_code == 200
            streamed = {**CHAT, "stream": True}
            async with c.stream("POST", "/v1/chat/completions", json=streamed) as s:
                assert "[DONE]" in (await s.aread()).decode()
        assert app.shadow is not None
        await app.shadow.drain(5.0)
        assert app.pipeline is not None
        assert await asyncio.to_thread(app.pipeline.wait_idle, 5.0)
        records = app.store.query_records("support", datetime(2000, 1, 1, tzinfo=UTC))
    assert len(records) == 4  # two requests, each on both arms
    for rec in records:
        assert rec.body is not None
        assert rec.body["api"] == "openai.chat"
        assert rec.body["request"]["messages"] == CHAT["messages"]
        assert rec.body["response"]["text"]
    rows = [(i + 1, rec.model_dump(mode="json")) for i, rec in enumerate(records)]
    cases, skipped = cases_from_captures(rows, path="captures.jsonl")
    assert skipped == 0
    assert len(cases) == 2
    texts = {rec.request_id: rec.body["response"]["text"] for rec in records if not rec.shadow}
    for case in cases:
        assert case.baseline_response is not None
        assert case.baseline_response.text == texts[case.id]
        assert case.recorded["candidate"].text
    # the non-streamed answer carried its usage (the simulator's streams do not)
    assert any(c.baseline_response and c.baseline_response.usage.output_tokens for c in cases)
