"""Backends for the store contract suite: SQLite file, SQLite memory, PostgreSQL.

PostgreSQL tests get a fresh schema each (dropped afterwards) so parallel runs never
collide. They skip when the server is unreachable, except with CI=true where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import psycopg
import pytest

from pgsupport import postgres_dsn
from switchover.store import Store, open_store


@cache
def pg_reachable() -> bool:
    try:
        with psycopg.connect(postgres_dsn(), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def require_pg() -> None:
    if pg_reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL at {postgres_dsn()} is unreachable and CI=true")
    pytest.skip(f"PostgreSQL at {postgres_dsn()} is unreachable")


def drop_schema(schema: str) -> None:
    with psycopg.connect(postgres_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL store URL with a schema of its own."""
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in postgres_dsn() else "?"
    try:
        yield f"{postgres_dsn()}{sep}schema={schema}"
    finally:
        drop_schema(schema)


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("memory", id="memory"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
PERSISTENT = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "sqlite://:memory:"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/state.db"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _url(request.param, tmp_path, request)


@pytest.fixture(params=PERSISTENT)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL several Store instances (and processes) can open."""
    return _url(request.param, tmp_path, request)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()
