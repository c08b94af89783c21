"""Rollout control over a store: manual actions and gate evaluation, with compare-and-set.

These glue the pure state machine (``switchover.rollout``) to a :class:`Store`. The CLI uses
:func:`apply_action`; each gateway replica runs :func:`evaluate_and_apply` every
``plan.evaluation_interval`` (only one replica's transition wins; the others see it through
``Store.subscribe``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from switchover.errors import StoreError
from switchover.rollout.gates import Decision, apply_decision, evaluate
from switchover.rollout.plan import RolloutPlan
from switchover.rollout.state import RolloutState, initial_state
from switchover.rollout.transitions import (
    Transition,
    kill,
    pause,
    promote,
    reset,
    resume,
    rollback,
)
from switchover.store.base import Store

__all__ = ["ManualAction", "apply_action", "current_state", "evaluate_and_apply"]

ManualAction = Literal["promote", "pause", "resume", "rollback", "kill", "reset"]


def current_state(store: Store, migration: str, now: datetime | None = None) -> RolloutState:
    """The stored state, or the not-started state (not written)."""
    state = store.get_rollout(migration)
    return state if state is not None else initial_state(migration, now or datetime.now(UTC))


def _transition(
    action: ManualAction,
    state: RolloutState,
    plan: RolloutPlan,
    now: datetime,
    actor: str,
    reason: str,
) -> Transition:
    if action == "promote":
        return promote(state, plan, now, actor=actor, reason=reason)
    simple: dict[str, Callable[..., Transition]] = {
        "pause": pause,
        "resume": resume,
        "rollback": rollback,
        "kill": kill,
        "reset": reset,
    }
    return simple[action](state, now, actor=actor, reason=reason)


def apply_action(
    store: Store,
    plan: RolloutPlan,
    action: ManualAction,
    *,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
    attempts: int = 3,
) -> Transition:
    """Apply a manual action to the stored state. When another writer changes the state in
    between, the action is re-validated on the fresh state (it may then be refused with a
    :class:`TransitionError`)."""
    for _ in range(attempts):
        at = now or datetime.now(UTC)
        state = current_state(store, plan.migration, at)
        t = _transition(action, state, plan, at, actor, reason)
        if store.put_rollout(t.state, state.version, audit=t.event):
            return t
    raise StoreError(
        f"the rollout of {plan.migration!r} kept changing under {action}; nothing was applied",
        hint="Another replica or user is changing it; check `switchover rollout status`.",
    )


def evaluate_and_apply(
    store: Store, plan: RolloutPlan, now: datetime | None = None
) -> tuple[Decision, Transition | None]:
    """Judge the gates of the current stage on the store's records and write the resulting
    transition. Returns the decision and the transition this call wrote (None on a hold,
    or when another replica wrote first)."""
    at = now or datetime.now(UTC)
    state = current_state(store, plan.migration, at)
    decision = evaluate(
        state, plan, lambda since: store.window_metrics(plan.migration, since, at), at
    )
    t = apply_decision(state, plan, decision, at)
    if t is None or not store.put_rollout(t.state, state.version, audit=t.event):
        return decision, None
    return decision, t
