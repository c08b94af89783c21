"""Prompt and parameter tuning for a migration (``switchover tune``); see docs/tune.md."""

from __future__ import annotations

from switchover.tune.compare import Delta, deltas, rank_key
from switchover.tune.result import HoldoutResult, TuneResult, VariantResult
from switchover.tune.run import TuneOptions, TuneRun, run_tune, run_tune_async
from switchover.tune.split import split_cases
from switchover.tune.variants import ORIGINAL, Variant, load_variants, parse_variants, prompt_diff

__all__ = [
    "ORIGINAL",
    "Delta",
    "HoldoutResult",
    "TuneOptions",
    "TuneResult",
    "TuneRun",
    "Variant",
    "VariantResult",
    "deltas",
    "load_variants",
    "parse_variants",
    "prompt_diff",
    "rank_key",
    "run_tune",
    "run_tune_async",
    "split_cases",
]
