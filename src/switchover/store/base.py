"""The Store interface shared by the SQLite and PostgreSQL backends.

One store holds the evaluation response cache and runs, rollout state, audit events and
request records. Every method is synchronous and thread-safe; the gateway calls them from a
worker thread (``anyio.to_thread`` / ``asyncio.to_thread``), never on the event loop.
Every driver error is raised as :class:`switchover.errors.StoreError`.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from switchover.errors import EXIT_USAGE, StoreError
from switchover.rollout.metrics import Arm, RequestRecord, WindowMetrics
from switchover.rollout.plan import RolloutPlan
from switchover.rollout.state import AuditEvent, RolloutState

__all__ = ["ChangeCallback", "Store", "StoreURLError", "Unsubscribe"]

ChangeCallback = Callable[[str], None]
"""Called with the migration name whose rollout state changed (at least once per change;
re-read the state with ``get_rollout``)."""
Unsubscribe = Callable[[], None]
_log = logging.getLogger("switchover.store")


class StoreURLError(StoreError):
    """The store URL itself is wrong (a usage error, exit code 2)."""

    exit_code = EXIT_USAGE


class Store(ABC):
    """Persistent state for switchover. Create with :func:`switchover.store.open_store`."""

    url: str

    def __init__(self) -> None:
        self._callbacks: list[ChangeCallback] = []
        self._seen: dict[str, int] = {}
        self._sub_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release connections and stop the notification thread. Idempotent."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version applied to the database."""

    # -- response cache ----------------------------------------------------------------
    @abstractmethod
    def cache_get(self, key: str) -> dict[str, Any] | None:
        """The cached JSON value for ``key``, or None."""

    @abstractmethod
    def cache_put(self, key: str, value: dict[str, Any]) -> None:
        """Store (or replace) the JSON value for ``key``."""

    @abstractmethod
    def cache_get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached values of those ``keys`` that are present (one round trip per 500)."""

    @abstractmethod
    def cache_put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        """Store several values in one transaction."""

    # -- evaluation runs ---------------------------------------------------------------
    @abstractmethod
    def run_put(self, run_id: str, meta: dict[str, Any]) -> None:
        """Create or replace a run's metadata."""

    @abstractmethod
    def run_get(self, run_id: str) -> dict[str, Any] | None:
        """A run's metadata, or None when unknown."""

    @abstractmethod
    def run_ids(self) -> list[str]:
        """Every stored run id, oldest first."""

    @abstractmethod
    def result_put(self, run_id: str, case_key: str, data: dict[str, Any]) -> None:
        """Store one case's result; writing the same case again replaces it (idempotent,
        so a resumed run can skip the cases already in :meth:`results`)."""

    def result_put_many(self, run_id: str, items: Mapping[str, dict[str, Any]]) -> None:
        """Store several cases' results in one transaction, each replacing any earlier
        result of the same case (as :meth:`result_put` does)."""
        for case_key, data in items.items():
            self.result_put(run_id, case_key, data)

    @abstractmethod
    def results(self, run_id: str) -> dict[str, dict[str, Any]]:
        """All stored results of a run, by case key."""

    def result_put_many_json(self, run_id: str, items: Mapping[str, str]) -> None:
        """:meth:`result_put_many` with each case's result already serialised (the text of
        a JSON object), so a large run is not encoded twice."""
        self.result_put_many(run_id, {k: dict(json.loads(v)) for k, v in items.items()})

    def results_json(self, run_id: str) -> dict[str, str]:
        """:meth:`results` as the stored JSON texts, for a reader that parses them itself."""
        return {k: json.dumps(v) for k, v in self.results(run_id).items()}

    # -- rollout state -----------------------------------------------------------------
    @abstractmethod
    def get_rollout(self, migration: str) -> RolloutState | None:
        """The stored state, or None when the rollout never started."""

    @abstractmethod
    def list_rollouts(self) -> list[RolloutState]:
        """Every stored rollout state, by migration name."""

    @abstractmethod
    def put_rollout(
        self,
        state: RolloutState,
        expected_version: int,
        *,
        audit: AuditEvent | Sequence[AuditEvent] = (),
    ) -> bool:
        """Compare-and-set: write ``state`` (whose ``version`` must be
        ``expected_version + 1``) only if the stored version is ``expected_version``
        (0 = not stored yet), together with its audit event(s) in one transaction.
        Returns False, writing nothing, when another writer got there first."""

    @abstractmethod
    def put_plan(self, plan: RolloutPlan) -> None:
        """Store the plan a migration's rollout follows (replaces the previous one)."""

    @abstractmethod
    def get_plan(self, migration: str) -> RolloutPlan | None:
        """The stored plan, or None."""

    # -- audit log ---------------------------------------------------------------------
    @abstractmethod
    def append_audit(self, event: AuditEvent) -> None:
        """Append one event (transitions normally go through ``put_rollout(audit=...)``)."""

    @abstractmethod
    def list_audit(self, migration: str | None = None, limit: int = 50) -> list[AuditEvent]:
        """The last ``limit`` events (of one migration or all), oldest first."""

    # -- request records ---------------------------------------------------------------
    @abstractmethod
    def append_records(self, batch: Iterable[RequestRecord]) -> int:
        """Insert records (bodies and errors pass through key redaction); returns the count."""

    @abstractmethod
    def query_records(
        self,
        migration: str,
        since: datetime,
        arm: Arm | None = None,
        *,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[RequestRecord]:
        """Records with ``since <= at < until``, oldest first."""

    @abstractmethod
    def window_metrics(
        self, migration: str, since: datetime, until: datetime | None = None
    ) -> WindowMetrics:
        """Per-arm count, errors, p95 latency, mean cost and check totals over the window,
        computed in the database (same definitions as ``rollout.metrics.summarize``)."""

    @abstractmethod
    def prune_records(self, before: datetime) -> int:
        """Delete records older than ``before``; returns how many."""

    # -- change notification -----------------------------------------------------------
    def subscribe(self, callback: ChangeCallback) -> Unsubscribe:
        """Call ``callback(migration)`` when any process changes a rollout state, within a
        second, once per new version. Changes from other processes are delivered on the
        store's notification thread, this object's own writes on the writing thread: keep
        callbacks short."""
        with self._sub_lock:
            self._callbacks.append(callback)
            first = len(self._callbacks) == 1
        if first:
            known = {s.migration: s.version for s in self.list_rollouts()}
            with self._sub_lock:
                for name, version in known.items():
                    self._seen[name] = max(version, self._seen.get(name, -1))
            self._start_listener()

        def unsubscribe() -> None:
            with self._sub_lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    @abstractmethod
    def _start_listener(self) -> None:
        """Start watching for changes made by other processes (idempotent)."""

    def _observe(self, migration: str, version: int) -> None:
        """Deliver a change once per new version, however it was learnt."""
        with self._sub_lock:
            if self._seen.get(migration, -1) >= version:
                return
            self._seen[migration] = version
            callbacks = list(self._callbacks)
        for cb in callbacks:
            try:
                cb(migration)
            except Exception:  # a broken subscriber must not stop the others
                _log.exception("rollout change callback failed for %s", migration)
