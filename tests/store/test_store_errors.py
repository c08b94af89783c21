"""Clear StoreErrors: bad URLs, unreachable or broken databases, newer schemas."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from switchover.errors import StoreError
from switchover.store import open_store
from switchover.store.postgres import display_url, split_schema


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported store URL 'mysql://u@h/db'"),
        ("state.db", "did you mean sqlite:///state.db?"),
        ("sqlite:/x.db", "malformed SQLite store URL"),
        ("sqlite:///", "names no file"),
        ("", "unsupported store URL"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(StoreError) as ei:
        open_store(url)
    assert message in ei.value.message
    assert ei.value.hint is not None
    assert "sqlite:///" in ei.value.hint


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_postgres_names_the_server_not_the_password() -> None:
    url = f"postgresql://bob:s3cretpw@127.0.0.1:{_closed_port()}/db"
    with pytest.raises(StoreError, match="cannot open the PostgreSQL store") as ei:
        open_store(url)
    assert "s3cretpw" not in ei.value.message
    assert "bob:***@127.0.0.1" in ei.value.message
    assert ei.value.hint is not None
    assert "running" in ei.value.hint


def test_url_helpers() -> None:
    assert display_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert display_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert split_schema("postgres://u@h/db?schema=abc&sslmode=disable") == (
        "postgresql://u@h/db?sslmode=disable",
        "abc",
    )
    assert split_schema("postgresql://u@h/db")[1] == "switchover"
    with pytest.raises(StoreError, match="invalid schema name"):
        split_schema("postgresql://u@h/db?schema=a;drop")


def test_sqlite_directory_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the directory") as ei:
        open_store(f"sqlite:///{blocker}/sub/state.db")
    assert ei.value.hint is not None


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "junk.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db") as ei:
        open_store(f"sqlite:///{bad}")
    assert "not a database" in ei.value.message


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', 0)")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99, newer than") as ei:
        open_store(f"sqlite:///{path}")
    assert "Upgrade switchover" in (ei.value.hint or "")


def test_relative_sqlite_path_and_memory_aliases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///.switchover/state.db") as s:
        s.cache_put("k", {})
    assert (tmp_path / ".switchover" / "state.db").exists()
    for url in ("sqlite://:memory:", "sqlite:///:memory:"):
        with open_store(url) as m:
            assert m.url == "sqlite://:memory:"
