"""Must-show: over 540 cases against the simulator, every planted hazard is found, reported
with the right statistic, and the verdict is the one the plan implies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from switchover.config import load_config
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.evaluate.results import EvalReport, MetricSummary

PLANTED = """\
[profiles.old]
base = "baseline"
[profiles.old.latency]
time_scale = 0

[profiles.new]
base = "baseline"
markdown_rate = 0.4
fenced_json_rate = 0.4
length_factor = 2.0
tool_arg_renames = { order_id = "orderId" }
tool_arg_rename_rate = 0.5
refusal_rate = 0.08
truncation_rate = 0.08
[profiles.new.latency]
time_scale = 0

[models]
"gpt-4o-2024-08-06" = "old"
"gpt-4o-2024-11-20" = "{candidate}"
"""

PLAN = """\
[upstreams.sim]
provider = "sim"
max_concurrency = 64
options = { profiles = "profiles.toml", seed = 3 }

[[migrations]]
name = "hazards"
from = "openai:gpt-4o-2024-08-06"
to = "openai:gpt-4o-2024-11-20"

[migrations.eval]
datasets = ["cases.jsonl"]
"""

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its order id",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
                "additionalProperties": False,
            },
        },
    }
]
TOPICS = [
    "password reset",
    "invoice copy",
    "delivery delay",
    "warranty claim",
    "refund status",
    "address change",
    "coupon code",
    "account deletion",
    "damaged parcel",
]


def _rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        kind = ("prose", "json", "tool")[i % 3]
        system = "You are the support assistant. Answer in plain text."
        body: dict[str, Any] = {"model": "gpt-4o-2024-08-06", "max_tokens": 1500}
        if kind == "prose":
            user = f"Customer {i} asks: how do I handle a {topic} for account {1000 + i}?"
        elif kind == "json":
            system = 'Classify the message. Reply in JSON with "intent" and "reply".'
            user = f"Message {i}: I need help with a {topic}, reference R{5000 + i}."
            body["response_format"] = {"type": "json_object"}
        else:
            user = f"Where is my order A{2000 + i}? It is about a {topic}."
            body["tools"] = TOOLS
        body["messages"] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        rows.append({"id": f"{kind}-{i:04d}", "request": body, "tags": [kind]})
    return rows


async def _evaluate(tmp_path: Path, candidate_profile: str) -> EvalReport:
    (tmp_path / "profiles.toml").write_text(PLANTED.replace("{candidate}", candidate_profile))
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(r) for r in _rows(540)))
    (tmp_path / "switchover.toml").write_text(PLAN)
    plan = plan_evaluation(
        load_config(tmp_path / "switchover.toml"),
        EvalOptions(store_url="sqlite://:memory:", n_resamples=2000),
    )
    assert len(plan.cases) == 540
    return await execute(plan)


def _metric(report: EvalReport, name: str) -> MetricSummary:
    return next(m for m in report.comparisons[0].metrics if m.name == name)


@pytest.mark.slow
async def test_planted_hazards_are_found(tmp_path: Path) -> None:
    report = await _evaluate(tmp_path, "new")
    assert report.verdict == "NO-GO"
    assert report.exit_code == 1

    md = _metric(report, "markdown_drift")  # a score: Wilcoxon signed-rank
    assert md.change_test == "wilcoxon"
    assert md.n_cases == 360
    assert md.diff is not None
    assert md.diff < -0.1
    assert md.verdict == "NO-GO"
    assert md.change_p_holm is not None
    assert md.change_p_holm < 1e-6

    for name in ("json_fence", "refusal", "truncation", "tool_calls_match"):
        m = _metric(report, name)  # pass/fail flips: exact McNemar
        assert m.change_test == "mcnemar-exact", name
        assert (m.discordant_worse or 0) > 5, name
        assert m.discordant_better == 0, name
        assert (m.change_p_holm or 1.0) < 0.01, name
        assert m.verdict == "NO-GO", name
    assert _metric(report, "json_fence").n_cases == 180
    assert _metric(report, "tool_calls_match").n_cases == 180

    length = _metric(report, "length_ratio")  # a value: Wilcoxon, informational
    assert length.change_test == "wilcoxon"
    assert not length.gate
    assert length.candidate_mean is not None
    assert length.candidate_mean > 1.3
    out = _metric(report, "output_tokens")
    assert out.diff is not None
    assert out.diff > 0
    assert out.change_p_holm is not None
    assert out.change_p_holm < 1e-6

    renamed = [
        c
        for c in report.cases
        if "tool_calls_match" in c.regressions
        and "renamed to 'orderId'" in c.candidate_outputs[0].checks["tool_calls_match"].detail
    ]
    assert len(renamed) > 30
    reasons = " ".join(report.reasons)
    for name in ("markdown_drift", "json_fence", "refusal", "truncation", "tool_calls_match"):
        assert name in reasons


@pytest.mark.slow
async def test_clean_candidate_is_go(tmp_path: Path) -> None:
    report = await _evaluate(tmp_path, "old")
    assert report.verdict == "GO"
    assert report.exit_code == 0
    for m in report.comparisons[0].metrics:
        if m.gate and m.n_cases:
            assert m.verdict == "GO", m.name


@pytest.mark.slow
async def test_sequential_mode_stops_once_the_decision_is_clear(tmp_path: Path) -> None:
    (tmp_path / "profiles.toml").write_text(PLANTED.replace("{candidate}", "new"))
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(r) for r in _rows(540)))
    (tmp_path / "switchover.toml").write_text(PLAN)
    plan = plan_evaluation(
        load_config(tmp_path / "switchover.toml"),
        EvalOptions(store_url="sqlite://:memory:", n_resamples=500, sequential=True, workers=4),
    )
    report = await execute(plan)
    assert plan.stats is not None
    assert plan.stats.decided_early
    assert report.meta.sequential
    assert report.meta.stopped_early
    assert 20 <= report.meta.n_cases < 540  # stopped well before the end
    assert report.verdict == "NO-GO"
    decided = [
        m.name
        for m in report.comparisons[0].metrics
        if m.sequential is not None and m.sequential.decision == "NO-GO"
    ]
    assert decided  # the metric(s) whose confidence sequence fell below the margin
    assert any("sequential mode: stopped after" in w for w in report.warnings)
