"""The evaluation results model: what the runner fills and the reports render.

Shape (one :class:`EvalReport` per run)::

    EvalReport
      meta: RunMeta                         models, dataset, seed, counts, cost, timings
      verdict / exit_code / reasons         overall decision (see verdict.py)
      comparisons: [ComparisonResult]       one per candidate
        metrics: [MetricSummary]            per-metric statistics and verdict
      cases: [CaseResult]                   one per (case, candidate)
        baseline: [ArmOutput]               one per repeat
        candidate: [ArmOutput]              one per repeat
          checks: {name: CheckResult}       every check on that output
        judge: [JudgeVerdict]               one per repeat (pairwise, both orders)

``SCHEMA_VERSION`` versions the JSON (``EvalReport.model_json_schema()``); bump the minor
for additive changes and the major for anything that breaks a reader.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from switchover.chat import ChatRequest, ChatResponse

__all__ = [
    "SCHEMA_VERSION",
    "ArmOutput",
    "Assertion",
    "Case",
    "CaseResult",
    "CheckResult",
    "ComparisonResult",
    "Direction",
    "ErrorInfo",
    "EvalReport",
    "JudgeCall",
    "JudgeVerdict",
    "MetricKind",
    "MetricSpec",
    "MetricSummary",
    "RunMeta",
    "SequentialInfo",
    "VerdictLabel",
]

SCHEMA_VERSION = "1.0"

MetricKind = Literal["pass", "score", "value"]
Direction = Literal["higher", "lower"]
VerdictLabel = Literal["GO", "NO-GO", "INCONCLUSIVE"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Assertion(_Model):
    """A user assertion on a response (see ``checks.assertions``).

    ``type``: ``equals`` / ``contains`` / ``not_contains`` / ``regex`` compare ``value`` with the
    response text (or with the value at ``path`` when ``path`` is a JSONPath like
    ``$.items[0].name``); ``json_path`` requires ``path`` to exist (and equal ``value`` when
    given); ``python`` calls ``function`` (``"pkg.mod:func"``) with ``(response, case)``.
    """

    type: Literal["equals", "contains", "not_contains", "regex", "json_path", "python"]
    value: Any = None
    path: str | None = None
    function: str | None = None
    ignore_case: bool = False
    name: str | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        target = self.function or self.path or ""
        return f"{self.type}:{target}" if target else self.type


class Case(_Model):
    """One prompt to replay. ``weight`` is its traffic weight (analysis weights by it)."""

    id: str
    request: ChatRequest
    call_site: str | None = None
    tags: list[str] = Field(default_factory=list)
    weight: float = Field(default=1.0, gt=0)
    baseline_response: ChatResponse | None = None  # recorded; replayed instead of a live call
    recorded: dict[str, ChatResponse] = Field(default_factory=dict)  # other arms, by label
    assertions: list[Assertion] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("case id must not be empty")
        return v


class CheckResult(_Model):
    """One check on one output. Exactly one of ``passed`` / ``score`` / ``value`` is set,
    by ``kind``; ``applicable=False`` means the check does not apply to this case (the case is
    left out of that metric)."""

    name: str
    kind: MetricKind
    applicable: bool = True
    passed: bool | None = None
    score: float | None = None  # in [0, 1]
    value: float | None = None  # unbounded (seconds, USD, tokens, ratio)
    detail: str = ""
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def numeric(self) -> float | None:
        """The value the statistics use: 1/0 for pass, the score, or the value."""
        if not self.applicable:
            return None
        if self.kind == "pass":
            return None if self.passed is None else float(self.passed)
        return self.score if self.kind == "score" else self.value


class ErrorInfo(_Model):
    type: str
    message: str
    status: int | None = None


class ArmOutput(_Model):
    """One call (or one replayed recording) of one arm for one case and repeat."""

    arm: str  # "baseline" or the candidate's label
    model: str
    repeat: int = 0
    response: ChatResponse | None = None
    error: ErrorInfo | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    cost_usd: float | None = None
    cached: bool = False
    replayed: bool = False
    changes: list[dict[str, Any]] = Field(default_factory=list)  # adapt.Change as plain dicts
    checks: dict[str, CheckResult] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.response is not None and self.error is None


class JudgeCall(_Model):
    """One judge call in one order. ``order`` "AB" shows the baseline as answer A."""

    order: Literal["AB", "BA"]
    winner: Literal["A", "B", "tie"] | None = None  # None: no parseable answer
    candidate_outcome: Literal["win", "loss", "tie"] | None = None
    reason: str = ""
    raw: str = ""
    error: str | None = None


class JudgeVerdict(_Model):
    """The pairwise judgement of one repeat, combined over both orders.

    ``score`` is the candidate's share: 1 = wins both orders, 0.5 = tie or inconsistent
    (one order each way), 0 = loses both; a win and a tie give 0.75."""

    outcome: Literal["win", "loss", "tie"] | None = None
    score: float | None = None
    consistent: bool = True
    calls: list[JudgeCall] = Field(default_factory=list)
    judge_model: str = ""


class CaseResult(_Model):
    """Everything about one case against one candidate."""

    case_id: str
    candidate: str  # candidate label
    call_site: str | None = None
    tags: list[str] = Field(default_factory=list)
    weight: float = 1.0
    prompt_preview: str = ""
    baseline: list[ArmOutput] = Field(default_factory=list)
    candidate_outputs: list[ArmOutput] = Field(default_factory=list)
    judge: list[JudgeVerdict] = Field(default_factory=list)
    regressions: list[str] = Field(default_factory=list)  # metric names worse on this case
    improvements: list[str] = Field(default_factory=list)


class MetricSpec(_Model):
    """How one metric is judged. ``margin`` is the non-inferiority margin in the metric's
    units (pass rate: 0.02 = 2 points), or a fraction of the baseline mean when
    ``relative`` (latency 0.2 = 20% slower allowed). ``gate``: counts for the verdict."""

    name: str
    kind: MetricKind
    direction: Direction = "higher"
    margin: float = Field(default=0.0, ge=0)
    relative: bool = False
    gate: bool = True
    bounds: tuple[float, float] | None = None  # value range, for sequential mode
    description: str = ""


class SequentialInfo(_Model):
    """Anytime-valid confidence sequence state for one metric."""

    n: int
    low: float
    high: float
    stopped_at: int | None = None  # case count where the decision became clear
    decision: VerdictLabel = "INCONCLUSIVE"


class MetricSummary(_Model):
    """Statistics of one metric for one candidate (differences are candidate - baseline)."""

    name: str
    kind: MetricKind
    direction: Direction
    gate: bool
    margin: float  # absolute, in the metric's units
    margin_spec: float  # as declared (fraction when relative)
    relative: bool = False
    n_cases: int
    n_observations: int  # case x repeat pairs
    weighted: bool = False
    baseline_mean: float | None = None
    candidate_mean: float | None = None
    diff: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = 0.95
    ci_method: str = "bca"
    change_test: str = ""  # "mcnemar-exact" | "wilcoxon" | "sign-test" | ""
    change_p: float | None = None
    change_p_holm: float | None = None
    discordant_worse: int | None = None  # cases where the candidate did worse
    discordant_better: int | None = None
    p_noninferior: float | None = None  # one-sided, H0: worse by >= margin
    p_noninferior_holm: float | None = None
    p_inferior: float | None = None  # one-sided, H0: not worse by more than margin
    p_inferior_holm: float | None = None
    verdict: VerdictLabel = "INCONCLUSIVE"
    reason: str = ""
    sequential: SequentialInfo | None = None
    candidate_values: list[float] = Field(default_factory=list)  # per case, for charts
    baseline_values: list[float] = Field(default_factory=list)


class ComparisonResult(_Model):
    """Baseline vs one candidate."""

    candidate: str
    candidate_model: str
    verdict: VerdictLabel = "INCONCLUSIVE"
    reasons: list[str] = Field(default_factory=list)
    metrics: list[MetricSummary] = Field(default_factory=list)
    adapted_changes: dict[str, int] = Field(default_factory=dict)  # change kind:param -> cases
    errors: int = 0
    cost_usd: float | None = None


class RunMeta(_Model):
    run_id: str = ""
    created: str = ""  # ISO timestamp
    baseline_model: str = ""
    candidates: dict[str, str] = Field(default_factory=dict)  # label -> model
    judge_model: str | None = None
    dataset: str = ""
    seed: int = 0
    repeats: int = 1
    n_cases: int = 0
    n_calls: int = 0
    n_cached: int = 0
    n_errors: int = 0
    cost_usd: float = 0.0
    duration_s: float | None = None
    alpha: float = 0.05
    n_resamples: int = 10_000
    sequential: bool = False
    stopped_early: bool = False
    switchover_version: str = ""


class EvalReport(_Model):
    """The whole run: what ``render_*`` take and ``switchover eval --json`` prints."""

    schema_version: str = SCHEMA_VERSION
    meta: RunMeta = Field(default_factory=RunMeta)
    verdict: VerdictLabel = "INCONCLUSIVE"
    exit_code: int = 2
    reasons: list[str] = Field(default_factory=list)
    comparisons: list[ComparisonResult] = Field(default_factory=list)
    cases: list[CaseResult] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the report (documented in docs/evaluation.md)."""
        schema = cls.model_json_schema()
        schema["$id"] = f"urn:switchover:eval-report:{SCHEMA_VERSION}"
        return schema
