"""The gateway adapts a candidate for the platform it is called on: the ``@platform`` of the
migration's ``to``, else its upstream's (Azure providers, ``options.platform``), else the
migration's ``platform``. Rule 22 (Claude 4.5+ on Bedrock needs an inference profile) reaches
the upstream only on Bedrock; the same migration first-party is adapted as before."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from switchover.gateway import GatewayApp
from switchover.gateway.routing import build_routes
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine, run_sim_server

from ._helpers import make_config
from .test_gateway_adaptation import _records, _started

BEDROCK_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE_ID = "global." + BEDROCK_ID  # rule 22's fix: the global inference profile
RULE_22 = "bedrock-inference-profile"
CHAT: dict[str, Any] = {
    "model": "support-bot",
    "messages": [{"role": "user", "content": "Where is my order?"}],
    "max_tokens": 50,
}


@pytest.fixture(scope="module")
def claude_sim() -> Iterator[str]:
    """A simulator that serves the Claude model first-party and as a Bedrock profile."""
    base = BUILTIN_PROFILES["baseline"]
    profiles = {"gpt-4.1": base, "claude-sonnet-4-5": base, "global.anthropic.claude-*": base}
    with run_sim_server(SimEngine(profiles, seed=3, time_scale=0.0)) as url:
        yield url


def _candidate(
    sim_url: str, to: str, **mig: Any
) -> contextlib.AbstractAsyncContextManager[tuple[GatewayApp, httpx.AsyncClient]]:
    """A gateway whose migration serves every request from the candidate (100% canary)."""
    canary = {"kind": "canary", "percent": 100}
    return _started(sim_url, canary, to, candidate_upstream="sim-anthropic", **mig)


async def _rules_applied(app: GatewayApp) -> set[str]:
    records = await _records(app)
    assert [r.arm for r in records] == ["candidate"]
    body = records[0].body
    assert body is not None
    return {str(ch.get("rule_id")) for ch in body["adaptation"]["changes"]}


@pytest.mark.parametrize(
    ("to", "mig"),
    [
        ("anthropic:claude-sonnet-4-5@bedrock", {}),
        ("anthropic:claude-sonnet-4-5", {"platform": "bedrock"}),
    ],
)
async def test_bedrock_candidate_is_sent_the_inference_profile(
    claude_sim: str, to: str, mig: dict[str, Any]
) -> None:
    async with _candidate(claude_sim, to, **mig) as (app, c):
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 200, r.text
        assert r.headers["x-switchover-arm"] == "candidate"
        # the model the upstream was called with, echoed in its answer
        assert r.json()["model"] == PROFILE_ID
        assert RULE_22 in await _rules_applied(app)


async def test_first_party_candidate_keeps_its_model(claude_sim: str) -> None:
    async with _candidate(claude_sim, "anthropic:claude-sonnet-4-5") as (app, c):
        r = await c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 200, r.text
        assert r.json()["model"] == "claude-sonnet-4-5"
        assert RULE_22 not in await _rules_applied(app)


def test_candidate_target_platform(claude_sim: str) -> None:
    def platform(**kw: Any) -> str | None:
        return build_routes(make_config(claude_sim, **kw)).routes["support"].candidate.platform

    assert platform(to="anthropic:claude-sonnet-4-5", candidate_upstream="sim-anthropic") is None
    assert platform(to="openai:gpt-5-mini@azure") == "azure"
    assert platform(to="azure:gpt-5-mini") == "azure"
    cfg = make_config(claude_sim)
    cfg.upstreams["sim"].options["platform"] = "bedrock"
    assert build_routes(cfg).routes["support"].candidate.platform == "bedrock"
    cfg.upstreams["sim"].options.clear()
    cfg.upstreams["sim"] = cfg.upstreams["sim"].model_copy(update={"provider": "azure"})
    assert build_routes(cfg).routes["support"].candidate.platform == "azure"
    # else the migration's platform
    assert platform(platform="vertex") == "vertex"
