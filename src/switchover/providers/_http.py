"""Shared HTTP machinery for every wire-API provider.

:class:`HTTPProvider` owns one ``httpx.AsyncClient`` (its ``transport`` is the test seam), the
API key (read from settings or the environment, registered for redaction, never shown), a
per-provider concurrency limit, retries with exponential backoff and full jitter that honour
``Retry-After`` / ``retry-after-ms``, the mapping of HTTP failures onto
:mod:`switchover.errors`, and latency / time-to-first-token measurement.

Subclasses supply the codec: the URL, auth headers, ``encode``/``decode`` and a stream
decoder. They may override :meth:`HTTPProvider.parse_error` for their API's error body.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import random
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

import httpx

from switchover.chat import ChatRequest, ChatResponse, StreamAccumulator, StreamEvent
from switchover.errors import (
    AuthError,
    ConfigError,
    InputError,
    ModelNotFoundError,
    ModelRetiredError,
    ProviderBadRequestError,
    ProviderConnectionError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    redact,
    register_secret,
)
from switchover.providers._sse import DONE, iter_sse_events
from switchover.providers.base import Embeddings, Provider, ProviderSettings

__all__ = [
    "RETRYABLE_STATUSES",
    "ErrorInfo",
    "HTTPProvider",
    "StreamDecoderProtocol",
    "backoff_delay",
    "check_base_url",
    "error_from_response",
    "parse_retry_after",
    "recast",
]

log = logging.getLogger("switchover.providers")

#: Statuses worth retrying: timeouts, lock conflicts (OpenAI documents 409 as retryable),
#: rate limits, server errors and Anthropic's 529 "overloaded".
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})

#: The longest server-requested wait honoured inline; longer waits surface as RateLimitError.
MAX_INLINE_RETRY_AFTER_S = 60.0

_RETIRED_WORDS = r"(?:deprecated|retired|decommissioned|discontinued|sunset|shut ?down)"
# Any retirement word (for 404 / 410, where the model itself is what was not found).
_RETIRED_RE = re.compile(
    rf"\b{_RETIRED_WORDS}\b|\bno longer (?:available|supported|served|accessible)\b",
    re.IGNORECASE,
)
# For 400s: the sentence must say the *model* is retired, not that a parameter is deprecated.
_MODEL_RETIRED_RE = re.compile(
    rf"\bmodel\b[^.]{{0,80}}?\b(?:has been|have been|was|were|is|are)\s+(?:now\s+)?"
    rf"{_RETIRED_WORDS}\b|\b{_RETIRED_WORDS}\s+model\b|"
    r"\bmodel\b[^.]{0,80}?\bno longer (?:available|supported|served|accessible)\b",
    re.IGNORECASE,
)
_RETIRED_CODES = frozenset({"model_decommissioned", "model_deprecated", "model_retired"})
_NOT_FOUND_CODES = frozenset({"model_not_found", "deployment_not_found", "DeploymentNotFound"})


class StreamDecoderProtocol(Protocol):
    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]: ...


@dataclass
class ErrorInfo:
    """The fields an API error body carries, whatever its shape."""

    message: str
    type: str | None = None
    param: str | None = None
    code: str | None = None


def _str_or_none(v: Any) -> str | None:
    return None if v is None else str(v)


def parse_error_body(body: Any, fallback: str) -> ErrorInfo:
    """Read the error shapes of OpenAI (``{"error": {message,type,param,code}}``),
    Anthropic (``{"type":"error","error":{type,message}}``) and Google
    (``{"error": {code,message,status}}``); otherwise use ``fallback`` text."""
    if isinstance(body, list) and body:  # Google sometimes wraps the error in a list
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            etype = err.get("type") or err.get("status")
            return ErrorInfo(
                message=str(msg) if msg is not None else fallback,
                type=_str_or_none(etype),
                param=_str_or_none(err.get("param")),
                code=_str_or_none(err.get("code")),
            )
        if isinstance(err, str):
            return ErrorInfo(message=err)
        if isinstance(body.get("message"), str):
            return ErrorInfo(message=body["message"], type=_str_or_none(body.get("type")))
        if isinstance(body.get("detail"), str):
            return ErrorInfo(message=body["detail"])
    return ErrorInfo(message=fallback)


def parse_retry_after(
    headers: httpx.Headers, *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, then ``Retry-After`` as
    delta-seconds or an HTTP-date. None when absent or unparseable."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if ra is None:
        return None
    ra = ra.strip()
    try:
        return max(0.0, float(ra))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(ra)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def backoff_delay(attempt: int, base_s: float, max_s: float, rand: Callable[[], float]) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(max, base * 2**attempt)]."""
    cap = min(max_s, base_s * float(2**attempt))
    return float(rand() * cap)


