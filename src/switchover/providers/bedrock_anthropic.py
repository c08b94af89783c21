"""Anthropic Claude on Amazon Bedrock (InvokeModel): the Anthropic Messages codec with
Bedrock's URLs, authentication, event-stream framing and errors.

Registered as provider ``bedrock`` (its platform is ``bedrock``; a future Converse API client
would be ``bedrock-converse``). From AWS's Bedrock user guide ("Anthropic Claude Messages
API") and API reference (``InvokeModel``, ``InvokeModelWithResponseStream``):

* ``POST {endpoint}/model/{modelId}/invoke``; streaming: ``.../invoke-with-response-stream``.
  ``modelId`` (a model id, an inference profile such as ``us.anthropic...``, or an ARN) is
  percent-encoded whole (``:`` -> ``%3A``, ``/`` -> ``%2F``).
* endpoint: ``base_url``, else ``https://bedrock-runtime.{region}.amazonaws.com``; region:
  option ``region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``.
* body: the Messages API body without ``model`` and ``stream``, plus ``anthropic_version``
  (``bedrock-2023-05-31``; option ``anthropic_version`` overrides). The response body is a
  Messages API response.
* streaming answers ``application/vnd.amazon.eventstream`` (:mod:`._eventstream`): each
  ``chunk`` event's payload is ``{"bytes": base64 of one Messages stream event}``; events
  with ``:message-type`` ``exception`` (``throttlingException``, ...) end the stream with an
  error.
* auth, first match wins: a Bedrock API key (``api_key``, ``api_key_env``, else
  ``AWS_BEARER_TOKEN_BEDROCK``) sent as ``Authorization: Bearer``; else SigV4
  (:mod:`._sigv4`, service ``bedrock``) with ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
  / optional ``AWS_SESSION_TOKEN``, signed afresh on every attempt. Profiles, SSO and
  instance roles are not read.
* errors: ``{"message": ...}`` with the type in the ``x-amzn-ErrorType`` header; the request
  id comes from ``x-amzn-RequestId``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import AsyncGenerator
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from switchover.chat import ChatRequest
from switchover.errors import (
    AuthError,
    ConfigError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    redact,
    register_secret,
)
from switchover.providers._eventstream import (
    EventStreamError,
    Message,
    encode_message,
    iter_messages,
)
from switchover.providers._http import ErrorInfo, HTTPProvider, _CallMeta, _redacted, recast
from switchover.providers._sigv4 import AwsCredentials, sign
from switchover.providers.anthropic import AnthropicProvider, encode_request, platform_body
from switchover.providers.base import ProviderSettings

__all__ = [
    "BEDROCK_ANTHROPIC_VERSION",
    "BedrockAnthropicProvider",
    "create_provider",
    "encode_chunk",
    "encode_exception",
]

BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
EVENTSTREAM = "application/vnd.amazon.eventstream"
SERVICE = "bedrock"

_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)+-\d+$")

# Exceptions an event stream may carry instead of a chunk, with the HTTP status AWS
# documents for each (API reference, ResponseStream).
_STREAM_EXCEPTIONS: dict[str, tuple[type[ProviderError], int]] = {
    "throttlingException": (RateLimitError, 429),
    "modelNotReadyException": (RateLimitError, 429),
    "serviceUnavailableException": (ProviderServerError, 503),
    "internalServerException": (ProviderServerError, 500),
    "modelStreamErrorException": (ProviderServerError, 424),
    "modelTimeoutException": (ProviderTimeoutError, 408),
    "validationException": (ProviderBadRequestError, 400),
}
# Error types whose HTTP status alone would classify them wrongly.
_SERVER_SIDE = frozenset({"ModelErrorException", "ModelStreamErrorException"})


def _error_type(headers: httpx.Headers, body: Any) -> str | None:
    """``x-amzn-ErrorType`` (``ThrottlingException:http://internal...`` -> the name), else a
    ``__type`` in the body."""
    raw = headers.get("x-amzn-errortype")
    if not raw and isinstance(body, dict):
        raw = body.get("__type") or body.get("code")
    if not raw:
        return None
    name = str(raw).split(":", 1)[0]
    return name.rsplit("#", 1)[-1] or None


def _no_region(purpose: str) -> ConfigError:
    return ConfigError(
        f"Amazon Bedrock needs an AWS region for {purpose}",
        field="options.region",
        hint='Set options = { region = "us-east-1" }, or AWS_REGION / AWS_DEFAULT_REGION.',
    )


class BedrockAnthropicProvider(AnthropicProvider):
    """Claude models through Amazon Bedrock's InvokeModel API (see the module docstring)."""

    name = "bedrock"
    default_base_url: ClassVar[str | None] = None
    default_key_env: ClassVar[str | None] = "AWS_BEARER_TOKEN_BEDROCK"
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-amzn-requestid",)
    key_required: ClassVar[bool] = False  # SigV4 credentials may stand in for a key

    def __init__(self, settings: ProviderSettings | None = None, **kwargs: Any) -> None:
        settings = settings or ProviderSettings()
        opts = settings.options
        region = (
            opts.get("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or None
        )
        if region is not None and not _REGION_RE.match(str(region)):
            raise ConfigError(
                f"{region!r} is not an AWS region name",
                field="options.region",
                hint='Write a region such as "us-east-1".',
            )
        if region is None and not settings.base_url:
            raise _no_region("the endpoint URL")
        super().__init__(settings, **kwargs)
        self.region: str | None = str(region) if region else None
        self.__credentials = None if self.has_key else AwsCredentials.from_env()
        creds = self.__credentials
        if creds is not None:
            for secret in (creds.access_key_id, creds.secret_access_key, creds.session_token):
                if secret:
                    register_secret(secret)
            if self.region is None:
                raise _no_region("SigV4 signing")
        if not settings.base_url:
            self.base_url = f"https://bedrock-runtime.{self.region}.amazonaws.com"
        self._host = httpx.URL(self.base_url).netloc.decode("ascii")  # signed as sent
        self.anthropic_version = str(opts.get("anthropic_version") or BEDROCK_ANTHROPIC_VERSION)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url!r}, "
            f"region={self.region!r}, auth=<{self.auth_mode}>)"
        )

    __str__ = __repr__

    @property
    def auth_mode(self) -> str:
        """``"api_key"``, ``"sigv4"`` or ``"none"``."""
        return "api_key" if self.has_key else ("sigv4" if self.__credentials else "none")

    @property
    def missing_credentials(self) -> str | None:
        """What to set when neither an API key nor SigV4 credentials were found, else None
        (the gateway's start-up warning and 503 name it)."""
        if self.auth_mode != "none":
            return None
        return f"{self._key_env} (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"

    # -- URLs, headers, body ----------------------------------------------------------------
    def _model_path(self, request: ChatRequest) -> str:
        return f"{self.base_url}/model/{quote(request.model, safe='')}"

    def url_for(self, request: ChatRequest) -> str:
        return self._model_path(request) + "/invoke"

    def stream_url_for(self, request: ChatRequest) -> str:
        return self._model_path(request) + "/invoke-with-response-stream"

    def _require_key(self) -> str | None:
        if not self.has_key and self.__credentials is None:
            raise AuthError(
                f"no credentials for provider {self.name!r}",
                provider=self.name,
                hint=f"Set {self._key_env} (an Amazon Bedrock API key), or "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                "temporary credentials).",
            )
        return super()._require_key()

    auth_headers = HTTPProvider.auth_headers  # a Bedrock API key is a Bearer token

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        body = platform_body(encode_request(request), self.anthropic_version)
        body.pop("stream", None)  # the URL says whether to stream
        return body

    def stream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return body  # the URL says streaming; the body carries no flag

    async def _attempt(
        self, url: str, payload: bytes, headers: dict[str, str], meta: _CallMeta
    ) -> httpx.Response | tuple[ProviderError, float | None]:
        creds = self.__credentials  # None with an API key
        if creds is not None:
            assert self.region is not None  # __init__ requires one with credentials
            headers = sign(
                "POST",
                url,
                {**headers, "host": self._host},
                payload,
                credentials=creds,
                region=self.region,
                service=SERVICE,
                now=self._now(),
            )
        return await super()._attempt(url, payload, headers, meta)

    # -- errors -------------------------------------------------------------------------------
    def error_info(self, headers: httpx.Headers, body: Any, fallback: str) -> ErrorInfo:
        etype = _error_type(headers, body)
        found = body.get("message", body.get("Message")) if isinstance(body, dict) else None
        message = found if isinstance(found, str) else self.parse_error(body, fallback).message
        return ErrorInfo(message=message, type=etype, code=etype)

    def _error_for(self, resp: httpx.Response, raw: bytes) -> ProviderError:
        err = super()._error_for(resp, raw)
        if isinstance(err, ProviderBadRequestError) and err.code in _SERVER_SIDE:
            return recast(err, ProviderServerError)
        return err

    def _stream_exception(
        self, kind: str, message: str, data: Any, meta: _CallMeta
    ) -> ProviderError:
        cls, status = _STREAM_EXCEPTIONS.get(kind, (ProviderServerError, 500))
        pmsg = redact(message)
        kw: dict[str, Any] = {
            "provider": self.name,
            "status": status,
            "provider_message": pmsg,
            "request_id": meta.request_id,
            "body": _redacted(data),
        }
        if cls is ProviderBadRequestError:
            kw["code"] = kind
        return cls(f"{self.name} stream error ({kind}): {pmsg}", **kw)

    # -- streaming ------------------------------------------------------------------------
    def stream_headers(self, request: ChatRequest) -> dict[str, str]:
        return {
            **self.headers_for(request),
            "Accept": EVENTSTREAM,
            "X-Amzn-Bedrock-Accept": "application/json",
        }

    def _item(self, message: Message, meta: _CallMeta) -> dict[str, Any] | None:
        """The Messages stream event a chunk carries (None for other events); exception and
        error messages are raised."""
        mtype = message.header(":message-type") or "event"
        if mtype == "error":
            kind = message.header(":error-code") or "error"
            raise self._stream_exception(kind, message.header(":error-message") or kind, None, meta)
        if mtype == "exception":
            kind = message.header(":exception-type") or "exception"
            try:
                data: Any = json.loads(message.payload) if message.payload else None
            except ValueError:
                data = message.payload.decode("utf-8", errors="replace")
            found = data.get("message", data.get("Message")) if isinstance(data, dict) else None
            text = found if isinstance(found, str) else (str(data) if data else kind)
            raise self._stream_exception(kind, text, data, meta)
        if message.header(":event-type") != "chunk":
            return None  # initial-response and future event types carry no Messages event
        try:
            wrapper = json.loads(message.payload)
            data = json.loads(base64.b64decode(wrapper["bytes"], validate=True))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ProviderServerError(
                f"{self.name}: stream chunk is not a base64-encoded JSON event "
                f"({type(exc).__name__})",
                provider=self.name,
                request_id=meta.request_id,
            ) from exc
        return data if isinstance(data, dict) else None

    async def stream_items(
        self, resp: httpx.Response, meta: _CallMeta
    ) -> AsyncGenerator[tuple[str | None, dict[str, Any]], None]:
        try:
            async for message in iter_messages(resp.aiter_bytes()):
                if meta.first_byte is None:
                    meta.first_byte = self._clock()
                data = self._item(message, meta)
                if data is not None:
                    yield (str(data.get("type") or "") or None), data
        except EventStreamError as exc:
            raise ProviderServerError(
                f"{self.name}: malformed event stream: {exc}",
                provider=self.name,
                request_id=meta.request_id,
            ) from exc


def encode_chunk(event: dict[str, Any]) -> bytes:
    """One ``chunk`` event-stream message carrying a Messages stream ``event``, as
    InvokeModelWithResponseStream sends it (for servers and tests)."""
    data = base64.b64encode(json.dumps(event, ensure_ascii=False).encode("utf-8")).decode()
    headers = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_message(headers, json.dumps({"bytes": data}).encode("utf-8"))


def encode_exception(kind: str, message: str) -> bytes:
    """An ``exception`` event-stream message (``kind`` e.g. ``throttlingException``)."""
    headers = {
        ":exception-type": kind,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_message(headers, json.dumps({"message": message}).encode("utf-8"))


def create_provider(
    settings: ProviderSettings | None = None, **kwargs: Any
) -> BedrockAnthropicProvider:
    """Entry point ``bedrock``."""
    return BedrockAnthropicProvider(settings, **kwargs)
