"""Rollout control over a real store: gates judged on stored records, replicas racing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from switchover.errors import StoreError
from switchover.rollout import (
    Gate,
    RequestRecord,
    RolloutPlan,
    Stage,
    TransitionError,
)
from switchover.store import Store, open_store
from switchover.store.control import apply_action, current_state, evaluate_and_apply

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def plan() -> RolloutPlan:
    return RolloutPlan(
        migration="bot",
        failure_limit=2,
        gates=[
            Gate(metric="error_rate", max_delta=0.05, min_samples=20, window="30m"),
            Gate(metric="p95_latency", max_ratio=1.5, min_samples=20, window="30m"),
        ],
        stages=[
            Stage(kind="canary", percent=10, duration=H),
            Stage(kind="canary", percent=100, duration=H),
        ],
    )


def traffic(
    store: Store, at: datetime, *, cand_errors: int, cand_latency: float, baseline: bool = True
) -> None:
    recs = []
    for i in range(40):
        if baseline:
            recs.append(
                RequestRecord(
                    migration="bot", arm="baseline", at=at + timedelta(seconds=i), latency_ms=100
                )
            )
        recs.append(
            RequestRecord(
                migration="bot",
                arm="candidate",
                at=at + timedelta(seconds=i),
                latency_ms=cand_latency,
                ok=i >= cand_errors,
            )
        )
    store.append_records(recs)


def test_healthy_candidate_reaches_complete(store: Store) -> None:
    p = plan()
    apply_action(store, p, "promote", actor="user:ops", now=T0)
    traffic(store, T0 + 10 * 60 * timedelta(seconds=1), cand_errors=0, cand_latency=110)
    decision, t = evaluate_and_apply(store, p, T0 + 30 * timedelta(minutes=1))
    assert decision.action == "hold"  # passing, but the hour is not over
    assert t is None
    traffic(store, T0 + 40 * timedelta(minutes=1), cand_errors=0, cand_latency=110)
    decision, t = evaluate_and_apply(store, p, T0 + H)
    assert decision.action == "promote"
    assert t is not None
    assert t.state.percent == 100
    # at 100% there is no baseline traffic: judged against the baseline reference kept
    traffic(store, T0 + 100 * timedelta(minutes=1), cand_errors=0, cand_latency=120, baseline=False)
    window = store.window_metrics("bot", T0 + 95 * timedelta(minutes=1), T0 + 2 * H)
    assert (window.baseline.count, window.candidate.count) == (0, 40)
    decision, t = evaluate_and_apply(store, p, T0 + 2 * H + timedelta(minutes=5))
    assert decision.action == "promote", decision.reasons
    assert t is not None
    assert t.state.status == "complete"
    actions = [(e.action, e.actor) for e in store.list_audit("bot")]
    assert actions == [
        ("promote", "user:ops"),
        ("promote", "gate:error_rate,p95_latency"),
        ("promote", "gate:error_rate,p95_latency"),
    ]


def test_regression_is_rolled_back_after_failure_limit(store: Store) -> None:
    p = plan()
    apply_action(store, p, "promote", actor="user:ops", now=T0)
    traffic(store, T0 + timedelta(minutes=1), cand_errors=10, cand_latency=100)  # 25% errors
    d1, t1 = evaluate_and_apply(store, p, T0 + timedelta(minutes=5))
    assert d1.action == "hold"
    assert t1 is not None
    assert t1.event.action == "gate_failed"
    d2, t2 = evaluate_and_apply(store, p, T0 + timedelta(minutes=6))
    assert d2.action == "rollback"
    assert t2 is not None
    state = store.get_rollout("bot")
    assert state is not None
    assert (state.status, state.percent) == ("rolled_back", 0)
    last = store.list_audit("bot", limit=1)[0]
    assert last.actor == "gate:error_rate"
    assert last.metrics["windows"]["error_rate"]["candidate"]["errors"] == 10
    d3, t3 = evaluate_and_apply(store, p, T0 + timedelta(minutes=7))
    assert (d3.action, t3) == ("hold", None)


def test_replicas_racing_apply_one_transition(shared_url: str) -> None:
    p = plan()
    replicas = [open_store(shared_url) for _ in range(4)]
    try:
        apply_action(replicas[0], p, "promote", actor="user:ops", now=T0)
        traffic(replicas[0], T0 + timedelta(minutes=40), cand_errors=0, cand_latency=100)
        barrier = threading.Barrier(len(replicas))
        written = []

        def run(store: Store) -> None:
            barrier.wait()
            _, t = evaluate_and_apply(store, p, T0 + H)
            if t is not None:
                written.append(t)

        threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert len(written) == 1
        assert current_state(replicas[3], "bot").percent == 100
        assert len(replicas[2].list_audit("bot")) == 2
    finally:
        for r in replicas:
            r.close()


def test_apply_action_gives_up_when_state_keeps_changing(store: Store) -> None:
    class Flaky:
        """A store whose compare-and-set always loses."""

        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

        def put_rollout(self, *args: object, **kwargs: object) -> bool:
            return False

    with pytest.raises(StoreError, match="kept changing under promote"):
        apply_action(Flaky(), plan(), "promote", actor="user:ops")  # type: ignore[arg-type]
    with pytest.raises(TransitionError):
        apply_action(store, plan(), "rollback", actor="user:ops")
