"""``switchover catalog update|rollback|info`` through the real entry point."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from switchover.cli.app import main

ROW = (
    "provider,platform,id,status,shutdown_date,source_url,source_kind,retrieved\n"
    "openai,openai,gpt-4o-2024-08-06,deprecated,2027-03-01,https://u.test,official,2026-11-27\n"
    "openai,openai,gpt-brand-new,active,,https://u.test,official,2026-11-27\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _show(capsys: pytest.CaptureFixture[str], model: str) -> dict[str, object]:
    code, out, _ = run(capsys, "models", "show", model, "--json")
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def test_update_info_rollback_cycle(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, catalog_home: Path
) -> None:
    update = tmp_path / "update.csv"
    update.write_text(ROW, encoding="utf-8")

    code, out, _ = run(capsys, "catalog", "info", "--json")
    assert code == 0
    info = json.loads(out)
    assert (info["in_use"], info["rows"]) == ("shipped", 494)
    assert "2026-11-26" in info["retrieved"]

    code, out, err = run(capsys, "catalog", "update", "--from", str(update), "--dry-run")
    assert code == 0
    assert "validated 2 rows" in out
    # the row replaces the shipped snapshot whole, so the gpt-4o alias would be lost
    assert "gpt-4o-2024-08-06@openai: the update row has no alias gpt-4o" in err
    with_alias = tmp_path / "with-alias.csv"
    with_alias.write_text(
        ROW.replace("retrieved\n", "retrieved,aliases\n", 1)
        .replace("2026-11-27\n", "2026-11-27,gpt-4o\n", 1)
        .replace("2026-11-27\n", "2026-11-27,\n"),
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "catalog", "update", "--from", str(with_alias), "--dry-run", "--json"
    )
    assert (code, json.loads(out)["warnings"], err) == (0, [], "")
    assert not (catalog_home / "catalog" / "state.json").exists()

    code, out, _ = run(capsys, "catalog", "update", "--from", str(update))
    assert code == 0
    assert "installed 2 rows" in out
    assert "1 override shipped rows, 1 are new" in out
    assert _show(capsys, "gpt-4o-2024-08-06")["shutdown_date"] == "2027-03-01"

    code, out, _ = run(capsys, "catalog", "info")
    assert code == 0
    assert "catalog in use: updated (495 rows)" in out
    assert str(update) in out

    code, out, _ = run(capsys, "catalog", "rollback")
    assert code == 0
    assert "Now using the shipped catalog." in out
    assert _show(capsys, "gpt-4o-2024-08-06")["shutdown_date"] == "2027-01-14"

    code, out, _ = run(capsys, "catalog", "rollback", "--json")
    assert code == 0
    assert json.loads(out)["in_use"] == "updated"
    code, out, _ = run(capsys, "catalog", "info")
    assert "catalog in use: updated" in out
    assert "rollback would restore" not in out  # the redo consumed the previous slot
    assert _show(capsys, "gpt-brand-new")["id"] == "gpt-brand-new"


def test_invalid_update_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, catalog_home: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(ROW.replace("2027-03-01", "March"), encoding="utf-8")
    code, _, err = run(capsys, "catalog", "update", "--from", str(bad))
    assert code == 2
    assert "bad.csv:2: shutdown_date:" in err
    assert not (catalog_home / "catalog").exists()
    code, _, err = run(capsys, "catalog", "rollback")
    assert code == 2
    assert "nothing to roll back" in err


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ROW.encode()
        self.send_response(200)
        self.send_header("content-type", "text/csv")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/models.csv"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_update_from_url(capsys: pytest.CaptureFixture[str], server: str) -> None:
    code, out, err = run(capsys, "catalog", "update", "--from", server, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["installed"] is True
    assert data["rows"] == 2
    assert _show(capsys, "gpt-brand-new")["platform"] == "openai"


def test_update_url_token_is_never_stored_or_echoed(
    capsys: pytest.CaptureFixture[str], server: str, catalog_home: Path
) -> None:
    secret = "s3cr3t-token-value"
    code, out, err = run(capsys, "catalog", "update", "--from", f"{server}?api_key={secret}")
    assert code == 0, err
    assert secret not in out
    assert secret not in (catalog_home / "catalog" / "state.json").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "catalog", "info", "--json")
    assert secret not in out
    assert "[REDACTED]" in json.loads(out)["update"]["source"]
