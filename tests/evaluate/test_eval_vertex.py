"""An evaluation whose candidate upstream is Claude on Vertex AI: the candidate arm adapts for
the vertex platform, so the catalog's Vertex id goes into the ``rawPredict`` URL, with the
bearer token and the Vertex body."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from switchover.chat import ChatResponse, Usage
from switchover.config import load_config
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.providers.anthropic import encode_response
from switchover.providers.base import ProviderSettings
from switchover.providers.vertex import VertexAnthropicProvider

TOKEN = "ya29.eval-vertex-token-0123456789"
UPSTREAM = """
[upstreams.vtx]
provider = "vertex-anthropic"
api_key_env = "VERTEX_EVAL_TOKEN"
options = { project = "proj-eval", location = "us-east5" }
"""
# What rawPredict answers: an Anthropic Messages response.
MESSAGE = encode_response(
    ChatResponse(
        model="claude-sonnet-4-5-20250929",
        text="It works like this.",
        usage=Usage(input_tokens=30, output_tokens=5),
    ),
    model="claude-sonnet-4-5-20250929",
)


async def test_candidate_on_vertex_claude(
    tmp_path: Path, make_plan: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERTEX_EVAL_TOKEN", TOKEN)
    seen: list[httpx.Request] = []

    def vertex(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=MESSAGE)

    path = make_plan(tmp_path, n=3, extra='baseline_upstream = "sim"\ncandidate_upstream = "vtx"')
    text = path.read_text().replace(
        'to = "openai:gpt-6-luna"', 'to = "anthropic:claude-sonnet-4-5"'
    )
    path.write_text(text.replace("[[migrations]]", UPSTREAM + "\n[[migrations]]", 1))
    cfg = load_config(path)
    assert cfg.upstreams["vtx"].platform == "vertex"
    up = cfg.upstreams["vtx"]
    provider = VertexAnthropicProvider(
        ProviderSettings(api_key_env=up.api_key_env, max_retries=0, options=up.options),
        transport=httpx.MockTransport(vertex),
    )
    assert provider.base_url == "https://us-east5-aiplatform.googleapis.com"
    plan = plan_evaluation(
        cfg, EvalOptions(providers={"vtx": provider}, store_url="sqlite://:memory:")
    )
    assert [a.platform for a in plan.arms] == [None, "vertex"]
    report = await execute(plan)
    await provider.aclose()
    assert len(seen) == 3
    for sent in seen:
        assert str(sent.url) == (
            "https://us-east5-aiplatform.googleapis.com/v1/projects/proj-eval/locations/"
            "us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
        )
        assert sent.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(sent.content)
        assert body["anthropic_version"] == "vertex-2023-10-16"
        assert "model" not in body
    outputs = [o for case in report.cases for o in case.candidate_outputs]
    assert len(outputs) == 3
    assert all(o.response is not None and o.response.text == "It works like this." for o in outputs)
