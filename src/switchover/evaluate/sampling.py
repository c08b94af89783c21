"""Seeded sampling of cases, optionally stratified by tag or call site."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from switchover.errors import UsageError
from switchover.evaluate.results import Case

__all__ = ["StratifyBy", "allocate", "sample_cases", "stratum_of"]

StratifyBy = Literal["tag", "call_site"]
NONE_STRATUM = "(none)"


def stratum_of(case: Case, by: StratifyBy) -> str:
    """The stratum a case belongs to: its call site, or its first tag."""
    if by == "call_site":
        return case.call_site or NONE_STRATUM
    return case.tags[0] if case.tags else NONE_STRATUM


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` over strata (largest remainder), at least one per
    stratum when ``n`` allows, never more than a stratum holds."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    keys = sorted(sizes)
    quota = {k: n * sizes[k] / total for k in keys}
    alloc = {k: min(sizes[k], int(quota[k])) for k in keys}
    if n >= len(keys):
        for k in keys:
            if alloc[k] == 0 and sizes[k] > 0:
                alloc[k] = 1
    # hand out what is left by largest remainder, then take back any excess from the largest
    by_rem = sorted(keys, key=lambda k: (-(quota[k] - int(quota[k])), k))
    while sum(alloc.values()) < n:
        progressed = False
        for k in by_rem:
            if sum(alloc.values()) >= n:
                break
            if alloc[k] < sizes[k]:
                alloc[k] += 1
                progressed = True
        if not progressed:
            break
    while sum(alloc.values()) > n:
        k = max(keys, key=lambda k: (alloc[k], k))
        alloc[k] -= 1
    return alloc


def sample_cases(
    cases: Sequence[Case],
    n: int | None,
    *,
    stratify_by: StratifyBy | None = None,
    seed: int = 0,
) -> list[Case]:
    """``n`` cases drawn without replacement with ``random.Random(seed)``; stratified
    proportionally when ``stratify_by`` is given. ``n=None`` or ``n >= len(cases)`` keeps
    every case. The result is in a seeded random order (sequential analysis needs that)."""
    if n is not None and n < 1:
        raise UsageError(f"--sample must be at least 1, not {n}")
    rng = random.Random(seed)
    if n is None or n >= len(cases):
        out = list(cases)
        rng.shuffle(out)
        return out
    if stratify_by is None:
        return rng.sample(list(cases), n)
    strata: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        strata[stratum_of(c, stratify_by)].append(c)
    alloc = allocate({k: len(v) for k, v in strata.items()}, n)
    picked: list[Case] = []
    for key in sorted(strata):
        picked.extend(rng.sample(strata[key], alloc[key]))
    rng.shuffle(picked)
    return picked
