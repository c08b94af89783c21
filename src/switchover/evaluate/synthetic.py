"""Deterministic synthetic evaluation data: for report previews, docs, benchmarks and tests.

It builds cases and outputs of three kinds (prose answers, JSON extraction, tool calls),
plants the hazards asked for on the candidate side, then runs the *real* checks and
analysis, so everything downstream of the runner can be exercised without any model.
Always labelled synthetic in the report's warnings.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    Message,
    ResponseFormat,
    Tool,
    ToolCall,
    Usage,
)
from switchover.evaluate.analysis import build_report, compare, judge_spec
from switchover.evaluate.checks import check_case, default_checks
from switchover.evaluate.results import (
    ArmOutput,
    Assertion,
    Case,
    CaseResult,
    ErrorInfo,
    EvalReport,
    JudgeCall,
    JudgeVerdict,
    RunMeta,
)

__all__ = ["DEFAULT_HAZARDS", "synthetic_report", "synthetic_results"]

DEFAULT_HAZARDS: dict[str, float] = {
    "markdown": 0.0,  # share of prose answers the candidate turns into markdown
    "fence": 0.0,  # share of JSON answers wrapped in a code fence
    "rename": 0.0,  # share of tool calls with the argument renamed city -> location
    "refusal": 0.0,  # share of answers refused
    "error": 0.0,  # share of candidate calls that fail
    "latency": 1.0,  # candidate latency multiplier
    "cost": 1.0,  # candidate price multiplier
    "judge_win": 0.5,  # probability the judge prefers the candidate (per order)
    "longer": 1.0,  # candidate length multiplier
}

_TOPICS = ["billing", "shipping", "returns", "account", "warranty", "invoices", "privacy"]
_WEATHER = Tool(
    name="get_weather",
    description="Current weather for a city",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 1}},
        "required": ["city"],
    },
)
_CITIES = ["Oslo", "Lisbon", "Nairobi", "Osaka", "Lima", "Quebec", "Perth"]


def _prose(rng: random.Random, topic: str, words: int) -> str:
    vocab = (
        f"the your order {topic} policy we can help refund days within please account note".split()
    )
    out = " ".join(rng.choice(vocab) for _ in range(words))
    return out[0].upper() + out[1:] + "."


def _case(i: int, rng: random.Random) -> Case:
    kind = ("prose", "json", "tool")[i % 3]
    topic = rng.choice(_TOPICS)
    tags = [kind, topic]
    weight = float(rng.choice([1, 1, 1, 2, 5]))
    if kind == "json":
        req = ChatRequest(
            model="sim-old",
            messages=[
                Message.system("Extract the order as JSON."),
                Message.user(f"Order {1000 + i}: 3 x widget for {topic}"),
            ],
            response_format=ResponseFormat(type="json_object"),
        )
        asserts = [Assertion(type="json_path", path="$.order_id", value=1000 + i)]
        return Case(
            id=f"case-{i:04d}",
            request=req,
            call_site="extract.py:42",
            tags=tags,
            weight=weight,
            assertions=asserts,
        )
    if kind == "tool":
        city = rng.choice(_CITIES)
        req = ChatRequest(
            model="sim-old",
            messages=[Message.user(f"What's the weather in {city}?")],
            tools=[_WEATHER],
        )
        return Case(
            id=f"case-{i:04d}",
            request=req,
            call_site="agent.py:88",
            tags=tags,
            weight=weight,
            metadata={"city": city},
        )
    req = ChatRequest(
        model="sim-old",
        messages=[
            Message.system("You are a support agent."),
            Message.user(f"Question about {topic}?"),
        ],
    )
    return Case(
        id=f"case-{i:04d}", request=req, call_site="support.py:17", tags=tags, weight=weight
    )


def _answer(
    case: Case, rng: random.Random, model: str, hz: Mapping[str, float], candidate: bool
) -> ArmOutput:
    arm = "new" if candidate else "baseline"
    h = hz if candidate else DEFAULT_HAZARDS
    if rng.random() < h["error"]:
        return ArmOutput(
            arm=arm,
            model=model,
            error=ErrorInfo(
                type="ProviderServerError", message="503 upstream overloaded", status=503
            ),
        )
    kind = case.tags[0]
    text, calls, finish = "", [], "stop"
    i = int(case.id.split("-")[1])
    if rng.random() < h["refusal"]:
        text = "I'm sorry, but I can't help with that request."
    elif kind == "json":
        text = f'{{"order_id": {1000 + i}, "qty": 3, "item": "widget"}}'
        if rng.random() < h["fence"]:
            text = f"```json\n{text}\n```"
    elif kind == "tool":
        key = "location" if rng.random() < h["rename"] else "city"
        calls = [ToolCall.from_args(f"call_{i}", "get_weather", {key: case.metadata["city"]})]
        finish = "tool_calls"
    else:
        words = max(5, int(rng.gauss(40, 8) * h["longer"]))
        text = _prose(rng, case.tags[1], words)
        if rng.random() < h["markdown"]:
            text = f"## Answer\n\n- {text}\n- **Note:** see the help centre"
    out_tokens = max(1, len(text) // 4 + 12 * len(calls))
    latency = rng.lognormvariate(-0.6, 0.35) * h["latency"]
    usage = Usage(input_tokens=40 + 3 * i % 50, output_tokens=out_tokens)
    cost = (usage.input_tokens * 0.5 + usage.output_tokens * 1.5) / 1e6 * h["cost"]
    response = ChatResponse(
        model=model,
        text=text,
        tool_calls=calls,
        finish_reason=finish,
        usage=usage,
        latency_s=latency,
        ttft_s=latency * 0.3,
    )
    changes = []
    if candidate:
        changes = [
            {
                "kind": "rename",
                "param": "max_tokens",
                "before": "max_tokens",
                "after": "max_completion_tokens",
                "reason": "reasoning model",
                "lossy": False,
            }
        ]
    return ArmOutput(
        arm=arm,
        model=model,
        response=response,
        latency_s=latency,
        ttft_s=latency * 0.3,
        cost_usd=cost,
        changes=changes,
    )


def _judge(rng: random.Random, p_win: float, model: str) -> JudgeVerdict:
    from switchover.evaluate.judge import combine

    calls = []
    for order in ("AB", "BA"):
        u = rng.random()
        outcome = "win" if u < p_win * 0.8 else "tie" if u < p_win * 0.8 + 0.2 else "loss"
        cand = "B" if order == "AB" else "A"
        base = "A" if cand == "B" else "B"
        winner = "tie" if outcome == "tie" else cand if outcome == "win" else base
        calls.append(
            JudgeCall(
                order=order,
                winner=winner,
                candidate_outcome=outcome,
                reason=f"answer {winner} is clearer" if winner != "tie" else "equal",
            )
        )
    return combine(calls, model)


def synthetic_results(
    n_cases: int = 120,
    *,
    seed: int = 0,
    hazards: Mapping[str, float] | None = None,
    repeats: int = 1,
    baseline_model: str = "sim-old",
    candidate_model: str = "sim-new",
    judge_model: str = "sim-judge",
) -> tuple[list[Case], list[CaseResult]]:
    """Cases and checked results for one candidate labelled ``new``."""
    hz = {**DEFAULT_HAZARDS, **(hazards or {})}
    rng = random.Random(seed)
    checks = default_checks()
    cases, results = [], []
    for i in range(n_cases):
        c = _case(i, rng)
        base = [_answer(c, rng, baseline_model, hz, False) for _ in range(repeats)]
        cand = [_answer(c, rng, candidate_model, hz, True) for _ in range(repeats)]
        for r, o in enumerate([*base]):
            o.repeat = r
        for r, o in enumerate(cand):
            o.repeat = r
        cr = CaseResult(
            case_id=c.id,
            candidate="new",
            call_site=c.call_site,
            tags=c.tags,
            weight=c.weight,
            prompt_preview=c.request.messages[-1].text[:200],
            baseline=base,
            candidate_outputs=cand,
            judge=[_judge(rng, hz["judge_win"], judge_model) for _ in range(repeats)],
        )
        check_case(c, cr, checks)
        cases.append(c)
        results.append(cr)
    return cases, results


def synthetic_report(
    n_cases: int = 120,
    *,
    seed: int = 0,
    hazards: Mapping[str, float] | None = None,
    repeats: int = 1,
    n_resamples: int = 2000,
) -> EvalReport:
    """A complete report over synthetic data (real checks, statistics and verdict)."""
    _, results = synthetic_results(n_cases, seed=seed, hazards=hazards, repeats=repeats)
    specs = [c.spec() for c in default_checks()] + [judge_spec()]
    comp = compare(
        results,
        specs,
        candidate="new",
        candidate_model="sim-new",
        n_resamples=n_resamples,
        seed=seed,
    )
    meta = RunMeta(
        run_id=f"synthetic-{seed}",
        created="2026-11-26T12:00:00Z",
        baseline_model="sim-old",
        candidates={"new": "sim-new"},
        judge_model="sim-judge",
        dataset="synthetic",
        seed=seed,
        repeats=repeats,
        n_cases=n_cases,
        n_calls=2 * n_cases * repeats,
        n_resamples=n_resamples,
        n_errors=comp.errors,
        cost_usd=comp.cost_usd or 0.0,
    )
    return build_report(
        meta,
        [comp],
        results,
        warnings=["synthetic data: generated by switchover.evaluate.synthetic"],
    )
