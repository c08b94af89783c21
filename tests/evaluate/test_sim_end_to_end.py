"""Checks, judge, statistics and verdict against the simulator's planted hazards.

The simulator is driven in-process (no sockets); the judge goes through ``SimProvider`` so the
judge prompt format is exercised end to end. Each hazard must be found by the metric that
measures it, with the right test, and lead to the verdict its plan implies.
"""

from __future__ import annotations

import pytest

from switchover.chat import ChatRequest, Message, ResponseFormat, Tool
from switchover.errors import ProviderError
from switchover.evaluate import (
    ArmOutput,
    Case,
    CaseResult,
    ComparisonResult,
    ErrorInfo,
    Judge,
    MetricSummary,
    check_case,
    compare,
    default_checks,
    judge_spec,
)
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine
from switchover.providers.sim.provider import SimProvider

LOOKUP = Tool(
    name="lookup_order",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
)
TOPICS = ["refund", "invoice", "password", "shipping", "warranty", "delivery", "discount"]


def _cases(n: int) -> list[Case]:
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        if i % 3 == 0:
            req = ChatRequest(
                model="x",
                messages=[Message.user(f"Summarise {topic} case {i} as JSON with id and status")],
                response_format=ResponseFormat(type="json_object"),
            )
        elif i % 3 == 1:
            req = ChatRequest(
                model="x", messages=[Message.user(f"Where is order A-{i}?")], tools=[LOOKUP]
            )
        else:
            req = ChatRequest(
                model="x",
                messages=[
                    Message.system("Answer in plain text."),
                    Message.user(f"How do I get a {topic} for order {i}?"),
                ],
            )
        out.append(Case(id=f"c{i:03d}", request=req, tags=[topic]))
    return out


def _call(engine: SimEngine, case: Case, model: str, arm: str) -> ArmOutput:
    req = case.request.model_copy(update={"model": model})
    try:
        resp = engine.respond(req, api="openai.chat")
    except ProviderError as exc:
        return ArmOutput(
            arm=arm, model=model, error=ErrorInfo(type=type(exc).__name__, message=exc.message)
        )
    return ArmOutput(arm=arm, model=model, response=resp, latency_s=resp.latency_s)


async def _run(profile: str, n: int = 150) -> tuple[ComparisonResult, dict[str, MetricSummary]]:
    engine = SimEngine(
        {
            "sim-old": BUILTIN_PROFILES["baseline"],
            "sim-new": BUILTIN_PROFILES[profile],
            "sim-judge": BUILTIN_PROFILES["baseline"],
        },
        seed=3,
        time_scale=0,
    )
    checks = default_checks()
    judge = Judge(SimProvider(engine=engine), "sim-judge")
    results = []
    for case in _cases(n):
        cr = CaseResult(
            case_id=case.id,
            candidate="new",
            tags=case.tags,
            baseline=[_call(engine, case, "sim-old", "baseline")],
            candidate_outputs=[_call(engine, case, "sim-new", "new")],
        )
        check_case(case, cr, checks)
        b, c = cr.baseline[0].response, cr.candidate_outputs[0].response
        if b is not None and c is not None:
            cr.judge = [await judge.judge(case, b, c)]
        results.append(cr)
    specs = [c.spec() for c in checks] + [judge_spec()]
    comp = compare(results, specs, candidate="new", candidate_model="sim-new", n_resamples=2000)
    return comp, {m.name: m for m in comp.metrics}


@pytest.mark.parametrize(
    ("profile", "metric", "test"),
    [
        ("fenced-json", "json_fence", "mcnemar-exact"),
        ("fenced-json", "json_valid", "mcnemar-exact"),
        ("markdown-drift", "markdown_drift", "wilcoxon"),
        ("renamed-tool-args", "tool_calls_match", "mcnemar-exact"),
        ("renamed-tool-args", "tool_calls_valid", "mcnemar-exact"),
        ("refuser", "refusal", "mcnemar-exact"),
        ("truncating", "truncation", "mcnemar-exact"),
        ("degraded", "judge", "wilcoxon"),
    ],
)
async def test_each_hazard_is_found_with_the_right_test(
    profile: str, metric: str, test: str
) -> None:
    comp, metrics = await _run(profile)
    m = metrics[metric]
    assert m.change_test == test
    assert m.verdict == "NO-GO", m.reason
    assert m.change_p_holm is not None
    assert m.change_p_holm < 0.05
    assert comp.verdict == "NO-GO"


async def test_identical_models_go() -> None:
    comp, metrics = await _run("baseline", n=200)
    assert comp.verdict == "GO", comp.reasons
    assert metrics["judge"].diff == pytest.approx(0.0, abs=0.05)
