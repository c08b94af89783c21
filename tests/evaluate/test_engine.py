from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from switchover.chat import ChatRequest
from switchover.config import UpstreamSettings, load_config
from switchover.errors import (
    AuthError,
    ConfigError,
    ProviderServerError,
    RateLimitError,
    UsageError,
)
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation, write_reports
from switchover.store import open_store

from .conftest import FakeProvider


async def run(plan_path: Path, **kw: Any) -> Any:
    plan = plan_evaluation(load_config(plan_path), EvalOptions(**kw))
    report = await execute(plan)
    return plan, report


async def test_sim_run_adapts_checks_and_caches(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    path = make_plan(tmp_path, n=24)
    db = f"sqlite:///{tmp_path / 'st.db'}"
    plan, report = await run(path, store_url=db, n_resamples=500)
    assert plan.stats is not None
    assert plan.stats.calls == 48
    assert plan.stats.cached == 0
    assert report.meta.n_cases == 24
    assert report.meta.n_calls == 48
    assert report.meta.baseline_model == "gpt-4o-2024-08-06"
    assert report.meta.candidates == {"candidate": "gpt-6-luna"}
    comp = report.comparisons[0]
    # gpt-6-luna rejects max_tokens and temperature: the adapter's changes are listed
    assert comp.adapted_changes.get("rename:max_tokens") == 24
    assert any(k.startswith("drop:temperature") for k in comp.adapted_changes)
    case = report.cases[0]
    assert case.candidate_outputs[0].changes
    assert not case.baseline[0].changes
    fence = next(m for m in comp.metrics if m.name == "json_fence")
    assert fence.n_cases == 12
    assert fence.discordant_worse
    assert fence.discordant_worse > 0
    assert "simulated upstreams" in " ".join(report.warnings)

    # same plan again: every case comes from the stored run
    plan2, report2 = await run(path, store_url=db, n_resamples=500)
    assert plan2.stats is not None
    assert plan2.stats.resumed == 24
    assert plan2.stats.calls == 0
    assert plan2.run_id == plan.run_id
    assert "resumed run" in " ".join(report2.warnings)
    # a fresh run re-asks every case, and every answer is in the cache
    plan3, report3 = await run(path, store_url=db, n_resamples=500, fresh=True)
    assert plan3.stats is not None
    assert plan3.stats.calls == 0
    assert plan3.stats.cached == 48
    assert plan3.run_id != plan.run_id
    assert report3.meta.n_cached == 48
    assert [c.candidate_outputs[0].response for c in report3.cases] == [
        c.candidate_outputs[0].response for c in report.cases
    ]
    # without the cache the models are called again
    plan4, _ = await run(path, store_url=db, n_resamples=200, fresh=True, cache=False)
    assert plan4.stats is not None
    assert plan4.stats.calls == 48
    with open_store(db) as store:
        assert plan.run_id in store.run_ids()
        meta = store.run_get(plan.run_id)
        assert meta is not None
        assert meta["complete"] is True
        assert meta["verdict"] == report.verdict


async def test_repeats_sample_and_overrides(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    extra = 'system_prompt = "NEW SYSTEM PROMPT"'
    path = make_plan(tmp_path, n=30, extra=extra, eval_extra="repeats = 3\nstratify_by = 'tag'")
    fake = FakeProvider()
    plan, report = await run(
        path,
        store_url="sqlite://:memory:",
        sample=12,
        seed=5,
        providers={"sim": fake},
        n_resamples=200,
    )
    assert len(plan.cases) == 12
    assert plan.repeats == 3
    assert len(fake.requests) == 12 * 3 * 2
    cand = [r for r in fake.requests if r.model == "gpt-6-luna"]
    assert all(r.messages[0].text == "NEW SYSTEM PROMPT" for r in cand)
    assert all(r.messages[0].role == "developer" for r in cand)  # adapted for a reasoning model
    base = [r for r in fake.requests if r.model == "gpt-4o-2024-08-06"]
    assert all(r.messages[0].text.startswith("You are a helpful support agent.") for r in base)
    assert all(len(c.candidate_outputs) == 3 and len(c.baseline) == 3 for c in report.cases)
    assert sorted(o.repeat for o in report.cases[0].candidate_outputs) == [0, 1, 2]


async def test_candidates_matrix_with_params(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    eval_extra = """
[[migrations.eval.candidates]]
model = "openai:gpt-6-luna"
label = "luna-low"
params = { reasoning_effort = "low" }

[[migrations.eval.candidates]]
model = "openai:gpt-4.1-2025-04-14"
system_prompt = "Short answers only."
"""
    path = make_plan(tmp_path, n=12, eval_extra=eval_extra)
    fake = FakeProvider()
    plan, report = await run(
        path, store_url="sqlite://:memory:", providers={"sim": fake}, n_resamples=200
    )
    assert [a.label for a in plan.arms] == ["baseline", "luna-low", "gpt-4.1-2025-04-14"]
    assert {c.candidate for c in report.comparisons} == {"luna-low", "gpt-4.1-2025-04-14"}
    luna = [r for r in fake.requests if r.model == "gpt-6-luna"]
    assert luna
    assert all(r.reasoning_effort == "low" for r in luna)
    gpt41 = [r for r in fake.requests if r.model == "gpt-4.1-2025-04-14"]
    assert all(r.system_text == "Short answers only." for r in gpt41)
    assert len(report.cases) == 24  # one CaseResult per (case, candidate)
    # --candidate flags replace the configured matrix
    plan2 = plan_evaluation(
        load_config(path),
        EvalOptions(
            store_url="sqlite://:memory:", candidates=["openai:gpt-6-luna", "openai:gpt-5"]
        ),
    )
    assert [a.label for a in plan2.arms] == ["baseline", "gpt-6-luna", "gpt-5"]
    await plan2.aclose()
    bad = make_plan(
        tmp_path, n=3, eval_extra="[[migrations.eval.candidates]]\nmodel = 'x'\ncolour = 1\n"
    )
    with pytest.raises(ConfigError, match=r"candidates\[0\]\.colour"):
        plan_evaluation(load_config(bad), EvalOptions(store_url="sqlite://:memory:"))


async def test_max_cost_stops_cleanly_and_resumes(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    path = make_plan(tmp_path, n=30)
    db = f"sqlite:///{tmp_path / 'st.db'}"
    plan, report = await run(path, store_url=db, max_cost_usd=0.0001, workers=1, n_resamples=200)
    assert plan.stats is not None
    assert plan.stats.budget_stopped
    assert 0 < report.meta.n_cases < 30
    assert report.meta.stopped_early
    assert any("stopped at the cost limit" in w for w in report.warnings)
    assert plan.estimate.cost_usd > 0.0001
    assert plan.estimate.calls == 60
    done = report.meta.n_cases
    plan2, report2 = await run(path, store_url=db, n_resamples=200)
    assert plan2.stats is not None
    assert plan2.stats.resumed == done
    assert report2.meta.n_cases == 30
    assert not report2.meta.stopped_early


async def test_replay_two_captures_offline(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    path = make_plan(tmp_path, n=4)
    rows = []
    for i in range(12):
        req = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"q{i}"}]}
        rows.append(
            {
                "id": f"r{i}",
                "request": req,
                "response": f"answer {i}",
                "latency_ms": 500 + i,
                "candidate_response": f"answer {i}"
                if i % 4
                else "I'm sorry, but I can't help with that request.",
                "candidate_latency_ms": 300,
            }
        )
    data = tmp_path / "pairs.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))

    def boom(request: ChatRequest, n: int) -> None:
        raise AssertionError("no live call expected")

    plan, report = await run(
        path,
        store_url="sqlite://:memory:",
        datasets=[str(data)],
        providers={"sim": FakeProvider(boom)},
        n_resamples=200,
    )
    assert plan.stats is not None
    assert plan.stats.calls == 0
    assert plan.stats.replayed == 24
    assert all(o.replayed for c in report.cases for o in [*c.baseline, *c.candidate_outputs])
    refusal = next(m for m in report.comparisons[0].metrics if m.name == "refusal")
    assert refusal.discordant_worse == 3
    latency = next(m for m in report.comparisons[0].metrics if m.name == "latency_s")
    assert latency.candidate_mean == pytest.approx(0.3)
    # --replay-baseline / --replay-candidate: separate files of recorded answers
    base = tmp_path / "base.jsonl"
    base.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"c{i:03d}",
                    "request": {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
                    "response": "recorded",
                }
            )
            for i in range(3)
        )
    )
    fake = FakeProvider()
    plan2, report2 = await run(
        path,
        store_url="sqlite://:memory:",
        replay_baseline=str(base),
        providers={"sim": fake},
        n_resamples=200,
    )
    assert plan2.arms[0].provider is None
    assert len(fake.requests) == 4
    missing = [c for c in report2.cases if c.baseline[0].error is not None]
    assert [c.case_id for c in missing] == ["c003"]
    assert missing[0].baseline[0].error is not None
    assert missing[0].baseline[0].error.type == "MissingRecording"
    with pytest.raises(UsageError, match="no recorded responses"):
        plan_evaluation(
            load_config(path),
            EvalOptions(
                store_url="sqlite://:memory:", replay_candidate=str(tmp_path / "data.jsonl")
            ),
        )


