"""A fully cached re-run reproduces the first run, and results reach the store in batches."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from switchover.chat import ChatRequest, Message
from switchover.config import load_config
from switchover.evaluate.cache import ResponseCache
from switchover.evaluate.checks import default_checks
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.evaluate.results import Case
from switchover.evaluate.runner import Arm, Runner, relaxed_gc
from switchover.store import open_store
from switchover.store.sqlite import SQLiteStore

from .conftest import FakeProvider


async def test_cached_rerun_gives_the_same_report(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    path = make_plan(tmp_path, n=40)
    db = f"sqlite:///{tmp_path / 'st.db'}"
    cfg = load_config(path)
    plan1 = plan_evaluation(cfg, EvalOptions(store_url=db, n_resamples=400))
    first = await execute(plan1)
    plan2 = plan_evaluation(cfg, EvalOptions(store_url=db, n_resamples=400, fresh=True))
    again = await execute(plan2)
    assert plan1.stats is not None
    assert plan2.stats is not None
    assert plan1.stats.calls == 80
    assert plan2.stats.calls == 0
    assert plan2.stats.cached == 80
    assert plan2.run_id != plan1.run_id
    assert again.verdict == first.verdict
    assert again.exit_code == first.exit_code
    assert again.reasons == first.reasons
    for a, b in zip(again.comparisons, first.comparisons, strict=True):
        assert a.verdict == b.verdict
        assert a.metrics == b.metrics  # estimates, intervals, p-values, flips
        assert a.adapted_changes == b.adapted_changes
    checks_of = [[o.checks for o in [*c.baseline, *c.candidate_outputs]] for c in first.cases]
    assert [[o.checks for o in [*c.baseline, *c.candidate_outputs]] for c in again.cases] == (
        checks_of
    )
    with open_store(db) as store:
        assert set(store.results(plan2.run_id)) == {c.case_id for c in first.cases}
    # the same command again resumes the stored run: no call, no check, the same report
    plan3 = plan_evaluation(cfg, EvalOptions(store_url=db, n_resamples=400))
    resumed = await execute(plan3)
    assert plan3.run_id == plan1.run_id
    assert plan3.stats is not None
    assert (plan3.stats.calls, plan3.stats.cached, plan3.stats.resumed) == (0, 0, 40)
    assert resumed.verdict == first.verdict
    assert resumed.reasons == first.reasons
    assert [c.metrics for c in resumed.comparisons] == [c.metrics for c in first.comparisons]
    assert resumed.cases == first.cases  # outputs, checks, regressions read back intact


class CountingStore(SQLiteStore):
    """An in-memory store that counts the result transactions."""

    def __init__(self) -> None:
        super().__init__(None, url="sqlite://:memory:")
        self.batches: list[int] = []

    def result_put_many_json(self, run_id: str, items: Mapping[str, str]) -> None:
        if items:
            self.batches.append(len(items))
        super().result_put_many_json(run_id, items)


def cases(n: int) -> list[Case]:
    return [
        Case(
            id=f"c{i:03d}",
            request=ChatRequest(model="gpt-4o", messages=[Message.user(f"question {i}")]),
        )
        for i in range(n)
    ]


def runner(store: CountingStore, provider: Any, **kw: Any) -> Runner:
    arms = [
        Arm("baseline", "gpt-4o", provider, adapt=False),
        Arm("candidate", "gpt-4o-mini", provider, adapt=False),
    ]
    return Runner(arms, checks=default_checks(), store=store, run_id="r", **kw)


async def test_results_are_written_in_batches() -> None:
    store = CountingStore()
    try:
        results = await runner(store, FakeProvider(), write_batch=30, write_interval_s=3600).run(
            cases(100)
        )
        assert len(results) == 100
        assert sum(store.batches) == 100
        assert max(store.batches) <= 30
        assert len(store.batches) == 4
        assert len(store.results("r")) == 100
        # the stored results resume the run: nothing is asked again
        prov = FakeProvider()
        again = runner(store, prov)
        assert len(await again.run(cases(100))) == 100
        assert again.stats.resumed == 100
        assert not prov.requests
    finally:
        store.close()


class Slow(FakeProvider):
    async def complete(self, request: ChatRequest) -> Any:
        if request.messages[-1].text.endswith("9"):
            await asyncio.sleep(30)
        return await super().complete(request)


async def test_cancelled_run_keeps_its_pending_results() -> None:
    store = CountingStore()
    try:
        run = runner(store, Slow(), write_batch=1000, write_interval_s=3600, workers=4)
        task = asyncio.create_task(run.run(cases(40)))
        for _ in range(500):  # every case but the 4 slow ones (ids ending in 9) finishes
            await asyncio.sleep(0.01)
            if run.stats.completed == 36:
                break
        assert run.stats.completed == 36
        assert not store.batches
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        stored = store.results("r")
        # written when the run was interrupted, not lost with the unfinished batch
        assert len(stored) == 36
        assert store.batches == [36]
        assert all(not k.endswith("9") for k in stored)
    finally:
        store.close()


def test_prefetched_entries_are_served_once_and_writes_win() -> None:
    with open_store("sqlite://:memory:") as store:
        store.cache_put("a", {"v": 1})
        cache = ResponseCache(store)
        cache.prefetch(["a", "b"])
        assert cache.prefetched("a")
        assert not cache.prefetched("b")  # known missing: no second store read either
        store.cache_put("a", {"v": 2})  # changed behind the cache's back after the prefetch
        assert cache.get_raw("a") == {"v": 1}  # from the prefetch ...
        assert cache.get_raw("a") == {"v": 2}  # ... once; then from the store again
        assert cache.get_raw("b") is None
        cache.prefetch(["b"])
        cache.put_raw("b", {"v": 3})  # a write replaces what was prefetched
        assert cache.get_raw("b") == {"v": 3}


async def test_prefetching_runner_matches_one_lookup_per_call() -> None:
    """Batches of prefetched lookups give the same outputs as one lookup per call."""
    store = CountingStore()
    try:
        arms = [
            Arm("baseline", "gpt-4o", FakeProvider(), adapt=False),
            Arm("candidate", "gpt-4o-mini", FakeProvider(), adapt=True),
        ]
        first = await Runner(arms, checks=default_checks(), store=store, repeats=2).run(cases(30))
        prov = FakeProvider()
        arms = [
            Arm("baseline", "gpt-4o", prov, adapt=False),
            Arm("candidate", "gpt-4o-mini", prov, adapt=True),
        ]
        for prefetch in (7, 1000):
            again = Runner(arms, checks=default_checks(), store=store, repeats=2, prefetch=prefetch)
            got = await again.run(cases(30))
            assert not prov.requests
            assert again.stats.cached == 120
            strip = [
                [
                    o.model_copy(update={"cached": False})
                    for o in [*r.baseline, *r.candidate_outputs]
                ]
                for r in got
            ]
            assert strip == [[*r.baseline, *r.candidate_outputs] for r in first]
    finally:
        store.close()


def test_relaxed_gc_nests_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with relaxed_gc():
        assert gc.get_threshold()[:2] == before[:2]
        assert gc.get_threshold()[2] > 10**6
        with relaxed_gc():
            assert gc.get_threshold()[2] > 10**6
        assert gc.get_threshold()[2] > 10**6
    assert gc.get_threshold() == before
