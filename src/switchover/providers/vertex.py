"""Google Vertex AI: Gemini and Claude with Vertex's URLs and Google Cloud authentication.

Two providers, each reusing a codec unchanged (the pattern of ``azure``):

* ``vertex-gemini``: the Gemini ``generateContent`` codec.
  ``POST {host}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}``
  ``:generateContent``, and ``:streamGenerateContent?alt=sse`` for streaming.
* ``vertex-anthropic``: the Anthropic Messages codec and stream decoder.
  ``POST .../publishers/anthropic/models/{model}:rawPredict`` and ``:streamRawPredict`` (SSE,
  Anthropic's events); the body is the Messages body without ``model`` (the URL names it, e.g.
  ``claude-sonnet-4-5@20250929`` as is) plus ``"anthropic_version": "vertex-2023-10-16"``.

Settings:

* host: ``https://{location}-aiplatform.googleapis.com``; location ``global`` uses
  ``https://aiplatform.googleapis.com``; ``base_url`` overrides the host (tests, proxies).
* ``options.project``, else ``GOOGLE_CLOUD_PROJECT`` (``vertex-anthropic`` also reads
  ``ANTHROPIC_VERTEX_PROJECT_ID``, as Anthropic's SDK does); required.
* ``options.location``, else ``GOOGLE_CLOUD_LOCATION`` (``vertex-anthropic`` also reads
  ``CLOUD_ML_REGION``); default ``us-central1`` for Gemini, ``global`` for Claude.
* ``options.api_version``: ``v1`` (default) or ``v1beta1``.

Authentication (no Google library needed): ``Authorization: Bearer <access token>``, the
token taken from, in order,

1. ``api_key`` or the environment variable ``api_key_env`` / ``options.access_token_env``
   (default ``GOOGLE_OAUTH_ACCESS_TOKEN``): used as is, never refreshed;
2. the output of ``options.token_command`` (a string split like a shell would, or a list;
   default ``gcloud auth print-access-token``): run once, cached, run again after 50 minutes
   and once when the API answers 401.

Tokens are registered with :func:`~switchover.errors.redact` when read and never appear in a
repr, log line or error. Embeddings (Vertex's ``:predict`` format differs from the Gemini
API's ``batchEmbedContents``) are not supported.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from switchover.chat import ChatRequest
from switchover.errors import (
    AuthError,
    ConfigError,
    ProviderError,
    RateLimitError,
    redact,
    register_secret,
)
from switchover.providers._http import MAX_INLINE_RETRY_AFTER_S, HTTPProvider, _CallMeta
from switchover.providers.anthropic import AnthropicProvider, platform_body
from switchover.providers.base import ProviderSettings
from switchover.providers.gemini import GeminiProvider, _retry_delay, google_stream_error

__all__ = [
    "DEFAULT_TOKEN_COMMAND",
    "TOKEN_ENV",
    "TOKEN_LIFETIME_S",
    "VERTEX_ANTHROPIC_VERSION",
    "TokenSource",
    "VertexAnthropicProvider",
    "VertexGeminiProvider",
    "create_anthropic_provider",
    "create_gemini_provider",
    "vertex_host",
]

log = logging.getLogger("switchover.providers")

#: The environment variable a ready-made access token is read from.
TOKEN_ENV = "GOOGLE_OAUTH_ACCESS_TOKEN"
#: The command printing an access token when no token is given.
DEFAULT_TOKEN_COMMAND = "gcloud auth print-access-token"
#: How long a token from the command is used before running it again (they last an hour).
TOKEN_LIFETIME_S = 50 * 60.0
#: The longest the token command may take.
TOKEN_COMMAND_TIMEOUT_S = 60.0
#: The ``anthropic_version`` Claude on Vertex requires in the body.
VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"

_LOCATION = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


def _login_hint(env: str) -> str:
    return (
        "Run `gcloud auth login` (or `gcloud auth application-default login` and set "
        'options.token_command = "gcloud auth application-default print-access-token"), '
        f"or set {env} to a token from `gcloud auth print-access-token`."
    )


def vertex_host(location: str) -> str:
    """The API host of a location: ``global`` has no region prefix."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def _argv(command: Any) -> list[str]:
    if isinstance(command, str):
        return shlex.split(command)
    if isinstance(command, list | tuple):
        return [str(c) for c in command]
    raise ConfigError(
        f"options.token_command must be a string or a list, not {type(command).__name__}",
        field="options.token_command",
    )


