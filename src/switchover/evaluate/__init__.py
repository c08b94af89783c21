"""Side-by-side evaluation: results model, checks, judge, statistics and verdict.

The runner (datasets, async execution, cache) builds on these: it creates
:class:`~switchover.evaluate.results.CaseResult` objects, fills their outputs, calls
:func:`~switchover.evaluate.checks.check_case` and the :class:`~switchover.evaluate.judge.Judge`,
then :func:`~switchover.evaluate.analysis.compare` per candidate and
:func:`~switchover.evaluate.analysis.build_report`.
"""

from __future__ import annotations

from switchover.evaluate.analysis import (
    JUDGE_METRIC,
    SequentialMonitor,
    analyze,
    build_report,
    compare,
    judge_spec,
    mark_case_changes,
    metric_pairs,
)
from switchover.evaluate.checks import (
    DEFAULT_CHECKS,
    REGISTRY,
    Check,
    check_case,
    default_checks,
    get_check,
    register,
    resolve_checks,
    run_checks,
)
from switchover.evaluate.judge import (
    DEFAULT_RUBRIC,
    JUDGE_MARKER,
    Criterion,
    Judge,
    Rubric,
    judge_family_warnings,
)
from switchover.evaluate.results import (
    SCHEMA_VERSION,
    ArmOutput,
    Assertion,
    Case,
    CaseResult,
    CheckResult,
    ComparisonResult,
    ErrorInfo,
    EvalReport,
    JudgeCall,
    JudgeVerdict,
    MetricSpec,
    MetricSummary,
    RunMeta,
    SequentialInfo,
)
from switchover.evaluate.verdict import (
    EXIT_ERROR,
    EXIT_GO,
    EXIT_INCONCLUSIVE,
    EXIT_NO_GO,
    Verdict,
    decide,
    decide_overall,
    with_overrides,
)

__all__ = [
    "DEFAULT_CHECKS",
    "DEFAULT_RUBRIC",
    "EXIT_ERROR",
    "EXIT_GO",
    "EXIT_INCONCLUSIVE",
    "EXIT_NO_GO",
    "JUDGE_MARKER",
    "JUDGE_METRIC",
    "REGISTRY",
    "SCHEMA_VERSION",
    "ArmOutput",
    "Assertion",
    "Case",
    "CaseResult",
    "Check",
    "CheckResult",
    "ComparisonResult",
    "Criterion",
    "ErrorInfo",
    "EvalReport",
    "Judge",
    "JudgeCall",
    "JudgeVerdict",
    "MetricSpec",
    "MetricSummary",
    "Rubric",
    "RunMeta",
    "SequentialInfo",
    "SequentialMonitor",
    "Verdict",
    "analyze",
    "build_report",
    "check_case",
    "compare",
    "decide",
    "decide_overall",
    "default_checks",
    "get_check",
    "judge_family_warnings",
    "judge_spec",
    "mark_case_changes",
    "metric_pairs",
    "register",
    "resolve_checks",
    "run_checks",
    "with_overrides",
]
