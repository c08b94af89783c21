"""Development / held-out split: disjoint, stratified, seeded."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from switchover.errors import UsageError
from switchover.evaluate.results import Case
from switchover.evaluate.sampling import StratifyBy, stratum_of

__all__ = ["split_cases"]


def split_cases(
    cases: Sequence[Case],
    dev_fraction: float = 0.5,
    *,
    stratify_by: StratifyBy | None = "tag",
    seed: int = 0,
) -> tuple[list[Case], list[Case]]:
    """``(dev, holdout)``: every case in exactly one of them. Within each stratum (first tag
    or call site) ``round(n * dev_fraction)`` cases, drawn with ``random.Random(seed)``, go
    to dev, the rest to held-out, keeping at least one case on each side of a stratum that
    has two or more. Both lists keep the input order."""
    if not 0.0 < dev_fraction < 1.0:
        raise UsageError(f"--dev-fraction must be between 0 and 1 (exclusive), not {dev_fraction}")
    if len(cases) < 2:
        raise UsageError(
            f"need at least 2 cases to split into development and held-out, got {len(cases)}",
            hint="Add cases to the dataset or raise --sample.",
        )
    rng = random.Random(seed)
    strata: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        strata[stratum_of(c, stratify_by) if stratify_by else ""].append(i)
    dev_idx: set[int] = set()
    for key in sorted(strata):
        idx = strata[key]
        k = round(len(idx) * dev_fraction)
        if len(idx) >= 2:
            k = min(max(k, 1), len(idx) - 1)
        dev_idx.update(rng.sample(idx, k))
    dev = [c for i, c in enumerate(cases) if i in dev_idx]
    held = [c for i, c in enumerate(cases) if i not in dev_idx]
    if not dev or not held:
        raise UsageError(
            "the split left one side empty", hint="Use more cases or a --dev-fraction nearer 0.5."
        )
    return dev, held
