"""The demo step and the ``switchover gateway`` command's error handling."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from switchover.cli.app import main
from switchover.demo_gateway import gateway_step


def test_demo_walks_shadow_canary_complete() -> None:
    buf = io.StringIO()
    gateway_step(Console(file=buf, width=200), stage_s=0.5, limit_s=60)
    out = buf.getvalue()
    assert "baseline -> shadow" in out
    assert "shadow -> canary 10%" in out
    assert "canary 100% -> complete" in out
    assert "answers other than 200: 0" in out


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
