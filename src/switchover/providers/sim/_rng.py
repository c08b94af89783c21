"""Deterministic randomness: every draw comes from a SHA-256 of its inputs, never from a
global generator, so the same (profile, seed, request, repeat) always gives the same output."""

from __future__ import annotations

import hashlib
import math
import random

__all__ = ["derive_seed", "lognormal_ms", "rng_for", "short_hash"]


def derive_seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def rng_for(*parts: object) -> random.Random:
    """A private generator seeded from ``parts`` (a new, independent stream per purpose)."""
    return random.Random(derive_seed(*parts))


def short_hash(*parts: object, length: int = 24) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:length]


def lognormal_ms(rng: random.Random, median_ms: float, p95_ms: float) -> float:
    """A lognormal draw with the given median and 95th percentile (p95 < median is treated
    as p95 == median, i.e. no spread)."""
    sigma = max(0.0, math.log(max(p95_ms, median_ms) / median_ms) / 1.6448536269514722)
    return float(median_ms * math.exp(sigma * rng.gauss(0.0, 1.0)))