async def test_provider_errors(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    path = make_plan(tmp_path, n=10)

    def flaky(request: ChatRequest, n: int) -> None:
        if n % 3 == 0:
            raise RateLimitError("slow down", retry_after=0.001, status=429)
        if request.model == "gpt-6-luna" and "case 4?" in request.messages[-1].text:
            raise ProviderServerError("upstream exploded", status=500)

    fake = FakeProvider(flaky)
    plan, report = await run(
        path, store_url="sqlite://:memory:", providers={"sim": fake}, n_resamples=200
    )
    assert plan.stats is not None
    assert plan.stats.rate_limited > 0
    assert report.meta.n_cases == 10  # no case lost to 429s
    errs = [o for c in report.cases for o in c.candidate_outputs if o.error]
    assert len(errs) == 1
    assert errs[0].error is not None
    assert errs[0].error.type == "ProviderServerError"
    assert errs[0].error.status == 500
    ok = next(m for m in report.comparisons[0].metrics if m.name == "ok")
    assert ok.discordant_worse == 1

    def denied(request: ChatRequest, n: int) -> None:
        raise AuthError("bad key", status=401)

    with pytest.raises(AuthError):
        await run(path, store_url="sqlite://:memory:", providers={"sim": FakeProvider(denied)})


async def test_strict_policy_records_lossy_adaptation(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    path = make_plan(tmp_path, n=12, extra='adaptation = "strict"')
    _plan, report = await run(
        path, store_url="sqlite://:memory:", providers={"sim": FakeProvider()}, n_resamples=200
    )
    outs = [o for c in report.cases for o in c.candidate_outputs]
    assert all(o.error is not None and o.error.type == "AdaptationError" for o in outs)
    assert all(o.changes for o in outs)  # the lossy changes that were refused
    assert report.comparisons[0].verdict == "NO-GO"


async def test_judge_and_reports(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    path = make_plan(tmp_path, n=12, eval_extra='judge = "sim:judge"')
    db = f"sqlite:///{tmp_path / 'j.db'}"
    plan, report = await run(path, store_url=db, n_resamples=200)
    assert plan.judge is not None
    assert report.meta.judge_model == "sim:judge"
    assert plan.stats is not None
    assert plan.stats.judge_calls == 24  # both orders per case
    # a fresh re-run asks the judge nothing again: its answers are cached too
    plan2, report2 = await run(path, store_url=db, n_resamples=200, fresh=True)
    assert plan2.stats is not None
    assert plan2.stats.judge_calls == 0
    assert [c.judge for c in report2.cases] == [c.judge for c in report.cases]
    judge = next(m for m in report.comparisons[0].metrics if m.name == "judge")
    assert judge.n_cases == 12
    assert all(c.judge and c.judge[0].calls for c in report.cases)
    paths = write_reports(report, tmp_path / "out", ["html", "md", "json", "junit"], "bot-eval")
    assert [p.name for p in paths] == [
        "bot-eval.html",
        "bot-eval.md",
        "bot-eval.json",
        "bot-eval.xml",
    ]
    assert json.loads(paths[2].read_text())["verdict"] == report.verdict
    with pytest.raises(UsageError, match="unknown report format"):
        write_reports(report, tmp_path / "out", ["pdf"], "x")


async def test_config_errors(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    path = make_plan(tmp_path, n=3, extra='baseline_upstream = "sim"')
    cfg = load_config(path)
    cfg.upstreams.clear()
    cfg.migrations[0].baseline_upstream = None
    with pytest.raises(ConfigError, match="no upstream for openai:gpt-4o"):
        plan_evaluation(cfg, EvalOptions(store_url="sqlite://:memory:"))
    with pytest.raises(UsageError, match="--stratify-by"):
        plan_evaluation(
            load_config(path), EvalOptions(store_url="sqlite://:memory:", stratify_by="colour")
        )


async def test_judge_or_embeddings_without_an_upstream_name_the_setting(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    cfg = load_config(make_plan(tmp_path, n=3))
    cfg.upstreams["other"] = UpstreamSettings(provider="sim")  # two upstreams, no openai one
    cfg.migrations[0].baseline_upstream = cfg.migrations[0].candidate_upstream = "sim"
    for options, setting in [
        (EvalOptions(judge="openai:gpt-4.1"), "eval.judge / --judge"),
        (EvalOptions(embeddings="openai:text-embedding-3-small"), "eval.embeddings"),
    ]:
        options.store_url = "sqlite://:memory:"
        with pytest.raises(ConfigError) as info:
            plan_evaluation(cfg, options)
        assert setting in info.value.message
        assert info.value.hint is not None
        # the hint says what to add, not to set the migration's baseline/candidate upstream
        assert '[upstreams.openai] with provider = "openai"' in info.value.hint
        assert "configured upstream (sim, other)" in info.value.hint
