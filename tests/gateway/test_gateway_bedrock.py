"""A candidate served by Claude on Amazon Bedrock (provider ``bedrock``): the gateway adapts
the request for the bedrock platform (the catalog's Bedrock id, as an inference profile, in
the URL), calls ``invoke`` / ``invoke-with-response-stream`` with the Bedrock API key, decodes
the AWS event stream, and answers the client in its own wire format."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from switchover.chat import StreamEvent, Usage, fold_stream
from switchover.config import UpstreamSettings
from switchover.errors import AuthError
from switchover.gateway.upstream import Upstream, missing_key_warnings
from switchover.providers import anthropic as ac
from switchover.providers._sse import parse_sse_text
from switchover.providers.bedrock_anthropic import encode_chunk

from .test_gateway_adaptation import _records, _started

KEY = "ABSKQmVkcm9ja0dhdGV3YXlUZXN0S2V5LTAxMjM0NTY3ODk="
MESSAGES_REQUEST: dict[str, Any] = {
    "model": "support-bot",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "Where is my order?"}],
}
MODEL = "claude-sonnet-4-5-20250929"
ANSWER = [
    StreamEvent(type="start", id="msg_bdrk_gw"),
    StreamEvent(type="text", text="It ships today."),
    StreamEvent(type="usage", usage=Usage(input_tokens=12, output_tokens=5)),
    StreamEvent(type="finish", finish_reason="stop"),
]
# Bedrock answers Claude in Anthropic's shapes: built with the Anthropic codec's server side.
MESSAGE = ac.encode_response(fold_stream(ANSWER), model=MODEL)


def _events() -> list[dict[str, Any]]:
    """The Messages stream events of ``ANSWER`` (message_start ... message_stop)."""
    enc = ac.StreamEncoder(MODEL)
    frames = [f for ev in ANSWER for f in enc.encode(ev)] + enc.close()
    return [json.loads(data) for _, data in parse_sse_text(b"".join(frames))]


def _bedrock(seen: list[httpx.Request]) -> httpx.MockTransport:
    """Claude on Bedrock behind a fake transport that records what it is sent: InvokeModel
    answers JSON, InvokeModelWithResponseStream an AWS event stream."""
    stream = b"".join(encode_chunk(e) for e in _events())

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/invoke"):
            return httpx.Response(200, json=MESSAGE, headers={"x-amzn-RequestId": "req-gw"})
        ctype = {"content-type": "application/vnd.amazon.eventstream"}
        return httpx.Response(200, headers=ctype, content=stream)

    return httpx.MockTransport(answer)


# Bedrock API key from BEDROCK_TEST_KEY; the region only names the (unused) default host.
BEDROCK_UPSTREAM = UpstreamSettings.model_validate(
    {
        "provider": "bedrock",
        "base_url": "http://bedrock.test",
        "api_key_env": "BEDROCK_TEST_KEY",
        "max_retries": 0,
        "options": {"region": "us-east-1"},
    }
)


async def test_anthropic_client_candidate_on_bedrock_claude(
    sim_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application speaking the Anthropic Messages API whose candidate is Claude on
    Bedrock: decoded, adapted for bedrock (rule 22), sent to InvokeModel, answered as
    Anthropic Messages (JSON, then SSE re-encoded from the AWS event stream)."""
    monkeypatch.setenv("BEDROCK_TEST_KEY", KEY)
    assert BEDROCK_UPSTREAM.platform == "bedrock"
    seen: list[httpx.Request] = []
    canary = {"kind": "canary", "percent": 100}  # every request goes to the candidate
    upstreams = {"sim-anthropic": BEDROCK_UPSTREAM}  # the candidate upstream, on Bedrock
    async with _started(
        sim_url,
        canary,
        "anthropic:claude-sonnet-4-5",
        candidate_upstream="sim-anthropic",
        upstreams=upstreams,
        transport=_bedrock(seen),
    ) as (app, c):
        plain = await c.post("/v1/messages", json=MESSAGES_REQUEST)
        streamed = await c.post("/v1/messages", json={**MESSAGES_REQUEST, "stream": True})
        records = await _records(app)
    assert plain.status_code == 200, plain.text
    assert plain.headers["x-switchover-arm"] == "candidate"
    assert plain.json()["content"] == [{"type": "text", "text": "It ships today."}]
    assert streamed.status_code == 200, streamed.text
    assert "event: message_stop" in streamed.text
    assert '"text_delta"' in streamed.text
    assert "It ships today." in streamed.text
    rules = {str(ch.get("rule_id")) for rec in records for ch in rec.body["adaptation"]["changes"]}
    assert "bedrock-inference-profile" in rules
    # rule 22: Claude Sonnet 4.5 on Bedrock is called through an inference profile
    model = "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0"
    assert [r.url.raw_path.decode() for r in seen] == [
        model + "/invoke",
        model + "/invoke-with-response-stream",
    ]
    assert seen[1].headers["accept"] == "application/vnd.amazon.eventstream"
    for sent in seen:
        assert sent.headers["authorization"] == f"Bearer {KEY}"
        body = json.loads(sent.content)
        assert body["anthropic_version"] == "bedrock-2023-05-31"
        assert not {"model", "stream"} & set(body)
        assert body["messages"] == MESSAGES_REQUEST["messages"]


async def test_start_up_warning_names_both_ways_to_authenticate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("AWS_BEARER_TOKEN_BEDROCK", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    settings = UpstreamSettings(provider="bedrock", options={"region": "us-east-1"})
    bare = Upstream("claude-aws", settings)
    (line,) = missing_key_warnings({"claude-aws": bare})
    assert line.startswith(
        "upstream 'claude-aws' (bedrock): AWS_BEARER_TOKEN_BEDROCK (or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY) is not set;"
    )
    with pytest.raises(AuthError) as info:
        bare.require_key()
    assert info.value.status == 503
    await bare.aclose()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAGATEWAYEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "gatewaySecretEXAMPLE/0123456789")
    signed = Upstream("claude-aws", settings)
    assert missing_key_warnings({"claude-aws": signed}) == []
    signed.require_key()
    await signed.aclose()
