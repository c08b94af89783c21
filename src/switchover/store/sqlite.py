"""SQLite backend: WAL mode, busy timeout, one connection per thread.

``:memory:`` uses a single connection behind a lock (each connection to ``:memory:`` would
be a separate database). Changes by other processes are noticed by polling
``PRAGMA data_version`` every 200 ms on a dedicated connection, then the ``version``
column of the rollouts table.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from switchover.errors import StoreError
from switchover.store.migrations import Dialect
from switchover.store.sql import Cursor, Executor, SQLStore

__all__ = ["POLL_INTERVAL", "SQLiteStore"]

POLL_INTERVAL = 0.2
BUSY_TIMEOUT_MS = 10_000
_log = logging.getLogger("switchover.store")


class _Exec:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)


class SQLiteStore(SQLStore):
    """Store in one SQLite file (or in memory for tests and one-off runs)."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | None, *, url: str) -> None:
        super().__init__()
        self.url = url
        self._path = path
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._mem: sqlite3.Connection | None = None
        self._mem_lock = threading.RLock()
        if path is None:
            self._mem = self._connect(":memory:")
        else:
            try:
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the directory for the SQLite store {path}: {exc}",
                    hint="Point --store at a writable location, e.g. sqlite:///state.db",
                ) from exc
        with self._tx(write=True) as ex:
            self._migrate(ex)

    # -- connections -------------------------------------------------------------------
    def _connect(self, target: str) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                target,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the SQLite store {target}: {exc}",
                hint="Check that the file is a SQLite database and the directory is writable.",
            ) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                f"cannot open the SQLite store {target}: {exc}",
                hint="Check that the file is a SQLite database and the directory is writable.",
            ) from exc
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    def _conn(self) -> tuple[sqlite3.Connection, AbstractContextManager[Any]]:
        if self._closed:
            raise StoreError(f"the store {self.url} is closed")
        if self._mem is not None:
            return self._mem, self._mem_lock
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self._path is not None
            conn = self._connect(self._path)
            self._local.conn = conn
        return conn, nullcontext()

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Executor]:
        conn, lock = self._conn()
        with lock:
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield _Exec(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(
                    f"SQLite store {self._path or ':memory:'}: {exc}",
                    hint="Another process may hold a long write lock; retry, or check the file."
                    if "locked" in str(exc)
                    else None,
                ) from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()

    # -- change notification -----------------------------------------------------------
    def _start_listener(self) -> None:
        if self._mem is not None or self._poller is not None:
            return  # in memory there is no other process: put_rollout notifies directly
        assert self._path is not None
        conn = self._connect(self._path)
        ready = threading.Event()
        self._poller = threading.Thread(
            target=self._poll, args=(conn, ready), name="switchover-store-poll", daemon=True
        )
        self._poller.start()
        ready.wait(timeout=5)

    def _poll(self, conn: sqlite3.Connection, ready: threading.Event) -> None:
        last: int | None = None
        while not self._stop.is_set():
            try:
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                if version != last:
                    rows = conn.execute("SELECT migration, version FROM rollouts").fetchall()
                    last = version
                    for migration, ver in rows:
                        self._observe(str(migration), int(ver))
            except sqlite3.Error:
                _log.warning("polling the SQLite store for changes failed", exc_info=True)
            ready.set()
            self._stop.wait(POLL_INTERVAL)
