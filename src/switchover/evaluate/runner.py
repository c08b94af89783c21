"""The async runner: every (case, arm, repeat) call, paced, cached, resumable.

For each case, every arm (the baseline and each candidate) gets the case's request with
its overrides (system prompt, parameters), adapted to the arm's model with
:func:`switchover.adapt.adapt`; then each repeat is answered from, in order: a recorded
response (replay), the response cache, or a live call through the arm's provider, paced
by the arm's :class:`RateLimiter` and bounded by its concurrency. When all arms of a case
are done, the checks run and the case's results are queued for the store, which gets them
in batches (one transaction per ``write_batch`` cases or ``write_interval_s``, and whatever
is pending when the run ends or is interrupted), so a run killed at any moment resumes where
it stopped, losing at most the last batch (``resume=True`` skips stored cases).

Retries: providers already retry transient errors (with Retry-After). A rate-limit error
that still comes back after those retries pauses the arm's limiter for the Retry-After and
re-queues the call (up to ``rate_limit_retries`` times): a 429 never loses a case.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter

from switchover.adapt import adapt
from switchover.adapt.model import AdaptationError, Policy
from switchover.chat import ChatRequest, ChatResponse, Message
from switchover.errors import AuthError, ModelNotFoundError, ProviderError, RateLimitError, redact
from switchover.evaluate.analysis import SequentialMonitor
from switchover.evaluate.cache import (
    CACHE_VERSION,
    CachedProvider,
    Pricer,
    ResponseCache,
    adapt_key,
    cache_key,
    estimate_input_tokens,
)
from switchover.evaluate.checks import Check, check_case
from switchover.evaluate.embedding import (
    EmbeddingBudgetReached,
    ProviderEmbedder,
    SemanticSimilarity,
)
from switchover.evaluate.judge import Judge
from switchover.evaluate.ratelimit import RateLimiter
from switchover.evaluate.results import ArmOutput, Case, CaseResult, ErrorInfo
from switchover.providers.base import Provider
from switchover.store import Store

__all__ = ["Arm", "Progress", "RunStats", "Runner", "apply_overrides", "relaxed_gc"]

BASELINE = "baseline"


@dataclass
class Arm:
    """One side of the comparison: the baseline or a candidate."""

    label: str
    model: str
    provider: Provider | None = None  # None: every answer must come from a recording
    upstream: str = ""  # identifies the upstream in cache keys
    system_prompt: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    replay: dict[str, ChatResponse] | None = None  # recorded answers by case id
    policy: Policy = "lenient"
    target_api: str | None = None
    platform: str | None = None  # what the model is called on (platform-scoped rules)
    adapt: bool = True
    limiter: RateLimiter | None = None
    max_concurrency: int = 16

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.max_concurrency)


@dataclass
class Progress:
    done: int
    total: int
    calls: int
    cached: int
    errors: int
    spent_usd: float


@dataclass
class RunStats:
    calls: int = 0  # live provider calls
    cached: int = 0
    replayed: int = 0
    errors: int = 0
    spent_usd: float = 0.0
    resumed: int = 0  # cases taken from the store
    completed: int = 0  # cases finished in this run
    abandoned: int = 0  # cases not finished (budget)
    budget_stopped: bool = False
    decided_early: bool = False  # sequential mode: every candidate's decision became clear
    rate_limited: int = 0  # 429s that reached the runner
    judge_calls: int = 0  # live judge calls (cached ones are free)
    judge_usd: float = 0.0
    embedding_calls: int = 0  # live embedding calls (cached and offline ones are free)
    embedding_usd: float = 0.0
    adaptation_warnings: list[str] = field(default_factory=list)


def apply_overrides(
    request: ChatRequest, system_prompt: str | None, params: dict[str, Any]
) -> ChatRequest:
    """The request with a replaced system prompt and parameter overrides (``None`` unsets)."""
    if system_prompt is None and not params:
        return request
    update: dict[str, Any] = {}
    if system_prompt is not None:
        rest = [m for m in request.messages if m.role not in ("system", "developer")]
        update["messages"] = [Message.system(system_prompt), *rest]
    for k, v in params.items():
        if k not in ChatRequest.model_fields or k in ("model", "messages"):
            update.setdefault("extra", dict(request.extra))[k] = v
        else:
            update[k] = v
    data = request.model_dump()
    data.update(
        {k: (v if k != "messages" else [m.model_dump() for m in v]) for k, v in update.items()}
    )
    return ChatRequest.model_validate(data)


_Prepared = tuple[ChatRequest | None, list[dict[str, Any]], ErrorInfo | None]

#: under :func:`relaxed_gc`, a full collection every this many live calls (each takes up to
#: about a second at 10,000 cases, against minutes of calls), so memory held by cyclic garbage of
#: long live runs stays bounded; a cached re-run makes no live call and never pays it
GC_EVERY_CALLS = 10_000

_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """No full garbage collections while a large run builds its results.

    A run keeps every case's results (about 170 tracked objects per case and candidate), so
    each full collection scans them all again; CPython runs one whenever the survivors grew
    by a quarter, which cost more than half the CPU of a fully cached 10,000-case re-run.
    Young collections go on (short-lived cycles are still freed); the thresholds are put
    back when the outermost block ends, and the next full collection frees whatever older
    garbage waited."""
    global _gc_depth, _gc_saved
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(_gc_saved[0], _gc_saved[1], 1_000_000_000)
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)


class _StoredCase(BaseModel):
    """One case as the runner stores it: its results (one per candidate) and when."""

    results: list[CaseResult] = Field(default_factory=list)
    at: float | None = None


_RESULTS = TypeAdapter(list[CaseResult])


def _stored_json(results: list[CaseResult]) -> str:
    """A finished case as stored: ``{"results": [...], "at": time}``, encoded in one pass."""
    return f'{{"results":{_RESULTS.dump_json(results).decode()},"at":{time.time()!r}}}'


class Runner:
    """Runs the calls of an evaluation (see module docstring)."""

    def __init__(
        self,
        arms: Sequence[Arm],
        *,
        checks: Sequence[Check],
        repeats: int = 1,
        store: Store | None = None,
        run_id: str = "",
        cache: ResponseCache | None = None,
        judge: Judge | None = None,
        similarity: SemanticSimilarity | None = None,
        max_cost_usd: float | None = None,
        workers: int | None = None,
        rate_limit_retries: int = 8,
        on_progress: Callable[[Progress], None] | None = None,
        on_case: Callable[[list[CaseResult]], None] | None = None,
        monitors: dict[str, SequentialMonitor] | None = None,
        write_batch: int = 250,
        write_interval_s: float = 1.0,
        prefetch: int = 256,
    ) -> None:
        if not arms or arms[0].label != BASELINE:
            raise ValueError("the first arm must be the baseline")
        self.arms = list(arms)
        self.baseline = self.arms[0]
        self.candidates = self.arms[1:]
        self.checks = list(checks)
        self.repeats = repeats
        self.store = store
        self.run_id = run_id
        self.cache = cache or ResponseCache(store)
        self.judge = judge
        if judge is not None and not isinstance(judge.provider, CachedProvider):
            judge.provider = CachedProvider(judge.provider, self.cache, upstream="judge")
        self.similarity = similarity  # embeddings go through the same cache
        if similarity is not None:
            similarity.use_cache(self.cache)
            if isinstance(similarity.embedder, ProviderEmbedder):
                # no embedding call once the budget is spent (the case is left for later)
                similarity.embedder.may_spend = lambda: not self._over_budget()
        self.max_cost_usd = max_cost_usd
        self.workers = workers or max(4, max(a.max_concurrency for a in self.arms))
        self.rate_limit_retries = rate_limit_retries
        self.on_progress = on_progress
        self.on_case = on_case
        self.monitors = monitors  # sequential mode: one per candidate label
        self.stats = RunStats()
        self.pricer = Pricer()
        self._stop = False
        self._total = 0
        self.write_batch = max(1, write_batch)
        self.write_interval_s = write_interval_s
        self._pending: dict[str, str] = {}  # case id -> its stored JSON, not yet written
        self._flushed_at = time.monotonic()
        self.prefetch = max(1, prefetch)
        # filled by _prefetch for the cases about to run, taken (popped) when they do
        self._prepared: dict[tuple[int, str], _Prepared] = {}
        self._keys: dict[tuple[int, str, int], str] = {}
        self._canon: dict[int, tuple[ChatRequest, str]] = {}

    # -- one call ---------------------------------------------------------------------------
    @property
    def spent_usd(self) -> float:
        """Money spent on live calls so far, the judge's and the embeddings' included."""
        judge = self.judge.provider if self.judge is not None else None
        extra = judge.spent_usd if isinstance(judge, CachedProvider) else 0.0
        if self.similarity is not None:
            extra += self.similarity.embedder.spent_usd
        return self.stats.spent_usd + extra

    def _over_budget(self) -> bool:
        if self.max_cost_usd is not None and self.spent_usd >= self.max_cost_usd:
            self._stop = True
            self.stats.budget_stopped = True
        return self._stop

    async def _live(self, arm: Arm, request: ChatRequest) -> ChatResponse:
        assert arm.provider is not None
        est = estimate_input_tokens(request) + (request.max_output_tokens or 0) // 2
        attempt = 0
        while True:
            try:
                async with arm.semaphore:
                    if arm.limiter is not None:  # paced as late as possible: no bunching
                        await arm.limiter.acquire(est)
                    resp = await arm.provider.complete(request)
            except RateLimitError as exc:
                self.stats.rate_limited += 1
                if attempt >= self.rate_limit_retries:
                    raise
                attempt += 1
                wait = exc.retry_after if exc.retry_after is not None else min(2.0**attempt, 60)
                if arm.limiter is not None:
                    arm.limiter.pause(wait)
                else:
                    await asyncio.sleep(wait)
                continue
            if arm.limiter is not None:
                arm.limiter.settle(est, resp.usage.total_tokens)
            return resp

    async def _output(
        self, case: Case, arm: Arm, request: ChatRequest, repeat: int, changes: list[dict[str, Any]]
    ) -> ArmOutput | None:
        recorded = self._recorded(case, arm)
        if recorded is not None:
            self.stats.replayed += 1
            return self._make_output(arm, repeat, recorded, changes, cached=False, replayed=True)
        if arm.provider is None:
            return ArmOutput(
                arm=arm.label,
                model=arm.model,
                repeat=repeat,
                changes=changes,
                error=ErrorInfo(
                    type="MissingRecording",
                    message=f"no recorded {arm.label} response for case {case.id}",
                ),
            )
        key = self._keys.pop((id(case), arm.label, repeat), None) or cache_key(
            request, model=arm.model, upstream=arm.upstream, repeat=repeat
        )
        hit = self.cache.get(key)
        if hit is not None:
            self.stats.cached += 1
            return self._make_output(arm, repeat, hit, changes, cached=True, replayed=False)
        if self._over_budget():
            return None
        try:
            resp = await self._live(arm, request)
        except (AuthError, ModelNotFoundError):
            raise  # systematic: the whole run is wrong, not this case
        except ProviderError as exc:
            self.stats.calls += 1
            self.stats.errors += 1
            return ArmOutput(
                arm=arm.label,
                model=arm.model,
                repeat=repeat,
                changes=changes,
                error=ErrorInfo(
                    type=type(exc).__name__, message=redact(exc.message), status=exc.status
                ),
            )
        self.stats.calls += 1
        if self.stats.calls % GC_EVERY_CALLS == 0 and _gc_depth:
            gc.collect()  # a long live run under relaxed_gc frees its older garbage now and then
        self.cache.put(key, resp)
        out = self._make_output(arm, repeat, resp, changes, cached=False, replayed=False)
        self.stats.spent_usd += out.cost_usd or 0.0
        return out

    @staticmethod
    def _recorded(case: Case, arm: Arm) -> ChatResponse | None:
        if arm.replay is not None:
            return arm.replay.get(case.id)
        if arm.label == BASELINE:
            return case.baseline_response
        return case.recorded.get(arm.label)

    def _make_output(
        self,
        arm: Arm,
        repeat: int,
        resp: ChatResponse,
        changes: list[dict[str, Any]],
        *,
        cached: bool,
        replayed: bool,
    ) -> ArmOutput:
        model = resp.model or arm.model
        return ArmOutput(
            arm=arm.label,
            model=model,
            repeat=repeat,
            response=resp.model_copy(update={"raw": None}) if resp.raw is not None else resp,
            latency_s=resp.latency_s,
            ttft_s=resp.ttft_s,
            cost_usd=self.pricer.cost(arm.model, resp.usage),
            cached=cached,
            replayed=replayed,
            changes=changes,
        )

    # -- one case ---------------------------------------------------------------------------
    def _adapt_key(self, case: Case, arm: Arm) -> tuple[ChatRequest, str | None]:
        """The request with the arm's overrides, and the key of its cached adaptation
        (``None`` when the arm does not adapt)."""
        request = apply_overrides(case.request, arm.system_prompt, arm.params)
        if not arm.adapt:
            return request, None
        return request, adapt_key(
            request,
            target=arm.model,
            target_api=arm.target_api,
            policy=arm.policy,
            canonical=self._canonical(request),
            platform=arm.platform,
        )

    def _canonical(self, request: ChatRequest) -> str:
        """``request.canonical_json()``, computed once per request object of a prefetch
        batch (an arm without overrides sends the case's own request, which the adapting
        arm's key has already serialised)."""
        known = self._canon.get(id(request))
        if known is not None and known[0] is request:
            return known[1]
        text = request.canonical_json()
        self._canon[id(request)] = (request, text)
        return text

    def _prepare(
        self, case: Case, arm: Arm, keyed: tuple[ChatRequest, str | None] | None = None
    ) -> _Prepared:
        """The request this arm sends: overrides applied, adapted to the arm's model. An
        adaptation is cached in the store with the responses (it is pure, and the dearest
        step of a cached re-run)."""
        request, key = keyed or self._adapt_key(case, arm)
        if key is None:
            if request.model == arm.model:
                return request, [], None
            return request.model_copy(update={"model": arm.model}), [], None
        hit = self.cache.get_raw(key)
        if hit is not None and hit.get("v") == CACHE_VERSION:
            self._note_warnings(hit.get("warnings", []))
            return ChatRequest.model_validate(hit["request"]), list(hit["changes"]), None
        try:
            adapted = adapt(
                request,
                arm.model,
                target_api=arm.target_api,
                policy=arm.policy,
                platform=arm.platform,
            )
        except AdaptationError as exc:
            changes = [c.model_dump(mode="json") for c in exc.changes]
            return None, changes, ErrorInfo(type="AdaptationError", message=exc.message)
        changes = [c.model_dump(mode="json") for c in adapted.changes]
        self._note_warnings(adapted.warnings)
        self.cache.put_raw(
            key,
            {
                "v": CACHE_VERSION,
                "request": adapted.request.model_dump(mode="json", exclude_none=True),
                "changes": changes,
                "warnings": adapted.warnings,
            },
        )
        return adapted.request, changes, None

    def _note_warnings(self, warnings: list[str]) -> None:
        seen = self.stats.adaptation_warnings
        for w in warnings:
            if len(seen) < 20 and w not in seen:
                seen.append(w)

    def _prefetch(self, cases: Sequence[Case]) -> None:
        """Read the cached adaptations and answers of ``cases`` from the store in bulk (two
        round trips per batch instead of one per call); the requests and keys computed on
        the way are kept for the calls."""
        if self.cache.store is None:
            return
        self._canon.clear()
        keyed = [(c, a, self._adapt_key(c, a)) for c in cases for a in self.arms]
        self.cache.prefetch(k for _, _, (_, k) in keyed if k is not None)
        keys: list[str] = []
        for case, arm, ck in keyed:
            if ck[1] is not None and not self.cache.prefetched(ck[1]):
                continue  # adapted when the case runs (not all at once, between live calls)
            prepared = self._prepared[(id(case), arm.label)] = self._prepare(case, arm, ck)
            request = prepared[0]
            if request is None or arm.provider is None or self._recorded(case, arm) is not None:
                continue
            for r in range(self.repeats):
                key = cache_key(
                    request,
                    model=arm.model,
                    upstream=arm.upstream,
                    repeat=r,
                    canonical=self._canonical(request),
                )
                self._keys[(id(case), arm.label, r)] = key
                keys.append(key)
        self.cache.prefetch(keys)
        self._canon.clear()

    def _batches(self, cases: Sequence[Case]) -> Iterator[Case]:
        """The cases in order, each batch of ``prefetch`` prefetched as it comes up."""
        for i in range(0, len(cases), self.prefetch):
            batch = cases[i : i + self.prefetch]
            if not self._stop:
                self._prefetch(batch)
            yield from batch

    def _ready(self, case: Case, arm: Arm) -> bool:
        """Whether every output of this arm is prepared and comes from the prefetched cache
        or a recording (so producing them never waits)."""
        prepared = self._prepared.get((id(case), arm.label))
        if prepared is None:
            return False
        if prepared[0] is None or self._recorded(case, arm) is not None:
            return True
        keys = (self._keys.get((id(case), arm.label, r)) for r in range(self.repeats))
        return all(k is not None and self.cache.prefetched(k) for k in keys)

    async def _arm_outputs(self, case: Case, arm: Arm) -> list[ArmOutput] | None:
        prepared = self._prepared.pop((id(case), arm.label), None)
        request, changes, error = prepared or self._prepare(case, arm)
        if request is None:
            return [
                ArmOutput(arm=arm.label, model=arm.model, repeat=r, changes=changes, error=error)
                for r in range(self.repeats)
            ]
        recorded = self._recorded(case, arm)
        repeats = 1 if recorded is not None else self.repeats
        if repeats == 1:
            outs = [await self._output(case, arm, request, 0, changes)]
        else:
            outs = await asyncio.gather(
                *(self._output(case, arm, request, r, changes) for r in range(repeats))
            )
        if any(o is None for o in outs):
            return None
        return [o for o in outs if o is not None]

    async def run_case(self, case: Case) -> list[CaseResult] | None:
        """All arms of one case, checked and judged; None when stopped by the budget."""
        per_arm: list[list[ArmOutput] | None]
        if all(self._ready(case, a) for a in self.arms):  # nothing to wait for: no tasks
            per_arm = [await self._arm_outputs(case, a) for a in self.arms]
        else:
            per_arm = list(await asyncio.gather(*(self._arm_outputs(case, a) for a in self.arms)))
        if any(o is None for o in per_arm):
            return None
        baseline = per_arm[0] or []
        results: list[CaseResult] = []
        preview = case.request.messages[-1].text[:200] if case.request.messages else ""
        for i, (arm, outs) in enumerate(zip(self.candidates, per_arm[1:], strict=True)):
            cr = CaseResult(
                case_id=case.id,
                candidate=arm.label,
                call_site=case.call_site,
                tags=case.tags,
                weight=case.weight,
                prompt_preview=preview,
                baseline=baseline if i == 0 else [o.model_copy() for o in baseline],
                candidate_outputs=list(outs or []),
            )
            check_case(case, cr, self.checks)
            if self.judge is not None:
                cr.judge = await self._judge(case, cr)
            if self.similarity is not None:
                try:
                    await self.similarity.score(case, cr)
                except EmbeddingBudgetReached:
                    return None  # stopped by the budget: the case is done by a later run
            results.append(cr)
        return results

    async def _judge(self, case: Case, cr: CaseResult) -> list[Any]:
        assert self.judge is not None
        base_ok = [o for o in cr.baseline if o.ok]
        pairs = []
        for i, cand in enumerate(cr.candidate_outputs):
            base = base_ok[min(i, len(base_ok) - 1)] if base_ok else None
            if (
                base is not None
                and base.response is not None
                and cand.response is not None
                and cand.error is None
            ):
                pairs.append((base.response, cand.response))
        verdicts = await asyncio.gather(*(self.judge.judge(case, b, c) for b, c in pairs))
        return list(verdicts)

    # -- the run ----------------------------------------------------------------------------
    def _monitor(self, results: list[CaseResult]) -> None:
        """Sequential mode: feed the confidence sequences; stop once every candidate is
        decided (GO on every gated metric, or NO-GO on one)."""
        if not self.monitors:
            return
        for r in results:
            if r.candidate in self.monitors:
                self.monitors[r.candidate].add(r)
        if not self._stop and all(m.should_stop() for m in self.monitors.values()):
            self._stop = True
            self.stats.decided_early = True

    def _load_done(self, cases: Sequence[Case]) -> dict[str, list[CaseResult]]:
        if self.store is None or not self.run_id:
            return {}
        wanted = {c.id for c in cases}
        done: dict[str, list[CaseResult]] = {}
        for key, text in self.store.results_json(self.run_id).items():
            if key in wanted:
                done[key] = _StoredCase.model_validate_json(text).results
        return done

    def _emit(self) -> None:
        if self.on_progress is not None:
            s = self.stats
            self.on_progress(
                Progress(
                    s.resumed + s.completed,
                    self._total,
                    s.calls,
                    s.cached,
                    s.errors,
                    self.spent_usd,
                )
            )

    def _flush(self) -> None:
        """Write the queued case results in one transaction."""
        self._flushed_at = time.monotonic()
        if self._pending and self.store is not None:
            pending, self._pending = self._pending, {}
            self.store.result_put_many_json(self.run_id, pending)

    async def run(self, cases: Sequence[Case], *, resume: bool = True) -> list[CaseResult]:
        """Run every case; returns the results of the finished ones (stored and new), in
        the order of ``cases``."""
        self._total = len(cases)
        done = self._load_done(cases) if resume else {}
        self.stats.resumed = len(done)
        for c in cases:
            if c.id in done:
                self._monitor(done[c.id])
        self._emit()
        queue = self._batches([c for c in cases if c.id not in done])

        async def worker() -> None:
            for case in queue:
                if self._stop:
                    self.stats.abandoned += 1
                    continue
                res = await self.run_case(case)
                if res is None:
                    self.stats.abandoned += 1
                    continue
                done[case.id] = res
                self._monitor(res)
                if self.store is not None and self.run_id:
                    self._pending[case.id] = _stored_json(res)
                    if (
                        len(self._pending) >= self.write_batch
                        or time.monotonic() - self._flushed_at >= self.write_interval_s
                    ):
                        self._flush()
                self.stats.completed += 1
                if self.on_case is not None:
                    self.on_case(res)
                self._emit()

        judge = self.judge.provider if self.judge is not None else None
        tasks = [
            asyncio.create_task(worker()) for _ in range(min(self.workers, max(1, len(cases))))
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            self._flush()
            if isinstance(judge, CachedProvider):
                self.stats.judge_calls, self.stats.judge_usd = judge.calls, judge.spent_usd
            if self.similarity is not None:
                embedder = self.similarity.embedder
                if isinstance(embedder, ProviderEmbedder):
                    self.stats.embedding_calls = embedder.calls
                self.stats.embedding_usd = embedder.spent_usd
        return [r for c in cases if c.id in done for r in done[c.id]]
