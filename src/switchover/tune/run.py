"""``switchover tune``: run prompt / parameter variants through the evaluation engine on a
development split, pick the best by the plan's metrics, confirm it on a held-out split.

Library entry point::

    result = run_tune(load_config(), TuneOptions(variants=load_variants("variants.toml")))
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from switchover import _aio
from switchover.config import Config, Migration
from switchover.errors import UsageError
from switchover.evaluate.engine import (
    EvalOptions,
    EvalPlan,
    _make_provider,
    _upstream_for,
    execute,
    plan_evaluation,
)
from switchover.evaluate.results import Case, EvalReport
from switchover.evaluate.runner import Progress
from switchover.modelref import parse_model_ref
from switchover.project.evalinfo import TUNE_RUN_PREFIX
from switchover.providers.base import Provider
from switchover.store import Store, open_store
from switchover.tune.compare import deltas, gated, rank_key
from switchover.tune.generate import generate_variants, rewriting_request
from switchover.tune.result import HoldoutResult, TuneResult, VariantResult
from switchover.tune.split import split_cases
from switchover.tune.variants import ORIGINAL, Variant, prompt_diff

__all__ = ["TuneOptions", "TuneRun", "check_tune_inputs", "run_tune", "run_tune_async"]


@dataclass
class TuneOptions:
    migration: str | None = None
    datasets: list[str] = field(default_factory=list)  # default: the migration's eval.datasets
    variants: list[Variant] = field(default_factory=list)
    generate: int = 0  # variants to ask the generator for
    generator: str | None = None  # model ref, e.g. "openai:gpt-5" or "sim:gpt-4o"
    dev_fraction: float = 0.5
    seed: int | None = None
    sample: int | None = None
    stratify_by: str | None = None  # default: the plan's, else "tag"
    judge: str | None = None
    store_url: str | None = None
    store: Store | None = None  # an open store (the caller closes it)
    n_resamples: int = 4000
    providers: dict[str, Provider] = field(default_factory=dict)  # upstream name -> provider
    on_progress: Callable[[str, Progress], None] | None = None  # (phase, progress)


@dataclass
class TuneRun:
    """The result plus the engine's reports (for HTML output)."""

    result: TuneResult
    dev_report: EvalReport
    holdout_report: EvalReport | None


def _config_with(
    cfg: Config, mig: Migration, variants: Sequence[Variant], base: str | None
) -> Config:
    out = cfg.model_copy(deep=True)
    out.path = cfg.path
    m = out.migration(mig.name)
    m.eval.candidates = [
        {
            "model": mig.to,
            "label": v.name,
            "system_prompt": v.prompt(base),
            "params": dict(v.params),
        }
        for v in variants
    ]
    return out


def _common_prompt(cases: Sequence[Case]) -> str | None:
    prompts = {c.request.system_text for c in cases}
    return prompts.pop() if len(prompts) == 1 else None


def _eval_options(
    opts: TuneOptions, mig: Migration, phase: str, run_id: str | None = None
) -> EvalOptions:
    cb = opts.on_progress
    return EvalOptions(
        migration=mig.name,
        datasets=list(opts.datasets),
        sample=opts.sample,
        seed=opts.seed,
        stratify_by=opts.stratify_by,
        judge=opts.judge,
        store_url=opts.store_url,
        store=opts.store,
        run_id=run_id,
        n_resamples=opts.n_resamples,
        providers=opts.providers,
        on_progress=(lambda p: cb(phase, p)) if cb is not None else None,
    )


def _run_id(bits: Any) -> str:
    return (
        TUNE_RUN_PREFIX + hashlib.sha256(json.dumps(bits, sort_keys=True).encode()).hexdigest()[:16]
    )


async def _evaluate(
    cfg: Config,
    mig: Migration,
    opts: TuneOptions,
    variants: Sequence[Variant],
    base: str | None,
    cases: Sequence[Case],
    phase: str,
) -> EvalReport:
    ids = [c.id for c in cases]
    plan: EvalPlan = plan_evaluation(
        _config_with(cfg, mig, variants, base), _eval_options(opts, mig, phase)
    )
    # the engine's run id covers the dataset, arms, checks and judge; add the split, so a
    # re-run resumes this very run and nothing else
    plan.run_id = _run_id([plan.run_id, phase, ids])
    wanted = set(ids)
    plan.cases = [c for c in plan.cases if c.id in wanted]
    return await execute(plan)


