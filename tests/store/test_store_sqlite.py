"""SQLite specifics: WAL, one connection per thread, concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from switchover.rollout import RequestRecord
from switchover.store import open_store
from switchover.store.sqlite import SQLiteStore


def test_wal_and_connection_per_thread(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/s.db") as store:
        assert isinstance(store, SQLiteStore)
        conns: list[int] = []

        def grab() -> None:
            conn, _ = store._conn()
            conns.append(id(conn))
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            assert mode == "wal"

        threads = [threading.Thread(target=grab) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        grab()
        grab()
        assert len(set(conns)) == 4  # three threads + this one (reused)


def test_many_threads_write_without_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    errors: list[BaseException] = []
    with open_store(url) as store:

        def work(i: int) -> None:
            try:
                for j in range(25):
                    store.cache_put(f"{i}-{j}", {"i": i, "j": j})
                    store.append_records(
                        [
                            RequestRecord(
                                migration="m",
                                arm="baseline",
                                at=datetime.now(UTC),
                                latency_ms=1.0,
                            )
                        ]
                    )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.cache_get("7-24") == {"i": 7, "j": 24}
        since = datetime(2000, 1, 1, tzinfo=UTC)
        assert store.window_metrics("m", since).baseline.count == 200
