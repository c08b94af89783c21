"""The provider interface and its lazy, entry-point based registry.

A provider turns neutral :class:`~switchover.chat.ChatRequest` objects into calls on one wire
API and back. Codecs (pure encode/decode functions) live in their own modules; a provider
object owns the connection: an ``httpx.AsyncClient`` (whose transport is the seam tests use),
keys, retries and a concurrency limit.

Built-in providers register through the ``switchover.providers`` entry-point group exactly as
a third-party package would, and are imported only when first asked for.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from switchover.chat import ChatRequest, ChatResponse, StreamAccumulator, StreamEvent
from switchover.errors import UsageError

__all__ = [
    "ENTRY_POINT_GROUP",
    "Embeddings",
    "Provider",
    "ProviderSettings",
    "available_providers",
    "create_provider",
    "register_provider",
]

ENTRY_POINT_GROUP = "switchover.providers"


@dataclass
class ProviderSettings:
    """How to reach one upstream. ``api_key`` is never printed (see ``__repr__``)."""

    base_url: str | None = None
    api_key: str | None = None
    api_key_env: str | None = None  # which environment variable to read when api_key is None
    timeout_s: float = 60.0
    max_retries: int = 3
    max_concurrency: int = 16
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    headers: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # provider-specific (api_version, ...)

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return (
            f"ProviderSettings(base_url={self.base_url!r}, api_key=<{key}>, "
            f"api_key_env={self.api_key_env!r}, timeout_s={self.timeout_s}, "
            f"max_retries={self.max_retries}, max_concurrency={self.max_concurrency})"
        )


@dataclass
class Embeddings:
    """The answer of :meth:`Provider.embed`: one vector per input text, in input order."""

    vectors: list[list[float]]
    model: str = ""
    input_tokens: int = 0


class Provider(abc.ABC):
    """One connection to one wire API."""

    #: registry name, e.g. "openai", "anthropic"
    name: str = ""
    #: whether :meth:`embed` is implemented (OpenAI family, Azure, Gemini, the simulator)
    supports_embeddings: bool = False
    #: the most texts :meth:`embed` sends in one call (longer lists are split)
    max_embed_batch: int = 256

    @property
    def missing_credentials(self) -> str | None:
        """What this provider needs to authenticate and did not find (names of settings or
        environment variables, never values), else None: keyless providers, or a key that
        is set. Checked before a run or at gateway start-up, so users learn it up front."""
        return None

    @abc.abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send ``request`` and return the whole response (with latency measured)."""

    @abc.abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Send ``request`` with streaming and yield neutral events as they arrive."""

    async def complete_streaming(self, request: ChatRequest) -> ChatResponse:
        """Stream, then fold the events into the same response ``complete`` would give."""
        acc = StreamAccumulator(request.model)
        async for ev in self.stream(request):
            acc.add(ev)
        return acc.response(provider=self.name)

    async def embed(self, texts: Sequence[str], model: str) -> Embeddings:
        """Embed ``texts`` with embedding model ``model`` (one vector per text, in order).

        Providers without an embeddings API raise :class:`UsageError`; check
        ``supports_embeddings`` first to fail before any call."""
        raise UsageError(
            f"provider {self.name or type(self).__name__!r} has no embeddings API",
            hint="Use an upstream of provider openai, openai-compatible, azure, gemini or sim "
            'for embeddings, or the offline backend (embeddings = "local").',
        )

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    async def __aenter__(self) -> Provider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


Factory = Callable[..., Provider]
_registered: dict[str, Factory] = {}


def register_provider(name: str, factory: Factory) -> None:
    """Register a provider factory by hand (tests, embedding applications)."""
    _registered[name] = factory


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_providers() -> list[str]:
    """Names of every registered provider, built-in and plugin, without importing them."""
    return sorted(set(_registered) | set(_entry_points()))


def create_provider(name: str, settings: ProviderSettings | None = None, **kwargs: Any) -> Provider:
    """Instantiate provider ``name``; its module is imported only now."""
    factory = _registered.get(name)
    if factory is None:
        ep = _entry_points().get(name)
        if ep is None:
            raise UsageError(
                f"unknown provider {name!r}",
                hint="Known providers: " + ", ".join(available_providers()),
            )
        factory = ep.load()
        _registered[name] = factory
    return factory(settings or ProviderSettings(), **kwargs)
