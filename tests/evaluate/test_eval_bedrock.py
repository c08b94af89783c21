"""An evaluation whose candidate upstream is Claude on Amazon Bedrock (provider ``bedrock``):
the candidate arm adapts for the bedrock platform, so the catalog's Bedrock inference profile
goes into the ``invoke`` URL, signed with SigV4 (verified here over the request as sent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from switchover.config import Config, load_config
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.providers import _sigv4 as sigv4
from switchover.providers.base import ProviderSettings, create_provider
from switchover.providers.bedrock_anthropic import BedrockAnthropicProvider

# What InvokeModel answers for Claude is what Vertex's rawPredict does: a Messages response.
from .test_eval_vertex import MESSAGE

ACCESS_KEY = "AKIAEVALEXAMPLE00001"
SECRET_KEY = "evalSecretKeyEXAMPLE/0123456789abcdefghij"
UPSTREAM = """
[upstreams.aws]
provider = "bedrock"
options = { region = "eu-west-1" }
"""


def _signature_ok(request: httpx.Request) -> bool:
    parts = sigv4.parse_authorization(request.headers["authorization"])
    date = request.headers["x-amz-date"]
    if parts["credential"] != f"{ACCESS_KEY}/{date[:8]}/eu-west-1/bedrock/aws4_request":
        return False
    names = parts["signed_headers"].split(";")
    expected, _ = sigv4.signature(
        request.method,
        str(request.url),
        {n: request.headers[n] for n in names},
        request.content,
        secret_access_key=SECRET_KEY,
        region="eu-west-1",
        service="bedrock",
        date=date,
    )
    return expected == parts["signature"]


def _bedrock_config(tmp_path: Path, make_plan: Callable[..., Path]) -> Config:
    """The shared evaluation plan, its candidate Claude Sonnet 4.5 on upstream ``aws``."""
    path = make_plan(tmp_path, n=3, extra='baseline_upstream = "sim"\ncandidate_upstream = "aws"')
    plan = path.read_text().replace('"openai:gpt-6-luna"', '"anthropic:claude-sonnet-4-5"')
    path.write_text(plan.replace("[[migrations]]", UPSTREAM + "\n[[migrations]]", 1))
    return load_config(path)


async def test_candidate_on_bedrock_claude_with_sigv4(
    tmp_path: Path, make_plan: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_BEARER_TOKEN_BEDROCK", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    seen: list[httpx.Request] = []

    def bedrock(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if _signature_ok(request):
            return httpx.Response(200, json=MESSAGE, headers={"x-amzn-RequestId": "req-eval"})
        return httpx.Response(
            403,
            json={"message": "The request signature we calculated does not match."},
            headers={"x-amzn-ErrorType": "InvalidSignatureException"},
        )

    cfg = _bedrock_config(tmp_path, make_plan)
    assert cfg.upstreams["aws"].platform == "bedrock"
    settings = ProviderSettings(max_retries=0, options=cfg.upstreams["aws"].options)
    async with create_provider("bedrock", settings, transport=httpx.MockTransport(bedrock)) as aws:
        assert isinstance(aws, BedrockAnthropicProvider)
        assert aws.auth_mode == "sigv4"
        options = EvalOptions(providers={"aws": aws}, store_url="sqlite://:memory:")
        plan = plan_evaluation(cfg, options)
        assert [a.platform for a in plan.arms] == [None, "bedrock"]
        report = await execute(plan)
    texts = [
        o.response.text if o.response else None for c in report.cases for o in c.candidate_outputs
    ]
    assert texts == ["It works like this."] * 3
    assert [r.url.host for r in seen] == ["bedrock-runtime.eu-west-1.amazonaws.com"] * 3
    for sent in seen:
        assert (
            sent.url.raw_path == b"/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
        )
        assert _signature_ok(sent)
        body = json.loads(sent.content)
        assert (body["anthropic_version"], "model" in body) == ("bedrock-2023-05-31", False)
