"""Injected failures: which one (if any) hits an attempt, and the errors that carry them."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

from switchover.errors import (
    ProviderConnectionError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)
from switchover.providers.sim.profiles import FaultProfile

__all__ = ["RpmLimiter", "SimConnectionReset", "SimTimeout", "pick_fault", "raise_fault"]


class SimTimeout(ProviderTimeoutError):
    """An injected timeout: the server hangs for ``hang_s`` real seconds (already scaled)."""

    def __init__(self, message: str, *, hang_s: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.hang_s = hang_s


class SimConnectionReset(ProviderConnectionError):
    """An injected connection reset: the HTTP server drops the connection mid-response."""


FAULT_KINDS = ("rate_limit", "server_error", "unavailable", "timeout", "connection_reset")


def pick_fault(faults: FaultProfile, u: float) -> str | None:
    """The fault for a uniform draw ``u`` in [0, 1): the rates stack in a fixed order."""
    edge = 0.0
    for kind in FAULT_KINDS:
        edge += float(getattr(faults, kind))
        if u < edge:
            return kind
    return None


def raise_fault(kind: str, faults: FaultProfile, *, model: str, time_scale: float) -> None:
    """Raise the error for fault ``kind`` (messages follow OpenAI's wording)."""
    if kind == "rate_limit":
        raise RateLimitError(
            f"Rate limit reached for {model} (simulated). Please try again in "
            f"{faults.retry_after_s:g}s.",
            retry_after=faults.retry_after_s,
            status=429,
            provider="sim",
        )
    if kind == "server_error":
        raise ProviderServerError(
            "The server had an error while processing your request. Sorry about that! (simulated)",
            status=500,
            provider="sim",
        )
    if kind == "unavailable":
        raise ProviderServerError(
            "The server is overloaded or not ready yet. (simulated)", status=503, provider="sim"
        )
    if kind == "timeout":
        raise SimTimeout(
            f"Request timed out (simulated hang of {faults.timeout_s:g}s).",
            hang_s=faults.timeout_s * time_scale,
            provider="sim",
        )
    raise SimConnectionReset("Connection reset by peer (simulated).", provider="sim")


class RpmLimiter:
    """A sliding-window requests-per-window limit per model (real clock, injectable)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, collections.deque[float]] = {}

    def check(self, key: str, limit: int, window_s: float) -> float | None:
        """Record a request; return None when allowed, else seconds until a slot frees."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - window_s:
                hits.popleft()
            if len(hits) >= limit:
                return max(0.001, hits[0] + window_s - now)
            hits.append(now)
            return None
