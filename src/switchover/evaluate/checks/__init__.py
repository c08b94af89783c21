"""Built-in checks (each a pure function with a name and a metric kind) and the registry.

Importing this package registers every built-in check in :data:`REGISTRY`. A third party
adds one with ``register(Check("my_check", "pass", fn))``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from switchover.chat import ChatResponse
from switchover.evaluate.checks.assertions import evaluate_assertion, jsonpath, parse_jsonpath
from switchover.evaluate.checks.base import (
    REGISTRY,
    Check,
    CheckFn,
    get_check,
    passed,
    register,
    resolve_checks,
    scored,
    skipped,
    valued,
)
from switchover.evaluate.checks.format import (
    extract_json,
    is_fenced_json,
    is_refusal,
    markdown_features,
    wants_json,
)
from switchover.evaluate.checks.tools import compare_calls, normalize_arguments
from switchover.evaluate.checks.usage import response_cost
from switchover.evaluate.results import ArmOutput, Case, CaseResult, CheckResult

__all__ = [
    "DEFAULT_CHECKS",
    "REGISTRY",
    "Check",
    "CheckFn",
    "check_case",
    "compare_calls",
    "default_checks",
    "evaluate_assertion",
    "extract_json",
    "get_check",
    "is_fenced_json",
    "is_refusal",
    "jsonpath",
    "markdown_features",
    "normalize_arguments",
    "parse_jsonpath",
    "passed",
    "reference_response",
    "register",
    "resolve_checks",
    "response_cost",
    "run_checks",
    "scored",
    "skipped",
    "valued",
    "wants_json",
]


def _ok(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    return passed(True, "answered")


OK = register(Check("ok", "pass", _ok, "the call succeeded (no provider error)", margin=0.01))

DEFAULT_CHECKS: tuple[str, ...] = (
    "ok",
    "json_valid",
    "json_schema",
    "json_fence",
    "markdown_drift",
    "length_ratio",
    "truncation",
    "refusal",
    "tool_calls_valid",
    "tool_calls_match",
    "assertions",
    "latency_s",
    "ttft_s",
    "cost_usd",
    "output_tokens",
    "input_tokens",
)


def default_checks() -> list[Check]:
    return resolve_checks(DEFAULT_CHECKS)


def run_checks(
    case: Case, checks: Iterable[Check], reference: ChatResponse | None, output: ArmOutput
) -> dict[str, CheckResult]:
    """Run ``checks`` on one output. A failed call fails ``ok`` and skips every other check
    (its failure is counted once, by ``ok``). Latency/TTFT/cost measured by the runner on
    the ``ArmOutput`` take precedence over the response's own fields."""
    results: dict[str, CheckResult] = {}
    response = output.response
    if response is None or output.error is not None:
        why = output.error.message if output.error else "no response"
        for c in checks:
            if c.name == "ok":
                results[c.name] = CheckResult(name="ok", kind="pass", passed=False, detail=why)
            else:
                results[c.name] = CheckResult(
                    name=c.name, kind=c.kind, applicable=False, detail="no response"
                )
        return results
    update: dict[str, float] = {}
    if output.latency_s is not None and response.latency_s is None:
        update["latency_s"] = output.latency_s
    if output.ttft_s is not None and response.ttft_s is None:
        update["ttft_s"] = output.ttft_s
    if update:
        response = response.model_copy(update=update)
    for c in checks:
        if c.name == "cost_usd" and output.cost_usd is not None:
            results[c.name] = CheckResult(
                name=c.name, kind="value", value=output.cost_usd, detail=f"${output.cost_usd:.6f}"
            )
            continue
        results[c.name] = c(case, reference, response)
    return results


def reference_response(case: Case, baseline: Sequence[ArmOutput]) -> ChatResponse | None:
    """The baseline answer checks compare against: the recorded one, else the first
    successful baseline repeat."""
    if case.baseline_response is not None:
        return case.baseline_response
    return next((o.response for o in baseline if o.ok), None)


def check_case(case: Case, result: CaseResult, checks: Sequence[Check]) -> CaseResult:
    """Fill ``checks`` on every output of ``result`` (both arms, every repeat), in place."""
    reference = reference_response(case, result.baseline)
    for out in [*result.baseline, *result.candidate_outputs]:
        out.checks = run_checks(case, checks, reference, out)
    return result