def error_from_response(
    status: int,
    headers: httpx.Headers,
    body: Any,
    *,
    provider: str,
    info: ErrorInfo,
    request_id: str | None,
    now: Callable[[], float] = time.time,
) -> ProviderError:
    """Map one HTTP error response onto the switchover error tree."""
    pmsg = redact(info.message)
    safe_body = _redacted(body)
    kw: dict[str, Any] = {
        "provider": provider,
        "status": status,
        "provider_message": pmsg,
        "request_id": request_id,
        "body": safe_body,
    }
    text = f"{provider} returned HTTP {status}: {pmsg}"
    code = info.code or ""
    looks_retired = (
        code in _RETIRED_CODES
        or (status in (404, 410) and bool(_RETIRED_RE.search(pmsg)))
        or (status == 400 and not info.param and bool(_MODEL_RETIRED_RE.search(pmsg)))
    )
    if status in (401, 403):
        return AuthError(text, hint="Check the API key and its permissions for this model.", **kw)
    if looks_retired:
        return ModelRetiredError(
            text, hint="Run `switchover models show <id>` for its replacement.", **kw
        )
    if status == 404 or code in _NOT_FOUND_CODES:
        return ModelNotFoundError(text, hint="Check the model / deployment name.", **kw)
    if status == 429 or status == 529:
        return RateLimitError(text, retry_after=parse_retry_after(headers, now=now), **kw)
    if status >= 500:
        return ProviderServerError(text, **kw)
    if status == 408:
        return ProviderTimeoutError(text, **kw)
    return ProviderBadRequestError(text, param=info.param, code=info.code, **kw)


_ERROR_FIELDS = ("provider", "status", "provider_message", "request_id", "body")


def recast(
    err: ProviderError, cls: type[ProviderError], *, hint: str | None = None
) -> ProviderError:
    """``err`` as another class of the error tree (an API whose status says one thing and
    whose error type another), its message, status, request id and body kept."""
    kept = {name: getattr(err, name) for name in _ERROR_FIELDS}
    return cls(str(err), hint=hint, **kept)


def _redacted(body: Any) -> Any:
    if body is None:
        return None
    try:
        return json.loads(redact(json.dumps(body, ensure_ascii=False)))
    except (TypeError, ValueError):
        return redact(str(body))


@dataclass
class _CallMeta:
    started: float = 0.0
    first_byte: float | None = None
    request_id: str | None = None
    ended: float | None = None


def check_base_url(url: str) -> None:
    """Reject a base URL httpx could never send to (``ConfigError``, before any request)."""
    if url and not url.lower().startswith(("http://", "https://")):
        raise ConfigError(
            f"base URL {url!r} is not an http:// or https:// URL",
            field="base_url",
            hint='Write the full URL, e.g. "https://api.openai.com/v1".',
        )


