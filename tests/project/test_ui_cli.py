"""``switchover ui`` serves the dashboard (a real process on a free loopback port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ui_command_serves_with_the_token(example_with_plan: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SWITCHOVER_ADMIN_TOKEN": "cli-token"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "switchover", "ui", "--port", str(port), "--no-scan"],
        cwd=example_with_plan,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
