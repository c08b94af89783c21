"""`switchover tune` on the command line, and the generator's answer parsing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent
from switchover.cli.app import app, main
from switchover.errors import ProviderServerError, SwitchoverError
from switchover.providers.base import Provider
from switchover.tune.generate import generate_variants, parse_rewrites

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
runner = CliRunner()


def test_cli_writes_markdown_json_and_html(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "tune", "-c", str(EXAMPLE / "switchover.toml"),
            "--variants", str(EXAMPLE / "tune-variants.toml"),
            "--sample", "120", "--judge", "none", "--store", "sqlite://:memory:",
            "--format", "md,json,html", "--out", str(tmp_path),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.stdout
    assert "CONFIRMED" in res.stdout
    assert "+Return bare JSON with no code fences." in res.stdout
    assert "Held-out split" in res.stdout
    md = (tmp_path / "support-gpt-6-luna-tune.md").read_text()
    assert "## Held-out confirmation of bare-json-exact-args" in md
    assert "```diff" in md
    data = json.loads((tmp_path / "support-gpt-6-luna-tune.json").read_text())
    assert data["winner"] == "bare-json-exact-args"
    assert data["confirmed"] is True
    assert (tmp_path / "support-gpt-6-luna-tune-dev.html").stat().st_size > 1000
    assert (tmp_path / "support-gpt-6-luna-tune-holdout.html").exists()


def test_cli_json_output(tmp_path: Path) -> None:
    variants = tmp_path / "v.toml"
    variants.write_text('[[variants]]\nname = "params"\nparams = { temperature = 0.2 }\n')
    res = runner.invoke(
        app,
        [
            "tune", "-c", str(EXAMPLE / "switchover.toml"), "--variants", str(variants),
            "--sample", "40", "--judge", "none", "--store", "sqlite://:memory:",
            "--format", "", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 1, res.stdout
    data = json.loads(res.stdout)
    assert data["winner"] is None
    assert data["holdout"] is None


def _run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_cli_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(EXAMPLE / "switchover.toml")
    code, out = _run_main(["tune", "-c", cfg, "--format", "pdf"], capsys)
    assert code == 2
    assert "unknown --format 'pdf'" in out
    code, out = _run_main(["tune", "-c", cfg, "--store", "sqlite://:memory:"], capsys)
    assert code == 2
    assert "nothing to tune" in out
    assert "Traceback" not in out
    bad = tmp_path / "v.toml"
    bad.write_text('[[variants]]\nname = "a"\nappend = "x"\nsystem_prompt = "y"\n')
    code, out = _run_main(["tune", "-c", cfg, "--variants", str(bad)], capsys)
    assert code == 2
    assert "variants[0]" in out
    assert "Traceback" not in out


def test_parse_rewrites() -> None:
    text = (
        '```json\n{"variants": [{"name": "Plain & bare!", "system_prompt": "P", "rationale": "r"},'
        ' {"name": "x"}, {"system_prompt": "Q"}]}\n```'
    )
    vs = parse_rewrites(text, count=5)
    assert [v.name for v in vs] == ["gen-1-Plain-bare", "gen-3"]
    assert vs[0].source == "generated"
    assert vs[0].description == "r"
    assert len(parse_rewrites(text, count=1)) == 1
    with pytest.raises(SwitchoverError, match="not the JSON"):
        parse_rewrites("Sure! Here are some ideas.", count=2)
    with pytest.raises(SwitchoverError, match="no usable"):
        parse_rewrites('{"variants": [{"name": "a"}]}', count=2)


class _Failing(Provider):
    name = "failing"

    async def complete(self, request: ChatRequest) -> ChatResponse:
        raise ProviderServerError("upstream exploded", status=500, provider="failing")

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        raise NotImplementedError


async def test_generator_failure_is_a_clear_error() -> None:
    provider = _Failing()
    req = ChatRequest(model="m", messages=[Message.user("x")])
    with pytest.raises(SwitchoverError, match="the generator m failed: upstream exploded"):
        await generate_variants(provider, req, count=1)


def test_cli_missing_dataset_is_caught_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "switchover.toml"
    cfg.write_text('[[migrations]]\nname = "m"\nfrom = "gpt-4o"\nto = "gpt-6-luna"\n')
    variants = tmp_path / "v.toml"
    variants.write_text('[[variants]]\nname = "p"\nparams = { temperature = 0.2 }\n')
    args = ["tune", "-c", str(cfg), "--variants", str(variants), "--store", "sqlite://:memory:"]
    code, out = _run_main(args, capsys)
    assert code == 2
    flat = " ".join(out.split())
    assert "no dataset to tune migration 'm' on" in flat
    assert "Pass --dataset FILE" in flat
    assert "running the development split" not in flat
    # -d/--dataset is tune's option too, read like eval's
    missing = tmp_path / "nope.jsonl"
    code, out = _run_main([*args, "-d", str(missing)], capsys)
    assert code == 2
    assert f"{missing}: dataset file not found" in " ".join(out.split())
