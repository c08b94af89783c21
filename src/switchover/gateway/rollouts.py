"""The gateway's view of every rollout state, kept fresh from the store, and the
background controller that judges the gates and writes transitions.

The request path reads :attr:`RolloutView.states` (a plain dict, replaced entry by entry)
and never waits for the store. A store change notification (``Store.subscribe``) or the
periodic poll reloads a state, so a transition made on any replica or by the CLI applies
here within a second. When the store is unreachable the last known states stay in force.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from switchover.errors import SwitchoverError
from switchover.gateway.routing import RouteTable
from switchover.rollout import Decision, RolloutState, Transition
from switchover.store import Store
from switchover.store.control import evaluate_and_apply

__all__ = ["RolloutView"]

_log = logging.getLogger("switchover.gateway")
Listener = Callable[[RolloutState | None, RolloutState], None]


class RolloutView:
    """Last known state per migration + the controller thread (see module docstring)."""

    def __init__(
        self,
        store: Store,
        routes: RouteTable,
        *,
        poll_interval_s: float = 0.5,
        controller: bool = True,
        tick_s: float = 0.25,
        on_change: Listener | None = None,
        on_store: Callable[[bool], None] | None = None,
    ) -> None:
        self.store = store
        self.routes = routes
        self.states: dict[str, RolloutState] = {}
        self.poll_interval_s = poll_interval_s
        self.controller = controller
        self.tick_s = tick_s
        self.on_change = on_change
        self.on_store = on_store
        self.store_ok = True
        self.transitions: list[Transition] = []
        self.decisions: dict[str, Decision] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._next_eval: dict[str, float] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None

    # -- loading --------------------------------------------------------------------------
    def start(self) -> None:
        """Load every state (tolerating an unreachable store), publish the plans, subscribe
        to changes and start the poll/controller thread."""
        for route in self.routes.routes.values():
            try:
                self.store.put_plan(route.plan)
            except SwitchoverError as exc:
                self._store_failed(exc)
        self.reload_all()
        try:
            self._unsubscribe = self.store.subscribe(self._notified)
        except SwitchoverError as exc:
            self._store_failed(exc)
        self._thread = threading.Thread(target=self._run, name="switchover-rollouts", daemon=True)
        self._thread.start()

    def _store_failed(self, exc: Exception) -> None:
        if self.store_ok:
            _log.warning("store unreachable, serving on the last known rollout states: %s", exc)
        self.store_ok = False
        if self.on_store:
            self.on_store(False)

    def _store_back(self) -> None:
        if not self.store_ok:
            _log.warning("store reachable again")
        self.store_ok = True
        if self.on_store:
            self.on_store(True)

    def _notified(self, migration: str) -> None:
        if migration in self.routes.routes:
            self.reload(migration)

    def reload(self, migration: str) -> RolloutState | None:
        try:
            state = self.store.get_rollout(migration)
        except SwitchoverError as exc:
            self._store_failed(exc)
            return self.states.get(migration)
        self._store_back()
        if state is not None:
            self.set(state)
        return state

    def reload_all(self) -> None:
        for name in self.routes.routes:
            self.reload(name)

    def set(self, state: RolloutState) -> None:
        """Adopt ``state`` unless an equal or newer version is already known."""
        with self._lock:
            old = self.states.get(state.migration)
            if old is not None and old.version >= state.version:
                return
            self.states[state.migration] = state
        if old is None or old.status != state.status or old.stage != state.stage:
            _log.info("%s: %s", state.migration, state.describe())
        if self.on_change:
            self.on_change(old, state)

    # -- background -----------------------------------------------------------------------
    def _run(self) -> None:
        last_poll = time.monotonic()
        while not self._stop.wait(self.tick_s):
            now = time.monotonic()
            if now - last_poll >= self.poll_interval_s:
                last_poll = now
                self.reload_all()
            if self.controller:
                self.evaluate_due(now)

    def evaluate_due(self, now: float | None = None) -> list[Transition]:
        """Judge the gates of every running (shadow/canary, not paused) migration whose
        evaluation interval has passed; returns the transitions written here."""
        mono = time.monotonic() if now is None else now
        done: list[Transition] = []
        for name, route in self.routes.routes.items():
            state = self.states.get(name)
            if state is None or state.status not in ("shadow", "canary"):
                continue
            if mono < self._next_eval.get(name, 0.0):
                continue
            self._next_eval[name] = mono + route.plan.evaluation_interval.total_seconds()
            try:
                decision, t = evaluate_and_apply(self.store, route.plan, datetime.now(UTC))
            except SwitchoverError as exc:
                self._store_failed(exc)
                continue
            self._store_back()
            self.decisions[name] = decision
            if t is not None:
                _log.info("%s: %s", name, t.event.summary)
                self.transitions.append(t)
                self.set(t.state)
                done.append(t)
            else:
                self.reload(name)
        return done

    def close(self) -> None:
        self._stop.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread is not None:
            self._thread.join(5)
