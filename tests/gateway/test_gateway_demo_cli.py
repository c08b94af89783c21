"""The ``switchover gateway`` command's error handling (the demo's gateway step is tested in
tests/test_demo.py)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from switchover.cli.app import main
from switchover.errors import UsageError
from switchover.gateway.server import bind, bound_url


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    code = info.value.code
    assert isinstance(code, int)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


def _cfg(tmp_path: Path, text: str) -> str:
    cfg = tmp_path / "switchover.toml"
    cfg.write_text(text)
    return str(cfg)


def test_cli_no_migrations_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(tmp_path, '[project]\nname = "x"\n')
    code, out = _run(["gateway", "--config", cfg, "--store", "sqlite://:memory:"], capsys)
    assert code == 2
    assert "no migrations to route" in out


def test_cli_several_workers_need_a_shared_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(
        tmp_path,
        '[upstreams.o]\nprovider = "openai"\n\n[[migrations]]\nname = "m"\n'
        'from = "openai:gpt-4.1"\nto = "openai:gpt-5-mini"\n',
    )
    args = ["gateway", "--config", cfg, "--workers", "2", "--store", "sqlite://:memory:"]
    code, out = _run(args, capsys)
    assert code == 2
    assert "needs a store the workers can share" in out


def test_cli_unknown_upstream_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(
        tmp_path,
        '[upstreams.o]\nprovider = "anthropic"\n\n[[migrations]]\nname = "m"\n'
        'from = "openai:gpt-4.1"\nto = "anthropic:claude-sonnet-4-6"\n',
    )
    code, out = _run(["gateway", "--config", cfg, "--store", "sqlite://:memory:"], capsys)
    assert code == 2
    assert "baseline_upstream" in out


_TWO_UPSTREAMS = (
    '[upstreams.o]\nprovider = "openai"\napi_key_env = "SWITCHOVER_TEST_UNSET_KEY"\n\n'
    '[upstreams.l]\nprovider = "openai-compatible"\noptions = { preset = "ollama" }\n\n'
    '[[migrations]]\nname = "m"\nfrom = "openai:gpt-4.1"\nto = "openai:gpt-5-mini"\n'
    'baseline_upstream = "o"\ncandidate_upstream = "l"\n'
)


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_cli_port_out_of_range_is_a_usage_error(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(tmp_path, _TWO_UPSTREAMS)
    code, out = _run(["gateway", "--config", cfg, "--port", port], capsys)
    assert code == 2
    assert "--port" in out
    assert "OverflowError" not in out


def test_bind_rejects_out_of_range_port() -> None:
    with pytest.raises(UsageError, match="--port 99999 is out of range"):
        bind("127.0.0.1", 99999)
    with pytest.raises(UsageError, match="--port -1"):
        bind("127.0.0.1", -1)


def test_bind_port_0_reports_the_real_port() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        url = bound_url(sock)
        assert url == f"http://127.0.0.1:{sock.getsockname()[1]}"
        assert not url.endswith(":0")
    finally:
        sock.close()


def test_cli_port_in_use_is_a_usage_error_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _cfg(tmp_path, _TWO_UPSTREAMS)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        args = ["gateway", "--config", cfg, "--port", port, "--store", "sqlite://:memory:"]
        code, out = _run(args, capsys)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in out
    assert "in use" in out
    assert "another --port" in out
    assert "switchover gateway on" not in out  # no address announced that is not served


def test_cli_port_0_announces_the_bound_port_and_warns_about_missing_keys(
    tmp_path: Path,
) -> None:
    cfg = _cfg(tmp_path, _TWO_UPSTREAMS)
    env = {k: v for k, v in os.environ.items() if k != "SWITCHOVER_TEST_UNSET_KEY"}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="300")
    cmd = [sys.executable, "-m", "switchover", "gateway", "--config", cfg, "--port", "0"]
    cmd += ["--store", "sqlite://:memory:", "--insecure-dev", "--log-level", "warning"]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as proc:
        try:
            assert proc.stdout is not None
            lines: list[str] = []
            for line in proc.stdout:
                lines.append(line)
                if "switchover gateway on" in line:
                    break
            out = "".join(lines)
            m = re.search(r"switchover gateway on http://127\.0\.0\.1:(\d+) ", out)
            assert m is not None, out
            port = int(m.group(1))
            assert port != 0
            r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert r.json() == {"status": "ok"}
            warnings = [ln for ln in lines if ln.startswith("warning:")]
            assert len(warnings) == 1, out  # the ollama upstream needs no key
            assert "'o'" in warnings[0]
            assert "SWITCHOVER_TEST_UNSET_KEY is not set" in warnings[0]
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)


def test_bind_address_not_on_this_host_is_a_usage_error() -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: EADDRNOTAVAIL, no DNS involved.
    with pytest.raises(UsageError, match=r"cannot listen on 192\.0\.2\.1:0") as info:
        bind("192.0.2.1", 0)
    assert info.value.hint is not None
    assert "--host" in info.value.hint
