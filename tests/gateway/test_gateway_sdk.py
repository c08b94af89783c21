"""The official OpenAI and Anthropic SDKs, pointed at the gateway over a real loopback
socket (uvicorn in a thread), work unchanged: sync, async, streaming, tools, JSON mode.

Each SDK test runs against three gateways: the migration not started (raw pass-through to
the baseline), complete on an OpenAI candidate (decoded, adapted, re-encoded), and
complete on an Anthropic candidate (the OpenAI SDK served by Claude's wire API and back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from switchover.gateway import create_gateway_app, serve_in_thread
from switchover.store import open_store
from switchover.store.control import apply_action

from ._helpers import fast_rollout, make_config, settings

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_order_status",
            "description": "Look up the shipping status of an order by its order id",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "pattern": "^A\\d{4}$"},
                    "customer_id": {"type": "string"},
                },
                "required": ["order_id", "customer_id"],
                "additionalProperties": False,
            },
        },
    }
]
ORDER = [{"role": "user", "content": "Where is my order A1234? Customer C-7788."}]
USER = [{"role": "user", "content": "How do I reset my password?"}]
MODES = {
    "passthrough": {},
    "openai-candidate": {"to": "openai:gpt-5-mini"},
    "anthropic-candidate": {
        "to": "anthropic:claude-sonnet-4-6",
        "candidate_upstream": "sim-anthropic",
    },
}


@pytest.fixture(scope="module", params=list(MODES))
def gateway_url(
    request: pytest.FixtureRequest, sim_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    mode = request.param
    mp = pytest.MonkeyPatch()
    mp.setenv("SWITCHOVER_TEST_SIM_KEY", "sk-test-sim-0123456789abcdef")
    db = tmp_path_factory.mktemp("sdk") / "state.db"
    cfg = make_config(sim_url, rollout=fast_rollout(), **MODES[mode])
    store = open_store(f"sqlite:///{db}")
    app = create_gateway_app(cfg, settings(controller=False), store=store)
    if mode != "passthrough":
        plan = app.routes.routes["support"].plan
        for _ in range(len(plan.stages) + 1):
            apply_action(store, plan, "promote", actor="user:test")
    try:
        with serve_in_thread(app) as url:
            yield mode, url
    finally:
        store.close()
        mp.undo()


def _oai(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key="sk-client-key", max_retries=0)


def test_openai_sync_and_stream(gateway_url: tuple[str, str]) -> None:
    mode, url = gateway_url
    with _oai(url) as client:
        raw = client.chat.completions.with_raw_response.create(model="support-bot", messages=USER)  # type: ignore[arg-type]
        resp = raw.parse()
        assert resp.choices[0].message.content
        want = "baseline" if mode == "passthrough" else "candidate"
        assert raw.headers["x-switchover-arm"] == want
        stream = client.chat.completions.create(model="gpt-4.1", messages=USER, stream=True)  # type: ignore[arg-type]
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)  # type: ignore[union-attr]
        assert len(text) > 20


async def test_openai_async(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    async with openai.AsyncOpenAI(base_url=url + "/v1", api_key="sk-a", max_retries=0) as client:
        resp = await client.chat.completions.create(model="support-bot", messages=USER)  # type: ignore[arg-type]
        assert resp.choices[0].finish_reason == "stop"
        stream = await client.chat.completions.create(
            model="support-bot",
            messages=USER,  # type: ignore[arg-type]
            stream=True,
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]  # type: ignore[union-attr]
        assert "".join(parts)


def test_openai_tools_and_json_mode(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    with _oai(url) as client:
        resp = client.chat.completions.create(model="support-bot", messages=ORDER, tools=TOOLS)  # type: ignore[arg-type]
        call = (resp.choices[0].message.tool_calls or [])[0]
        assert call.function.name == "get_order_status"  # type: ignore[union-attr]
        args = json.loads(call.function.arguments)  # type: ignore[union-attr]
        assert args["order_id"] == "A1234"
        stream = client.chat.completions.create(
            model="support-bot",
            messages=ORDER,  # type: ignore[arg-type]
            tools=TOOLS,  # type: ignore[arg-type]
            stream=True,
        )
        streamed = ""
        for chunk in stream:
            for tc in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:  # type: ignore[union-attr]
                streamed += (tc.function.arguments or "") if tc.function else ""
        assert json.loads(streamed)["customer_id"] == "C-7788"
        js = client.chat.completions.create(
            model="support-bot",
            messages=[{"role": "user", "content": "Classify this ticket as JSON."}],
            response_format={"type": "json_object"},
        )
        assert isinstance(json.loads(js.choices[0].message.content or ""), dict)


def test_openai_errors_and_models(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    with _oai(url) as client:
        with pytest.raises(openai.NotFoundError) as exc:
            client.chat.completions.create(model="gpt-unknown", messages=USER)  # type: ignore[arg-type]
        assert "not routed" in str(exc.value)
        assert {m.id for m in client.models.list()} == {"support-bot", "gpt-4.1"}


def test_openai_embeddings_pass_through(gateway_url: tuple[str, str]) -> None:
    mode, url = gateway_url
    with _oai(url) as client:
        raw = client.embeddings.with_raw_response.create(
            model="support-bot", input=["reset my password"]
        )
        assert len(raw.parse().data[0].embedding) == 256
        # a completed Anthropic candidate has no embeddings API: they stay on the baseline
        want = "candidate" if mode == "openai-candidate" else "baseline"
        assert raw.headers["x-switchover-arm"] == want


def test_anthropic_sdk(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    with anthropic.Anthropic(base_url=url, api_key="sk-ant-client", max_retries=0) as client:
        msg = client.messages.create(model="support-bot", max_tokens=512, messages=USER)  # type: ignore[arg-type]
        assert msg.content[0].type == "text"
        with client.messages.stream(
            model="support-bot",
            max_tokens=512,
            messages=USER,  # type: ignore[arg-type]
        ) as stream:
            text = "".join(stream.text_stream)
        assert text
        tools = [
            {
                "name": "get_order_status",
                "description": "Look up an order",
                "input_schema": TOOLS[0]["function"]["parameters"],
            }
        ]
        tool_msg = client.messages.create(
            model="support-bot",
            max_tokens=512,
            messages=ORDER,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
        )
        block = next(b for b in tool_msg.content if b.type == "tool_use")
        assert block.input["order_id"] == "A1234"


async def test_anthropic_async(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    async with anthropic.AsyncAnthropic(base_url=url, api_key="sk-ant", max_retries=0) as client:
        msg = await client.messages.create(model="gpt-4.1", max_tokens=256, messages=USER)  # type: ignore[arg-type]
        assert msg.stop_reason in ("end_turn", "max_tokens")
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.create(model="nope", max_tokens=5, messages=USER)  # type: ignore[arg-type]


def test_openai_responses_api(gateway_url: tuple[str, str]) -> None:
    _, url = gateway_url
    with _oai(url) as client:
        resp = client.responses.create(model="support-bot", input="How do I reset my password?")
        assert resp.output_text
        with client.responses.stream(model="support-bot", input="Reset my password") as stream:
            text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        assert text
