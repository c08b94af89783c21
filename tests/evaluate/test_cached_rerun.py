"""A fully cached re-run reproduces the first run, and results reach the store in batches."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from switchover.chat import ChatRequest, Message
from switchover.config import load_config
from switchover.evaluate.checks import default_checks
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.evaluate.results import Case
from switchover.evaluate.runner import Arm, Runner
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


class CountingStore(SQLiteStore):
    """An in-memory store that counts the result transactions."""

    def __init__(self) -> None:
        super().__init__(None, url="sqlite://:memory:")
        self.batches: list[int] = []

    def result_put_many(self, run_id: str, items: Mapping[str, dict[str, Any]]) -> None:
        if items:
            self.batches.append(len(items))
        super().result_put_many(run_id, items)


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
