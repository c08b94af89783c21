"""The evaluation engine: from a migration plan and datasets to an :class:`EvalReport`.

Library entry point shared by ``switchover eval``, ``switchover tune`` and the dashboard::

    from switchover.config import load_config
    from switchover.evaluate.engine import EvalOptions, run_evaluation

    cfg = load_config("switchover.toml")
    report = run_evaluation(cfg, EvalOptions(sample=200))        # sync wrapper
    report = await run_evaluation_async(cfg, EvalOptions(...))   # inside an event loop

Two steps when the caller wants to show the estimate first: ``plan = plan_evaluation(cfg,
options)`` (reads datasets, samples, builds the arms, estimates cost; no calls) then
``await execute(plan)``.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from switchover import _aio
from switchover._version import __version__
from switchover.chat import ChatResponse, Usage
from switchover.config import Config, Migration, UpstreamSettings, serving_platform
from switchover.errors import ConfigError, UsageError
from switchover.evaluate.analysis import SequentialMonitor, build_report, compare, judge_spec
from switchover.evaluate.cache import (
    Pricer,
    ResponseCache,
    estimate_call,
    estimate_input_tokens,
)
from switchover.evaluate.checks import DEFAULT_CHECKS, Check, resolve_checks
from switchover.evaluate.datasets import Dataset, load_datasets
from switchover.evaluate.embedding import (
    MAX_CHARS,
    ProviderEmbedder,
    SemanticSimilarity,
    answer_text,
    build_similarity,
    embedding_tokens,
)
from switchover.evaluate.judge import DEFAULT_RUBRIC, Judge, Rubric, judge_family_warnings
from switchover.evaluate.ratelimit import RateLimiter
from switchover.evaluate.results import Assertion, Case, EvalReport, MetricSpec, RunMeta
from switchover.evaluate.runner import BASELINE, Arm, Progress, Runner, RunStats, relaxed_gc
from switchover.evaluate.sampling import sample_cases
from switchover.evaluate.verdict import with_overrides
from switchover.modelref import parse_model_ref
from switchover.providers.base import Provider, ProviderSettings, create_provider
from switchover.store import Store, open_store

__all__ = [
    "CHECK_ALIASES",
    "CandidateSpec",
    "CostEstimate",
    "EvalOptions",
    "EvalPlan",
    "execute",
    "make_provider",
    "plan_evaluation",
    "run_evaluation",
    "run_evaluation_async",
    "upstream_for",
    "write_reports",
]

#: group names accepted in ``eval.checks`` besides the check names themselves
CHECK_ALIASES: dict[str, tuple[str, ...]] = {
    "tool_calls": ("tool_calls_valid", "tool_calls_match"),
    "json": ("json_valid", "json_schema", "json_fence"),
    "markdown": ("markdown_drift",),
    "usage": ("latency_s", "ttft_s", "cost_usd", "output_tokens", "input_tokens"),
}
_ALWAYS = ("ok", "latency_s", "ttft_s", "cost_usd", "output_tokens", "input_tokens")


class CandidateSpec(BaseModel):
    """One entry of ``eval.candidates`` in switchover.toml."""

    model_config = ConfigDict(extra="forbid")

    model: str
    label: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
    upstream: str | None = None
    system_prompt: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


@dataclass
class EvalOptions:
    """Overrides of the migration's ``eval`` settings (the CLI flags)."""

    migration: str | None = None
    datasets: list[str] = field(default_factory=list)
    baseline: str | None = None
    candidates: list[str] = field(default_factory=list)
    sample: int | None = None
    stratify_by: str | None = None
    repeats: int | None = None
    seed: int | None = None
    max_cost_usd: float | None = None
    replay_baseline: str | None = None
    replay_candidate: str | None = None
    store_url: str | None = None
    store: Store | None = None  # an open store (the caller closes it)
    template: str | None = None
    checks: list[str] | None = None
    judge: str | None = None
    embeddings: str | None = None  # semantic_similarity's embedding model ("" turns it off)
    resume: bool = True
    fresh: bool = False
    run_id: str | None = None
    cache: bool = True
    n_resamples: int = 10_000
    workers: int | None = None
    providers: dict[str, Provider] = field(default_factory=dict)  # upstream name -> provider
    time_window_s: float = 60.0  # the "minute" of rate limits (benchmarks scale it)
    sequential: bool = False  # stop once every candidate's decision is clear (anytime-valid)
    on_progress: Callable[[Progress], None] | None = None


