"""``switchover sim profiles`` and ``switchover sim serve``."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from switchover.cli.app import app, main

from ._helpers import sim_serve

runner = CliRunner()


def test_profiles_table_and_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sim", "profiles"])
    assert result.exit_code == 0
    assert "not real models" in result.stdout
    for name in ("baseline", "markdown-drift", "rate-limited"):
        assert name in result.stdout
    result = runner.invoke(app, ["sim", "profiles", "--json"])
    data = json.loads(result.stdout)
    assert data["simulator"] is True
    assert data["builtin"]["refuser"]["refusal_rate"] == 0.15
    path = tmp_path / "p.toml"
    path.write_text('[models]\n"gpt-5*" = "flaky"\n"*" = "baseline"\n', encoding="utf-8")
    result = runner.invoke(app, ["sim", "profiles", "--profiles", str(path)])
    assert result.exit_code == 0
    assert "gpt-5*" in result.stdout
    result = runner.invoke(app, ["sim", "profiles", "--profiles", str(path), "--json"])
    assert json.loads(result.stdout)["models"]["gpt-5*"]["name"] == "flaky"


def test_bad_profile_file_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[models]\n"gpt-5*" = "nope"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["sim", "serve", "--profiles", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "models.gpt-5*" in err
    assert "unknown profile" in err
    assert "Traceback" not in err


def test_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            main(["sim", "serve", "--port", str(port)])
    assert info.value.code == 3
    assert "cannot listen" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--time-scale", "-1"], "--time-scale"),
    ],
)
def test_out_of_range_flags_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sim", "serve", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_address_not_on_this_machine_names_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sim", "serve", "--host", "192.0.2.1", "--port", "0"])  # TEST-NET-1
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "cannot listen on 192.0.2.1:0" in err
    assert "Check --host" in err


def test_serve_answers_over_http() -> None:
    with sim_serve() as (_, url), httpx.Client(timeout=10) as client:
        r = client.post(
            f"{url}/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello?"}]},
        )
    assert r.status_code == 200
    assert r.headers["x-switchover-simulator"] == "true"
    assert r.json()["id"].startswith("simchat-")


def test_ctrl_c_stops_serve_with_exit_130() -> None:
    """Like every long-running command: SIGINT (Ctrl-C) ends ``sim serve`` with exit 130 and
    the interrupted message, no traceback."""
    with sim_serve() as (proc, url):
        deadline = time.monotonic() + 20
        while True:  # serving (uvicorn's signal handlers are installed) before the signal
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "sim serve did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
