"""Azure OpenAI Responses API (``azure-responses``): v1 / preview / dated URLs, deployment in
the body, api-key / Entra token auth, the Responses codec and streaming, checked against a
loopback wire server and the official openai SDK's Azure client."""

from __future__ import annotations

import openai
import pytest
from test_openai_responses import CALL_STREAM, TEXT_RESPONSE, TEXT_STREAM
from wire_server import Reply, WireServer

from switchover.chat import ChatRequest, Message, Tool
from switchover.errors import ConfigError, ModelNotFoundError, ProviderBadRequestError
from switchover.providers import azure_responses
from switchover.providers import openai_responses as orc
from switchover.providers.base import ProviderSettings, available_providers
from switchover.providers.base import create_provider as registry_create

KEY = "azure-resp-SECRET123456"
REQ = ChatRequest(
    model="gpt-5-prod",
    messages=[Message.system("Be brief."), Message.user("Tell me a story.")],
    max_output_tokens=200,
)


def test_registered_under_the_entry_point_group() -> None:
    assert "azure-responses" in available_providers()
    provider = registry_create(
        "azure-responses", ProviderSettings(base_url="https://r.openai.azure.com", api_key=KEY)
    )
    assert isinstance(provider, azure_responses.AzureOpenAIResponsesProvider)
    assert provider.api == "openai.responses"


async def test_v1_url_api_key_and_responses_body(wire: WireServer) -> None:
    wire.queue(Reply(json=TEXT_RESPONSE, headers={"apim-request-id": "apim-7"}))
    settings = ProviderSettings(base_url=wire.base_url + "/", api_key=KEY)
    async with azure_responses.create_provider(settings) as p:
        out = await p.complete(REQ)
        assert "SECRET123456" not in repr(p)
    rec = wire.last
    assert rec.raw_path == "/openai/v1/responses"
    assert rec.headers["api-key"] == KEY
    assert "authorization" not in rec.headers
    assert rec.json == orc.encode_request(REQ)
    assert rec.json["model"] == "gpt-5-prod"
    assert rec.json["instructions"] == "Be brief."
    assert out.text == "In a peaceful grove beneath a silver moon."
    assert (out.provider, out.provider_request_id) == ("azure-responses", "apim-7")


async def test_streaming_text_and_function_calls(wire: WireServer) -> None:
    wire.queue(Reply(sse=TEXT_STREAM), Reply(sse=CALL_STREAM))
    settings = ProviderSettings(
        base_url=wire.base_url, api_key=KEY, options={"deployment": "prod deployment"}
    )
    weather = Tool(
        name="get_weather",
        description="Current weather",
        parameters={"type": "object", "properties": {"location": {"type": "string"}}},
    )
    async with azure_responses.create_provider(settings) as p:
        text = await p.complete_streaming(REQ)
        call = await p.complete_streaming(REQ.model_copy(update={"tools": [weather]}))
    first, second = wire.requests
    assert first.raw_path == "/openai/v1/responses"
    assert first.json["stream"] is True
    assert first.json["model"] == "prod deployment"  # the deployment, not the request's model
    assert text.text == "In a peaceful grove beneath a silver moon."
    assert second.json["tools"][0]["name"] == "get_weather"
    assert [(c.name, c.arguments) for c in call.tool_calls] == [
        ("get_weather", {"location": "Paris, France"})
    ]
    assert call.finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("version", "raw_path"),
    [
        ("preview", "/openai/v1/responses?api-version=preview"),
        ("2025-04-01-preview", "/openai/responses?api-version=2025-04-01-preview"),
    ],
)
async def test_preview_and_dated_versions(wire: WireServer, version: str, raw_path: str) -> None:
    wire.queue(Reply(json=TEXT_RESPONSE))
    settings = ProviderSettings(
        base_url=wire.base_url, api_key=KEY, options={"api_version": version}
    )
    async with azure_responses.create_provider(settings) as p:
        await p.complete(REQ)
    assert wire.last.raw_path == raw_path
    assert wire.last.json["model"] == "gpt-5-prod"


async def test_env_endpoint_and_entra_token(
    wire: WireServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", wire.base_url)
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "eyJ0eXAiOiJKV1Qi.resp-token-SECRET")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")  # a chat version: not used here
    wire.queue(Reply(json=TEXT_RESPONSE))
    async with azure_responses.create_provider(ProviderSettings()) as p:
        await p.complete(REQ)
    rec = wire.last
    assert rec.raw_path == "/openai/v1/responses"
    assert rec.headers["authorization"] == "Bearer eyJ0eXAiOiJKV1Qi.resp-token-SECRET"
    assert "api-key" not in rec.headers


async def test_azure_errors(wire: WireServer) -> None:
    not_found = {
        "error": {
            "code": "DeploymentNotFound",
            "message": "The API deployment for this resource does not exist.",
        }
    }
    filtered = {
        "error": {
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's "
            "content management policy.",
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
        }
    }
    wire.queue(Reply(status=404, json=not_found), Reply(status=400, json=filtered))
    settings = ProviderSettings(base_url=wire.base_url, api_key=KEY, max_retries=0)
    async with azure_responses.create_provider(settings) as p:
        with pytest.raises(ModelNotFoundError) as missing:
            await p.complete(REQ)
        with pytest.raises(ProviderBadRequestError) as bad:
            await p.complete(REQ)
    assert missing.value.provider_message == not_found["error"]["message"]
    assert (bad.value.code, bad.value.param) == ("content_filter", "prompt")


def test_missing_endpoint_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ConfigError) as info:
        azure_responses.create_provider(ProviderSettings(api_key=KEY))
    assert "AZURE_OPENAI_ENDPOINT" in (info.value.hint or "")


async def test_our_urls_match_the_official_sdk(wire: WireServer) -> None:
    """The openai SDK as Microsoft documents it (``OpenAI(base_url=.../openai/v1/)`` for v1,
    ``AzureOpenAI(api_version=...)`` for dated versions) and ours send the same request."""
    wire.handler = lambda rec: Reply(json=TEXT_RESPONSE)
    kw = {"model": "gpt-5-prod", "instructions": "Be brief.", "max_output_tokens": 200}
    async with openai.AsyncOpenAI(
        base_url=f"{wire.base_url}/openai/v1/", api_key=KEY, max_retries=0
    ) as v1:
        await v1.responses.create(
            input=[
                {"role": "user", "content": [{"type": "input_text", "text": "Tell me a story."}]}
            ],
            **kw,  # type: ignore[arg-type]
        )
    sdk_v1 = wire.last
    async with openai.AsyncAzureOpenAI(
        api_key=KEY, azure_endpoint=wire.base_url, api_version="2025-04-01-preview", max_retries=0
    ) as dated:
        await dated.responses.create(input="Tell me a story.", **kw)  # type: ignore[arg-type]
    sdk_dated = wire.last
    for version, sdk in (("v1", sdk_v1), ("2025-04-01-preview", sdk_dated)):
        settings = ProviderSettings(
            base_url=wire.base_url, api_key=KEY, options={"api_version": version}
        )
        async with azure_responses.create_provider(settings) as p:
            await p.complete(REQ)
        ours = wire.last
        assert ours.raw_path == sdk.raw_path
        # extra is left out: it records wire spellings (string or list content)
        assert orc.decode_request(ours.json).model_dump(exclude={"extra"}) == (
            orc.decode_request(sdk.json).model_dump(exclude={"extra"})
        )
    assert sdk_dated.headers["api-key"] == wire.last.headers["api-key"] == KEY
