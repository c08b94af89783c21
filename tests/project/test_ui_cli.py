"""``switchover ui`` serves the dashboard (a real process on a free loopback port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ui(cwd: Path, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "switchover", "ui", "--port", str(port), "--no-scan"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ui_command_serves_with_the_token(example_with_plan: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SWITCHOVER_ADMIN_TOKEN": "cli-token"}
    proc = _ui(example_with_plan, port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        with httpx.Client() as client:
            while True:
                try:
                    r = client.get(
                        base + "/api/status", headers={"authorization": "Bearer cli-token"}
                    )
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.communicate()
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert r.status_code == 200
            assert r.json()["migrations"][0]["name"] == "support-gpt-6-luna"
            assert client.get(base + "/api/status").status_code == 401
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert "token from $SWITCHOVER_ADMIN_TOKEN" in out
    assert "cli-token" not in out + err


def test_ui_port_0_prints_the_bound_port(example_with_plan: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SWITCHOVER_ADMIN_TOKEN"}
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "300"
    proc = _ui(example_with_plan, 0, env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("dashboard on http://127.0.0.1:"), line
        url = line.split()[-1]
        port = int(url.split(":")[2].split("/")[0])
        assert port != 0
        token = url.split("?token=")[1]
        deadline = time.monotonic() + 30
        with httpx.Client() as client:
            while True:
                try:
                    r = client.get(
                        f"http://127.0.0.1:{port}/api/status",
                        headers={"authorization": f"Bearer {token}"},
                    )
                    break
                except httpx.TransportError:
                    assert proc.poll() is None
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert r.status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_ui_port_out_of_range_is_a_usage_error(
    example_with_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from switchover.cli.app import main

    with pytest.raises(SystemExit) as info:
        main(["ui", "--port", "99999", "-c", str(example_with_plan / "switchover.toml")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--port" in err
    assert "Traceback" not in err
