from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from switchover.catalog import get_catalog
from switchover.catalog.core import Catalog
from switchover.catalog.store import UpdateStore, data_dir, read_update_source
from switchover.errors import CatalogError

HEADER = "provider,platform,id,status,shutdown_date,source_url,source_kind,retrieved"


def _csv(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


ROW_A = "openai,openai,gpt-4o-2024-08-06,deprecated,2027-03-01,https://u.test/a,official,2026-11-27"
ROW_B = "openai,openai,gpt-brand-new,active,,https://u.test/b,official,2026-11-27"


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWITCHOVER_HOME", str(tmp_path / "h"))
    assert data_dir() == tmp_path / "h" / "catalog"
    monkeypatch.delenv("SWITCHOVER_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x" / "switchover" / "catalog"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "switchover" / "catalog"


def test_install_rollback_and_redo(tmp_path: Path) -> None:
    store = UpdateStore(tmp_path / "store")
    shipped = get_catalog(store=store)
    assert shipped.require("gpt-4o-2024-08-06").shutdown_date is not None
    assert shipped.require("gpt-4o-2024-08-06").shutdown_date.isoformat() == "2027-01-14"

    store.install(read_update_source(str(_csv(tmp_path, "u1.csv", ROW_A))), source="u1.csv")
    updated = get_catalog(store=store)
    assert updated is not shipped
    assert str(updated.require("gpt-4o-2024-08-06").shutdown_date) == "2027-03-01"
    assert len(updated) == len(shipped)
    assert [s.kind for s in updated.sources] == ["shipped", "update"]

    store.install(read_update_source(str(_csv(tmp_path, "u2.csv", ROW_B))), source="u2.csv")
    second = get_catalog(store=store)
    assert second.lookup("gpt-brand-new") is not None
    assert (
        str(second.require("gpt-4o-2024-08-06").shutdown_date) == "2027-01-14"
    )  # overlay on shipped
    assert len(list((tmp_path / "store").glob("models-*.csv"))) == 2

    now, before = store.rollback()
    assert now is not None
    assert before is not None
    assert (now.source, before.source) == ("u1.csv", "u2.csv")
    assert get_catalog(store=store).lookup("gpt-brand-new") is None
    store.rollback()  # redo
    assert get_catalog(store=store).lookup("gpt-brand-new") is not None


def test_rollback_to_shipped_and_nothing_to_roll_back(tmp_path: Path) -> None:
    store = UpdateStore(tmp_path / "store")
    with pytest.raises(CatalogError, match="nothing to roll back"):
        store.rollback()
    store.install(read_update_source(str(_csv(tmp_path, "u.csv", ROW_B))), source="u.csv")
    now, before = store.rollback()
    assert now is None
    assert before is not None
    assert store.current() is None
    assert get_catalog(store=store).lookup("gpt-brand-new") is None


def test_interrupted_write_leaves_old_data(tmp_path: Path) -> None:
    root = tmp_path / "store"
    UpdateStore(root).install(
        read_update_source(str(_csv(tmp_path, "u1.csv", ROW_A))), source="u1.csv"
    )
    state_before = (root / "state.json").read_bytes()

    def crash_on_state(src: Path, dst: Path) -> None:
        if dst.name == "state.json":
            raise OSError("disk full")
        src.replace(dst)

    broken = UpdateStore(root, replace=crash_on_state)
    entries = read_update_source(str(_csv(tmp_path, "u2.csv", ROW_B)))
    with pytest.raises(OSError, match="disk full"):
        broken.install(entries, source="u2.csv")
    assert (root / "state.json").read_bytes() == state_before
    assert not list(root.glob(".*.tmp"))  # temp files cleaned up
    cat = get_catalog(store=UpdateStore(root))
    assert cat.lookup("gpt-brand-new") is None
    assert str(cat.require("gpt-4o-2024-08-06").shutdown_date) == "2027-03-01"

    def crash_on_data(src: Path, dst: Path) -> None:
        raise OSError("interrupted")

    with pytest.raises(OSError, match="interrupted"):
        UpdateStore(root, replace=crash_on_data).install(entries, source="u2.csv")
    assert (root / "state.json").read_bytes() == state_before


def test_invalid_update_is_rejected_before_writing(tmp_path: Path) -> None:
    bad = _csv(tmp_path, "bad.csv", ROW_B.replace("active", "sunsetting"))
    with pytest.raises(CatalogError) as info:
        read_update_source(str(bad))
    assert (info.value.line, info.value.field) == (2, "status")
    with pytest.raises(CatalogError, match="has no rows"):
        read_update_source(str(_csv(tmp_path, "empty.csv")))
    with pytest.raises(CatalogError, match="update file not found") as missing:
        read_update_source(str(tmp_path / "nope.csv"))
    assert missing.value.exit_code == 2
    with pytest.raises(CatalogError, match="is a directory"):
        read_update_source(str(tmp_path))


def test_update_from_url() -> None:
    body = json.dumps(
        [
            {
                "provider": "openai",
                "platform": "openai",
                "id": "gpt-from-url",
                "status": "active",
                "source_url": "https://u.test",
                "source_kind": "official",
                "retrieved": "2026-11-27",
            }
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/models":
            return httpx.Response(200, text=body, headers={"content-type": "application/json"})
        return httpx.Response(404, text="nope")

    transport = httpx.MockTransport(handler)
    entries = read_update_source("https://data.test/models", transport=transport)
    assert [e.id for e in entries] == ["gpt-from-url"]
    with pytest.raises(CatalogError, match="HTTP 404") as not_found:
        read_update_source("https://data.test/missing.csv", transport=transport)
    assert not_found.value.exit_code == 2  # a wrong URL is the user's to fix
    failing = httpx.MockTransport(lambda request: httpx.Response(503, text="down"))
    with pytest.raises(CatalogError, match="HTTP 503") as down:
        read_update_source("https://data.test/x.csv", transport=failing)
    assert down.value.exit_code == 3

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(CatalogError, match="could not fetch") as refused:
        read_update_source("https://data.test/x.csv", transport=httpx.MockTransport(refuse))
    assert refused.value.exit_code == 3  # network failure, not bad input


def test_corrupt_state_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "state.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match="unreadable"):
        UpdateStore(root).current()
    (root / "state.json").write_text('{"current": {"file": 1}}', encoding="utf-8")
    with pytest.raises(CatalogError, match="malformed"):
        UpdateStore(root).current()
    (root / "state.json").write_text(
        json.dumps(
            {
                "current": {
                    "file": "models-gone.csv",
                    "source": "x",
                    "installed_at": "t",
                    "rows": 1,
                    "sha256": "0",
                },
                "previous": None,
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="missing its data file"):
        get_catalog(store=UpdateStore(root))


def test_catalog_of_update_builds() -> None:
    assert len(Catalog([])) == 0