@dataclass
class CostEstimate:
    """What the live calls should cost. ``cost_usd`` and ``max_cost_usd`` include the
    embedding calls of ``semantic_similarity`` (``embedding_*``: the answers to embed, their
    input tokens and their cost; ``embedding_cost_usd`` is ``None`` when the embedding model
    has no catalog price, 0 for the offline backend)."""

    calls: int
    cached_or_replayed: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    max_cost_usd: float
    unpriced_models: list[str] = field(default_factory=list)
    embedding_model: str | None = None
    embedding_texts: int = 0
    embedding_input_tokens: int = 0
    embedding_cost_usd: float | None = 0.0


@dataclass
class EvalPlan:
    migration: Migration
    dataset: Dataset
    cases: list[Case]
    arms: list[Arm]
    checks: list[Check]
    specs: list[MetricSpec]
    repeats: int
    seed: int
    alpha: float
    run_id: str
    estimate: CostEstimate
    max_cost_usd: float | None
    store: Store | None
    owns_store: bool
    judge: Judge | None
    judge_model: str | None
    warnings: list[str]
    options: EvalOptions
    providers: list[Provider] = field(default_factory=list)  # created here, closed by execute
    stats: RunStats | None = None  # filled by execute
    similarity: SemanticSimilarity | None = None  # the optional semantic_similarity metric
    #: upstreams whose credentials are missing (their live calls will fail), shown before
    #: the run and kept among the report's warnings
    credential_warnings: list[str] = field(default_factory=list)

    async def aclose(self) -> None:
        for p in self.providers:
            await p.aclose()
        self.providers.clear()
        if self.owns_store and self.store is not None:
            self.store.close()
            self.store = None


def _bare(model: str) -> str:
    return parse_model_ref(model).model


def _where(cfg: Config) -> str | None:
    return str(cfg.path) if cfg.path else None


def _upstream_for(
    cfg: Config,
    model: str,
    explicit: str | None,
    prefer: str | None = None,
    setting: str | None = None,
) -> tuple[str, UpstreamSettings]:
    """The upstream serving ``model``: ``explicit``, else one named like the model ref's
    provider, else the only one of that provider (``prefer`` breaks ties), else the only
    upstream; a ``sim:`` model with no sim upstream gets a default in-process simulator.
    ``setting``: where a judge's or embedding model was named, for the error."""
    if explicit is not None:
        if explicit not in cfg.upstreams:
            raise ConfigError(
                f"no upstream named {explicit!r}",
                path=_where(cfg),
                hint="Known: " + (", ".join(cfg.upstreams) or "none"),
            )
        return explicit, cfg.upstreams[explicit]
    ref = parse_model_ref(model)
    if ref.provider in cfg.upstreams:
        return ref.provider, cfg.upstreams[ref.provider]
    matches = [n for n, u in cfg.upstreams.items() if u.provider == ref.provider]
    if prefer in matches:
        assert prefer is not None
        return prefer, cfg.upstreams[prefer]
    if matches:
        return matches[0], cfg.upstreams[matches[0]]
    if len(cfg.upstreams) == 1:
        name = next(iter(cfg.upstreams))
        return name, cfg.upstreams[name]
    if ref.provider == "sim":
        return "sim", UpstreamSettings(provider="sim")
    if setting is not None:
        p = ref.provider or "NAME"
        raise ConfigError(
            f"no upstream for {model} ({setting})",
            path=_where(cfg),
            hint=f'Add [upstreams.{p}] with provider = "{p}" to switchover.toml, or name a '
            "model of a configured upstream (" + (", ".join(cfg.upstreams) or "none") + ").",
        )
    raise ConfigError(
        f"no upstream for {model}",
        path=_where(cfg),
        hint="Add [upstreams.NAME] to switchover.toml and set baseline_upstream / "
        "candidate_upstream on the migration.",
    )


def _make_provider(name: str, up: UpstreamSettings, cfg: Config) -> Provider:
    opts = up.provider_options(cfg.path.parent if cfg.path else Path.cwd())
    settings = ProviderSettings(
        base_url=up.base_url,
        api_key_env=up.api_key_env,
        timeout_s=up.timeout_s,
        max_retries=up.max_retries,
        max_concurrency=up.max_concurrency,
        options=opts,
    )
    return create_provider(up.provider, settings)


