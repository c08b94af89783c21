"""Azure OpenAI: deployment URLs, api-version, api-key / Entra token auth, Azure error shapes."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from wire_server import Reply, WireServer

from switchover.chat import ChatRequest, Message
from switchover.errors import ConfigError, ModelNotFoundError, ProviderBadRequestError
from switchover.providers import azure
from switchover.providers import openai_chat as oc
from switchover.providers._sse import format_sse
from switchover.providers.base import ProviderSettings
from switchover.providers.base import create_provider as registry_create

KEY = "azure-test-SECRET123456"
REQ = ChatRequest(model="gpt-4o-prod", messages=[Message.user("hi")], max_output_tokens=20)

# Azure adds content-filter annotations to the Chat Completions body.
AZURE_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-7R1nGnsXO8n4oi9UPz2f3UHdgAYMn",
    "object": "chat.completion",
    "created": 1686676106,
    "model": "gpt-4o-2024-11-20",
    "prompt_filter_results": [
        {
            "prompt_index": 0,
            "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
        }
    ],
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "Hello from Azure."},
            "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
        }
    ],
    "usage": {"completion_tokens": 4, "prompt_tokens": 9, "total_tokens": 13},
}


async def test_deployment_url_api_key_and_body(wire: WireServer) -> None:
    wire.queue(Reply(json=AZURE_COMPLETION, headers={"apim-request-id": "apim-1"}))
    settings = ProviderSettings(base_url=wire.base_url + "/", api_key=KEY)
    async with azure.create_provider(settings) as p:
        out = await p.complete(REQ)
        assert "SECRET123456" not in repr(p)
    rec = wire.last
    assert rec.path == "/openai/deployments/gpt-4o-prod/chat/completions"
    assert rec.query == {"api-version": [azure.DEFAULT_API_VERSION]}
    assert rec.headers["api-key"] == KEY
    assert "authorization" not in rec.headers
    assert rec.json == {
        "model": "gpt-4o-prod",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 20,
    }
    assert out.text == "Hello from Azure."
    assert out.provider == "azure"
    assert out.provider_request_id == "apim-1"


async def test_env_endpoint_version_deployment_option_and_token(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", wire.base_url)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "eyJ0eXAiOiJKV1Qi.test-token-SECRET")
    wire.queue(Reply(json=AZURE_COMPLETION))
    async with azure.create_provider(ProviderSettings(options={"deployment": "my dep"})) as p:
        await p.complete(REQ)
    rec = wire.last
    assert (
        rec.raw_path
        == "/openai/deployments/my%20dep/chat/completions?api-version=2025-04-01-preview"
    )
    assert rec.headers["authorization"] == "Bearer eyJ0eXAiOiJKV1Qi.test-token-SECRET"
    assert "api-key" not in rec.headers


async def test_v1_path_puts_deployment_in_model(wire: WireServer) -> None:
    frames = [
        # Azure's first chunk carries only prompt filter results (empty id and model).
        format_sse(
            '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}'
        ),
        format_sse(
            '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}'
        ),
        format_sse(
            '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'
        ),
        b"data: [DONE]\n\n",
    ]
    wire.queue(Reply(sse=frames))
    settings = ProviderSettings(
        base_url=wire.base_url, api_key=KEY, options={"api_version": "v1", "deployment": "prod-4o"}
    )
    async with registry_create("azure", settings) as p:
        out = await p.complete_streaming(REQ)
    rec = wire.last
    assert rec.raw_path == "/openai/v1/chat/completions"
    assert rec.json["model"] == "prod-4o"
    assert rec.json["stream"] is True
    assert out.text == "Hi"
    assert out.model == "gpt-4o"


async def test_azure_errors(wire: WireServer) -> None:
    not_found = {
        "error": {
            "code": "DeploymentNotFound",
            "message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
        }
    }
    filtered = {
        "error": {
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
            "innererror": {"code": "ResponsibleAIPolicyViolation"},
        }
    }
    wire.queue(Reply(status=404, json=not_found), Reply(status=400, json=filtered))
    async with azure.create_provider(ProviderSettings(base_url=wire.base_url, api_key=KEY)) as p:
        with pytest.raises(ModelNotFoundError) as ei:
            await p.complete(REQ)
        with pytest.raises(ProviderBadRequestError) as ei2:
            await p.complete(REQ)
    assert ei.value.provider_message == not_found["error"]["message"]
    assert (ei2.value.code, ei2.value.param) == ("content_filter", "prompt")


def test_missing_endpoint_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as ei:
        azure.create_provider(ProviderSettings(api_key=KEY))
    assert "AZURE_OPENAI_ENDPOINT" in (ei.value.hint or "")
    with pytest.raises(ConfigError, match="not an http:// or https:// URL") as bad:
        azure.create_provider(ProviderSettings(api_key=KEY, base_url="my-res.openai.azure.com"))
    assert bad.value.field == "base_url"


async def test_our_urls_match_the_official_azure_sdk(wire: WireServer) -> None:
    """The official AzureOpenAI client and ours send the same path, query and auth header."""
    wire.handler = lambda rec: Reply(json=AZURE_COMPLETION)
    async with openai.AsyncAzureOpenAI(
        api_key=KEY, azure_endpoint=wire.base_url, api_version="2024-10-21", max_retries=0
    ) as client:
        await client.chat.completions.create(
            model="gpt-4o-prod",
            messages=[{"role": "user", "content": "hi"}],
            max_completion_tokens=20,
        )
    sdk = wire.last
    async with azure.create_provider(ProviderSettings(base_url=wire.base_url, api_key=KEY)) as p:
        await p.complete(REQ)
    ours = wire.last
    assert (ours.raw_path, ours.headers["api-key"]) == (sdk.raw_path, sdk.headers["api-key"])
    assert ours.json == sdk.json
    assert oc.decode_request(sdk.json).model_dump() == oc.decode_request(ours.json).model_dump()
