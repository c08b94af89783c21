"""Client-side pacing: token buckets for requests and tokens per minute.

The runner *spaces* requests so that a provider's published limits are never exceeded,
rather than firing and reacting to 429s: with a burst of one, concurrent callers are let
through one at a time, at least ``1 / rate`` apart, in arrival order. A 429 with
Retry-After ``pause``s the whole bucket.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter", "TokenBucket"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``rate`` units per second, at most ``capacity`` saved up (the allowed burst).

    Callers are served one at a time in arrival order (an ``asyncio.Lock``); each waits until
    the bucket holds ``min(amount, capacity)`` and then takes ``amount`` (a larger amount
    leaves the bucket in debt). The wait is measured from the moment the previous caller was
    actually released, so a late wake-up (a busy event loop) never lets two requests through
    closer together than ``1 / rate``.
    """

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._level = capacity
        self._t = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    def _refill(self, now: float) -> None:
        self._level = min(self.capacity, self._level + (now - self._t) * self.rate)
        self._t = now

    def wait_time(self, amount: float = 1.0) -> float:
        """Seconds until ``amount`` could be taken (0 when it can be taken now)."""
        now = self._clock()
        self._refill(now)
        need = min(amount, self.capacity)
        wait = (need - self._level) / self.rate if self._level < need else 0.0
        wait = max(wait, self._paused_until - now)
        return wait if wait > 1e-9 else 0.0  # float dust must not spin the loop

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait until ``amount`` may be used, take it; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            while (wait := self.wait_time(amount)) > 0:
                await self._sleep(wait)
                waited += wait
            self._level -= amount
        self.waited_s += waited
        return waited

    def refund(self, amount: float) -> None:
        """Give back an over-estimate (negative: charge an under-estimate)."""
        self._refill(self._clock())
        self._level = min(self.capacity, self._level + amount)

    def pause(self, seconds: float) -> None:
        """Nobody proceeds for ``seconds`` (a 429's Retry-After)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class RateLimiter:
    """Requests- and tokens-per-window limits of one upstream/model.

    ``window_s`` is 60 for per-minute limits; benchmarks scale it down to compress time.
    Requests are spaced evenly at ``headroom`` (98%) of the limit with a burst of the
    remaining 2% (at least one request): a bucket of rate ``r`` and burst ``b`` lets at most
    ``b + r * window`` requests through in any window, which is the limit itself, so a
    provider's sliding window is never exceeded, while a late wake-up can still catch up.
    The token bucket allows a burst of ``burst_s`` seconds' worth of tokens.
    """

    def __init__(
        self,
        requests_per_window: int | None = None,
        tokens_per_window: int | None = None,
        *,
        window_s: float = 60.0,
        burst_s: float = 5.0,
        headroom: float = 0.98,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.requests = (
            TokenBucket(
                requests_per_window * headroom / window_s,
                max(1.0, requests_per_window * (1.0 - headroom)),
                clock=clock,
                sleep=sleep,
            )
            if requests_per_window
            else None
        )
        self.tokens = (
            TokenBucket(
                tokens_per_window * headroom / window_s,
                max(1.0, tokens_per_window / window_s * burst_s),
                clock=clock,
                sleep=sleep,
            )
            if tokens_per_window
            else None
        )

    @property
    def active(self) -> bool:
        return self.requests is not None or self.tokens is not None

    async def acquire(self, tokens: int) -> float:
        waited = 0.0
        if self.requests is not None:
            waited += await self.requests.acquire(1.0)
        if self.tokens is not None:
            waited += await self.tokens.acquire(float(tokens))
        return waited

    def settle(self, estimated: int, actual: int) -> None:
        """Correct the token bucket with the tokens actually used."""
        if self.tokens is not None and actual > 0:
            self.tokens.refund(float(estimated - actual))

    def pause(self, seconds: float) -> None:
        for b in (self.requests, self.tokens):
            if b is not None:
                b.pause(seconds)