def _failure_line(stderr: str) -> str:
    """The line of a failed command's stderr saying why: the first ``ERROR:`` line (gcloud
    prints advice after it), else the last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return next(
        (ln for ln in lines if ln.startswith("ERROR:")), lines[-1] if lines else "no output"
    )


class TokenSource:
    """Where access tokens come from: a fixed token, or a command run when needed.

    The token is kept in a private attribute and never shown (``repr`` names the source)."""

    def __init__(
        self,
        *,
        provider: str,
        static: str | None,
        static_env: str,
        command: Sequence[str],
        now: Callable[[], float],
        lifetime_s: float = TOKEN_LIFETIME_S,
    ) -> None:
        self.provider = provider
        self.static_env = static_env
        self.command = list(command)
        self.lifetime_s = lifetime_s
        self._now = now
        self.__token: str | None = static
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        if self.is_static:
            return f"TokenSource({self.static_env})"
        return f"TokenSource(command={shlex.join(self.command)!r})"

    @property
    def is_static(self) -> bool:
        return self._fetched_at is None and self.__token is not None

    @property
    def refreshable(self) -> bool:
        return not self.is_static and bool(self.command)

    @property
    def description(self) -> str:
        if self.is_static:
            return f"the access token in {self.static_env}"
        return f"the access token printed by `{shlex.join(self.command)}`"

    async def get(self) -> str:
        """The current token, running the command first when there is none or it is old."""
        if self.is_static:
            assert self.__token is not None
            return self.__token
        async with self._lock:
            fresh = (
                self.__token is not None
                and self._fetched_at is not None
                and self._now() - self._fetched_at < self.lifetime_s
            )
            if not fresh:
                await self._run()
            assert self.__token is not None
            return self.__token

    async def refresh(self, refused: str) -> str:
        """A new token after ``refused`` was rejected (unless another call already got one)."""
        async with self._lock:
            if self.__token == refused:
                await self._run()
            assert self.__token is not None
            return self.__token

    async def _run(self) -> None:
        if not self.command:
            raise AuthError(
                f"no Google Cloud access token for provider {self.provider!r}",
                provider=self.provider,
                hint="Set options.token_command to a command printing a token. "
                + _login_hint(self.static_env),
            )
        shown = shlex.join(self.command)
        exe = shutil.which(self.command[0])
        if exe is None:
            raise AuthError(
                f"no Google Cloud access token for provider {self.provider!r}: "
                f"the token command `{shown}` was not found",
                provider=self.provider,
                hint="Install the gcloud CLI (or set options.token_command to a command "
                "printing a token). " + _login_hint(self.static_env),
            )
        try:
            done = await asyncio.to_thread(
                subprocess.run,
                [exe, *self.command[1:]],
                capture_output=True,
                text=True,
                timeout=TOKEN_COMMAND_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AuthError(
                f"the token command `{shown}` did not finish in {TOKEN_COMMAND_TIMEOUT_S:.0f}s",
                provider=self.provider,
                hint=_login_hint(self.static_env),
            ) from exc
        except OSError as exc:
            raise AuthError(
                f"the token command `{shown}` could not be run ({type(exc).__name__}: {exc})",
                provider=self.provider,
                hint=_login_hint(self.static_env),
            ) from exc
        lines = [ln.strip() for ln in (done.stdout or "").splitlines() if ln.strip()]
        if done.returncode != 0 or not lines:
            detail = redact(_failure_line(done.stderr or ""))[:300]
            status = (
                f"exited with status {done.returncode}" if done.returncode else "printed no token"
            )
            raise AuthError(
                f"the token command `{shown}` {status}: {detail}",
                provider=self.provider,
                hint=_login_hint(self.static_env),
            )
        token = lines[-1]
        register_secret(token)
        self.__token = token
        self._fetched_at = self._now()


class _VertexMixin(HTTPProvider):
    """URLs and authentication shared by the Vertex providers (put before the codec's
    provider class in the bases)."""

    publisher: ClassVar[str] = ""
    default_location: ClassVar[str] = "us-central1"
    project_envs: ClassVar[tuple[str, ...]] = ("GOOGLE_CLOUD_PROJECT",)
    location_envs: ClassVar[tuple[str, ...]] = ("GOOGLE_CLOUD_LOCATION",)
    default_base_url: ClassVar[str | None] = None
    default_key_env: ClassVar[str | None] = TOKEN_ENV
    key_required: ClassVar[bool] = False
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id", "request-id")

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        *,
        token_lifetime_s: float = TOKEN_LIFETIME_S,
        **kwargs: Any,
    ) -> None:
        settings = settings or ProviderSettings()
        opts = settings.options
        token_env = str(opts.get("access_token_env") or settings.api_key_env or TOKEN_ENV)
        settings = dataclasses.replace(settings, api_key_env=token_env)
        project = opts.get("project") or _first_env(self.project_envs)
        if not project:
            raise ConfigError(
                f"{self.name} needs a Google Cloud project",
                field="options.project",
                hint=f"Set options.project, or {' / '.join(self.project_envs)}.",
            )
        location = str(
            opts.get("location") or _first_env(self.location_envs) or self.default_location
        )
        if not _LOCATION.match(location):
            raise ConfigError(
                f"{location!r} is not a Google Cloud location",
                field="options.location",
                hint='Write a region such as "us-central1" or "europe-west1", or "global".',
            )
        kwargs["key_required"] = False
        super().__init__(settings, **kwargs)
        self.project = str(project)
        self.location = location
        self.api_version = str(opts.get("api_version") or "v1")
        if not settings.base_url:
            self.base_url = vertex_host(location)
        self._models_url = (
            f"{self.base_url}/{self.api_version}/projects/{quote(self.project, safe='')}"
            f"/locations/{location}/publishers/{self.publisher}/models/"
        )
        self._publisher_prefix = f"publishers/{self.publisher}/models/"
        command = opts.get("token_command", DEFAULT_TOKEN_COMMAND)
        self.tokens = TokenSource(
            provider=self.name,
            static=self._require_key(),
            static_env="api_key" if settings.api_key else token_env,
            command=_argv(command) if command else [],
            now=self._now,
            lifetime_s=token_lifetime_s,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, project={self.project!r}, "
            f"location={self.location!r}, base_url={self.base_url!r}, auth={self.tokens!r})"
        )

    __str__ = __repr__

    def model_url(self, model: str, method: str) -> str:
        """``{host}/{version}/projects/P/locations/L/publishers/X/models/M:method``."""
        name = model.removeprefix(self._publisher_prefix).removeprefix("models/")
        return f"{self._models_url}{quote(name, safe='@')}:{method}"

    def auth_headers(self, key: str | None) -> dict[str, str]:
        return {}  # the bearer token is added per request (it may be refreshed)

    async def _open(
        self, url: str, body: dict[str, Any], headers: dict[str, str], meta: _CallMeta
    ) -> httpx.Response:
        token = await self.tokens.get()
        try:
            return await super()._open(url, body, {**headers, **_bearer(token)}, meta)
        except AuthError as exc:
            if exc.status != 401 or not self.tokens.refreshable:
                raise
        log.info("%s: the access token was refused (401); running the token command", self.name)
        token = await self.tokens.refresh(token)
        return await super()._open(url, body, {**headers, **_bearer(token)}, meta)

    async def _attempt(
        self, url: str, payload: bytes, headers: dict[str, str], meta: _CallMeta
    ) -> httpx.Response | tuple[ProviderError, float | None]:
        outcome = await super()._attempt(url, payload, headers, meta)
        if isinstance(outcome, tuple):
            err, wait = outcome
            if wait is None and isinstance(err, RateLimitError) and err.retry_after is not None:
                if err.retry_after > MAX_INLINE_RETRY_AFTER_S:
                    raise err  # the caller decides whether to wait that long
                return err, err.retry_after  # Google's RetryInfo.retryDelay
        return outcome

    def _error_for(self, resp: httpx.Response, raw: bytes) -> ProviderError:
        err = super()._error_for(resp, raw)
        if isinstance(err, RateLimitError) and err.retry_after is None:
            err.retry_after = _retry_delay(err.body)
        if isinstance(err, AuthError):
            if err.status == 403:
                err.hint = (
                    f"The account of {self.tokens.description} may not use Vertex AI in "
                    f"project {self.project!r}: it needs the Vertex AI User role "
                    "(roles/aiplatform.user), the Vertex AI API enabled and, for partner "
                    "models, the model enabled in Model Garden."
                )
            elif self.tokens.is_static:
                err.hint = (
                    f"{self.tokens.description} was refused (tokens last an hour): set it "
                    f"again from `gcloud auth print-access-token`, or unset {self.tokens.static_env} "
                    "to let switchover run the token command."
                )
            else:
                err.hint = f"{self.tokens.description} was refused. " + _login_hint(
                    self.tokens.static_env
                )
        return err


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _first_env(names: Sequence[str]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class VertexGeminiProvider(_VertexMixin, GeminiProvider):
    """Gemini models on Vertex AI (``generateContent`` wire format)."""

    name = "vertex-gemini"
    publisher: ClassVar[str] = "google"
    supports_embeddings = False

    def url_for(self, request: ChatRequest) -> str:
        return self.model_url(request.model, "generateContent")

    def stream_url_for(self, request: ChatRequest) -> str:
        return self.model_url(request.model, "streamGenerateContent") + "?alt=sse"


class VertexAnthropicProvider(_VertexMixin, AnthropicProvider):
    """Claude models on Vertex AI (Anthropic Messages wire format via ``rawPredict``)."""

    name = "vertex-anthropic"
    publisher: ClassVar[str] = "anthropic"
    default_location: ClassVar[str] = "global"
    project_envs: ClassVar[tuple[str, ...]] = (
        "GOOGLE_CLOUD_PROJECT",
        "ANTHROPIC_VERTEX_PROJECT_ID",
    )
    location_envs: ClassVar[tuple[str, ...]] = ("GOOGLE_CLOUD_LOCATION", "CLOUD_ML_REGION")

    def __init__(self, settings: ProviderSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.anthropic_version = str(
            self.settings.options.get("anthropic_version") or VERTEX_ANTHROPIC_VERSION
        )

    def url_for(self, request: ChatRequest) -> str:
        return self.model_url(request.model, "rawPredict")

    def stream_url_for(self, request: ChatRequest) -> str:
        return self.model_url(request.model, "streamRawPredict")

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return platform_body(super().encode(request), self.anthropic_version)

    def stream_error(self, event_name: str | None, data: dict[str, Any]) -> ProviderError | None:
        err = data.get("error")
        if isinstance(err, dict) and "status" in err and "type" not in err:
            return google_stream_error(self.name, data)  # Vertex's own error, mid-stream
        return super().stream_error(event_name, data)


def create_gemini_provider(
    settings: ProviderSettings | None = None, **kwargs: Any
) -> VertexGeminiProvider:
    """Entry point ``vertex-gemini``."""
    return VertexGeminiProvider(settings, **kwargs)


def create_anthropic_provider(
    settings: ProviderSettings | None = None, **kwargs: Any
) -> VertexAnthropicProvider:
    """Entry point ``vertex-anthropic``."""
    return VertexAnthropicProvider(settings, **kwargs)
