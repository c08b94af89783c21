"""The simulator over HTTP: an ASGI app speaking the OpenAI, Anthropic and Gemini wire formats.

Routes: POST /v1/chat/completions, POST /v1/responses, POST /v1/messages (streaming when the
body says ``"stream": true``), POST /v1beta/models/{model}:generateContent and
``:streamGenerateContent?alt=sse`` (also under /v1), POST /v1/embeddings, GET /v1/models,
GET /healthz. Errors use each API's own error body (Google's ``{"error": {code, message,
status}}`` for Gemini). Every response carries ``x-switchover-simulator: true``. Any API key
is accepted unless the app was created with ``api_key`` (Gemini: ``x-goog-api-key`` header or
``key=`` query parameter).
"""

from __future__ import annotations

import asyncio
import hmac
import importlib
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from switchover.chat import ChatRequest, ChatResponse
from switchover.errors import (
    InputError,
    ModelNotFoundError,
    ProviderBadRequestError,
    ProviderError,
    RateLimitError,
)
from switchover.providers.sim._codecs import API_MODULES, Codec, StreamEncoderLike, codec_for
from switchover.providers.sim.embeddings import embeddings_response
from switchover.providers.sim.engine import SimEngine
from switchover.providers.sim.faults import SimConnectionReset, SimTimeout
from switchover.providers.sim.stream import response_events

__all__ = ["SIM_HEADER", "create_sim_app"]

SIM_HEADER = "x-switchover-simulator"
_DELTA_TYPES = frozenset({"text", "reasoning", "refusal", "tool_call_delta"})

# (api family, status) -> (error type, code); None entries fall back to the codec's default.
_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
    504: ("timeout", None),
}
_ANTHROPIC_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    404: ("not_found_error", None),
    429: ("rate_limit_error", None),
    500: ("api_error", None),
    529: ("overloaded_error", None),
    504: ("timeout_error", None),
}


# Gemini: Google's error body derives the status name (INVALID_ARGUMENT, ...) from the code.
_GEMINI_ERRORS: dict[int, tuple[str, str | None]] = {}
_ERROR_TABLES = {"anthropic.messages": _ANTHROPIC_ERRORS, "gemini.generate": _GEMINI_ERRORS}
_GEMINI_METHODS = frozenset({"generateContent", "streamGenerateContent"})


def _headers(request_id: str | None = None) -> dict[str, str]:
    h = {SIM_HEADER: "true"}
    if request_id:
        h["x-request-id"] = request_id
        h["request-id"] = request_id
    return h


