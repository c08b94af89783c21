"""The tune result model (JSON output of ``switchover tune --format json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from switchover.evaluate.results import MetricSummary, VerdictLabel
from switchover.tune.compare import Delta

__all__ = ["HoldoutResult", "TuneResult", "VariantResult"]


class VariantResult(BaseModel):
    """One variant on the development split."""

    name: str
    source: str  # "original" | "file" | "generated"
    description: str = ""
    system_prompt: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    diff: str = ""  # unified diff against the original prompt
    verdict: VerdictLabel = "INCONCLUSIVE"  # against the baseline, on dev
    rank: list[float] = Field(default_factory=list)  # rank key (smaller is better)
    eligible: bool = False  # better than the original and worse on nothing
    metrics: list[MetricSummary] = Field(default_factory=list)  # gated, vs the baseline
    deltas: list[Delta] = Field(default_factory=list)  # vs the original, paired


class HoldoutResult(BaseModel):
    """The winner against the original on the held-out split."""

    run_id: str
    n_cases: int
    winner_verdict: VerdictLabel
    original_verdict: VerdictLabel
    targets: list[str]  # metrics the winner improved on dev (interval excludes zero)
    deltas: list[Delta] = Field(default_factory=list)
    confirmed: bool = False
    reasons: list[str] = Field(default_factory=list)


class TuneResult(BaseModel):
    migration: str
    baseline_model: str
    candidate_model: str
    seed: int
    dev_fraction: float
    stratify_by: str | None
    n_dev: int
    n_holdout: int
    dev_case_ids: list[str] = Field(default_factory=list)
    holdout_case_ids: list[str] = Field(default_factory=list)
    dev_run_id: str = ""
    original_prompt: str | None = None
    generator: str | None = None
    rewriting_prompt: str | None = None  # the exact request the generator got (text)
    variants: list[VariantResult] = Field(default_factory=list)  # best first
    winner: str | None = None  # None: nothing beat the original on dev
    holdout: HoldoutResult | None = None
    confirmed: bool = False
    summary: str = ""
    warnings: list[str] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0: a variant won on dev and held on the held-out split; 1: otherwise."""
        return 0 if self.confirmed else 1

    def variant(self, name: str) -> VariantResult:
        return next(v for v in self.variants if v.name == name)