class HTTPProvider(Provider):
    """Base class of the HTTP providers; see the module docstring."""

    #: codec identifier, e.g. "openai.chat"
    api: ClassVar[str] = ""
    default_base_url: ClassVar[str | None] = None
    default_key_env: ClassVar[str | None] = None
    #: local servers (Ollama, vLLM) accept requests without a key
    key_required: ClassVar[bool] = True
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id", "request-id")

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rand: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        now: Callable[[], float] = time.time,
        name: str | None = None,
        key_required: bool | None = None,
    ) -> None:
        self.settings = settings or ProviderSettings()
        if name:
            self.name = name
        self._key_required = self.key_required if key_required is None else key_required
        self.base_url = (self.settings.base_url or self.default_base_url or "").rstrip("/")
        check_base_url(self.base_url)
        key_env = self.settings.api_key_env or self.default_key_env
        self._key_env = key_env
        key = self.settings.api_key or (os.environ.get(key_env) if key_env else None) or None
        self.__key = key
        if key:
            register_secret(key)
        self._sleep = sleep or asyncio.sleep
        self._rand = rand or random.random
        self._clock = clock
        self._now = now
        self._semaphore = asyncio.Semaphore(max(1, self.settings.max_concurrency))
        try:
            self._client = httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(self.settings.timeout_s),
                follow_redirects=False,
            )
        except ImportError as exc:  # a socks5:// proxy in the environment needs socksio
            raise ConfigError(
                f"the proxy in the environment needs a package that is not installed ({exc})",
                field="HTTPS_PROXY / HTTP_PROXY / ALL_PROXY",
                hint="Install it with: pip install 'httpx[socks]', or use an http:// proxy.",
            ) from None

    # -- identity -------------------------------------------------------------------------
    def __repr__(self) -> str:
        key = "set" if self.__key else "unset"
        return f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url!r}, api_key=<{key}>)"

    __str__ = __repr__

    async def __aenter__(self) -> Self:
        return self

    @property
    def has_key(self) -> bool:
        return bool(self.__key)

    @property
    def missing_credentials(self) -> str | None:
        if self.__key is not None or not self._key_required:
            return None
        return self._key_env or "api_key"

    def _require_key(self) -> str | None:
        if self.__key is None and self._key_required:
            where = f"the {self._key_env} environment variable" if self._key_env else "api_key"
            raise AuthError(
                f"no API key for provider {self.name!r}",
                provider=self.name,
                hint=f"Set {where} (or api_key in the provider settings).",
            )
        return self.__key

    # -- hooks for subclasses --------------------------------------------------------------
    def url_for(self, request: ChatRequest) -> str:
        raise NotImplementedError

    def auth_headers(self, key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        raise NotImplementedError

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        raise NotImplementedError

    def stream_decoder(self, request: ChatRequest) -> StreamDecoderProtocol:
        raise NotImplementedError

    def stream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body of a streaming request (OpenAI-style: ``stream: true``)."""
        return {**body, "stream": True}

    def complete_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body of a non-streaming request: ``body`` without ``stream``."""
        body.pop("stream", None)
        return body

    def stream_url_for(self, request: ChatRequest) -> str:
        return self.url_for(request)

    def parse_error(self, body: Any, fallback: str) -> ErrorInfo:
        return parse_error_body(body, fallback)

    def error_info(self, headers: httpx.Headers, body: Any, fallback: str) -> ErrorInfo:
        """The fields of an HTTP error response (``parse_error`` of the body by default;
        APIs that name the error in a header override this)."""
        return self.parse_error(body, fallback)

    def stream_error(self, event_name: str | None, data: dict[str, Any]) -> ProviderError | None:
        """An error delivered inside the event stream, or None when ``data`` is an event."""
        if event_name == "error" or (
            isinstance(data.get("error"), dict) and event_name in (None, "error")
        ):
            info = self.parse_error(data, "stream error")
            etype = (info.type or "").lower()
            cls: type[ProviderError] = ProviderServerError
            kw: dict[str, Any] = {}
            if "rate_limit" in etype or "overloaded" in etype:
                return RateLimitError(
                    f"{self.name} stream error: {redact(info.message)}",
                    provider=self.name,
                    provider_message=redact(info.message),
                    body=_redacted(data),
                )
            if "invalid_request" in etype:
                cls = ProviderBadRequestError
                kw = {"param": info.param, "code": info.code}
            return cls(
                f"{self.name} stream error: {redact(info.message)}",
                provider=self.name,
                provider_message=redact(info.message),
                body=_redacted(data),
                **kw,
            )
        return None

    # -- plumbing -------------------------------------------------------------------------
    def _base_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(self.auth_headers(self._require_key()))
        headers.update(self.settings.headers)
        return headers

    def headers_for(self, request: ChatRequest) -> dict[str, str]:
        return self._base_headers()

    def _request_id(self, headers: httpx.Headers) -> str | None:
        for h in self.request_id_headers:
            v = headers.get(h)
            if v:
                return str(v)
        return None

    async def _open(
        self, url: str, body: dict[str, Any], headers: dict[str, str], meta: _CallMeta
    ) -> httpx.Response:
        """Send with retries; return an open streaming response with a 2xx status.

        Each attempt holds one concurrency slot; the slot is released while waiting to
        retry. On success the slot stays held: the caller closes the response and then
        calls ``self._semaphore.release()``."""
        attempts = max(0, self.settings.max_retries) + 1
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        last: ProviderError | None = None
        for attempt in range(attempts):
            await self._semaphore.acquire()
            try:
                outcome = await self._attempt(url, payload, headers, meta)
            except BaseException:
                self._semaphore.release()
                raise
            if isinstance(outcome, httpx.Response):
                return outcome
            self._semaphore.release()
            last, wait = outcome
            if attempt + 1 >= attempts:
                break
            delay = (
                wait
                if wait is not None
                else backoff_delay(
                    attempt, self.settings.backoff_base_s, self.settings.backoff_max_s, self._rand
                )
            )
            log.info(
                "%s: retrying after %s (attempt %d/%d, sleeping %.2fs)",
                self.name,
                type(last).__name__,
                attempt + 1,
                attempts - 1,
                delay,
            )
            await self._sleep(delay)
        assert last is not None
        raise last

    async def _attempt(
        self, url: str, payload: bytes, headers: dict[str, str], meta: _CallMeta
    ) -> httpx.Response | tuple[ProviderError, float | None]:
        """One try: the 2xx response, or a retryable error and the wait the server asked
        for. Errors that must not be retried are raised."""
        meta.started = self._clock()
        try:
            req = self._client.build_request("POST", url, content=payload, headers=headers)
            resp = await self._client.send(req, stream=True)
        except httpx.TimeoutException as exc:
            err: ProviderError = ProviderTimeoutError(
                f"{self.name}: request timed out after {self.settings.timeout_s}s "
                f"({type(exc).__name__})",
                provider=self.name,
            )
            return err, None
        except (httpx.TransportError, OSError) as exc:
            err = ProviderConnectionError(
                f"{self.name}: connection failed ({type(exc).__name__}: {redact(str(exc))})",
                provider=self.name,
                hint="Check the base URL and that the server is reachable.",
            )
            if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
                raise err from exc
            return err, None
        if resp.status_code < 300:
            meta.request_id = self._request_id(resp.headers)
            return resp
        try:
            raw = await resp.aread()
        finally:
            await resp.aclose()
        err = self._error_for(resp, raw)
        should = resp.headers.get("x-should-retry")
        retry = should == "true" or (
            should != "false"
            and (resp.status_code in RETRYABLE_STATUSES or resp.status_code >= 500)
        )
        if not retry:
            raise err
        wait = parse_retry_after(resp.headers, now=self._now)
        if wait is not None and wait > MAX_INLINE_RETRY_AFTER_S:
            raise err  # the caller decides whether to wait that long
        return err, wait

    def _error_for(self, resp: httpx.Response, raw: bytes) -> ProviderError:
        text = raw.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text) if text.strip() else None
        except ValueError:
            body = text
        fallback = text.strip()[:500] or resp.reason_phrase or f"HTTP {resp.status_code}"
        info = self.error_info(resp.headers, body, fallback)
        return error_from_response(
            resp.status_code,
            resp.headers,
            body,
            provider=self.name,
            info=info,
            request_id=self._request_id(resp.headers),
            now=self._now,
        )

    def _read_error(self, exc: Exception) -> ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            return ProviderTimeoutError(
                f"{self.name}: timed out reading the response", provider=self.name
            )
        return ProviderConnectionError(
            f"{self.name}: connection lost reading the response ({type(exc).__name__})",
            provider=self.name,
        )

    # -- Provider API ---------------------------------------------------------------------
    async def _post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str], meta: _CallMeta
    ) -> tuple[dict[str, Any], int]:
        """POST ``body`` (with retries) and return the JSON object answered and the status."""
        resp = await self._open(url, body, headers, meta)
        try:
            chunks: list[bytes] = []
            async for chunk in resp.aiter_bytes():
                if meta.first_byte is None:
                    meta.first_byte = self._clock()
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise self._read_error(exc) from exc
        finally:
            await resp.aclose()
            self._semaphore.release()
        meta.ended = self._clock()
        try:
            data = json.loads(b"".join(chunks))
        except ValueError as exc:
            raise ProviderServerError(
                f"{self.name}: response body is not JSON",
                provider=self.name,
                status=resp.status_code,
            ) from exc
        if not isinstance(data, dict):
            raise ProviderServerError(
                f"{self.name}: response body is not a JSON object", provider=self.name
            )
        return data, resp.status_code

    def _malformed(
        self, exc: InputError, status: int, meta: _CallMeta, data: dict[str, Any]
    ) -> ProviderServerError:
        return ProviderServerError(
            f"{self.name}: malformed response: {exc}",
            provider=self.name,
            status=status,
            request_id=meta.request_id,
            body=_redacted(data),
        )

    async def complete(self, request: ChatRequest) -> ChatResponse:
        body = self.complete_body(self.encode(request))
        meta = _CallMeta()
        data, status = await self._post_json(
            self.url_for(request), body, self.headers_for(request), meta
        )
        end = meta.ended if meta.ended is not None else self._clock()
        try:
            out = self.decode(data)
        except InputError as exc:
            raise self._malformed(exc, status, meta, data) from exc
        return out.model_copy(
            update={
                "provider": self.name,
                "provider_request_id": meta.request_id,
                "latency_s": end - meta.started,
                "ttft_s": (meta.first_byte or end) - meta.started,
            }
        )

    # -- embeddings (subclasses with an embeddings API set supports_embeddings and the hooks)
    def embeddings_url(self, model: str) -> str:
        raise NotImplementedError

    def encode_embeddings(self, texts: Sequence[str], model: str) -> dict[str, Any]:
        raise NotImplementedError

    def decode_embeddings(self, body: dict[str, Any], n: int) -> Embeddings:
        raise NotImplementedError

    async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
        """Embed ``texts`` in calls of at most ``max_embed_batch`` texts each."""
        if not self.supports_embeddings:
            return await super().embed(texts, model)
        headers = self._base_headers()
        out = Embeddings(vectors=[], model=model)
        step = max(1, self.max_embed_batch)
        for start in range(0, len(texts), step):
            chunk = texts[start : start + step]
            meta = _CallMeta()
            body = self.encode_embeddings(chunk, model)
            data, status = await self._post_json(self.embeddings_url(model), body, headers, meta)
            try:
                got = self.decode_embeddings(data, len(chunk))
            except InputError as exc:
                raise self._malformed(exc, status, meta, data) from exc
            out.vectors.extend(got.vectors)
            out.input_tokens += got.input_tokens
            out.model = got.model or out.model
        return out

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._stream(request, _CallMeta())

    def stream_headers(self, request: ChatRequest) -> dict[str, str]:
        """The headers of a streaming request."""
        return {**self.headers_for(request), "Accept": "text/event-stream"}

    async def stream_items(
        self, resp: httpx.Response, meta: _CallMeta
    ) -> AsyncGenerator[tuple[str | None, dict[str, Any]], None]:
        """The events of a streaming response as (event name, JSON object) pairs: SSE
        ``data:`` lines up to ``[DONE]``. Providers with another framing override this."""
        async for name, data in iter_sse_events(resp.aiter_lines()):
            if meta.first_byte is None:
                meta.first_byte = self._clock()
            if data.strip() == DONE:
                break
            try:
                obj = json.loads(data)
            except ValueError as exc:
                raise ProviderServerError(
                    f"{self.name}: stream event is not JSON: {redact(data[:200])!r}",
                    provider=self.name,
                ) from exc
            if isinstance(obj, dict):
                yield name, obj

    async def _stream(self, request: ChatRequest, meta: _CallMeta) -> AsyncIterator[StreamEvent]:
        body = self.stream_body(self.encode(request))
        url = self.stream_url_for(request)
        headers = self.stream_headers(request)
        decoder = self.stream_decoder(request)
        resp = await self._open(url, body, headers, meta)
        try:
            async with contextlib.aclosing(self.stream_items(resp, meta)) as items:
                async for name, obj in items:
                    err = self.stream_error(name, obj)
                    if err is not None:
                        err.request_id = meta.request_id
                        raise err
                    for ev in decoder.feed(name, obj):
                        yield ev
        except httpx.HTTPError as exc:
            raise self._read_error(exc) from exc
        finally:
            await resp.aclose()
            self._semaphore.release()
        meta.ended = self._clock()

    async def complete_streaming(self, request: ChatRequest) -> ChatResponse:
        """Stream and fold, with latency, time to first event and request id filled in."""
        meta = _CallMeta()
        acc = StreamAccumulator(request.model)
        async for ev in self._stream(request, meta):
            acc.add(ev)
        end = meta.ended if meta.ended is not None else self._clock()
        return acc.response(
            provider=self.name,
            provider_request_id=meta.request_id,
            latency_s=end - meta.started,
            ttft_s=(meta.first_byte or end) - meta.started,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
