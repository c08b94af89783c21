"""The Store contract, run against every backend (SQLite file, SQLite memory, PostgreSQL)."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from switchover.rollout import (
    AuditEvent,
    RequestRecord,
    RolloutState,
    default_plan,
    initial_state,
    kill,
    promote,
    summarize,
)
from switchover.store import SCHEMA_VERSION, Store, open_store

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
U = "user:alice"


def started(store: Store, migration: str = "bot", steps: int = 1) -> RolloutState:
    plan = default_plan(migration)
    state = initial_state(migration, T0)
    for i in range(steps):
        t = promote(state, plan, T0 + timedelta(hours=i), actor=U)
        assert store.put_rollout(t.state, state.version, audit=t.event)
        state = t.state
    return state


# -- schema --------------------------------------------------------------------------


def test_schema_applied_and_reopen_is_idempotent(store: Store, store_url: str) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    store.cache_put("k", {"v": 1})
    if store_url != "sqlite://:memory:":
        with open_store(store_url) as again:
            assert again.schema_version() == SCHEMA_VERSION
            assert again.cache_get("k") == {"v": 1}


# -- cache and runs ------------------------------------------------------------------


def test_cache(store: Store) -> None:
    assert store.cache_get("missing") is None
    store.cache_put("req:1", {"text": "héllo ✓", "usage": {"in": 3}})
    assert store.cache_get("req:1") == {"text": "héllo ✓", "usage": {"in": 3}}
    store.cache_put("req:1", {"text": "new"})
    assert store.cache_get("req:1") == {"text": "new"}


def test_cache_batches(store: Store) -> None:
    items = {f"k{i}": {"i": i} for i in range(1203)}
    store.cache_put_many(items)
    store.cache_put_many({})
    store.cache_put_many({"k0": {"i": "new"}})
    got = store.cache_get_many([*items, "absent", "k1"])
    assert len(got) == 1203
    assert got["k0"] == {"i": "new"}
    assert got["k1202"] == {"i": 1202}
    assert store.cache_get_many([]) == {}


def test_runs_and_idempotent_results(store: Store) -> None:
    assert store.run_get("r1") is None
    assert store.results("r1") == {}
    store.run_put("r1", {"baseline": "a", "candidate": "b"})
    store.run_put("r2", {"x": 1})
    store.run_put("r1", {"baseline": "a", "candidate": "c"})
    assert store.run_get("r1") == {"baseline": "a", "candidate": "c"}
    assert sorted(store.run_ids()) == ["r1", "r2"]
    store.result_put("r1", "case-1", {"pass": True})
    store.result_put("r1", "case-2", {"pass": False})
    store.result_put("r1", "case-1", {"pass": True, "retry": 1})  # resumed run writes again
    store.result_put("r2", "case-1", {"other": True})
    assert store.results("r1") == {
        "case-1": {"pass": True, "retry": 1},
        "case-2": {"pass": False},
    }
    assert store.results("r2") == {"case-1": {"other": True}}


def test_result_batches_replace_and_keep_others(store: Store) -> None:
    store.result_put("r1", "case-0", {"old": True})
    store.result_put("r9", "case-0", {"other run": True})
    batch = {f"case-{i}": {"i": i} for i in range(701)}
    store.result_put_many("r1", batch)
    store.result_put_many("r1", {})
    store.result_put_many("r1", {"case-1": {"i": "again"}, "case-701": {"i": 701}})
    got = store.results("r1")
    assert len(got) == 702
    assert got["case-0"] == {"i": 0}  # the batch replaced the single write
    assert got["case-1"] == {"i": "again"}
    assert got["case-700"] == {"i": 700}
    assert store.results("r9") == {"case-0": {"other run": True}}


def test_results_as_json_texts(store: Store) -> None:
    store.result_put("r1", "case-0", {"old": True})
    store.result_put("r2", "case-0", {"other run": True})
    store.result_put_many_json("r1", {"case-0": '{"i":0}', "case-1": '{"i":1,"s":"é"}'})
    store.result_put_many_json("r1", {})
    assert store.results("r1") == {"case-0": {"i": 0}, "case-1": {"i": 1, "s": "é"}}
    texts = store.results_json("r1")
    assert {k: json.loads(v) for k, v in texts.items()} == store.results("r1")
    assert json.loads(store.results_json("r2")["case-0"]) == {"other run": True}
    assert store.results_json("nope") == {}


# -- rollout state -------------------------------------------------------------------


def test_rollout_compare_and_set(store: Store) -> None:
    plan = default_plan("bot")
    assert store.get_rollout("bot") is None
    s0 = initial_state("bot", T0)
    t1 = promote(s0, plan, T0, actor=U)
    assert store.put_rollout(t1.state, 0, audit=t1.event)
    assert not store.put_rollout(t1.state, 0, audit=t1.event)  # already exists
    assert store.get_rollout("bot") == t1.state
    t2 = promote(t1.state, plan, T0 + timedelta(hours=1), actor=U)
    assert store.put_rollout(t2.state, 1, audit=[t2.event])
    stale = kill(t1.state, T0, actor=U)  # computed from version 1, now stale
    assert not store.put_rollout(stale.state, 1, audit=stale.event)
    assert store.get_rollout("bot") == t2.state
    assert [e.action for e in store.list_audit("bot")] == ["promote", "promote"]
    with pytest.raises(ValueError, match="expected 3"):
        store.put_rollout(t2.state, 2)
    assert [s.migration for s in store.list_rollouts()] == ["bot"]


def test_concurrent_cas_threads_exactly_one_wins(store: Store) -> None:
    state = started(store)
    plan = default_plan("bot")
    for _round in range(5):
        barrier = threading.Barrier(6)
        wins: list[str] = []
        errors: list[BaseException] = []

        def contender(
            name: str,
            base: RolloutState = state,
            barrier: threading.Barrier = barrier,
            wins: list[str] = wins,
            errors: list[BaseException] = errors,
        ) -> None:
            t = promote(base, plan, T0, actor=f"user:{name}")
            try:
                barrier.wait()
                if store.put_rollout(t.state, base.version, audit=t.event):
                    wins.append(name)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=contender, args=(f"u{i}",)) for i in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert len(wins) == 1
        state = store.get_rollout("bot")  # type: ignore[assignment]
        assert state is not None
        assert state.history[-1].actor == f"user:{wins[0]}"
    audit = store.list_audit("bot", limit=100)
    assert len(audit) == 6  # the start plus one winner per round, no loser's event


def test_plan_round_trip(store: Store) -> None:
    assert store.get_plan("bot") is None
    plan = default_plan("bot", deadline=datetime(2027, 2, 1, tzinfo=UTC))
    store.put_plan(plan)
    assert store.get_plan("bot") == plan
    store.put_plan(default_plan("bot"))
    assert store.get_plan("bot") == default_plan("bot")


# -- audit ---------------------------------------------------------------------------


def _event(i: int, migration: str = "bot", reason: str = "") -> AuditEvent:
    return AuditEvent(
        at=T0 + timedelta(minutes=i),
        migration=migration,
        actor="user:alice",
        action="pause",
        from_status="canary",
        from_stage=1,
        from_percent=1,
        to_status="paused",
        to_stage=1,
        to_percent=1,
        reason=reason or f"event {i}",
        metrics={"i": i},
    )


def test_audit_order_limit_and_redaction(store: Store) -> None:
    for i in range(5):
        store.append_audit(_event(i))
    store.append_audit(_event(9, migration="other"))
    store.append_audit(_event(10, reason="key sk-abcdefghijklmnop1234 leaked"))
    last3 = store.list_audit("bot", limit=3)
    assert [e.reason for e in last3[:2]] == ["event 3", "event 4"]
    assert "sk-abcdefghijklmnop1234" not in last3[2].reason
    assert "[REDACTED]" in last3[2].reason
    assert len(store.list_audit()) == 7
    assert store.list_audit(limit=1)[0].metrics == {"i": 10}
    assert store.list_audit("bot", limit=0) == []
    assert store.list_audit("nobody") == []


# -- records -------------------------------------------------------------------------


def _records(seed: int, migration: str, n: int = 400) -> list[RequestRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        arm = rng.choice(["baseline", "candidate"])
        total = rng.choice([0, 0, 2, 3])
        out.append(
            RequestRecord(
                migration=migration,
                arm=arm,  # type: ignore[arg-type]
                at=T0 + timedelta(seconds=rng.uniform(0, 600)),
                latency_ms=round(rng.lognormvariate(5, 0.5), 3),
                ok=rng.random() > 0.1,
                shadow=rng.random() < 0.5,
                cost=None if rng.random() < 0.2 else rng.uniform(0.0001, 0.01),
                checks_total=total,
                checks_passed=rng.randint(0, total),
                request_id=f"req-{i}",
            )
        )
    return out


def test_window_metrics_match_pure_summary(store: Store) -> None:
    for seed in range(3):
        recs = _records(seed, f"m{seed}")
        assert store.append_records(recs) == len(recs)
        for lo, hi in ((0, 600), (100, 250), (590, 601), (700, 800)):
            since, until = T0 + timedelta(seconds=lo), T0 + timedelta(seconds=hi)
            got = store.window_metrics(f"m{seed}", since, until)
            want = summarize(recs, since, until)
            for arm in ("baseline", "candidate"):
                g, w = got.arm(arm), want.arm(arm)  # type: ignore[arg-type]
                assert (g.count, g.errors, g.checks_passed, g.checks_total) == (
                    w.count,
                    w.errors,
                    w.checks_passed,
                    w.checks_total,
                )
                assert g.p95_latency_ms == w.p95_latency_ms
                assert g.mean_cost == pytest.approx(w.mean_cost)
    assert store.window_metrics("none", T0).candidate.count == 0


def test_query_records_filters_and_redacts(store: Store) -> None:
    recs = _records(7, "bot", n=50)
    secret = RequestRecord(
        migration="bot",
        arm="candidate",
        at=T0,
        latency_ms=5,
        ok=False,
        error="401 for key sk-proj-abcdefghijklmnopqrstuv",
        body={"headers": {"authorization": "Bearer abcdefghijklmnop"}, "api_key": "xyz12345678"},
    )
    store.append_records([*recs, secret])
    assert store.append_records([]) == 0
    everything = store.query_records("bot", T0)
    assert len(everything) == 51
    assert [r.at for r in everything] == sorted(r.at for r in everything)
    cand = store.query_records("bot", T0, "candidate")
    assert {r.arm for r in cand} == {"candidate"}
    assert len(cand) == sum(r.arm == "candidate" for r in recs) + 1
    window = store.query_records(
        "bot", T0 + timedelta(seconds=100), until=T0 + timedelta(seconds=200)
    )
    assert all(T0 + timedelta(seconds=100) <= r.at < T0 + timedelta(seconds=200) for r in window)
    assert len(store.query_records("bot", T0, limit=5)) == 5
    stored = next(r for r in everything if r.error)
    text = stored.model_dump_json()
    assert "abcdefghijklmnop" not in text
    assert "xyz12345678" not in text
    assert "[REDACTED]" in text
    assert store.prune_records(T0 + timedelta(seconds=300)) == sum(
        r.at < T0 + timedelta(seconds=300) for r in [*recs, secret]
    )
    assert all(r.at >= T0 + timedelta(seconds=300) for r in store.query_records("bot", T0))


def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        store.window_metrics("bot", datetime(2026, 1, 1), datetime(2026, 1, 2))


# -- resume after restart -------------------------------------------------------------


def test_reopen_resumes_same_stage(shared_url: str) -> None:
    with open_store(shared_url) as first:
        state = started(first, steps=3)
    with open_store(shared_url) as second:
        again = second.get_rollout("bot")
        assert again == state
        assert again is not None
        assert (again.status, again.stage, again.percent) == ("canary", 2, 5)
        t = promote(again, default_plan("bot"), T0 + timedelta(hours=5), actor=U)
        assert second.put_rollout(t.state, again.version, audit=t.event)
        assert [e.to_stage for e in second.list_audit("bot")] == [0, 1, 2, 3]


def test_closed_store_refuses(store_url: str) -> None:
    s = open_store(store_url)
    s.close()
    s.close()  # idempotent
    from switchover.errors import StoreError

    with pytest.raises(StoreError, match="closed"):
        s.cache_get("k")