def _upstream_key(name: str, up: UpstreamSettings) -> str:
    return json.dumps([name, up.provider, up.base_url, up.options], sort_keys=True, default=str)


def _resolve_checks(mig: Migration, options: EvalOptions) -> list[Check]:
    names: Sequence[str]
    if options.checks is not None:
        names = options.checks
    elif "checks" in mig.eval.model_fields_set:
        names = mig.eval.checks
    else:
        names = DEFAULT_CHECKS
    expanded: list[str] = list(_ALWAYS[:1])
    for n in names:
        expanded.extend(CHECK_ALIASES.get(n, (n,)))
    expanded.extend(_ALWAYS[1:])
    if any(a.get("type") for a in mig.eval.assertions) and "assertions" not in expanded:
        expanded.append("assertions")
    return resolve_checks(expanded)


def _candidate_specs(cfg: Config, mig: Migration, options: EvalOptions) -> list[CandidateSpec]:
    if options.candidates:
        if len(options.candidates) == 1:
            return [
                CandidateSpec(
                    model=options.candidates[0], label="candidate", system_prompt=mig.system_prompt
                )
            ]
        return [
            CandidateSpec(model=m, label=_bare(m).replace("/", "-")) for m in options.candidates
        ]
    specs: list[CandidateSpec] = []
    for i, raw in enumerate(mig.eval.candidates):
        try:
            specs.append(CandidateSpec.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ConfigError(
                err["msg"],
                path=_where(cfg),
                field=f"migrations.{mig.name}.eval.candidates[{i}].{loc}",
            ) from None
    if not specs:
        specs = [CandidateSpec(model=mig.to, label="candidate", system_prompt=mig.system_prompt)]
    labels = [s.label or _bare(s.model) for s in specs]
    if len(set(labels)) != len(labels):
        raise ConfigError(
            "candidate labels must be unique",
            path=_where(cfg),
            hint="Give each candidate its own label.",
        )
    return [s.model_copy(update={"label": lbl}) for s, lbl in zip(specs, labels, strict=True)]


def _replay_map(path: str, default_model: str) -> dict[str, ChatResponse]:
    ds = load_datasets([path], default_model=default_model, duplicates="keep")
    out: dict[str, ChatResponse] = {}
    for c in ds.cases:
        resp = c.baseline_response or next(iter(c.recorded.values()), None)
        if resp is not None:
            out[c.id] = resp
    if not out:
        raise UsageError(
            f"{path}: no recorded responses to replay",
            hint="Rows need a 'response' (or a capture with response bodies).",
        )
    return out


def _limiter(up: UpstreamSettings, window_s: float) -> RateLimiter | None:
    if up.requests_per_minute is None and up.tokens_per_minute is None:
        return None
    return RateLimiter(up.requests_per_minute, up.tokens_per_minute, window_s=window_s)


def _run_id(plan_bits: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(plan_bits, sort_keys=True, default=str).encode())
    return "eval-" + digest.hexdigest()[:16]


_EMBED_CAP = MAX_CHARS // 4  # tokens of the longest text sent for embedding


def _estimate(
    cases: Sequence[Case],
    arms: Sequence[Arm],
    repeats: int,
    judge_model: str | None,
    similarity: SemanticSimilarity | None = None,
) -> CostEstimate:
    """Calls, tokens and catalog cost of the live calls (recordings cost nothing), and of
    embedding the answers for ``semantic_similarity`` through an API: every answer of every
    arm (expected output tokens of a live call, the text of a recorded one) plus a case's
    recorded answer next to a live baseline, at the embedding model's input price."""
    est = CostEstimate(0, 0, 0, 0, 0.0, 0.0)
    unpriced: set[str] = set()
    pricer = Pricer()
    judge = _bare(judge_model) if judge_model else None
    embedder = similarity.embedder if similarity is not None else None
    embed = isinstance(embedder, ProviderEmbedder)
    emb_tokens = emb_max = 0
    for case in cases:
        inp: int | None = None  # every arm is estimated on the case's own request
        for arm in arms:
            if arm.replay is not None:
                recorded = arm.replay.get(case.id)
            elif arm.label == BASELINE:
                recorded = case.baseline_response
            else:
                recorded = case.recorded.get(arm.label)
            if recorded is not None or arm.provider is None:
                est.cached_or_replayed += recorded is not None
                if embed and recorded is not None:
                    n = embedding_tokens(answer_text(recorded))
                    est.embedding_texts += 1
                    emb_tokens, emb_max = emb_tokens + n, emb_max + n
                continue
            if inp is None:
                inp = estimate_input_tokens(case.request)
            e = estimate_call(
                case.request,
                arm.model,
                recorded=case.baseline_response,
                pricer=pricer,
                input_tokens=inp,
            )
            est.calls += repeats
            est.input_tokens += e.input_tokens * repeats
            est.output_tokens += e.output_tokens * repeats
            if embed:
                est.embedding_texts += repeats
                emb_tokens += min(e.output_tokens, _EMBED_CAP) * repeats
                emb_max += min(e.output_cap, _EMBED_CAP) * repeats
                if arm.label == BASELINE and case.baseline_response is not None:
                    # a live baseline is also compared with the case's recorded answer
                    n = embedding_tokens(answer_text(case.baseline_response))
                    est.embedding_texts += 1
                    emb_tokens, emb_max = emb_tokens + n, emb_max + n
            if e.cost_usd is None:
                unpriced.add(arm.model)
            else:
                est.cost_usd += e.cost_usd * repeats
                est.max_cost_usd += (e.max_cost_usd or e.cost_usd) * repeats
        if judge is not None:
            # two orders per candidate and repeat; the prompt holds both answers
            n = 2 * repeats * (len(arms) - 1)
            e = estimate_call(case.request, judge, pricer=pricer, input_tokens=inp)
            prompt = e.input_tokens + 2 * e.output_tokens + 300
            est.calls += n
            est.input_tokens += prompt * n
            est.output_tokens += 60 * n
            c = pricer.cost(judge, Usage(input_tokens=prompt, output_tokens=60))
            if c is None:
                unpriced.add(judge_model or judge)
            else:
                est.cost_usd += c * n
                est.max_cost_usd += c * n
    if embedder is not None:
        est.embedding_model = embedder.label
    if isinstance(embedder, ProviderEmbedder):
        est.embedding_input_tokens = emb_tokens
        c = pricer.cost(embedder.label, Usage(input_tokens=emb_tokens))
        worst = pricer.cost(embedder.label, Usage(input_tokens=emb_max))
        est.embedding_cost_usd = c
        if c is None or worst is None:
            unpriced.add(embedder.label)
        else:
            est.cost_usd += c
            est.max_cost_usd += worst
    est.unpriced_models = sorted(unpriced)
    return est


def plan_evaluation(cfg: Config, options: EvalOptions | None = None) -> EvalPlan:
    """Read the datasets, sample, build the arms and estimate the cost. No model calls.
    The plan owns the providers (and the store when it opened it): ``execute`` closes them,
    or call ``await plan.aclose()``."""
    options = options or EvalOptions()
    mig = cfg.migration(options.migration)
    ev = mig.eval
    repeats = options.repeats or ev.repeats
    seed = ev.seed if options.seed is None else options.seed
    if repeats < 1:
        raise UsageError("--repeats must be at least 1")
    baseline_ref = options.baseline or mig.from_
    base_dir = cfg.path.parent if cfg.path else Path.cwd()
    paths = options.datasets or [
        str(p if Path(p).is_absolute() else base_dir / p) for p in ev.datasets
    ]
    with relaxed_gc():
        dataset = load_datasets(paths, default_model=_bare(baseline_ref), template=options.template)
    if ev.assertions:
        extra = [Assertion.model_validate(a) for a in ev.assertions]
        dataset.cases = [
            c.model_copy(update={"assertions": [*c.assertions, *extra]}) for c in dataset.cases
        ]
    stratify = options.stratify_by or ev.stratify_by
    if stratify not in (None, "tag", "call_site"):
        raise UsageError(f"--stratify-by must be 'tag' or 'call_site', not {stratify!r}")
    cases = sample_cases(
        dataset.cases,
        options.sample or ev.sample,
        stratify_by="tag" if stratify == "tag" else "call_site" if stratify else None,
        seed=seed,
    )

    providers: list[Provider] = []
    made: dict[str, Provider] = {}

    def provider_for(name: str, up: UpstreamSettings) -> Provider:
        if name in options.providers:
            return options.providers[name]
        if name not in made:
            made[name] = _make_provider(name, up, cfg)
            providers.append(made[name])
        return made[name]

    limiters: dict[str, RateLimiter | None] = {}

    def limiter_for(name: str, up: UpstreamSettings, model: str) -> RateLimiter | None:
        key = f"{name}\0{model}"
        if key not in limiters:
            limiters[key] = _limiter(up, options.time_window_s)
        return limiters[key]

    arms: list[Arm] = []
    try:
        b_name, b_up = _upstream_for(cfg, baseline_ref, mig.baseline_upstream)
        b_model = _bare(baseline_ref)
        replay_b = (
            _replay_map(options.replay_baseline, b_model) if options.replay_baseline else None
        )
        arms.append(
            Arm(
                label=BASELINE,
                model=b_model,
                provider=None if replay_b is not None else provider_for(b_name, b_up),
                upstream=_upstream_key(b_name, b_up),
                replay=replay_b,
                adapt=False,
                limiter=limiter_for(b_name, b_up, b_model),
                max_concurrency=b_up.max_concurrency,
            )
        )
        specs = _candidate_specs(cfg, mig, options)
        if options.replay_candidate and len(specs) > 1:
            raise UsageError("--replay-candidate needs exactly one candidate")
        for spec in specs:
            c_name, c_up = _upstream_for(cfg, spec.model, spec.upstream or mig.candidate_upstream)
            model = _bare(spec.model)
            replay_c = (
                _replay_map(options.replay_candidate, model) if options.replay_candidate else None
            )
            arms.append(
                Arm(
                    label=spec.label or model,
                    model=model,
                    provider=None if replay_c is not None else provider_for(c_name, c_up),
                    upstream=_upstream_key(c_name, c_up),
                    system_prompt=spec.system_prompt,
                    params=spec.params,
                    replay=replay_c,
                    policy=mig.adaptation,
                    platform=serving_platform(parse_model_ref(spec.model), c_up, mig.platform),
                    limiter=limiter_for(c_name, c_up, model),
                    max_concurrency=c_up.max_concurrency,
                )
            )
        judge_model = options.judge if options.judge is not None else ev.judge
        judge = None
        if judge_model:
            j_name, j_up = _upstream_for(
                cfg, judge_model, None, mig.candidate_upstream, "eval.judge / --judge"
            )
            rubric = Rubric(criteria=DEFAULT_RUBRIC.criteria, instructions=ev.rubric or "")
            judge = Judge(provider_for(j_name, j_up), _bare(judge_model), rubric)
        embeddings = options.embeddings if options.embeddings is not None else ev.embeddings
        similarity = None
        if embeddings:

            def embedding_upstream(ref: str) -> tuple[str, Provider]:
                e_name, e_up = _upstream_for(
                    cfg, ref, None, mig.candidate_upstream, "eval.embeddings / --embeddings"
                )
                return _upstream_key(e_name, e_up), provider_for(e_name, e_up)

            similarity = build_similarity(embeddings, embedding_upstream)
    except BaseException:
        for p in providers:
            _close_soon(p)
        raise

    checks = _resolve_checks(mig, options)
    metric_specs = [c.spec() for c in checks]
    if judge is not None:
        metric_specs.append(judge_spec())
    if similarity is not None:
        metric_specs.append(similarity.spec())
    metric_specs = with_overrides(metric_specs, margins=ev.margins, gates=ev.gates)
    warnings = list(dataset.warnings)
    if judge_model:
        warnings += judge_family_warnings(judge_model, {a.label: a.model for a in arms[1:]})
    if similarity is not None:
        warnings += similarity.plan_warnings(
            repeats=repeats,
            baseline_replayed=arms[0].replay is not None,
            recorded=sum(c.baseline_response is not None for c in cases),
        )
    credentials = [
        f"upstream {name!r} ({p.name}): {p.missing_credentials} is not set; its calls will "
        "fail (answers already cached or recorded are still used)"
        for name, p in made.items()
        if p.missing_credentials
    ]
    warnings += credentials
    if any(isinstance(a.provider, Provider) and a.provider.name == "sim" for a in arms):
        warnings.append(
            "simulated upstreams: answers come from switchover's simulator, not a model"
        )
    run_id = options.run_id or _run_id(
        {
            "migration": mig.name,
            "dataset": dataset.fingerprint(),
            "cases": [c.id for c in cases],
            "arms": [
                [
                    a.label,
                    a.model,
                    a.upstream,
                    a.system_prompt,
                    a.params,
                    a.policy,
                    sorted(a.replay) if a.replay is not None else None,
                ]
                for a in arms
            ],
            "repeats": repeats,
            "judge": judge_model,
            "checks": [c.name for c in checks],
            **({"embeddings": embeddings} if embeddings else {}),
        }
    )
    if options.fresh and not options.run_id:
        run_id += "-" + _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    store, owns = options.store, False
    if store is None:
        url = options.store_url or cfg.project.store
        if (
            url.startswith("sqlite:///")
            and not url.startswith("sqlite:////")
            and ":memory:" not in url
            and cfg.path is not None
        ):
            url = "sqlite:///" + str(cfg.path.parent / url[len("sqlite:///") :])
        store, owns = open_store(url), True
    estimate = _estimate(cases, arms, repeats, judge_model, similarity)
    return EvalPlan(
        migration=mig,
        dataset=dataset,
        cases=cases,
        arms=arms,
        checks=checks,
        specs=metric_specs,
        repeats=repeats,
        seed=seed,
        alpha=ev.alpha,
        run_id=run_id,
        estimate=estimate,
        max_cost_usd=options.max_cost_usd if options.max_cost_usd is not None else ev.max_cost_usd,
        store=store,
        owns_store=owns,
        judge=judge,
        judge_model=judge_model,
        warnings=warnings,
        options=options,
        providers=providers,
        similarity=similarity,
        credential_warnings=credentials,
    )


_PENDING: set[asyncio.Task[None]] = set()


def _close_soon(p: Provider) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(p.aclose())
    else:
        task = loop.create_task(p.aclose())
        _PENDING.add(task)
        task.add_done_callback(_PENDING.discard)


def _report(
    plan: EvalPlan,
    results: list[Any],
    stats: RunStats,
    started: float,
    monitors: dict[str, SequentialMonitor] | None = None,
) -> EvalReport:
    comparisons = [
        compare(
            results,
            plan.specs,
            candidate=a.label,
            candidate_model=a.model,
            alpha=plan.alpha,
            n_resamples=plan.options.n_resamples,
            seed=plan.seed,
            sequential=monitors[a.label].info if monitors else None,
        )
        for a in plan.arms[1:]
    ]
    warnings = list(plan.warnings)
    done = stats.resumed + stats.completed
    if stats.decided_early:
        warnings.append(
            f"sequential mode: stopped after {done} of {len(plan.cases)} cases, once every "
            "candidate's decision was clear (anytime-valid confidence sequences)"
        )
    if stats.budget_stopped:
        warnings.append(
            f"stopped at the cost limit of ${plan.max_cost_usd:.2f}: {done} of "
            f"{len(plan.cases)} cases done; re-run with a higher --max-cost to finish "
            "(finished cases are kept)"
        )
    if stats.resumed:
        warnings.append(f"resumed run {plan.run_id}: {stats.resumed} case(s) taken from the store")
    warnings += [f"adaptation: {w}" for w in stats.adaptation_warnings]
    n_calls = sum(len(r.baseline) + len(r.candidate_outputs) for r in results)
    seen_base: set[str] = set()
    cost = 0.0
    for r in results:
        if r.case_id not in seen_base:  # the baseline is shared by every candidate
            seen_base.add(r.case_id)
            cost += sum(o.cost_usd or 0.0 for o in r.baseline)
        cost += sum(o.cost_usd or 0.0 for o in r.candidate_outputs)
    cost += stats.judge_usd  # live judge calls (cached ones cost nothing)
    cost += stats.embedding_usd  # live embedding calls (cached or offline: nothing)
    meta = RunMeta(
        run_id=plan.run_id,
        created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        baseline_model=plan.arms[0].model,
        candidates={a.label: a.model for a in plan.arms[1:]},
        judge_model=plan.judge_model,
        dataset=plan.dataset.name,
        seed=plan.seed,
        repeats=plan.repeats,
        n_cases=done,
        n_calls=n_calls,
        n_cached=sum(o.cached for r in results for o in [*r.baseline, *r.candidate_outputs]),
        n_errors=sum(not o.ok for r in results for o in [*r.baseline, *r.candidate_outputs]),
        cost_usd=round(cost, 6),
        duration_s=round(time.perf_counter() - started, 3),
        alpha=plan.alpha,
        n_resamples=plan.options.n_resamples,
        sequential=monitors is not None,
        stopped_early=stats.budget_stopped or stats.decided_early,
        switchover_version=__version__,
    )
    return build_report(meta, comparisons, results, warnings=warnings)


async def execute(plan: EvalPlan) -> EvalReport:
    """Run the plan's calls (resuming a stored run with the same id) and build the report.
    Closes the plan's providers and the store it opened."""
    started = time.perf_counter()
    monitors = (
        {a.label: SequentialMonitor(plan.specs, alpha=plan.alpha) for a in plan.arms[1:]}
        if plan.options.sequential
        else None
    )
    runner = Runner(
        plan.arms,
        monitors=monitors,
        checks=plan.checks,
        repeats=plan.repeats,
        store=plan.store,
        run_id=plan.run_id,
        cache=ResponseCache(plan.store, enabled=plan.options.cache),
        judge=plan.judge,
        similarity=plan.similarity,
        max_cost_usd=plan.max_cost_usd,
        workers=plan.options.workers,
        on_progress=plan.options.on_progress,
    )
    try:
        if plan.store is not None:
            plan.store.run_put(
                plan.run_id,
                {
                    "migration": plan.migration.name,
                    "baseline": plan.arms[0].model,
                    "candidates": {a.label: a.model for a in plan.arms[1:]},
                    "n_cases": len(plan.cases),
                    "repeats": plan.repeats,
                    "dataset": plan.dataset.name,
                    "started": time.time(),
                },
            )
        with relaxed_gc():  # a large run's results would be re-scanned by every full GC
            results = await runner.run(plan.cases, resume=plan.options.resume)
            report = _report(plan, results, runner.stats, started, monitors)
        if plan.store is not None:
            prev = plan.store.run_get(plan.run_id) or {}
            plan.store.run_put(
                plan.run_id,
                {
                    **prev,
                    "finished": time.time(),
                    "verdict": report.verdict,
                    "complete": not runner.stats.budget_stopped,
                },
            )
        plan.stats = runner.stats
        return report
    finally:
        await plan.aclose()


async def run_evaluation_async(cfg: Config, options: EvalOptions | None = None) -> EvalReport:
    plan = plan_evaluation(cfg, options)
    return await execute(plan)


def run_evaluation(cfg: Config, options: EvalOptions | None = None) -> EvalReport:
    """Plan and run an evaluation (blocking; do not call from a running event loop)."""
    return _aio.run(run_evaluation_async(cfg, options))


REPORT_FORMATS: dict[str, str] = {"html": ".html", "md": ".md", "json": ".json", "junit": ".xml"}


def write_reports(
    report: EvalReport, out_dir: Path, formats: Sequence[str], stem: str
) -> list[Path]:
    """Render ``report`` in each format into ``out_dir/<stem>.<ext>``; returns the paths."""
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown:
        raise UsageError(
            f"unknown report format {unknown[0]!r}",
            hint="Use any of: " + ", ".join(REPORT_FORMATS),
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    # rendering (and importing the renderers) allocates enough to set off full collections,
    # each of which would re-scan every case of a large report
    with relaxed_gc():
        from switchover.report import render_html, render_junit, render_markdown
        from switchover.report.json import report_json_bytes

        renderers: dict[str, Callable[[EvalReport], str]] = {  # json: bytes, below
            "html": render_html,
            "md": render_markdown,
            "junit": render_junit,
        }
        for fmt in formats:
            path = out_dir / f"{stem}{REPORT_FORMATS[fmt]}"
            tmp = path.with_suffix(path.suffix + ".tmp")
            if fmt == "json":  # bytes straight from pydantic: no second copy of a large file
                tmp.write_bytes(report_json_bytes(report))
            else:
                tmp.write_text(renderers[fmt](report), encoding="utf-8")
            tmp.replace(path)
            paths.append(path)
    return paths


# Public names for other commands (``switchover tune`` builds its own arms with these).
upstream_for = _upstream_for
make_provider = _make_provider
