"""The simulator over HTTP, driven by the official openai and anthropic SDKs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from switchover.providers.sim import (
    BUILTIN_PROFILES,
    FaultProfile,
    SimEngine,
    SimProfile,
    run_sim_server,
)

from ._helpers import ORDER_TOOLS, TICKET_SCHEMA

FAST = 0.001


def _sim_engine() -> SimEngine:
    return SimEngine(
        {
            "gpt-4o*": BUILTIN_PROFILES["baseline"],
            "gpt-6-luna": BUILTIN_PROFILES["baseline"],
            "claude-*": BUILTIN_PROFILES["baseline"],
            "limited": SimProfile(
                name="limited", faults=FaultProfile(rate_limit=1.0, retry_after_s=2)
            ),
            "broken": SimProfile(name="broken", faults=FaultProfile(server_error=1.0)),
            "busy": SimProfile(name="busy", faults=FaultProfile(unavailable=1.0)),
            "reset": SimProfile(name="reset", faults=FaultProfile(connection_reset=1.0)),
            "hang": SimProfile(name="hang", faults=FaultProfile(timeout=1.0, timeout_s=100)),
        },
        time_scale=FAST,
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with run_sim_server(_sim_engine()) as url:
        yield url


@pytest.fixture
def oai(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-test-key-0000", max_retries=0) as c:
        yield c


@pytest.fixture
def claude(base_url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=base_url, api_key="test-key", max_retries=0) as c:
        yield c


USER = [{"role": "user", "content": "How do I reset my password for order A1234?"}]


def test_openai_chat_non_streaming_is_labelled(oai: openai.OpenAI) -> None:
    raw = oai.chat.completions.with_raw_response.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
    assert raw.headers["x-switchover-simulator"] == "true"
    completion = raw.parse()
    assert completion.id.startswith("simchat-")
    assert completion.model == "gpt-4o"
    text = completion.choices[0].message.content or ""
    assert "password" in text
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0


def test_openai_chat_streaming(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o",
        messages=USER,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    plain = oai.chat.completions.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
    assert "password" in text
    assert len(chunks) > 10
    assert chunks[0].id.startswith("simchat-")
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert plain.choices[0].message.content  # a second sample, also an answer


def test_openai_tools_json_and_tool_stream(oai: openai.OpenAI) -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in ORDER_TOOLS
    ]
    msgs = [{"role": "user", "content": "Where is my order A1234? Customer C-7788."}]
    resp = oai.chat.completions.create(model="gpt-4o", messages=msgs, tools=tools)  # type: ignore[arg-type]
    call = (resp.choices[0].message.tool_calls or [])[0]
    assert resp.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_order_status"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments)["order_id"] == "A1234"  # type: ignore[union-attr]
    stream = oai.chat.completions.create(model="gpt-4o", messages=msgs, tools=tools, stream=True)  # type: ignore[arg-type]
    args = ""
    for chunk in stream:
        for tc in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            args += (tc.function.arguments or "") if tc.function else ""
    assert json.loads(args)["customer_id"] == "C-7788"
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "ticket", "schema": TICKET_SCHEMA, "strict": True},
    }
    js = oai.chat.completions.create(model="gpt-4o", messages=USER, response_format=fmt)  # type: ignore[arg-type]
    assert set(json.loads(js.choices[0].message.content or "")) >= {"category", "priority"}


def test_openai_rule_violation_is_a_real_shaped_400(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        oai.chat.completions.create(model="gpt-6-luna", messages=USER, max_tokens=100)  # type: ignore[arg-type]
    err = exc.value
    assert err.status_code == 400
    assert err.body == {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
    assert err.response.headers["x-switchover-simulator"] == "true"
    ok = oai.chat.completions.create(model="gpt-6-luna", messages=USER, max_completion_tokens=2000)  # type: ignore[arg-type]
    assert ok.choices[0].message.content


def test_openai_errors(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as nf:
        oai.chat.completions.create(model="gpt-unknown", messages=USER)  # type: ignore[arg-type]
    assert nf.value.code == "model_not_found"
    with pytest.raises(openai.RateLimitError) as rl:
        oai.chat.completions.create(model="limited", messages=USER)  # type: ignore[arg-type]
    assert rl.value.response.headers["retry-after"] == "2"
    assert rl.value.response.headers["retry-after-ms"] == "2000"
    assert rl.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.InternalServerError) as ise:
        oai.chat.completions.create(model="broken", messages=USER)  # type: ignore[arg-type]
    assert ise.value.status_code == 500
    with pytest.raises(openai.InternalServerError) as busy:
        oai.chat.completions.create(model="busy", messages=USER)  # type: ignore[arg-type]
    assert busy.value.status_code == 503
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model="reset", messages=USER)  # type: ignore[arg-type]


def test_timeout_hangs_past_the_client_timeout(base_url: str) -> None:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="k", max_retries=0, timeout=0.02)
    with client as c, pytest.raises(openai.APITimeoutError):
        c.chat.completions.create(model="hang", messages=USER)  # type: ignore[arg-type]
    with httpx.Client(timeout=5) as h:  # a patient client gets the 504 after the hang
        r = h.post(f"{base_url}/v1/chat/completions", json={"model": "hang", "messages": USER})
    assert r.status_code == 504
    assert r.json()["error"]["type"] == "timeout"


def test_anthropic_non_streaming_and_streaming(claude: anthropic.Anthropic) -> None:
    raw = claude.messages.with_raw_response.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        messages=USER,  # type: ignore[arg-type]
    )
    assert raw.headers["x-switchover-simulator"] == "true"
    msg = raw.parse()
    assert msg.id.startswith("simmsg-")
    assert msg.stop_reason == "end_turn"
    assert "password" in msg.content[0].text  # type: ignore[union-attr]
    with claude.messages.stream(model="claude-sonnet-4-6", max_tokens=1024, messages=USER) as s:  # type: ignore[arg-type]
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert "password" in text
    assert final.id.startswith("simmsg-")
    assert final.usage.output_tokens > 0


def test_anthropic_tool_use(claude: anthropic.Anthropic) -> None:
    tools = [
        {"name": t.name, "description": t.description, "input_schema": t.parameters}
        for t in ORDER_TOOLS
    ]
    msg = claude.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        tools=tools,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "Where is my order A1234? Customer C-7788."}],
    )
    assert msg.stop_reason == "tool_use"
    block = msg.content[0]
    assert block.type == "tool_use"
    args = dict(block.input)  # type: ignore[union-attr]
    args.pop("include_history", None)  # optional in the schema
    assert args == {"order_id": "A1234", "customer_id": "C-7788"}


def test_anthropic_errors(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as bad:
        claude.messages.create(
            model="claude-opus-4-7",
            max_tokens=100,
            messages=USER,  # type: ignore[arg-type]
            extra_body={"temperature": 0.3},  # the SDK itself no longer has the field
        )
    body = bad.value.body
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "temperature" in body["error"]["message"]
    with pytest.raises(anthropic.NotFoundError) as nf:
        claude.messages.create(model="gpt-unknown", max_tokens=10, messages=USER)  # type: ignore[arg-type]
    assert nf.value.body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "model: gpt-unknown"},
    }
    with pytest.raises(anthropic.RateLimitError) as rl:
        claude.messages.create(model="limited", max_tokens=10, messages=USER)  # type: ignore[arg-type]
    assert rl.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    with pytest.raises(anthropic.InternalServerError) as busy:
        claude.messages.create(model="busy", max_tokens=10, messages=USER)  # type: ignore[arg-type]
    assert busy.value.status_code == 529
    assert busy.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_models_health_and_bad_bodies(
    base_url: str, oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    ids = [m.id for m in oai.models.list()]
    assert ids == ["gpt-6-luna", "limited", "broken", "busy", "reset", "hang"]
    assert [m.id for m in claude.models.list()] == ids
    with httpx.Client() as h:
        health = h.get(f"{base_url}/healthz")
        assert health.json() == {"status": "ok", "simulator": True}
        bad = h.post(f"{base_url}/v1/chat/completions", content=b"{not json")
        assert bad.status_code == 400
        assert bad.json()["error"]["type"] == "invalid_request_error"
        arr = h.post(f"{base_url}/v1/messages", json=[1, 2])
        assert arr.status_code == 400
        assert arr.json()["type"] == "error"
        invalid = h.post(
            f"{base_url}/v1/chat/completions", json={"model": "gpt-4o", "messages": "hi"}
        )
        assert invalid.status_code == 400
        assert invalid.json()["error"]["param"]


def test_openai_responses_api(oai: openai.OpenAI) -> None:
    raw = oai.responses.with_raw_response.create(
        model="gpt-4o", input="How do I reset my password?"
    )
    assert raw.headers["x-switchover-simulator"] == "true"
    resp = raw.parse()
    assert resp.id.startswith("simresp-")
    assert "password" in resp.output_text
    assert resp.usage is not None
    assert resp.usage.output_tokens > 0
    events = list(
        oai.responses.create(model="gpt-4o", input="How do I reset my password?", stream=True)
    )
    deltas = "".join(
        getattr(e, "delta", "") for e in events if e.type == "response.output_text.delta"
    )
    assert "password" in deltas
    done = events[-1]
    assert done.type == "response.completed"
    assert done.response.id.startswith("simresp-")  # type: ignore[union-attr]
    with pytest.raises(openai.BadRequestError) as exc:
        oai.responses.create(model="gpt-6-luna", input="hi", temperature=0.5)
    assert exc.value.body["param"] == "temperature"  # type: ignore[index]


def test_embeddings_with_the_sdk(oai: openai.OpenAI) -> None:
    import math

    res = oai.embeddings.create(
        model="gpt-4o", input=["reset my password", "reset my password please", "weather in Paris"]
    )
    vecs = [d.embedding for d in res.data]
    assert len(vecs[0]) == 256
    assert math.isclose(sum(v * v for v in vecs[0]), 1.0, rel_tol=1e-4)

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vecs[0], vecs[1]) > 0.6 > cos(vecs[0], vecs[2])
    floats = oai.embeddings.create(
        model="gpt-4o", input="hi", dimensions=8, encoding_format="float"
    )
    assert len(floats.data[0].embedding) == 8
    assert res.usage.prompt_tokens > 0
    with pytest.raises(openai.BadRequestError) as exc:
        oai.embeddings.create(model="gpt-4o", input=[], dimensions=8)
    assert exc.value.body["param"] == "input"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        oai.embeddings.create(model="nope", input="x")


def test_embeddings_bad_bodies(base_url: str) -> None:
    with httpx.Client() as h:
        assert h.post(f"{base_url}/v1/embeddings", content=b"{").status_code == 400
        assert (
            h.post(f"{base_url}/v1/embeddings", json={"input": "x"}).json()["error"]["param"]
            == "model"
        )
        bad_dims = {"model": "gpt-4o", "input": "x", "dimensions": 0}
        assert (
            h.post(f"{base_url}/v1/embeddings", json=bad_dims).json()["error"]["param"]
            == "dimensions"
        )
        bad_fmt = {"model": "gpt-4o", "input": "x", "encoding_format": "hex"}
        assert h.post(f"{base_url}/v1/embeddings", json=bad_fmt).status_code == 400


def test_api_key_required_when_configured() -> None:
    engine = SimEngine({"*": BUILTIN_PROFILES["baseline"]}, time_scale=0)
    with run_sim_server(engine, api_key="sk-sim-secret-1234") as url:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="sk-wrong-key-0000", max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError) as exc:
                bad.chat.completions.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
            assert exc.value.code == "invalid_api_key"
            with pytest.raises(openai.AuthenticationError):
                bad.embeddings.create(model="gpt-4o", input="x")
        with anthropic.Anthropic(base_url=url, api_key="nope", max_retries=0) as bad_claude:
            with pytest.raises(anthropic.AuthenticationError) as aexc:
                bad_claude.messages.create(model="claude-sonnet-4-6", max_tokens=10, messages=USER)  # type: ignore[arg-type]
            assert aexc.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
        with openai.OpenAI(base_url=f"{url}/v1", api_key="sk-sim-secret-1234", max_retries=0) as ok:
            assert ok.chat.completions.create(model="gpt-4o", messages=USER).choices  # type: ignore[arg-type]
        with anthropic.Anthropic(base_url=url, api_key="sk-sim-secret-1234", max_retries=0) as ok_c:
            assert ok_c.messages.create(
                model="claude-sonnet-4-6", max_tokens=100, messages=USER
            ).content  # type: ignore[arg-type]


def test_streaming_responses_carry_the_simulator_header(
    oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    raw = oai.chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=USER,  # type: ignore[arg-type]
        stream=True,
    )
    assert raw.headers["x-switchover-simulator"] == "true"
    assert raw.headers["content-type"].startswith("text/event-stream")
    chunks = list(raw.parse())
    assert all(c.usage is None for c in chunks)  # no include_usage: no usage chunk
    raw_a = claude.messages.with_raw_response.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        messages=USER,  # type: ignore[arg-type]
        stream=True,
    )
    assert raw_a.headers["x-switchover-simulator"] == "true"
    events = [e.type for e in raw_a.parse()]
    assert events[0] == "message_start"
    assert events[-1] == "message_stop"
