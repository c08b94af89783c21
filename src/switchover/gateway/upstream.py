"""Configured upstreams: one provider client (httpx, for decoded calls) and one keep-alive
connection pool (:mod:`switchover.gateway.h1`, for raw pass-through) per
``[upstreams.NAME]`` table.

Keys come from the environment variable the table names, never from the caller's request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from switchover.chat import ChatRequest, Message
from switchover.config import UpstreamSettings
from switchover.errors import AuthError
from switchover.gateway.h1 import H1Pool
from switchover.providers.base import Provider, ProviderSettings, create_provider

__all__ = ["PASS_PATHS", "Upstream", "build_upstreams", "missing_key_warnings", "proxy_lines"]

#: Client API -> path appended to an OpenAI-family base URL for pass-through.
PASS_PATHS: dict[str, str] = {
    "openai.chat": "/chat/completions",
    "openai.responses": "/responses",
    "openai.embeddings": "/embeddings",
}
_OPENAI_FAMILY = frozenset({"openai", "openai-compatible", "openai-responses"})
#: Caller headers worth forwarding unchanged (API versions and beta flags, never keys).
FORWARD_HEADERS = ("anthropic-version", "anthropic-beta", "openai-beta")


class Upstream:
    """One upstream. ``transport`` is the test seam for the provider client."""

    def __init__(
        self,
        name: str,
        settings: UpstreamSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        provider: Provider | None = None,
        base_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        ps = ProviderSettings(
            base_url=settings.base_url,
            api_key_env=settings.api_key_env,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            max_concurrency=max(settings.max_concurrency, 64),
            options=settings.provider_options(base_dir),
        )
        if provider is not None:
            self.provider = provider
        elif transport is not None and settings.provider != "sim":
            self.provider = create_provider(settings.provider, ps, transport=transport)
        else:
            self.provider = create_provider(settings.provider, ps)
        self.api: str = str(getattr(self.provider, "api", "") or "")
        base = getattr(self.provider, "base_url", None)
        self.base_url: str = str(base or "")
        self.timeout_s = settings.timeout_s
        self._headers: list[tuple[bytes, bytes]] | None = None
        self.missing_key_env: str | None = self.provider.missing_credentials
        self.pool = H1Pool(self.base_url or "http://127.0.0.1", timeout_s=settings.timeout_s)

    def __repr__(self) -> str:
        return f"Upstream({self.name!r}, provider={self.settings.provider!r}, api={self.api!r})"

    def pass_path(self, client_api: str) -> str | None:
        """The path (under the base URL) to forward ``client_api`` bodies to unchanged, or
        None when this upstream speaks another wire API (the request must then be decoded
        and re-encoded)."""
        if not self.base_url:
            return None
        if self.settings.provider in _OPENAI_FAMILY and client_api in PASS_PATHS:
            return PASS_PATHS[client_api]
        if self.settings.provider == "anthropic" and client_api == "anthropic.messages":
            return "/v1/messages"
        return None

    def require_key(self) -> None:
        """Raise a 503 AuthError naming the variable when this upstream needs a key the
        gateway's environment did not have at start-up (keys are read once, at start-up)."""
        if self.missing_key_env is not None:
            raise AuthError(
                f"upstream {self.name!r} has no API key ({self.missing_key_env} was not set "
                "when the gateway started); set it and restart the gateway",
                provider=self.settings.provider,
                status=503,
            )

    def auth_headers(self) -> list[tuple[bytes, bytes]]:
        """Request headers carrying this upstream's key, encoded once (raises AuthError
        when the key is missing)."""
        self.require_key()
        if self._headers is None:
            headers_for: Any = getattr(self.provider, "headers_for", None)
            if headers_for is None:
                raise AuthError(f"upstream {self.name!r} cannot be called directly")
            h = dict(headers_for(ChatRequest(model="-", messages=[Message.user("-")])))
            h.pop("Content-Type", None)
            h.pop("Accept", None)
            h["accept-encoding"] = "identity"
            h["content-type"] = "application/json"
            self._headers = [(k.lower().encode(), v.encode()) for k, v in h.items()]
        return self._headers

    async def aclose(self) -> None:
        await self.pool.aclose()
        await self.provider.aclose()


def missing_key_warnings(upstreams: dict[str, Upstream]) -> list[str]:
    """One warning line per upstream whose key variable is unset (names, never values)."""
    return [
        f"upstream {name!r} ({up.settings.provider}): {up.missing_key_env} is not set; "
        "its requests will fail with 503 until you set it and restart the gateway"
        for name, up in upstreams.items()
        if up.missing_key_env is not None
    ]


def proxy_lines(upstreams: dict[str, Upstream]) -> list[str]:
    """One line per upstream reached through a proxy from the environment (``HTTPS_PROXY``
    and the like), naming the proxy by host:port only, never its credentials. The decoded
    path's httpx clients read the same variables."""
    lines = []
    for name, up in upstreams.items():
        proxy = up.pool.proxy
        if not up.base_url or proxy is None:
            continue
        line = (
            f"upstream {name!r} ({up.pool.host}:{up.pool.port}) goes through proxy {proxy.display}"
        )
        if not proxy.supported:
            line += (
                f", but {proxy.scheme}:// proxies are not supported on the pass-through path "
                "(its requests will fail with 502): use an http:// proxy URL"
            )
        lines.append(line)
    return lines


def build_upstreams(
    upstreams: dict[str, UpstreamSettings],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    base_dir: Path | None = None,
) -> dict[str, Upstream]:
    """The configured upstreams; relative files in their options (the simulator's
    ``profiles``) are found from ``base_dir``, the plan's directory."""
    return {n: Upstream(n, s, transport=transport, base_dir=base_dir) for n, s in upstreams.items()}
