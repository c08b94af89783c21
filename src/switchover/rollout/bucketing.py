"""Sticky assignment of users to the candidate.

``bucket(salt, key)`` hashes the migration salt and a user key into one of 10,000 buckets
with BLAKE2b, which is stable across processes, machines and Python versions (unlike
``hash()``). A key is served by the candidate iff ``bucket < percent * 100``, so raising
the percentage only adds users: nobody moves back and forth during a ramp.
"""

from __future__ import annotations

import hashlib

__all__ = ["BUCKETS", "bucket", "in_shadow", "serves_candidate", "threshold"]

BUCKETS = 10_000


def bucket(salt: str, key: str) -> int:
    """The bucket in ``[0, 10000)`` for ``key`` under ``salt`` (length-prefixed, so
    ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    salt_b = salt.encode("utf-8")
    data = len(salt_b).to_bytes(4, "big") + salt_b + key.encode("utf-8")
    digest = hashlib.blake2b(data, digest_size=8, person=b"switchover").digest()
    return int.from_bytes(digest, "big") % BUCKETS


def threshold(percent: float) -> int:
    """Number of buckets served by the candidate at ``percent`` (0..100, 0.01 steps)."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be within 0..100, got {percent}")
    return round(percent * 100)


def serves_candidate(salt: str, key: str, percent: float) -> bool:
    """True when the candidate serves this key at ``percent``."""
    return bucket(salt, key) < threshold(percent)


def in_shadow(salt: str, request_key: str, percent: float) -> bool:
    """True when a request is mirrored to the candidate during shadow at ``percent``.
    Uses its own salt so the shadow sample is independent of the canary assignment."""
    return bucket("shadow\x00" + salt, request_key) < threshold(percent)
