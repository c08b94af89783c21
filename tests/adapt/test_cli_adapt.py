"""``switchover adapt``: formats in, wire body and change table out, errors as exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from switchover.adapt.wire import detect_api
from switchover.cli.app import main

OPENAI_BODY = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Hi"},
    ],
    "max_tokens": 300,
    "temperature": 0.2,
    "logit_bias": {"50256": -100},
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def _file(tmp_path: Path, body: Any, name: str = "req.json") -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def test_openai_to_reasoning_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "adapt", "--to", "gpt-5", "--json", str(_file(tmp_path, OPENAI_BODY))
    )
    assert code == 0
    data = json.loads(out)
    assert data["target_api"] == "openai.chat"
    assert data["request"]["max_completion_tokens"] == 300
    assert "max_tokens" not in data["request"]
    assert data["request"]["messages"][0]["role"] == "developer"
    rules = {c["rule_id"] for c in data["changes"]}
    assert {"openai-max-tokens-reasoning", "openai-temperature-reasoning"} <= rules
    assert data["warnings"]


def test_table_output_to_claude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "adapt", "--to", "claude-opus-4-7", str(_file(tmp_path, OPENAI_BODY))
    )
    assert code == 0
    assert '"system": "Be terse."' in out
    assert "anthropic-sampling-removed" in out
    assert "lossy" in out
    assert "warning:" in out


def test_strict_fails_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys, "adapt", "--to", "gpt-5", "--strict", str(_file(tmp_path, OPENAI_BODY))
    )
    assert code == 2
    assert "loses information" in err
    assert "Traceback" not in err


def test_anthropic_input_and_no_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "system": "s",
            "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
    path = _file(tmp_path, body)
    code, out, _ = _run(capsys, "adapt", "--to", "claude-sonnet-4-5", str(path))
    assert code == 0
    assert "No changes needed." in out
    code, out, _ = _run(capsys, "adapt", "--to", "gpt-4.1", "--json", str(path))
    data = json.loads(out)
    assert data["request"]["messages"][0] == {"role": "system", "content": "s"}


def test_neutral_input_and_responses_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    neutral = {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
               "stop": ["x"]}  # fmt: skip
    path = _file(tmp_path, neutral)
    code, out, _ = _run(
        capsys, "adapt", "--to", "gpt-5.6", "--api", "openai.responses", "--json", str(path)
    )
    assert code == 0
    data = json.loads(out)
    assert data["target_api"] == "openai.responses"
    assert data["neutral"]["stop"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to", "gpt-5", "--api", "openai.completions"], "unknown --api"),
        (["--to", "gpt-5", "--input-format", "xml"], "unknown --input-format"),
        ([], "no target model"),
        (["--to", "my-model"], "cannot tell which API"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, "adapt", *argv, str(_file(tmp_path, OPENAI_BODY)))
    assert code == 2
    assert message in err


def test_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _file(
        tmp_path, '{"model": "gpt-4o",\n  "messages": [\n    {"role": "user" "content": "x"}]}'
    )
    code, _, err = _run(capsys, "adapt", "--to", "gpt-5", str(bad))
    assert code == 2
    assert "line 3, column" in err
    assert str(bad) in err
    code, _, err = _run(
        capsys, "adapt", "--to", "gpt-5", str(_file(tmp_path, "[1, 2]", "list.json"))
    )
    assert (code, "JSON object" in err) == (2, True)
    code, _, err = _run(capsys, "adapt", "--to", "gpt-5", str(tmp_path / "missing.json"))
    assert (code, "cannot read" in err) == (2, True)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x00\xff\xfe{")
    code, _, err = _run(capsys, "adapt", "--to", "gpt-5", str(binary))
    assert (code, "not UTF-8" in err, "Traceback" in err) == (2, True, False)
    code, _, err = _run(capsys, "adapt", "--to", "gpt-5", str(_file(tmp_path, " \n", "e.json")))
    assert (code, "the file is empty" in err) == (2, True)
    wrong = _file(tmp_path, {"model": "gpt-4o", "messages": []}, "empty.json")
    code, _, err = _run(capsys, "adapt", "--to", "gpt-5", str(wrong))
    assert code == 2
    assert "messages" in err
    neutral_bad = _file(tmp_path, {"model": "m", "messages": [{"role": "wizard"}]}, "n.json")
    code, _, err = _run(
        capsys, "adapt", "--to", "gpt-5", "--input-format", "neutral", str(neutral_bad)
    )
    assert code == 2
    assert "messages.0.role" in err


def test_migration_from_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "switchover.toml"
    cfg.write_text(
        '[[migrations]]\nname = "m1"\nfrom = "openai:gpt-4o"\nto = "openai:gpt-5"\n'
        'adaptation = "strict"\n',
        encoding="utf-8",
    )
    req = _file(tmp_path, OPENAI_BODY)
    code, _, err = _run(capsys, "adapt", "--migration", "m1", "--config", str(cfg), str(req))
    assert code == 2
    assert "loses information" in err
    code, _, err = _run(capsys, "adapt", "--migration", "nope", "--config", str(cfg), str(req))
    assert code == 2
    assert "m1" in err


@pytest.mark.parametrize(
    ("body", "api"),
    [
        ({"model": "m", "contents": []}, "gemini.generate"),
        ({"model": "m", "input": "hi"}, "openai.responses"),
        (
            {"model": "m", "messages": [], "tools": [{"name": "f", "input_schema": {}}]},
            "anthropic.messages",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]},
            "anthropic.messages",
        ),
        ({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, "openai.chat"),
    ],
)
def test_detect_api(body: dict[str, Any], api: str) -> None:
    assert detect_api(body) == api
