"""Benchmarks of the evaluation runner (figures go to docs/benchmarks.md by hand).

    .venv/bin/python bench/eval_bench.py [overhead|rpm|cached|all]

* overhead: CPU per case spent by the runner itself (scheduling, adaptation, cache and store
  writes, result building, checks), measured with ``time.process_time`` against in-process
  providers with zero latency, minus the providers' own CPU (measured separately).
* rpm: against the simulator enforcing a requests-per-window limit with 429s, the rate
  achieved by the runner's pacing, the 429s seen and the cases lost. Time is compressed:
  the "minute" is 1 s (``window_s``) on both sides, so 120 requests/minute become 120/s.
* cached: a 10,000-case evaluation re-run with every answer in the store's cache (a fresh
  run id), and a re-run of the same run (resumed from the stored results).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from switchover.adapt import adapt
from switchover.chat import ChatRequest, ChatResponse, Message, Tool
from switchover.config import load_config
from switchover.evaluate.checks import default_checks
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.evaluate.ratelimit import RateLimiter
from switchover.evaluate.results import Case
from switchover.evaluate.runner import Arm, Runner
from switchover.providers.base import Provider, ProviderSettings
from switchover.providers.sim import FaultProfile, LatencyProfile, SimEngine, SimProfile
from switchover.providers.sim.provider import SimProvider
from switchover.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evaluate"))
from conftest import FakeProvider

TOOL = Tool(
    name="lookup_order",
    description="Look up an order by its id",
    parameters={"type": "object", "properties": {"order_id": {"type": "string"}}},
)


def make_cases(n: int) -> list[Case]:
    out = []
    for i in range(n):
        msgs = [
            Message.system("You are the support assistant. Be brief."),
            Message.user(f"Case {i}: where is my order A{1000 + i}? It is about billing."),
        ]
        req = ChatRequest(
            model="gpt-4o-2024-08-06",
            messages=msgs,
            max_output_tokens=800,
            temperature=0.2,
            max_tokens_field="max_tokens",
            tools=[TOOL] if i % 3 == 0 else [],
        )
        out.append(Case(id=f"c{i:05d}", request=req, tags=[("a", "b", "c")[i % 3]]))
    return out


def zero_latency_sim() -> SimEngine:
    fast = SimProfile(latency=LatencyProfile(time_scale=0))
    return SimEngine({"*": fast}, seed=1, time_scale=0)


async def provider_cpu(provider: Any, cases: list[Case], model: str, adapted: bool) -> float:
    """CPU seconds the provider alone spends answering every case once (subtracted)."""
    if adapted:
        reqs = [adapt(c.request, model).request for c in cases]
    else:
        reqs = [c.request.model_copy(update={"model": model}) for c in cases]
    t0 = time.process_time()
    for r in reqs:
        await provider.complete(r)
    return time.process_time() - t0


async def overhead(n: int = 2000) -> None:
    cases = make_cases(n)
    print(f"## runner overhead ({n} cases, baseline + 1 candidate, 1 repeat, in-memory store)")
    for label, factory in (
        ("constant fake provider", FakeProvider),
        (
            "in-process simulator",
            lambda: SimProvider(ProviderSettings(max_concurrency=64), engine=zero_latency_sim()),
        ),
    ):
        for target, adapted in (("gpt-4o-2024-08-06", False), ("gpt-6-luna", True)):
            for with_checks in (False, True):
                prov = factory()
                # provider CPU measured on a separate instance with the same requests
                own = await provider_cpu(
                    factory(), cases, "gpt-4o-2024-08-06", False
                ) + await provider_cpu(factory(), cases, target, adapted)
                store = open_store("sqlite://:memory:")
                arms = [
                    Arm("baseline", "gpt-4o-2024-08-06", prov, adapt=False, max_concurrency=64),
                    Arm("candidate", target, prov, adapt=adapted, max_concurrency=64),
                ]
                runner = Runner(
                    arms,
                    checks=default_checks() if with_checks else [],
                    store=store,
                    run_id="bench",
                )
                t0 = time.process_time()
                w0 = time.perf_counter()
                results = await runner.run(cases)
                cpu = time.process_time() - t0
                wall = time.perf_counter() - w0
                store.close()
                assert len(results) == n
                per_case = max(0.0, cpu - own) / n * 1000
                print(
                    f"- {label}, candidate {target} (adapt={'on' if adapted else 'off'}), "
                    f"checks {'on' if with_checks else 'off'}: runner {per_case:.3f} ms CPU "
                    f"per case (total {cpu / n * 1000:.3f} ms, provider "
                    f"{own / n * 1000:.3f} ms; wall {wall:.2f} s)"
                )


class Arrivals(Provider):
    """Records when each request reaches the provider (what a rate limit counts)."""

    name = "sim"

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.at: dict[str, list[float]] = {}

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.at.setdefault(request.model, []).append(time.perf_counter())
        return await self.inner.complete(request)

    def stream(self, request: ChatRequest) -> Any:
        return self.inner.stream(request)


async def rpm(limit: int = 120, n: int = 1200, window_s: float = 1.0) -> None:
    print(
        f"## requests-per-minute pacing (limit {limit} per {window_s:g} s window per model, "
        f"{n} cases x 2 models)"
    )
    for paced in (True, False):
        profile = SimProfile(
            latency=LatencyProfile(median_ms=40, p95_ms=80, time_scale=1.0),
            faults=FaultProfile(rpm_limit=limit, rpm_window_s=window_s),
        )
        engine = SimEngine({"*": profile}, seed=2)
        prov = Arrivals(
            SimProvider(ProviderSettings(max_retries=0, max_concurrency=64), engine=engine)
        )
        arms = []
        for label, model in (("baseline", "gpt-4o-2024-08-06"), ("candidate", "gpt-4o-2024-11-20")):
            lim = RateLimiter(limit, None, window_s=window_s) if paced else None
            arms.append(Arm(label, model, prov, adapt=False, limiter=lim, max_concurrency=32))
        runner = Runner(arms, checks=[], rate_limit_retries=50, workers=64)
        cases = make_cases(n)
        t0 = time.perf_counter()
        results = await runner.run(cases)
        wall = time.perf_counter() - t0
        outs = [o for r in results for o in [*r.baseline, *r.candidate_outputs]]
        lost = n - len(results) + sum(1 for o in outs if o.error is not None)
        # rate as the provider saw it: answered calls between the first and last arrival
        times = prov.at["gpt-4o-2024-08-06"]
        achieved = (n - 1) / (times[-1] - times[0])
        mode = "paced by the runner's token bucket" if paced else "no pacing (429 + Retry-After)"
        print(
            f"- {mode}: {n} calls per model in {wall:.2f} s; achieved {achieved:.1f}/s per "
            f"model = {achieved / (limit / window_s) * 100:.1f}% of the limit "
            f"(requests reaching the provider incl. rejected: {len(times)}); "
            f"429s {runner.stats.rate_limited}; cases lost {lost}"
        )


def prepare_cached(tmp: Path, n: int) -> tuple[Any, str]:
    """Write the cached benchmark's project (simulator profile, dataset, switchover.toml)
    into ``tmp``; returns the loaded config and the store URL."""
    (tmp / "p.toml").write_text(
        '[profiles.f]\nbase = "baseline"\n[profiles.f.latency]\n'
        'time_scale = 0\n[models]\n"*" = "f"\n'
    )
    rows = [
        {
            "id": c.id,
            "request": c.request.model_dump(mode="json", exclude_defaults=True)
            | {"messages": [m.model_dump(mode="json") for m in c.request.messages]},
            "tags": c.tags,
        }
        for c in make_cases(n)
    ]
    (tmp / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (tmp / "switchover.toml").write_text(
        '[upstreams.sim]\nprovider = "sim"\nmax_concurrency = 64\n'
        'options = { profiles = "p.toml", seed = 1 }\n'
        '[[migrations]]\nname = "b"\nfrom = "openai:gpt-4o-2024-08-06"\nto = "openai:gpt-6-luna"\n'
        '[migrations.eval]\ndatasets = ["d.jsonl"]\n'
    )
    return load_config(tmp / "switchover.toml"), f"sqlite:///{tmp / 'state.db'}"


async def cached_once(cfg: Any, url: str, label: str, **kw: Any) -> str:
    """One evaluation with the store at ``url``; prints its times and counts, returns the
    verdict."""
    t0, c0 = time.perf_counter(), time.process_time()
    plan = plan_evaluation(cfg, EvalOptions(store_url=url, **kw))
    t1 = time.perf_counter()
    report = await execute(plan)
    t2 = time.perf_counter()
    s = plan.stats
    assert s is not None
    print(
        f"- {label}: {t2 - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU "
        f"(plan {t1 - t0:.1f} s); live calls {s.calls}, cached {s.cached}, resumed "
        f"{s.resumed}; verdict {report.verdict}",
        flush=True,
    )
    return report.verdict


async def cached(n: int = 10_000) -> None:
    print(f"## cached re-run ({n} cases, baseline + 1 candidate, SQLite file store)")
    cfg, url = prepare_cached(Path(tempfile.mkdtemp()), n)
    verdicts = [
        await cached_once(cfg, url, "first run (fills the cache)", n_resamples=2000),
        await cached_once(
            cfg,
            url,
            "fully cached re-run (new run id), 2,000 resamples",
            fresh=True,
            n_resamples=2000,
        ),
        await cached_once(
            cfg, url, "fully cached re-run (new run id), 10,000 resamples", fresh=True
        ),
        await cached_once(
            cfg, url, "same run again (resumed from stored results)", n_resamples=2000
        ),
    ]
    # same resamples, same verdict: the cached and resumed runs reproduce the first one
    assert verdicts[0] == verdicts[1] == verdicts[3], verdicts
    # what a user sees: the whole command (start-up, imports, planning, the run, all four
    # report formats, the summary), 10,000 resamples as the CLI's default
    assert cfg.path is not None
    for label, extra in (
        ("`switchover eval` again (resumes the stored run)", []),
        ("`switchover eval --fresh` (new run id, every answer cached)", ["--fresh"]),
    ):
        for i in (1, 2, 3):
            cli_once(cfg.path, url, f"{label}, {i} of 3", extra)


def cli_once(plan: Path, url: str, label: str, extra: list[str]) -> None:
    """One ``switchover eval`` process on the benchmark's project: wall and CPU time."""
    out = plan.parent / "reports"
    cmd = [sys.executable, "-m", "switchover", "eval", "-c", str(plan), "--store", url]
    t0 = time.perf_counter()
    before = os.times()
    proc = subprocess.run(
        [*cmd, "--out", str(out), *extra], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    assert proc.returncode in (0, 1, 2), proc.stderr[-2000:]
    sizes = ", ".join(
        f"{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(out.iterdir())
    )
    resumed = "resumed" if "resumed run" in proc.stdout else "new run"
    print(
        f"- {label}: {wall:.1f} s wall, {cpu:.1f} s CPU ({resumed}; reports: {sizes})",
        flush=True,
    )


async def main(which: str) -> None:
    if which in ("overhead", "all"):
        await overhead()
    if which in ("rpm", "all"):
        await rpm()
    if which in ("cached", "all"):
        await cached()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "all"))
