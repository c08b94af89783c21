"""The SQL both backends share. A backend supplies connections (``_tx``), the dialect and
its change notification; queries are written once with ``?`` placeholders."""

from __future__ import annotations

import json
import time
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from switchover.errors import StoreError, redact
from switchover.rollout.metrics import (
    Arm,
    ArmMetrics,
    RequestRecord,
    WindowMetrics,
    p95_offset,
)
from switchover.rollout.plan import RolloutPlan
from switchover.rollout.state import AuditEvent, RolloutState
from switchover.store.base import Store
from switchover.store.migrations import LATEST, MIGRATIONS, SCHEMA_VERSION_DDL, Dialect

__all__ = ["Cursor", "Executor", "SQLStore"]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Executor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise StoreError(f"corrupt {what} in the store: {exc}") from exc


def _ts(dt: datetime) -> float:
    if dt.tzinfo is None:
        raise ValueError(f"timestamp {dt!r} has no time zone; use datetime.now(UTC)")
    return dt.timestamp()


class SQLStore(Store):
    """Implements every data method over :meth:`_tx`."""

    dialect: Dialect

    @abstractmethod
    def _tx(self, *, write: bool = False) -> AbstractContextManager[Executor]:
        """A transaction (committed on success, rolled back on error); driver errors
        become StoreError."""

    def _notify(self, ex: Executor, migration: str, version: int) -> None:
        """Inside the writing transaction: tell other processes (PostgreSQL NOTIFY)."""
        del ex, migration, version

    def _relaxed(self, ex: Executor) -> None:
        """Inside a writing transaction whose loss in a server crash is harmless (cache,
        results, records - all recomputable): skip waiting for the disk flush."""
        del ex

    # -- migrations --------------------------------------------------------------------
    def _migrate(self, ex: Executor) -> None:
        ex.execute(SCHEMA_VERSION_DDL[self.dialect])
        row = ex.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        if current > LATEST:
            raise StoreError(
                f"the store at {self.url} has schema version {current}, newer than this "
                f"switchover supports ({LATEST})",
                hint="Upgrade switchover, or point --store at another database.",
            )
        for mig in MIGRATIONS:
            if mig.version <= current:
                continue
            for stmt in mig.statements(self.dialect):
                ex.execute(stmt)
            ex.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (mig.version, mig.name, time.time()),
            )

    def schema_version(self) -> int:
        with self._tx() as ex:
            row = ex.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- cache -------------------------------------------------------------------------
    def cache_get(self, key: str) -> dict[str, Any] | None:
        with self._tx() as ex:
            row = ex.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(_loads(row[0], "cache entry"))

    def cache_get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached values of those ``keys`` that are present."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with self._tx() as ex:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ", ".join("?" * len(chunk))
                rows = ex.execute(
                    f"SELECT key, value FROM cache WHERE key IN ({marks})", chunk
                ).fetchall()
                found.update({str(k): dict(_loads(v, "cache entry")) for k, v in rows})
        return found

    def cache_put(self, key: str, value: dict[str, Any]) -> None:
        self.cache_put_many({key: value})

    def cache_put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        """Store several values in one transaction."""
        if not items:
            return
        now = time.time()
        rows = [(k, _dumps(v), now) for k, v in items.items()]
        with self._tx(write=True) as ex:
            self._relaxed(ex)
            ex.executemany(
                "INSERT INTO cache (key, value, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "created_at = excluded.created_at",
                rows,
            )

    # -- runs --------------------------------------------------------------------------
    def run_put(self, run_id: str, meta: dict[str, Any]) -> None:
        now = time.time()
        with self._tx(write=True) as ex:
            ex.execute(
                "INSERT INTO runs (run_id, meta, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (run_id) DO UPDATE SET meta = excluded.meta, "
                "updated_at = excluded.updated_at",
                (run_id, _dumps(meta), now, now),
            )

    def run_get(self, run_id: str) -> dict[str, Any] | None:
        with self._tx() as ex:
            row = ex.execute("SELECT meta FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else dict(_loads(row[0], "run"))

    def run_ids(self) -> list[str]:
        with self._tx() as ex:
            rows = ex.execute("SELECT run_id FROM runs ORDER BY created_at, run_id").fetchall()
        return [str(r[0]) for r in rows]

    def result_put(self, run_id: str, case_key: str, data: dict[str, Any]) -> None:
        self.result_put_many(run_id, {case_key: data})

    def result_put_many(self, run_id: str, items: Mapping[str, dict[str, Any]]) -> None:
        """Store several cases' results in one transaction (each replaces the case's
        earlier result)."""
        if not items:
            return
        self._put_results(run_id, [(k, _dumps(v)) for k, v in items.items()])

    def result_put_many_json(self, run_id: str, items: Mapping[str, str]) -> None:
        """As :meth:`result_put_many`, the values already JSON texts (stored as given)."""
        self._put_results(run_id, list(items.items()))

    def _put_results(self, run_id: str, items: Sequence[tuple[str, str]]) -> None:
        if not items:
            return
        now = time.time()
        rows = [(run_id, k, text, now) for k, text in items]
        with self._tx(write=True) as ex:
            self._relaxed(ex)
            ex.executemany(
                "INSERT INTO results (run_id, case_key, data, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (run_id, case_key) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                rows,
            )

    def results(self, run_id: str) -> dict[str, dict[str, Any]]:
        with self._tx() as ex:
            rows = ex.execute(
                "SELECT case_key, data FROM results WHERE run_id = ? ORDER BY case_key",
                (run_id,),
            ).fetchall()
        return {str(k): dict(_loads(d, "result")) for k, d in rows}

    def results_json(self, run_id: str) -> dict[str, str]:
        with self._tx() as ex:
            rows = ex.execute(
                "SELECT case_key, data FROM results WHERE run_id = ? ORDER BY case_key",
                (run_id,),
            ).fetchall()
        return {str(k): str(d) for k, d in rows}

    # -- rollout -----------------------------------------------------------------------
    def get_rollout(self, migration: str) -> RolloutState | None:
        with self._tx() as ex:
            row = ex.execute(
                "SELECT data FROM rollouts WHERE migration = ?", (migration,)
            ).fetchone()
        return None if row is None else RolloutState.model_validate_json(row[0])

    def list_rollouts(self) -> list[RolloutState]:
        with self._tx() as ex:
            rows = ex.execute("SELECT data FROM rollouts ORDER BY migration").fetchall()
        return [RolloutState.model_validate_json(r[0]) for r in rows]

    def rollout_versions(self) -> dict[str, int]:
        """``{migration: version}`` for every stored rollout (cheap; used for polling)."""
        with self._tx() as ex:
            rows = ex.execute("SELECT migration, version FROM rollouts").fetchall()
        return {str(m): int(v) for m, v in rows}

    def put_rollout(
        self,
        state: RolloutState,
        expected_version: int,
        *,
        audit: AuditEvent | Sequence[AuditEvent] = (),
    ) -> bool:
        if state.version != expected_version + 1:
            raise ValueError(
                f"state.version is {state.version}; expected {expected_version + 1} "
                "(transitions bump the version by one)"
            )
        events = [audit] if isinstance(audit, AuditEvent) else list(audit)
        data = state.model_dump_json()
        now = time.time()
        with self._tx(write=True) as ex:
            if expected_version == 0:
                cur = ex.execute(
                    "INSERT INTO rollouts (migration, version, data, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (migration) DO NOTHING",
                    (state.migration, state.version, data, now),
                )
            else:
                cur = ex.execute(
                    "UPDATE rollouts SET version = ?, data = ?, updated_at = ? "
                    "WHERE migration = ? AND version = ?",
                    (state.version, data, now, state.migration, expected_version),
                )
            if cur.rowcount != 1:
                return False
            for ev in events:
                self._insert_audit(ex, ev)
            self._notify(ex, state.migration, state.version)
        self._observe(state.migration, state.version)
        return True

    def put_plan(self, plan: RolloutPlan) -> None:
        with self._tx(write=True) as ex:
            ex.execute(
                "INSERT INTO plans (migration, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (migration) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (plan.migration, plan.model_dump_json(), time.time()),
            )

    def get_plan(self, migration: str) -> RolloutPlan | None:
        with self._tx() as ex:
            row = ex.execute("SELECT data FROM plans WHERE migration = ?", (migration,)).fetchone()
        return None if row is None else RolloutPlan.model_validate_json(row[0])

    # -- audit -------------------------------------------------------------------------
    def _insert_audit(self, ex: Executor, event: AuditEvent) -> None:
        ex.execute(
            "INSERT INTO audit (migration, at, data) VALUES (?, ?, ?)",
            (event.migration, _ts(event.at), redact(event.model_dump_json())),
        )

    def append_audit(self, event: AuditEvent) -> None:
        with self._tx(write=True) as ex:
            self._insert_audit(ex, event)

    def list_audit(self, migration: str | None = None, limit: int = 50) -> list[AuditEvent]:
        if limit < 1:
            return []
        with self._tx() as ex:
            if migration is None:
                rows = ex.execute(
                    "SELECT data FROM audit ORDER BY id DESC LIMIT ?", (limit,)
                ).fetchall()
            else:
                rows = ex.execute(
                    "SELECT data FROM audit WHERE migration = ? ORDER BY id DESC LIMIT ?",
                    (migration, limit),
                ).fetchall()
        return [AuditEvent.model_validate_json(r[0]) for r in reversed(rows)]

    # -- records -----------------------------------------------------------------------
    @staticmethod
    def _record_row(rec: RequestRecord) -> tuple[Any, ...]:
        if rec.body is not None or rec.error is not None:
            update: dict[str, Any] = {}
            if rec.body is not None:
                update["body"] = json.loads(redact(_dumps(rec.body)))
            if rec.error is not None:
                update["error"] = redact(rec.error)
            rec = rec.model_copy(update=update)
        return (
            rec.migration,
            rec.arm,
            _ts(rec.at),
            rec.latency_ms,
            int(rec.ok),
            int(rec.shadow),
            rec.cost,
            rec.checks_passed,
            rec.checks_total,
            rec.model_dump_json(exclude_none=True),
        )

    def append_records(self, batch: Iterable[RequestRecord]) -> int:
        rows = [self._record_row(r) for r in batch]
        if not rows:
            return 0
        with self._tx(write=True) as ex:
            self._relaxed(ex)
            ex.executemany(
                "INSERT INTO records (migration, arm, at, latency_ms, ok, shadow, cost, "
                "checks_passed, checks_total, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def query_records(
        self,
        migration: str,
        since: datetime,
        arm: Arm | None = None,
        *,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[RequestRecord]:
        sql = "SELECT data FROM records WHERE migration = ? AND at >= ?"
        params: list[Any] = [migration, _ts(since)]
        if until is not None:
            sql += " AND at < ?"
            params.append(_ts(until))
        if arm is not None:
            sql += " AND arm = ?"
            params.append(arm)
        sql += " ORDER BY at, id LIMIT ?"
        params.append(limit)
        with self._tx() as ex:
            rows = ex.execute(sql, params).fetchall()
        return [RequestRecord.model_validate_json(r[0]) for r in rows]

    def window_metrics(
        self, migration: str, since: datetime, until: datetime | None = None
    ) -> WindowMetrics:
        until = until if until is not None else datetime.now(UTC)
        lo, hi = _ts(since), _ts(until)
        arms: dict[str, ArmMetrics] = {}
        with self._tx() as ex:
            rows = ex.execute(
                "SELECT arm, COUNT(*), SUM(1 - ok), AVG(cost), SUM(checks_passed), "
                "SUM(checks_total), SUM(ok) FROM records "
                "WHERE migration = ? AND at >= ? AND at < ? GROUP BY arm",
                (migration, lo, hi),
            ).fetchall()
            for arm, count, errors, mean_cost, passed, total, ok in rows:
                p95: float | None = None
                if ok:
                    row = ex.execute(
                        "SELECT latency_ms FROM records WHERE migration = ? AND arm = ? "
                        "AND ok = 1 AND at >= ? AND at < ? ORDER BY latency_ms LIMIT 1 OFFSET ?",
                        (migration, arm, lo, hi, p95_offset(int(ok))),
                    ).fetchone()
                    p95 = float(row[0]) if row else None
                arms[str(arm)] = ArmMetrics(
                    count=int(count),
                    errors=int(errors or 0),
                    p95_latency_ms=p95,
                    mean_cost=None if mean_cost is None else float(mean_cost),
                    checks_passed=int(passed or 0),
                    checks_total=int(total or 0),
                )
        return WindowMetrics(
            since=since,
            until=until,
            baseline=arms.get("baseline", ArmMetrics()),
            candidate=arms.get("candidate", ArmMetrics()),
        )

    def prune_records(self, before: datetime) -> int:
        with self._tx(write=True) as ex:
            cur = ex.execute("DELETE FROM records WHERE at < ?", (_ts(before),))
            return max(cur.rowcount, 0)
