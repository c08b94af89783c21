"""Must show: `switchover tune` on the example application's data fixes a planted regression
and the improvement holds on the held-out split."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchover.config import load_config
from switchover.errors import SwitchoverError, UsageError
from switchover.tune import ORIGINAL, TuneOptions, Variant, load_variants, run_tune

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"


def _options(**kw: object) -> TuneOptions:
    base: dict[str, object] = {"store_url": "sqlite://:memory:", "judge": "", "n_resamples": 2000}
    base.update(kw)
    return TuneOptions(**base)  # type: ignore[arg-type]


def test_tune_fixes_planted_regressions_and_holds_out() -> None:
    cfg = load_config(EXAMPLE / "switchover.toml")
    run = run_tune(cfg, _options(variants=load_variants(EXAMPLE / "tune-variants.toml")))
    r = run.result
    # a disjoint, complete split of the 394 distinct requests
    assert (r.n_dev, r.n_holdout) == (197, 197)
    assert not set(r.dev_case_ids) & set(r.holdout_case_ids)
    # the combined instruction wins; the parameter-only variant buys nothing
    assert r.winner == "bare-json-exact-args"
    assert r.variants[0].name == "bare-json-exact-args"
    assert not r.variant("cooler").eligible
    assert "+Return bare JSON with no code fences." in r.variant(r.winner).diff
    dev = {d.metric: d for d in r.variant(r.winner).deltas}
    assert dev["json_fence"].better
    assert dev["tool_calls_match"].better
    # the original candidate fences about a quarter of its JSON; the winner none
    assert dev["json_fence"].original_mean < 0.85
    assert dev["json_fence"].variant_mean == 1.0
    # held-out confirmation, with intervals clear of zero
    assert r.holdout is not None
    assert r.confirmed
    assert r.holdout.confirmed
    assert run.result.exit_code == 0
    held = {d.metric: d for d in r.holdout.deltas}
    assert set(r.holdout.targets) >= {"json_fence", "tool_calls_valid", "tool_calls_match"}
    assert held["json_fence"].ci_low > 0.15
    assert held["tool_calls_valid"].ci_low > 0.05
    assert held["tool_calls_match"].ci_low > 0.15
    assert held["json_fence"].variant_mean == 1.0
    assert not any(d.worse for d in r.holdout.deltas)
    # the held-out run is a separate engine run over only the held-out cases
    assert run.holdout_report is not None
    assert {c.case_id for c in run.holdout_report.cases} == set(r.holdout_case_ids)
    assert {c.case_id for c in run.dev_report.cases} == set(r.dev_case_ids)


def test_generated_variants_with_rewriting_prompt_shown() -> None:
    cfg = load_config(EXAMPLE / "switchover.toml")
    run = run_tune(cfg, _options(generate=2, generator="sim:gpt-4o-2024-08-06", sample=120, seed=3))
    r = run.result
    assert r.rewriting_prompt is not None
    assert "[switchover-rewrite]" in r.rewriting_prompt
    assert "<original_prompt>" in r.rewriting_prompt
    assert "- json_fence:" in r.rewriting_prompt
    generated = [v for v in r.variants if v.source == "generated"]
    assert len(generated) == 2
    assert r.winner is not None
    assert r.winner.startswith("gen-")
    assert r.confirmed


def test_no_winner_leaves_the_holdout_untouched() -> None:
    cfg = load_config(EXAMPLE / "switchover.toml")
    same = Variant(name="same-again", params={"temperature": 0.2})
    run = run_tune(cfg, _options(variants=[same], sample=60))
    r = run.result
    assert r.winner is None
    assert r.holdout is None
    assert run.holdout_report is None
    assert not r.confirmed
    assert r.exit_code == 1
    assert "no variant beat the original" in r.summary
    assert {v.name for v in r.variants} == {ORIGINAL, "same-again"}


def test_usage_errors() -> None:
    cfg = load_config(EXAMPLE / "switchover.toml")
    with pytest.raises(UsageError, match="nothing to tune"):
        run_tune(cfg, _options())
    with pytest.raises(UsageError, match="--generator"):
        run_tune(cfg, _options(generate=1, sample=20))
    with pytest.raises(UsageError, match="stratify"):
        run_tune(cfg, _options(variants=[Variant(name="x")], stratify_by="colour"))
    with pytest.raises(SwitchoverError, match="no migration named"):
        run_tune(cfg, _options(migration="nope", variants=[Variant(name="x")]))


def test_a_winner_that_does_not_hold_is_not_confirmed() -> None:
    """The held-out check is real: replay the confirmation against a held-out run in which
    the 'winner' is in fact the original prompt (a tuning artefact), and it fails."""
    from switchover.evaluate.engine import EvalOptions, run_evaluation
    from switchover.tune.run import _confirm, _summary

    cfg = load_config(EXAMPLE / "switchover.toml")
    run = run_tune(
        cfg, _options(variants=load_variants(EXAMPLE / "tune-variants.toml"), sample=120)
    )
    result = run.result
    assert result.winner == "bare-json-exact-args"
    fake = cfg.model_copy(deep=True)
    fake.path = cfg.path
    fake.migrations[0].eval.candidates = [
        {"model": "openai:gpt-6-luna", "label": ORIGINAL},
        {"model": "openai:gpt-6-luna", "label": result.winner, "params": {"seed": 11}},
    ]
    held = run_evaluation(
        fake,
        EvalOptions(store_url="sqlite://:memory:", judge="", sample=120, seed=5, n_resamples=2000),
    )
    check = _confirm(result, held, 2000, 0)
    assert not check.confirmed
    assert any("did not hold" in r for r in check.reasons)
    result.holdout = check
    assert "did not hold" in _summary(result)


def test_rerun_resumes_from_the_store() -> None:
    from switchover.store import open_store

    cfg = load_config(EXAMPLE / "switchover.toml")
    store = open_store("sqlite://:memory:")
    try:
        opts = _options(
            variants=load_variants(EXAMPLE / "tune-variants.toml"), sample=60, store=store
        )
        first = run_tune(cfg, opts)
        second = run_tune(cfg, opts)
    finally:
        store.close()
    assert first.result.dev_run_id == second.result.dev_run_id
    assert first.result.dev_run_id.startswith("tune-")
    assert any("resumed run" in w for w in second.dev_report.warnings)
    assert second.result.winner == first.result.winner
    assert [v.rank for v in second.result.variants] == [v.rank for v in first.result.variants]
