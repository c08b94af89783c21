"""A candidate served by Claude on Vertex AI: the gateway adapts the request for the vertex
platform (the catalog's Vertex id in the URL), calls ``rawPredict`` / ``streamRawPredict``
with the bearer token, and answers the client in its own wire format."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchover.config import UpstreamSettings

from .test_gateway_adaptation import _started

TOKEN = "ya29.gateway-vertex-token-0123456789"
PATH = (
    "/v1/projects/proj-gw/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929"
)
CHAT: dict[str, Any] = {
    "model": "support-bot",
    "messages": [{"role": "user", "content": "Where is my order?"}],
    "max_tokens": 50,
}
MESSAGE: dict[str, Any] = {
    "id": "msg_vertex_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "It ships today."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 5},
}


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps({'type': event, **data})}\n\n".encode()


STREAM = b"".join(
    [
        _sse("message_start", {"message": {**MESSAGE, "content": [], "stop_reason": None}}),
        _sse("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        _sse(
            "content_block_delta",
            {"index": 0, "delta": {"type": "text_delta", "text": "It ships today."}},
        ),
        _sse("content_block_stop", {"index": 0}),
        _sse(
            "message_delta",
            {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}},
        ),
        _sse("message_stop", {}),
    ]
)


def _vertex(seen: list[httpx.Request]) -> httpx.MockTransport:
    """Claude on Vertex behind a fake transport that records what it is sent."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith(":streamRawPredict"):
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=STREAM
            )
        return httpx.Response(200, json=MESSAGE)

    return httpx.MockTransport(answer)


VERTEX_UPSTREAM = UpstreamSettings(
    provider="vertex-anthropic",
    base_url="http://vertex.test",
    api_key_env="VERTEX_TEST_TOKEN",
    max_retries=0,
    options={"project": "proj-gw", "location": "us-east5"},
)


async def test_candidate_on_vertex_claude(sim_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERTEX_TEST_TOKEN", TOKEN)
    seen: list[httpx.Request] = []
    async with _started(
        sim_url,
        {"kind": "canary", "percent": 100},  # every request goes to the candidate
        "anthropic:claude-sonnet-4-5",
        candidate_upstream="sim-anthropic",
        upstreams={"sim-anthropic": VERTEX_UPSTREAM},  # the candidate upstream, on Vertex
        transport=_vertex(seen),
    ) as (_app, c):
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 200, r.text
        assert r.headers["x-switchover-arm"] == "candidate"
        assert r.json()["choices"][0]["message"]["content"] == "It ships today."
        streamed = await c.post("/v1/chat/completions", json={**CHAT, "stream": True})
        assert streamed.status_code == 200, streamed.text
        assert "It ships today." in streamed.text
    plain, stream = seen
    assert plain.url.path == PATH + ":rawPredict"
    assert stream.url.path == PATH + ":streamRawPredict"
    for sent in seen:
        assert sent.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(sent.content)
        assert body["anthropic_version"] == "vertex-2023-10-16"
        assert "model" not in body
        assert body["messages"] == [{"role": "user", "content": "Where is my order?"}]
    assert json.loads(stream.content)["stream"] is True
