"""One store for switchover's state: response cache, eval runs, rollout state, audit log
and request records. SQLite is the embedded default; PostgreSQL lets several gateway
replicas share one rollout. See docs/store.md.

    store = open_store("sqlite:///.switchover/state.db")
    store = open_store("sqlite://:memory:")
    store = open_store("postgresql://user@127.0.0.1:5432/db?schema=switchover")
"""

from __future__ import annotations

from switchover.errors import StoreError
from switchover.rollout.metrics import RequestRecord
from switchover.store.base import ChangeCallback, Store, StoreURLError, Unsubscribe
from switchover.store.migrations import LATEST as SCHEMA_VERSION

__all__ = [
    "DEFAULT_STORE_URL",
    "SCHEMA_VERSION",
    "ChangeCallback",
    "RequestRecord",
    "Store",
    "StoreError",
    "StoreURLError",
    "Unsubscribe",
    "open_store",
]

DEFAULT_STORE_URL = "sqlite:///.switchover/state.db"
_HINT = (
    "Use sqlite:///path/to/state.db (relative), sqlite:////abs/path.db, sqlite://:memory: "
    "or postgresql://user@host:5432/dbname"
)


def open_store(url: str) -> Store:
    """Open (creating and migrating as needed) the store at ``url``.

    Raises :class:`StoreError` for a malformed URL or an unreachable database.
    """
    url = url.strip()
    if url in ("sqlite://:memory:", "sqlite:///:memory:", "sqlite://"):
        from switchover.store.sqlite import SQLiteStore

        return SQLiteStore(None, url="sqlite://:memory:")
    if url.startswith("sqlite:///"):
        from switchover.store.sqlite import SQLiteStore

        path = url[len("sqlite:///") :]
        if not path:
            raise StoreURLError(f"store URL {url!r} names no file", hint=_HINT)
        return SQLiteStore(path, url=url)
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        from switchover.store.postgres import PostgresStore

        return PostgresStore(url)
    if scheme == "sqlite":
        raise StoreURLError(f"malformed SQLite store URL {url!r}", hint=_HINT)
    guess = ""
    if not scheme and url.endswith((".db", ".sqlite", ".sqlite3")):
        guess = f" (did you mean sqlite:///{url}?)"
    raise StoreURLError(f"unsupported store URL {url!r}{guess}", hint=_HINT)
