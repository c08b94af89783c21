"""The stage state machine: legal paths, illegal transitions with clear errors, audit events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rollout.conftest import T0, small_plan
from switchover.errors import EXIT_USAGE
from switchover.rollout import (
    AuditEvent,
    RolloutPlan,
    RolloutState,
    TransitionError,
    initial_state,
    kill,
    pause,
    promote,
    record_gate_failure,
    reset,
    resume,
    rollback,
)

U = "user:alice"


def _walk(plan: RolloutPlan, steps: int) -> RolloutState:
    state = initial_state("bot", T0)
    for i in range(steps):
        state = promote(state, plan, T0 + timedelta(hours=i + 1), actor=U).state
    return state


def test_full_ramp(plan: RolloutPlan) -> None:
    state = initial_state("bot", T0)
    assert (state.status, state.stage, state.percent, state.version) == ("baseline", -1, 0, 0)
    seen = []
    for i in range(4):
        t = promote(state, plan, T0 + timedelta(hours=i), actor=U, reason=f"step {i}")
        assert t.state.version == state.version + 1
        assert t.event.from_status == state.status
        assert t.event.to_status == t.state.status
        assert t.event.version == t.state.version
        assert t.event.reason == f"step {i}"
        state = t.state
        seen.append((state.status, state.stage, state.percent, state.shadow_percent))
    assert seen == [
        ("shadow", 0, 0, 100),
        ("canary", 1, 5, 0),
        ("canary", 2, 100, 0),
        ("complete", 2, 100, 0),
    ]
    assert [v.action for v in state.history] == ["promote"] * 4
    assert state.entered_at == T0 + timedelta(hours=3)
    assert state.describe() == "complete (100% candidate)"


def test_promote_refused_when_complete_or_rolled_back(plan: RolloutPlan) -> None:
    done = _walk(plan, 4)
    with pytest.raises(
        TransitionError, match="cannot promote migration 'bot': it is complete"
    ) as ei:
        promote(done, plan, T0, actor=U)
    assert ei.value.exit_code == EXIT_USAGE
    assert ei.value.hint
    assert "reset" in ei.value.hint
    rb = rollback(_walk(plan, 2), T0, actor=U).state
    with pytest.raises(TransitionError, match="rolled back"):
        promote(rb, plan, T0, actor=U)


def test_pause_and_resume_stop_the_stage_clock(plan: RolloutPlan) -> None:
    state = _walk(plan, 2)  # canary 5%, entered at T0+2h
    entered = state.entered_at
    p = pause(state, entered + timedelta(minutes=10), actor=U, reason="investigating")
    assert p.state.status == "paused"
    assert p.state.percent == 5  # traffic split frozen
    assert p.state.describe() == "paused at canary 5% (stage 2)"
    assert p.state.effective_status == "canary"
    assert p.state.time_in_stage(entered + timedelta(hours=5)) == timedelta(minutes=10)
    with pytest.raises(TransitionError, match="it is paused") as ei:
        promote(p.state, plan, T0, actor=U)
    assert "resume" in (ei.value.hint or "")
    with pytest.raises(TransitionError, match="cannot pause") as ei2:
        pause(p.state, T0, actor=U)
    assert "already paused" in (ei2.value.hint or "")
    r = resume(p.state, entered + timedelta(hours=1, minutes=10), actor=U)
    assert r.state.status == "canary"
    assert r.state.paused_from is None
    # paused for 1h: only 10 minutes count
    assert r.state.time_in_stage(entered + timedelta(hours=1, minutes=10)) == timedelta(minutes=10)
    assert r.event.action == "resume"


def test_resume_requires_pause(plan: RolloutPlan) -> None:
    with pytest.raises(TransitionError, match="cannot resume migration 'bot': it is canary 5%"):
        resume(_walk(plan, 2), T0, actor=U)


def test_pause_refused_in_baseline() -> None:
    with pytest.raises(TransitionError, match="baseline only") as ei:
        pause(initial_state("bot", T0), T0, actor=U)
    assert "shadow or canary" in (ei.value.hint or "")


def test_rollback_from_running_and_paused(plan: RolloutPlan) -> None:
    running = _walk(plan, 2)
    t = rollback(running, T0 + timedelta(hours=9), actor="gate:error_rate", reason="errors")
    assert (t.state.status, t.state.percent, t.state.shadow_percent) == ("rolled_back", 0, 0)
    assert t.event.actor == "gate:error_rate"
    assert t.event.from_percent == 5
    assert t.event.to_percent == 0
    paused = pause(running, T0, actor=U).state
    assert rollback(paused, T0, actor=U).state.status == "rolled_back"


def test_rollback_refusals(plan: RolloutPlan) -> None:
    with pytest.raises(TransitionError) as ei:
        rollback(initial_state("bot", T0), T0, actor=U)
    assert "Nothing to roll back" in (ei.value.hint or "")
    with pytest.raises(TransitionError) as ei2:
        rollback(_walk(plan, 4), T0, actor=U)
    assert "kill" in (ei2.value.hint or "")


def test_kill_from_everywhere_but_baseline(plan: RolloutPlan) -> None:
    for steps in (1, 2, 3, 4):
        state = _walk(plan, steps)
        t = kill(state, T0, actor=U, reason="pager")
        assert (t.state.status, t.state.percent, t.state.shadow_percent) == ("rolled_back", 0, 0)
        assert t.event.action == "kill"
    paused = pause(_walk(plan, 2), T0, actor=U).state
    assert kill(paused, T0, actor=U).state.status == "rolled_back"
    with pytest.raises(TransitionError, match="cannot kill"):
        kill(initial_state("bot", T0), T0, actor=U)
    with pytest.raises(TransitionError, match="cannot kill"):
        kill(kill(_walk(plan, 2), T0, actor=U).state, T0, actor=U)


def test_reset_restarts_the_ramp(plan: RolloutPlan) -> None:
    rb = kill(_walk(plan, 3), T0, actor=U).state
    t = reset(rb, T0 + timedelta(days=1), actor=U)
    assert (t.state.status, t.state.stage, t.state.percent) == ("baseline", -1, 0)
    assert promote(t.state, plan, T0, actor=U).state.status == "shadow"
    with pytest.raises(TransitionError, match="cannot reset"):
        reset(_walk(plan, 1), T0, actor=U)


def test_record_gate_failure_counts_without_moving(plan: RolloutPlan) -> None:
    state = _walk(plan, 2)
    t = record_gate_failure(state, T0, actor="gate:p95_latency", reason="slow")
    assert t.state.failures == 1
    assert (t.state.status, t.state.stage, t.state.percent) == ("canary", 1, 5)
    assert t.state.history == state.history
    assert t.event.action == "gate_failed"
    nxt = promote(t.state, plan, T0, actor=U).state
    assert nxt.failures == 0  # a new stage starts clean
    with pytest.raises(TransitionError):
        record_gate_failure(initial_state("bot", T0), T0, actor="gate:x", reason="")


def test_actor_must_be_typed(plan: RolloutPlan) -> None:
    with pytest.raises(ValueError, match="user:<name>"):
        promote(initial_state("bot", T0), plan, T0, actor="alice")
    with pytest.raises(ValidationError):
        AuditEvent(
            at=T0,
            migration="bot",
            actor="nobody",
            action="kill",
            from_status="canary",
            from_stage=1,
            from_percent=5,
            to_status="rolled_back",
            to_stage=1,
            to_percent=0,
        )


def test_plan_mismatch_is_detected(plan: RolloutPlan) -> None:
    with pytest.raises(ValueError, match="plan is for 'other'"):
        promote(initial_state("bot", T0), small_plan(migration="other"), T0, actor=U)
    state = _walk(plan, 3)
    shorter = small_plan(stages=plan.stages[:1])
    with pytest.raises(TransitionError, match="plan has only 1 stages"):
        promote(state, shorter, T0, actor=U)


def test_event_summary_and_state_round_trip(plan: RolloutPlan) -> None:
    t = promote(_walk(plan, 1), plan, T0, actor=U, reason="looks good")
    assert t.event.summary == (
        "promote by user:alice: shadow (stage 1) -> canary 5% (stage 2) (looks good)"
    )
    assert RolloutState.model_validate_json(t.state.model_dump_json()) == t.state
    assert initial_state("bot", T0).describe() == "baseline only (not started)"
    assert _walk(plan, 1).describe() == "shadow 100% (stage 1)"
    assert kill(_walk(plan, 1), T0, actor=U).state.describe() == "rolled back (100% baseline)"


def test_history_is_bounded(plan: RolloutPlan) -> None:
    state = initial_state("bot", T0)
    for _ in range(60):
        state = promote(state, plan, T0, actor=U).state
        state = kill(state, T0, actor=U).state
        state = reset(state, T0, actor=U).state
    assert len(state.history) == 100


@given(
    actions=st.lists(
        st.sampled_from(["promote", "pause", "resume", "rollback", "kill", "reset", "fail"]),
        max_size=40,
    )
)
def test_random_walk_keeps_invariants(actions: list[str]) -> None:
    plan = small_plan()
    percents = {s.percent for s in plan.stages if s.kind == "canary"}
    state = initial_state("bot", T0)
    now = T0
    for name in actions:
        now += timedelta(minutes=7)
        try:
            if name == "promote":
                t = promote(state, plan, now, actor=U)
            elif name == "fail":
                t = record_gate_failure(state, now, actor="gate:error_rate", reason="x")
            else:
                fn = {"pause": pause, "resume": resume, "rollback": rollback, "kill": kill}
                t = fn.get(name, reset)(state, now, actor=U)
        except TransitionError:
            continue  # refused: the state is unchanged
        assert t.state.version == state.version + 1
        assert t.event.version == t.state.version
        assert (t.event.from_status, t.event.to_status) == (state.status, t.state.status)
        state = t.state
        if state.status in ("baseline", "rolled_back"):
            assert (state.percent, state.shadow_percent) == (0, 0)
        elif state.status == "complete":
            assert state.percent == 100
        elif state.status == "canary":
            assert state.percent in percents
        elif state.status == "shadow":
            assert (state.percent, state.shadow_percent) == (0, 100)
        else:
            assert state.paused_from in ("shadow", "canary")
        assert state.time_in_stage(now) >= timedelta(0)