async def _all_cases(cfg: Config, mig: Migration, opts: TuneOptions) -> list[Case]:
    """The plan's (sampled) cases, read through the engine's own planning."""
    probe_store = open_store("sqlite://:memory:")
    try:
        options = _eval_options(opts, mig, "probe", "tune-probe")
        options.store = probe_store
        plan = plan_evaluation(_config_with(cfg, mig, [], None), options)
        await plan.aclose()
        return list(plan.cases)
    finally:
        probe_store.close()


async def _generate(
    cfg: Config, mig: Migration, opts: TuneOptions, base: str, report: EvalReport
) -> tuple[list[Variant], str]:
    if not opts.generator:
        raise UsageError(
            "--generate needs --generator MODEL", hint="For example --generator sim:gpt-4o"
        )
    name, up = _upstream_for(cfg, opts.generator, None, prefer=mig.candidate_upstream)
    model = parse_model_ref(opts.generator).model
    req = rewriting_request(model, base, report, count=opts.generate)
    shown = "\n\n".join(f"[{m.role}]\n{m.text}" for m in req.messages)
    if name in opts.providers:
        return await generate_variants(opts.providers[name], req, count=opts.generate), shown
    provider = _make_provider(name, up, cfg)
    try:
        return await generate_variants(provider, req, count=opts.generate), shown
    finally:
        await provider.aclose()


def _variant_result(
    v: Variant, base: str | None, report: EvalReport, n_resamples: int, seed: int
) -> VariantResult:
    comp = next(c for c in report.comparisons if c.candidate == v.name)
    ds = (
        []
        if v.name == ORIGINAL
        else deltas(report, v.name, ORIGINAL, n_resamples=n_resamples, seed=seed)
    )
    return VariantResult(
        name=v.name,
        source=v.source,
        description=v.description,
        system_prompt=v.prompt(base),
        params=v.params,
        diff=prompt_diff(base, v.prompt(base), name=v.name),
        verdict=comp.verdict,
        rank=list(rank_key(comp)),
        metrics=gated(comp),
        deltas=ds,
    )


def _pick(results: list[VariantResult]) -> str | None:
    original = next(r for r in results if r.name == ORIGINAL)
    for r in results:
        if r.name != ORIGINAL:
            r.eligible = (
                r.rank < original.rank
                and any(d.better for d in r.deltas)
                and not any(d.worse for d in r.deltas)
            )
    order = {r.name: i for i, r in enumerate(results)}
    results.sort(key=lambda r: (r.rank, r.name != ORIGINAL, order[r.name]))
    best = next((r for r in results if r.eligible), None)
    return best.name if best is not None else None


def check_tune_inputs(cfg: Config, opts: TuneOptions) -> Migration:
    """The migration to tune; usage errors (no variants, no dataset) before any work."""
    mig = cfg.migration(opts.migration)
    if opts.generate < 0:
        raise UsageError("--generate must be 0 or more")
    if not opts.variants and not opts.generate:
        raise UsageError(
            "nothing to tune: no variants",
            hint="Pass --variants FILE.toml, or --generate N --generator MODEL.",
        )
    if not opts.datasets and not mig.eval.datasets:
        raise UsageError(
            f"no dataset to tune migration {mig.name!r} on",
            hint=f"Pass --dataset FILE (-d, repeatable) or set datasets under "
            f"[migrations.eval] of {mig.name!r} in switchover.toml.",
        )
    return mig


