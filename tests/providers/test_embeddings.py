"""Provider.embed: OpenAI / compatible / Azure / Gemini wire formats, batching, errors."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx
import pytest

from switchover.errors import ModelNotFoundError, ProviderServerError, UsageError
from switchover.providers.base import ProviderSettings, create_provider
from switchover.providers.sim.provider import SimProvider


class Recorder:
    """An httpx transport answering embeddings requests like the real APIs."""

    def __init__(self, *, gemini: bool = False, b64: bool = False, reverse: bool = False) -> None:
        self.requests: list[httpx.Request] = []
        self.gemini = gemini
        self.b64 = b64
        self.reverse = reverse

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content)
        if self.gemini:
            texts = [r["content"]["parts"][0]["text"] for r in body["requests"]]
            return httpx.Response(
                200, json={"embeddings": [{"values": [float(len(t)), 1.0]} for t in texts]}
            )
        texts = body["input"]
        data = []
        for i, t in enumerate(texts):
            vec = [float(len(t)), 1.0]
            value: Any = base64.b64encode(struct.pack("<2f", *vec)).decode() if self.b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": value})
        if self.reverse:
            data.reverse()
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 3 * len(texts), "total_tokens": 3 * len(texts)},
            },
        )


def _settings(**kw: Any) -> ProviderSettings:
    return ProviderSettings(api_key="sk-test-emb-0123456789", **kw)


async def test_openai_batches_keeps_order_and_counts_tokens() -> None:
    rec = Recorder(reverse=True)
    async with create_provider("openai", _settings(), transport=httpx.MockTransport(rec)) as p:
        assert p.supports_embeddings
        p.max_embed_batch = 2
        out = await p.embed(["a", "bb", "ccc", "dddd", "eeeee"], "text-embedding-3-small")
    assert [v[0] for v in out.vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert out.input_tokens == 15
    assert out.model == "text-embedding-3-small"
    assert [len(b["input"]) for b in rec.bodies()] == [2, 2, 1]
    first = rec.requests[0]
    assert str(first.url) == "https://api.openai.com/v1/embeddings"
    assert first.headers["authorization"] == "Bearer sk-test-emb-0123456789"
    assert rec.bodies()[0] == {"model": "text-embedding-3-small", "input": ["a", "bb"]}


async def test_base64_vectors_and_compatible_servers() -> None:
    rec = Recorder(b64=True)
    settings = ProviderSettings(base_url="http://127.0.0.1:9/v1")
    async with create_provider(
        "openai-compatible", settings, transport=httpx.MockTransport(rec)
    ) as p:
        out = await p.embed(["abc"], "nomic-embed-text")
    assert out.vectors == [[3.0, 1.0]]
    assert str(rec.requests[0].url) == "http://127.0.0.1:9/v1/embeddings"


async def test_azure_deployment_and_v1_urls() -> None:
    rec = Recorder()
    base = "https://res.openai.azure.com"
    async with create_provider(
        "azure",
        ProviderSettings(
            base_url=base, api_key="azure-key-0123456789", options={"deployment": "chat"}
        ),
        transport=httpx.MockTransport(rec),
    ) as p:
        await p.embed(["x"], "my-embedder")
    req = rec.requests[0]
    assert (
        str(req.url) == f"{base}/openai/deployments/my-embedder/embeddings?api-version=2024-10-21"
    )
    assert req.headers["api-key"] == "azure-key-0123456789"
    async with create_provider(
        "azure",
        ProviderSettings(
            base_url=base, api_key="azure-key-0123456789", options={"api_version": "v1"}
        ),
        transport=httpx.MockTransport(rec),
    ) as p:
        await p.embed(["x"], "my-embedder")
    assert str(rec.requests[1].url) == f"{base}/openai/v1/embeddings"
    assert rec.bodies()[1]["model"] == "my-embedder"


async def test_gemini_batch_embed_contents() -> None:
    rec = Recorder(gemini=True)
    async with create_provider("gemini", _settings(), transport=httpx.MockTransport(rec)) as p:
        assert p.max_embed_batch == 100
        out = await p.embed(["hi", "there"], "text-embedding-004")
    assert out.vectors == [[2.0, 1.0], [5.0, 1.0]]
    req = rec.requests[0]
    assert str(req.url) == (
        "https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004"
        ":batchEmbedContents"
    )
    assert rec.bodies()[0]["requests"][1] == {
        "model": "models/text-embedding-004",
        "content": {"parts": [{"text": "there"}]},
    }


@pytest.mark.parametrize(
    "body",
    [
        {"data": []},
        {"data": [{"index": 5, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": ["x"]}]},
        {"data": [{"index": 0, "embedding": "not base64!"}]},
    ],
)
async def test_malformed_answers_are_server_errors(body: dict[str, Any]) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    async with create_provider("openai", _settings(), transport=transport) as p:
        with pytest.raises(ProviderServerError, match="malformed response"):
            await p.embed(["a"], "m")


async def test_unknown_model_404_and_providers_without_embeddings() -> None:
    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404,
            json={
                "error": {"message": "The model `nope` does not exist", "code": "model_not_found"}
            },
        )

    async with create_provider(
        "openai", _settings(max_retries=0), transport=httpx.MockTransport(not_found)
    ) as p:
        with pytest.raises(ModelNotFoundError):
            await p.embed(["a"], "nope")
    async with create_provider("anthropic", _settings()) as a:
        assert not a.supports_embeddings
        with pytest.raises(UsageError, match="has no embeddings API"):
            await a.embed(["a"], "m")


async def test_sim_provider_matches_the_http_simulator() -> None:
    from switchover.providers.sim.embeddings import embed

    sim = SimProvider()
    out = await sim.embed(["reset my password", "weather in Paris"], "text-embedding-3-small")
    assert out.vectors[0] == pytest.approx(embed("reset my password"))
    assert len(out.vectors[1]) == 256
    assert out.input_tokens > 0
    with pytest.raises(ModelNotFoundError):
        await sim.embed(["x"], "no-such-model-anywhere")
