"""The response cache (in the store) and request token / cost estimates.

A cached answer is keyed by the canonical *adapted* request, the model, the upstream and
the repeat index, so re-running an evaluation, or resuming one, costs nothing for the calls
already made, while each repeat still gets its own sample.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from switchover.chat import ChatRequest, ChatResponse, StreamEvent, Usage
from switchover.evaluate.checks import response_cost
from switchover.providers.base import Provider
from switchover.store import Store

__all__ = [
    "CACHE_VERSION",
    "CachedProvider",
    "CallEstimate",
    "Pricer",
    "ResponseCache",
    "adapt_key",
    "cache_key",
    "estimate_call",
    "estimate_input_tokens",
]

CACHE_VERSION = 1
DEFAULT_OUTPUT_TOKENS = 400


def cache_key(
    request: ChatRequest, *, model: str, upstream: str, repeat: int, canonical: str | None = None
) -> str:
    """Key of a cached answer (``canonical``: ``request.canonical_json()`` when known)."""
    payload = json.dumps(
        [CACHE_VERSION, upstream, model, repeat, canonical or request.canonical_json()],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "resp:" + hashlib.sha256(payload.encode()).hexdigest()


def adapt_key(
    request: ChatRequest,
    *,
    target: str,
    target_api: str | None,
    policy: str,
    canonical: str | None = None,
    platform: str | None = None,
) -> str:
    """Key of a cached adaptation: the original request, the target, the platform it is
    called on (platform-scoped rules) and the rules' version (``canonical``:
    ``request.canonical_json()`` when known). First-party keys (no platform) are those of
    earlier releases."""
    from switchover._version import __version__

    text = canonical or request.canonical_json()
    parts: list[Any] = [CACHE_VERSION, __version__, target, target_api, policy, text]
    if platform is not None:
        parts.append(platform)
    payload = json.dumps(
        parts,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "adapt:" + hashlib.sha256(payload.encode()).hexdigest()


class ResponseCache:
    """Cached responses (and adaptations) in a :class:`Store` (``None`` store: no caching).

    :meth:`prefetch` reads many keys in one round trip per 500; a later :meth:`get` or
    :meth:`get_raw` of a prefetched key is answered from memory (once: the entry is dropped
    when read, so memory holds one batch at a time), and of a key found missing, without
    asking the store again."""

    def __init__(self, store: Store | None, *, enabled: bool = True) -> None:
        self.store = store if enabled else None
        self.hits = 0
        self.misses = 0
        self._prefetched: dict[str, dict[str, Any] | None] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read ``keys`` from the store now, in bulk (see the class docstring)."""
        if self.store is None:
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self._prefetched]
        if not wanted:
            return
        found = self.store.cache_get_many(wanted)
        for k in wanted:
            self._prefetched[k] = found.get(k)

    def prefetched(self, key: str) -> bool:
        """Whether ``key`` was prefetched and found (the next read needs no store)."""
        return self._prefetched.get(key) is not None

    def get_raw(self, key: str) -> dict[str, Any] | None:
        if self.store is None:
            return None
        if key in self._prefetched:
            return self._prefetched.pop(key)
        return self.store.cache_get(key)

    def get(self, key: str) -> ChatResponse | None:
        value = self.get_raw(key)
        if value is None or value.get("v") != CACHE_VERSION:
            if self.store is not None:
                self.misses += 1
            return None
        self.hits += 1
        return ChatResponse.model_validate(value["response"])

    def put_raw(self, key: str, value: dict[str, Any]) -> None:
        if self.store is not None:
            self._prefetched.pop(key, None)
            self.store.cache_put(key, value)

    def put(self, key: str, response: ChatResponse) -> None:
        if self.store is None:
            return
        data = response.model_dump(mode="json", exclude={"raw"}, exclude_defaults=True)
        data["model"] = response.model
        self.put_raw(key, {"v": CACHE_VERSION, "response": data})


class CachedProvider(Provider):
    """A provider whose answers go through the response cache (used for the judge, whose
    requests are deterministic: a re-run asks it nothing again). Live calls and their cost are
    counted in ``calls`` / ``spent_usd``."""

    def __init__(self, inner: Provider, cache: ResponseCache, *, upstream: str) -> None:
        self.inner = inner
        self.cache = cache
        self.upstream = upstream
        self.name = inner.name
        self.calls = 0
        self.hits = 0
        self.spent_usd = 0.0
        self._pricer = Pricer()

    async def complete(self, request: ChatRequest) -> ChatResponse:
        key = cache_key(request, model=request.model, upstream=self.upstream, repeat=0)
        hit = self.cache.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        resp = await self.inner.complete(request)
        self.calls += 1
        self.spent_usd += self._pricer.cost(request.model, resp.usage) or 0.0
        self.cache.put(key, resp)
        return resp

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        """The wrapped provider is closed by its owner."""


def estimate_input_tokens(request: ChatRequest) -> int:
    """Input tokens by the usual rule of thumb (about 4 characters a token): message text
    and tool calls, the tools' and response schema's JSON, and a few tokens per message."""
    chars = 0
    n = 3
    for m in request.messages:
        n += 4
        chars += len(m.text)
        for call in m.tool_calls:
            chars += len(call.name) + len(call.arguments_raw)
        n += 85 * sum(1 for p in m.content if p.type == "image")
    if request.tools:
        chars += len(json.dumps([t.model_dump(exclude_none=True) for t in request.tools]))
    rf = request.response_format
    if rf is not None and rf.json_schema:
        chars += len(json.dumps(rf.json_schema))
    return n + math.ceil(chars / 4)


class Pricer:
    """Catalog prices with the catalog read and each model looked up once (``response_cost``
    re-checks the catalog's update state on every call: too slow per call of a large run)."""

    def __init__(self) -> None:
        self._catalog: Any = None
        self._entries: dict[str, Any] = {}

    def cost(self, model: str, usage: Usage) -> float | None:
        if self._catalog is None:
            from switchover.catalog import get_catalog

            self._catalog = get_catalog()
        if model not in self._entries:
            self._entries[model] = self._catalog.lookup(model)
        entry = self._entries[model]
        if entry is None:
            return None
        cost = self._catalog.cost(entry, usage)
        return None if cost is None else float(cost)


@dataclass(frozen=True)
class CallEstimate:
    input_tokens: int
    output_tokens: int
    output_cap: int
    cost_usd: float | None  # expected
    max_cost_usd: float | None  # with every answer at its output limit


def estimate_call(
    request: ChatRequest,
    model: str,
    *,
    recorded: ChatResponse | None = None,
    pricer: Pricer | None = None,
    input_tokens: int | None = None,
) -> CallEstimate:
    """Tokens and price (catalog) of one call. Expected output: the recorded answer's
    output tokens when there is one, else ``min(limit, 400)``; the bound uses the limit.
    ``input_tokens``: ``estimate_input_tokens(request)`` when the caller already has it."""
    inp = estimate_input_tokens(request) if input_tokens is None else input_tokens
    cap = request.max_output_tokens or 4096
    out = DEFAULT_OUTPUT_TOKENS
    if recorded is not None and recorded.usage.output_tokens:
        out = recorded.usage.output_tokens
    out = min(out, cap)
    price = pricer.cost if pricer is not None else response_cost
    cost = price(model, Usage(input_tokens=inp, output_tokens=out))
    worst = price(model, Usage(input_tokens=inp, output_tokens=cap))
    return CallEstimate(inp, out, cap, cost, worst)


def response_json(response: ChatResponse) -> dict[str, Any]:
    return response.model_dump(mode="json", exclude={"raw"})
