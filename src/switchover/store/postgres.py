"""PostgreSQL backend (psycopg 3 + psycopg_pool) for several gateway replicas.

Tables live in one schema (``?schema=NAME`` in the URL, default ``switchover``), created on
open. A rollout change sends ``NOTIFY switchover_<schema>`` inside the writing transaction;
a dedicated listener connection (its own thread) receives it and calls the subscribers.
After a lost connection the listener reconnects with backoff and compares versions, so no
change is missed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from switchover.errors import StoreError
from switchover.store.base import StoreURLError
from switchover.store.migrations import Dialect
from switchover.store.sql import Cursor, Executor, SQLStore

__all__ = ["PostgresStore", "display_url", "split_schema"]

_log = logging.getLogger("switchover.store")
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,50}$")
CONNECT_TIMEOUT = 5
_HINT = (
    "Is PostgreSQL running and reachable? Check the URL "
    "(postgresql://user[:password]@host:5432/dbname)."
)


def display_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def split_schema(url: str) -> tuple[str, str]:
    """Remove ``schema=`` from the URL's query: ``(conninfo, schema)``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = "switchover"
    rest = []
    for k, v in query:
        if k == "schema":
            schema = v
        else:
            rest.append((k, v))
    if not _SCHEMA.match(schema):
        raise StoreURLError(
            f"invalid schema name {schema!r} in the store URL",
            hint="Use letters, digits and underscores, e.g. ?schema=switchover",
        )
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql+psycopg") else parts.scheme
    return urlunsplit(parts._replace(scheme=scheme, query=urlencode(rest))), schema


def _q(text: str) -> str:
    return text.replace("?", "%s")


class _Exec:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, query: str, params: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(_q(query), tuple(params))

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(_q(query), rows)


class PostgresStore(SQLStore):
    """Store in a PostgreSQL schema, shared by every replica pointing at it."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = display_url(url)
        self._conninfo, self.schema = split_schema(url)
        self.channel = f"switchover_{self.schema}"
        self._options = f"-c search_path={self.schema}"
        self._closed = False
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()
        try:
            with psycopg.connect(self._conninfo, connect_timeout=CONNECT_TIMEOUT) as conn:
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"switchover:{self.schema}",)
                )
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )
                conn.execute(
                    sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(self.schema))
                )
                self._migrate(_Exec(conn))
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot open the PostgreSQL store {self.url}: {_first_line(exc)}", hint=_HINT
            ) from exc
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            self._conninfo,
            min_size=1,
            max_size=10,
            kwargs={"options": self._options, "connect_timeout": CONNECT_TIMEOUT},
            timeout=10,
            open=True,
            name=f"switchover-{self.schema}",
        )

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Executor]:
        if self._closed:
            raise StoreError(f"the store {self.url} is closed")
        try:
            with self._pool.connection() as conn:
                yield _Exec(conn)
        except psycopg.Error as exc:
            raise StoreError(
                f"PostgreSQL store {self.url}: {_first_line(exc)}", hint=_HINT
            ) from exc

    def _notify(self, ex: Executor, migration: str, version: int) -> None:
        ex.execute("SELECT pg_notify(?, ?)", (self.channel, f"{version}:{migration}"))

    def _relaxed(self, ex: Executor) -> None:
        ex.execute("SET LOCAL synchronous_commit TO OFF")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        self._pool.close()

    def drop_schema(self) -> None:
        """Drop this store's schema and everything in it (tests and teardown)."""
        with self._tx(write=True) as ex:
            ex.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    # -- change notification -----------------------------------------------------------
    def _start_listener(self) -> None:
        if self._listener is not None:
            return
        self._listener = threading.Thread(
            target=self._listen, name="switchover-store-listen", daemon=True
        )
        self._listener.start()
        self._listening.wait(timeout=CONNECT_TIMEOUT + 1)

    def _listen(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    for migration, version in self.rollout_versions().items():
                        self._observe(migration, version)  # catch up on anything missed
                    self._listening.set()
                    backoff = 0.2
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.25):
                            version_text, _, migration = note.payload.partition(":")
                            self._observe(migration, int(version_text))
            except (psycopg.Error, StoreError, ValueError):
                if self._stop.is_set():
                    break
                _log.warning("store change listener lost its connection; retrying", exc_info=True)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
