"""PostgreSQL settings shared by the store and gateway tests (import as ``pgsupport``;
``tests/`` is on ``sys.path`` because the root conftest lives there)."""

from __future__ import annotations

import os

__all__ = ["postgres_dsn"]


def postgres_dsn() -> str:
    """The server the PostgreSQL tests use: ``SWITCHOVER_TEST_PG`` or the machine's own."""
    return os.environ.get("SWITCHOVER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
