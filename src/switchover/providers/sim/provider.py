"""SimProvider: the simulator as an in-process :class:`Provider` (no HTTP).

A request is encoded with the client codec for ``api`` (so the catalog's parameter rules
see the real wire body), answered by the engine, and the answer is passed through the
server codec and back through the client codec, exactly as an HTTP round trip would shape
it. Latency is waited for real scaled by ``time_scale``; ``latency_s`` / ``ttft_s`` report
the simulated (unscaled) values. Retryable faults are retried like the HTTP providers do
(``max_retries``, Retry-After honoured, exponential backoff with full jitter, all scaled).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from switchover.chat import ChatRequest, ChatResponse, StreamEvent
from switchover.errors import (
    InputError,
    ProviderBadRequestError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    UsageError,
)
from switchover.providers._embeddings import decode_openai_embeddings
from switchover.providers.base import Embeddings, Provider, ProviderSettings
from switchover.providers.sim._codecs import API_MODULES, codec_for
from switchover.providers.sim._rng import rng_for
from switchover.providers.sim.embeddings import embeddings_response
from switchover.providers.sim.engine import SimEngine
from switchover.providers.sim.faults import SimTimeout
from switchover.providers.sim.profiles import load_profiles
from switchover.providers.sim.stream import response_events

__all__ = ["SimProvider", "engine_from_settings"]


def engine_from_settings(settings: ProviderSettings) -> SimEngine:
    """An engine from ``settings.options``: ``profiles`` (file path), ``seed``, ``time_scale``."""
    opts = settings.options
    path = opts.get("profiles")
    profiles = load_profiles(Path(str(path))) if path else None
    scale = opts.get("time_scale")
    return SimEngine(
        profiles,
        seed=int(opts.get("seed", 0)),
        time_scale=float(scale) if scale is not None else None,
    )


class SimProvider(Provider):
    """The simulator behind the Provider interface, speaking ``api``'s wire format."""

    name = "sim"
    supports_embeddings = True

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        *,
        engine: SimEngine | None = None,
        api: str = "openai.chat",
    ) -> None:
        self.settings = settings or ProviderSettings()
        api = str(self.settings.options.get("api", api))
        if api not in API_MODULES:
            raise UsageError(
                f"unknown API {api!r} for the simulator",
                hint="Use one of: " + ", ".join(API_MODULES),
            )
        self.api = api
        self.engine = engine if engine is not None else engine_from_settings(self.settings)
        self._sem = asyncio.Semaphore(self.settings.max_concurrency)
        self._calls = 0

    def _scale(self, model: str) -> float:
        return self.engine.scale_for(self.engine.profile_for(model))

    async def _answer(self, request: ChatRequest) -> ChatResponse:
        """One attempt: rules, faults, content. Timeouts hang up to the client timeout."""
        wire = codec_for(self.api).encode_request(request)
        try:
            return self.engine.respond(request, api=self.api, wire_body=wire)
        except SimTimeout as exc:
            await asyncio.sleep(min(exc.hang_s, self.settings.timeout_s))
            raise ProviderTimeoutError(
                f"sim: no answer within {self.settings.timeout_s:g}s (injected timeout)",
                provider="sim",
            ) from None

    async def _with_retries(self, request: ChatRequest) -> ChatResponse:
        self._calls += 1
        attempt = 0
        while True:
            try:
                async with self._sem:
                    return await self._answer(request)
            except ProviderError as exc:
                if not exc.retryable or attempt >= self.settings.max_retries:
                    raise
                scale = self._scale(request.model)
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    wait = exc.retry_after
                else:
                    cap = min(
                        self.settings.backoff_max_s, self.settings.backoff_base_s * 2**attempt
                    )
                    wait = rng_for("backoff", self._calls, attempt).uniform(0, cap)
                attempt += 1
                await asyncio.sleep(wait * scale)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        resp = await self._with_retries(request)
        await asyncio.sleep((resp.latency_s or 0.0) * self._scale(request.model))
        codec = codec_for(self.api)
        out = codec.decode_response(codec.encode_response(resp, model=request.model))
        return out.model_copy(
            update={
                "latency_s": resp.latency_s,
                "ttft_s": resp.ttft_s,
                "provider": self.name,
                "provider_request_id": resp.provider_request_id,
            }
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        resp = await self._with_retries(request)
        scale = self._scale(request.model)
        inter = self.engine.profile_for(request.model).latency.inter_token_ms / 1000 * scale
        await asyncio.sleep((resp.ttft_s or 0.0) * scale)
        for ev in response_events(resp):
            yield ev
            if ev.type in ("text", "reasoning", "refusal", "tool_call_delta") and inter > 0:
                await asyncio.sleep(inter)

    async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
        """The simulator's deterministic embeddings (as ``POST /v1/embeddings`` serves them):
        a hashed bag of words, so similar wording gives similar vectors. Unknown models raise
        ModelNotFoundError like the HTTP simulator's 404."""
        self.engine.profile_for(model)
        out = Embeddings(vectors=[], model=model)
        step = max(1, self.max_embed_batch)
        for start in range(0, len(texts), step):
            chunk = list(texts[start : start + step])
            try:
                body = embeddings_response({"model": model, "input": chunk})
            except InputError as exc:
                raise ProviderBadRequestError(
                    f"sim: {exc.message}", provider="sim", status=400, param=exc.field
                ) from None
            got = decode_openai_embeddings(body, len(chunk))
            out.vectors.extend(got.vectors)
            out.input_tokens += got.input_tokens
        return out