async def run_tune_async(cfg: Config, options: TuneOptions | None = None) -> TuneRun:
    opts = options or TuneOptions()
    mig = check_tune_inputs(cfg, opts)
    seed = mig.eval.seed if opts.seed is None else opts.seed
    stratify = opts.stratify_by or mig.eval.stratify_by or "tag"
    if stratify not in ("tag", "call_site"):
        raise UsageError(f"--stratify-by must be 'tag' or 'call_site', not {stratify!r}")
    cases = await _all_cases(cfg, mig, opts)
    dev, held = split_cases(
        cases, opts.dev_fraction, stratify_by="tag" if stratify == "tag" else "call_site", seed=seed
    )
    base = mig.system_prompt if mig.system_prompt is not None else _common_prompt(cases)
    warnings: list[str] = []
    if base is None and any(v.append is not None for v in opts.variants):
        raise UsageError(
            "the cases have different system prompts, so an 'append' variant is ambiguous",
            hint="Set system_prompt on the migration, or give variants a full system_prompt.",
        )
    original = Variant(name=ORIGINAL, source="original", description="the migration as planned")
    variants = [original, *opts.variants]
    report = await _evaluate(cfg, mig, opts, variants, base, dev, "dev")
    generator_prompt = None
    if opts.generate:
        generated, generator_prompt = await _generate(cfg, mig, opts, base or "", report)
        taken = {v.name for v in variants}
        variants += [v for v in generated if v.name not in taken]
        report = await _evaluate(cfg, mig, opts, variants, base, dev, "dev")
    results = [_variant_result(v, base, report, opts.n_resamples, seed) for v in variants]
    winner = _pick(results)
    result = TuneResult(
        migration=mig.name,
        baseline_model=report.meta.baseline_model,
        candidate_model=report.meta.candidates.get(ORIGINAL, mig.to),
        seed=seed,
        dev_fraction=opts.dev_fraction,
        stratify_by=stratify,
        n_dev=len(dev),
        n_holdout=len(held),
        dev_case_ids=[c.id for c in dev],
        holdout_case_ids=[c.id for c in held],
        dev_run_id=report.meta.run_id,
        original_prompt=base,
        generator=opts.generator if opts.generate else None,
        rewriting_prompt=generator_prompt,
        variants=results,
        winner=winner,
        warnings=[*warnings, *report.warnings],
    )
    holdout_report = None
    if winner is None:
        result.summary = (
            f"no variant beat the original on the development split ({len(dev)} cases); "
            "the held-out split was not used"
        )
        return TuneRun(result, report, None)
    chosen = next(v for v in variants if v.name == winner)
    holdout_report = await _evaluate(cfg, mig, opts, [original, chosen], base, held, "holdout")
    result.holdout = _confirm(result, holdout_report, opts.n_resamples, seed)
    result.confirmed = result.holdout.confirmed
    result.summary = _summary(result)
    return TuneRun(result, report, holdout_report)


def _confirm(result: TuneResult, report: EvalReport, n_resamples: int, seed: int) -> HoldoutResult:
    assert result.winner is not None
    win = result.variant(result.winner)
    targets = [d.metric for d in win.deltas if d.better]
    comps = {c.candidate: c for c in report.comparisons}
    held = deltas(
        report,
        win.name,
        ORIGINAL,
        metrics=gated(comps[win.name]),
        n_resamples=n_resamples,
        seed=seed,
    )
    by_metric = {d.metric: d for d in held}
    reasons: list[str] = []
    for t in targets:
        d = by_metric.get(t)
        if d is None:
            reasons.append(f"{t}: no data on the held-out split")
        elif not d.better:
            reasons.append(
                f"{t}: the improvement did not hold (interval {d.ci_low:+.3f} to {d.ci_high:+.3f})"
            )
    for d in held:
        if d.worse:
            reasons.append(f"{d.metric}: worse than the original on the held-out split")
    return HoldoutResult(
        run_id=report.meta.run_id,
        n_cases=report.meta.n_cases,
        winner_verdict=comps[win.name].verdict,
        original_verdict=comps[ORIGINAL].verdict,
        targets=targets,
        deltas=held,
        confirmed=not reasons and bool(targets),
        reasons=reasons,
    )


def _summary(result: TuneResult) -> str:
    h = result.holdout
    assert h is not None
    assert result.winner is not None
    if h.confirmed:
        return (
            f"{result.winner} improves {', '.join(h.targets)} over the original and the "
            f"improvement holds on the held-out split ({h.n_cases} cases)"
        )
    return f"{result.winner} won on the development split but did not hold: " + "; ".join(h.reasons)


def run_tune(cfg: Config, options: TuneOptions | None = None) -> TuneRun:
    """Blocking wrapper of :func:`run_tune_async` (not from inside an event loop)."""
    return _aio.run(run_tune_async(cfg, options))
