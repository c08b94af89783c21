"""Upstreams whose API key variable is unset: a start-up warning naming the variable, and a
503 in the caller's API format (pass-through and decoded paths) instead of a bare 502."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchover.config import Config
from switchover.gateway import GatewayApp, create_gateway_app
from switchover.gateway.server import SPEC_ENV, app_from_env
from switchover.gateway.upstream import build_upstreams, missing_key_warnings

from ._helpers import CHAT, settings

UNSET = "SWITCHOVER_TEST_UNSET_KEY"
SECRET = "sk-test-present-0123456789abcdef"


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    monkeypatch.setenv("SWITCHOVER_TEST_SET_KEY", SECRET)


def _config(sim_url: str, *, baseline: str, candidate: str = "keyed") -> Config:
    upstreams: dict[str, Any] = {
        "nokey-openai": {"provider": "openai", "base_url": sim_url + "/v1", "api_key_env": UNSET},
        "nokey-anthropic": {"provider": "anthropic", "base_url": sim_url, "api_key_env": UNSET},
        "keyed": {
            "provider": "openai",
            "base_url": sim_url + "/v1",
            "api_key_env": "SWITCHOVER_TEST_SET_KEY",
        },
    }
    for up in upstreams.values():
        up["max_retries"] = 0
    migration = {
        "name": "support",
        "from": "openai:gpt-4.1",
        "to": "openai:gpt-5-mini",
        "aliases": ["support-bot"],
        "baseline_upstream": baseline,
        "candidate_upstream": candidate,
    }
    return Config.model_validate({"upstreams": upstreams, "migrations": [migration]})


@pytest.fixture
async def gw_client(
    request: pytest.FixtureRequest, sim_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    app: GatewayApp = create_gateway_app(_config(sim_url, baseline=request.param), settings())
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            yield c


def _assert_names_variable(message: str, upstream: str) -> None:
    assert UNSET in message
    assert repr(upstream) in message
    assert "restart" in message
    assert SECRET not in message


@pytest.mark.parametrize("gw_client", ["nokey-openai"], indirect=True)
async def test_passthrough_without_key_is_503_openai_format(gw_client: httpx.AsyncClient) -> None:
    for body in (CHAT, {**CHAT, "stream": True}):
        r = await gw_client.post("/v1/chat/completions", json=body)
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["type"] == "server_error"
        _assert_names_variable(err["message"], "nokey-openai")


@pytest.mark.parametrize("gw_client", ["nokey-anthropic"], indirect=True)
async def test_decoded_without_key_is_503_in_callers_format(
    gw_client: httpx.AsyncClient,
) -> None:
    # OpenAI caller, Anthropic upstream: decoded (not passed through), plain and streamed.
    for body in (CHAT, {**CHAT, "stream": True}):
        r = await gw_client.post("/v1/chat/completions", json=body)
        assert r.status_code == 503, r.text
        _assert_names_variable(r.json()["error"]["message"], "nokey-anthropic")
    # Anthropic caller, Anthropic upstream: passed through; the error is Anthropic-shaped.
    msg = {"model": "support-bot", "max_tokens": 50, "messages": CHAT["messages"]}
    r = await gw_client.post("/v1/messages", json=msg)
    assert r.status_code == 503, r.text
    data = r.json()
    assert data["type"] == "error"
    _assert_names_variable(data["error"]["message"], "nokey-anthropic")


async def test_warnings_name_upstream_and_variable_only_for_keyed_providers(
    sim_url: str,
) -> None:
    cfg = _config(sim_url, baseline="keyed")
    raw = {name: up.model_dump(by_alias=True) for name, up in cfg.upstreams.items()}
    raw["sim"] = {"provider": "sim"}
    raw["ollama"] = {"provider": "openai-compatible", "options": {"preset": "ollama"}}
    raw["vllm"] = {"provider": "openai-compatible", "options": {"preset": "vllm"}}
    full = Config.model_validate({"upstreams": raw})
    ups = build_upstreams(full.upstreams)
    try:
        lines = missing_key_warnings(ups)
    finally:
        for up in ups.values():
            await up.aclose()
    assert len(lines) == 2, lines
    assert any("'nokey-openai'" in line for line in lines)
    assert any("'nokey-anthropic'" in line for line in lines)
    for line in lines:
        assert UNSET in line
        assert SECRET not in line
    assert ups["keyed"].missing_key_env is None
    assert ups["sim"].missing_key_env is None
    assert ups["ollama"].missing_key_env is None
    assert ups["vllm"].missing_key_env is None


async def test_worker_app_logs_one_warning_per_missing_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = tmp_path / "switchover.toml"
    cfg.write_text(
        f'[upstreams.o]\nprovider = "openai"\napi_key_env = "{UNSET}"\n\n'
        '[upstreams.k]\nprovider = "anthropic"\napi_key_env = "SWITCHOVER_TEST_SET_KEY"\n\n'
        '[[migrations]]\nname = "m"\nfrom = "openai:gpt-4.1"\nto = "anthropic:claude-sonnet-4-6"\n'
        'baseline_upstream = "o"\ncandidate_upstream = "k"\n'
    )
    spec = {"store_url": "sqlite://:memory:", "pass_checks": []}
    env = {"config": str(cfg), "settings": spec, "token_env": "SWITCHOVER_TEST_NO_TOKEN"}
    monkeypatch.setenv(SPEC_ENV, json.dumps(env))
    with caplog.at_level(logging.WARNING, logger="switchover.gateway"):
        app = app_from_env()
    gc.unfreeze()
    async with app.running():
        pass
    warned = [r.getMessage() for r in caplog.records if "is not set" in r.getMessage()]
    assert len(warned) == 1
    assert "'o'" in warned[0]
    assert UNSET in warned[0]
    assert SECRET not in caplog.text
