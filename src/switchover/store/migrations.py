"""Versioned schema migrations, applied on open (idempotent, under a lock).

Each migration has a number, a name and DDL per dialect. ``schema_version`` records which
were applied; opening a store applies the missing ones in order, in one transaction each.
Add a migration by appending to ``MIGRATIONS`` - never edit one that shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LATEST", "MIGRATIONS", "Dialect", "Migration"]

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgresql


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "evaluation cache and runs",
        sqlite=(
            "CREATE TABLE cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at REAL NOT NULL)",
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, meta TEXT NOT NULL, "
            "created_at REAL NOT NULL, updated_at REAL NOT NULL)",
            "CREATE TABLE results (run_id TEXT NOT NULL, case_key TEXT NOT NULL, "
            "data TEXT NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (run_id, case_key))",
        ),
        postgresql=(
            "CREATE TABLE cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
            "created_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, meta TEXT NOT NULL, "
            "created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE results (run_id TEXT NOT NULL, case_key TEXT NOT NULL, "
            "data TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL, "
            "PRIMARY KEY (run_id, case_key))",
        ),
    ),
    Migration(
        2,
        "rollout state, plans, audit log and request records",
        sqlite=(
            "CREATE TABLE rollouts (migration TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            "data TEXT NOT NULL, updated_at REAL NOT NULL)",
            "CREATE TABLE plans (migration TEXT PRIMARY KEY, data TEXT NOT NULL, "
            "updated_at REAL NOT NULL)",
            "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, migration TEXT NOT NULL, "
            "at REAL NOT NULL, data TEXT NOT NULL)",
            "CREATE INDEX audit_migration ON audit (migration, id)",
            "CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "migration TEXT NOT NULL, arm TEXT NOT NULL, at REAL NOT NULL, "
            "latency_ms REAL NOT NULL, ok INTEGER NOT NULL, shadow INTEGER NOT NULL, "
            "cost REAL, checks_passed INTEGER NOT NULL, checks_total INTEGER NOT NULL, "
            "data TEXT NOT NULL)",
            "CREATE INDEX records_window ON records (migration, at)",
        ),
        postgresql=(
            "CREATE TABLE rollouts (migration TEXT PRIMARY KEY, version BIGINT NOT NULL, "
            "data TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE plans (migration TEXT PRIMARY KEY, data TEXT NOT NULL, "
            "updated_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, migration TEXT NOT NULL, "
            "at DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)",
            "CREATE INDEX audit_migration ON audit (migration, id)",
            "CREATE TABLE records (id BIGSERIAL PRIMARY KEY, migration TEXT NOT NULL, "
            "arm TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, "
            "latency_ms DOUBLE PRECISION NOT NULL, ok SMALLINT NOT NULL, "
            "shadow SMALLINT NOT NULL, cost DOUBLE PRECISION, checks_passed INTEGER NOT NULL, "
            "checks_total INTEGER NOT NULL, data TEXT NOT NULL)",
            "CREATE INDEX records_window ON records (migration, at)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version

SCHEMA_VERSION_DDL: dict[Dialect, str] = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at REAL NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)",
}