def _error(
    codec: Codec,
    status: int,
    message: str,
    *,
    type_: str | None = None,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if codec.api == "anthropic.messages" and status == 503:
        status = 529
    if codec.api == "gemini.generate" and type_ is not None and not type_.isupper():
        type_ = None  # only gRPC status names (INVALID_ARGUMENT) name a Google error's status
    table = _ERROR_TABLES.get(codec.api, _OPENAI_ERRORS)
    default_type, default_code = table.get(status, (None, None))
    body = codec.error_body(
        status, message, type=type_ or default_type, param=param, code=code or default_code
    )
    return JSONResponse(body, status_code=status, headers={**_headers(), **(headers or {})})


def _provider_error(codec: Codec, exc: ProviderError, model: str) -> JSONResponse:
    gemini = codec.api == "gemini.generate"
    if isinstance(exc, ModelNotFoundError):
        if codec.api == "anthropic.messages":
            return _error(codec, 404, f"model: {model}")
        if gemini:
            return _error(
                codec,
                404,
                f"models/{model} is not found for API version v1beta, or is not supported for "
                "generateContent. Call ListModels to see the list of available models and their "
                "supported methods.",
            )
        return _error(codec, 404, exc.message)
    if isinstance(exc, ProviderBadRequestError):
        extra = exc.body if isinstance(exc.body, dict) else {}
        return _error(
            codec,
            exc.status or 400,
            exc.provider_message or exc.message,
            type_=extra.get("type"),
            param=exc.param,
            code=exc.code,
        )
    if isinstance(exc, RateLimitError):
        ra = exc.retry_after or 0.0
        if gemini:  # Google says when to retry in a RetryInfo detail, not in headers
            body = codec.error_body(429, exc.message)
            retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{ra:g}s"}
            body["error"].setdefault("details", []).append(retry)
            return JSONResponse(body, status_code=429, headers=_headers())
        headers = {"retry-after": str(max(1, math.ceil(ra))), "retry-after-ms": str(int(ra * 1000))}
        return _error(codec, 429, exc.message, headers=headers)
    return _error(codec, exc.status or 500, exc.message)


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


class _ResetResponse(Response):
    """Starts a response, then drops the connection (the server logs and closes it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"512")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
        raise SimConnectionReset("Connection reset by peer (simulated).", provider="sim")


def _key_error(request: Request, api_key: str | None, codec: Codec) -> Response | None:
    """401 in the API's format unless the request carries ``api_key`` (when one is set)."""
    if api_key is None:
        return None
    if codec.api == "gemini.generate":
        return _gemini_key_error(request, api_key, codec)
    auth = request.headers.get("authorization", "")
    given = auth[7:] if auth.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
    if hmac.compare_digest(given.encode(), api_key.encode()):
        return None
    if codec.api == "anthropic.messages":
        return _error(codec, 401, "invalid x-api-key", type_="authentication_error")
    return _error(
        codec,
        401,
        "Incorrect API key provided. You can find your API key in your account settings.",
        code="invalid_api_key",
    )


def _gemini_key_error(request: Request, api_key: str, codec: Codec) -> Response | None:
    """Google's answers: no key 403 PERMISSION_DENIED, a wrong one 400 API_KEY_INVALID."""
    given = request.headers.get("x-goog-api-key") or request.query_params.get("key")
    if given is None:
        return _error(
            codec,
            403,
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )
    if hmac.compare_digest(given.encode(), api_key.encode()):
        return None
    return _error(
        codec, 400, "API key not valid. Please pass a valid API key.", code="API_KEY_INVALID"
    )


def _endpoint(
    engine: SimEngine, api: str, api_key: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        codec = codec_for(api)
        denied = _key_error(request, api_key, codec)
        if denied is not None:
            return denied
        return await _answer(engine, codec, request, codec.decode_request)

    return handle


def _gemini_endpoint(
    engine: SimEngine, api_key: str | None
) -> Callable[[Request], Awaitable[Response]]:
    """``POST /{version}/models/{model}:generateContent`` and
    ``:streamGenerateContent?alt=sse``: the model and streaming come from the URL."""

    async def handle(request: Request) -> Response:
        codec = codec_for("gemini.generate")
        model, _, method = str(request.path_params["target"]).rpartition(":")
        if method not in _GEMINI_METHODS or not model:
            return _error(codec, 404, f"Method not found: {request.url.path}")
        denied = _key_error(request, api_key, codec)
        if denied is not None:
            return denied
        stream = method == "streamGenerateContent"
        if stream and request.query_params.get("alt") != "sse":
            return _error(
                codec,
                400,
                "The simulator streams Gemini answers as server-sent events only: add ?alt=sse.",
                param="alt",
            )
        gemini: Any = importlib.import_module(API_MODULES["gemini.generate"])

        def decode(body: dict[str, Any]) -> ChatRequest:
            req: ChatRequest = gemini.decode_request(body, model=model, stream=stream)
            return req

        return await _answer(engine, codec, request, decode)

    return handle


async def _answer(
    engine: SimEngine,
    codec: Codec,
    request: Request,
    decode: Callable[[dict[str, Any]], ChatRequest],
) -> Response:
    """Read the body, answer it with ``engine`` (JSON or SSE), or give the API's error."""
    try:
        body: Any = json.loads(await request.body())
    except ValueError as exc:
        return _error(codec, 400, f"We could not parse the JSON body of your request. ({exc})")
    if not isinstance(body, dict):
        return _error(codec, 400, "The request body must be a JSON object.")
    try:
        req = decode(body)
    except InputError as exc:
        return _error(codec, 400, exc.message, param=exc.field)
    try:
        resp = engine.respond(req, api=codec.api, wire_body=body)
    except SimTimeout as exc:
        await _sleep(exc.hang_s)
        return _error(codec, 504, "Request timed out (simulated).")
    except SimConnectionReset:
        return _ResetResponse()
    except ProviderError as exc:
        return _provider_error(codec, exc, req.model)
    scale = engine.scale_for(engine.profile_for(req.model))
    headers = _headers(resp.provider_request_id)
    headers["x-switchover-sim-latency-ms"] = f"{(resp.latency_s or 0) * 1000:.1f}"
    if req.stream:
        return StreamingResponse(
            _stream(engine, codec, req, resp, scale, body),
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )
    await _sleep((resp.latency_s or 0.0) * scale)
    out = codec.encode_response(resp, model=req.model)
    if "id" in out:  # Gemini bodies carry it as responseId
        out["id"] = resp.id  # keep the simulator's id prefix (codecs may re-prefix ids)
    return JSONResponse(out, headers=headers)


def _encoder(codec: Codec, req: ChatRequest, resp: ChatResponse, body: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    if codec.api == "openai.chat":
        opts = body.get("stream_options")
        kwargs["include_usage"] = isinstance(opts, dict) and bool(opts.get("include_usage"))
    encoder = codec.stream_encoder(req.model, **kwargs)
    if codec.api.startswith("openai.") and hasattr(encoder, "id"):
        encoder.id = resp.id  # the simulator's id prefix, not a re-generated one
    return encoder


async def _stream(
    engine: SimEngine,
    codec: Codec,
    req: ChatRequest,
    resp: ChatResponse,
    scale: float,
    body: dict[str, Any],
) -> AsyncIterator[bytes]:
    profile = engine.profile_for(req.model)
    encoder: StreamEncoderLike = _encoder(codec, req, resp, body)
    await _sleep((resp.ttft_s or 0.0) * scale)
    inter = profile.latency.inter_token_ms / 1000.0 * scale
    for ev in response_events(resp):
        for frame in encoder.encode(ev):
            yield frame
        if ev.type in _DELTA_TYPES:
            await _sleep(inter)
    for frame in encoder.close():
        yield frame


def _embeddings_endpoint(
    engine: SimEngine, api_key: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def embeddings(request: Request) -> Response:
        codec = codec_for("openai.chat")
        denied = _key_error(request, api_key, codec)
        if denied is not None:
            return denied
        try:
            body: Any = json.loads(await request.body())
        except ValueError as exc:
            return _error(codec, 400, f"We could not parse the JSON body of your request. ({exc})")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return _error(codec, 400, "you must provide a model parameter", param="model")
        try:
            engine.profile_for(body["model"])
            out = embeddings_response(body)
        except ModelNotFoundError as exc:
            return _provider_error(codec, exc, body["model"])
        except InputError as exc:
            return _error(codec, 400, exc.message, param=exc.field)
        return JSONResponse(out, headers=_headers())

    return embeddings


def _models_endpoint(engine: SimEngine) -> Callable[[Request], Awaitable[Response]]:
    async def models(request: Request) -> Response:
        ids = engine.model_ids()
        if "anthropic-version" in request.headers:
            data: list[dict[str, Any]] = [
                {
                    "type": "model",
                    "id": i,
                    "display_name": f"{i} (simulated)",
                    "created_at": "2026-01-01T00:00:00Z",
                }
                for i in ids
            ]
            body: dict[str, Any] = {
                "data": data,
                "has_more": False,
                "first_id": ids[0] if ids else None,
                "last_id": ids[-1] if ids else None,
            }
        else:
            body = {
                "object": "list",
                "data": [
                    {
                        "id": i,
                        "object": "model",
                        "created": 1767225600,
                        "owned_by": "switchover-sim",
                    }
                    for i in ids
                ],
            }
        return JSONResponse(body, headers=_headers())

    return models


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "simulator": True}, headers=_headers())


def create_sim_app(engine: SimEngine, *, api_key: str | None = None) -> Starlette:
    """The ASGI app for ``engine`` (see the module docstring for routes). With ``api_key``,
    requests must carry it (``Authorization: Bearer`` or ``x-api-key``), else 401."""
    routes = [
        Route("/v1/chat/completions", _endpoint(engine, "openai.chat", api_key), methods=["POST"]),
        Route("/v1/responses", _endpoint(engine, "openai.responses", api_key), methods=["POST"]),
        Route("/v1/messages", _endpoint(engine, "anthropic.messages", api_key), methods=["POST"]),
        Route("/v1/embeddings", _embeddings_endpoint(engine, api_key), methods=["POST"]),
        Route("/v1beta/models/{target}", _gemini_endpoint(engine, api_key), methods=["POST"]),
        Route("/v1/models/{target}", _gemini_endpoint(engine, api_key), methods=["POST"]),
        Route("/v1/models", _models_endpoint(engine), methods=["GET"]),
        Route("/healthz", _health, methods=["GET"]),
    ]
    return Starlette(routes=routes)
