"""``switchover rollout``: status and manual control on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.cli.app import app, main
from switchover.store import open_store

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, ["rollout", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _fail(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ei:
        main(["rollout", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return int(str(ei.value.code)), err


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no switchover.toml here
    return f"sqlite:///{tmp_path}/state.db"


def test_status_before_start(store_url: str) -> None:
    out = _run("status", "-m", "bot", "--store", store_url)
    assert "bot: baseline only (not started)" in out
    assert "default plan" in out
    assert "No audit events yet." in out
    data = json.loads(_run("status", "-m", "bot", "--store", store_url, "--json"))
    assert data["stored"] is False
    assert data["state"]["status"] == "baseline"
    assert [s["label"] for s in data["stages"]][:2] == ["shadow 100%", "canary 1%"]


def test_manual_walk_through(store_url: str) -> None:
    common = ["-m", "bot", "--store", store_url, "--actor", "alice"]
    out = _run("promote", *common, "--reason", "start shadow")
    assert "promote by user:alice: baseline -> shadow (stage 1) (start shadow)" in out
    data = json.loads(_run("promote", *common, "--json"))
    assert data["state"]["status"] == "canary"
    assert data["state"]["percent"] == 1
    assert data["event"]["actor"] == "user:alice"
    assert "paused at canary 1%" in _run("pause", *common)
    assert "now canary 1% (stage 2)" in _run("resume", *common)
    status = _run("status", *common[:4])
    assert "bot: canary 1% (stage 2)" in status
    assert "<- here" in status
    assert "gate failures 0 of 3" in status
    assert "kill by user:alice" in _run("kill", *common, "-r", "pager")
    assert "now baseline only" in _run("reset", *common)
    with open_store(store_url) as store:
        events = store.list_audit("bot")
        assert [e.action for e in events] == [
            "promote",
            "promote",
            "pause",
            "resume",
            "kill",
            "reset",
        ]
        assert store.get_plan("bot") is not None  # stored for replicas and later commands
    data = json.loads(_run("status", "-m", "bot", "--store", store_url, "--json", "-n", "2"))
    assert [e["action"] for e in data["audit"]] == ["kill", "reset"]
    assert data["plan_source"] == "store"


def test_illegal_transition_exits_2_with_hint(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _fail(capsys, "resume", "-m", "bot", "--store", store_url)
    assert code == 2
    assert "cannot resume migration 'bot': it is baseline only" in err
    assert "hint:" in err


def test_usage_errors(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _fail(capsys, "status")
    assert code == 2
    assert "--migration is required" in err
    code, err = _fail(capsys, "status", "-m", "bot", "--store", "mysql://nope")
    assert code == 2
    assert "unsupported store URL" in err


CONFIG = """
[project]
store = "sqlite:///state.db"

[[migrations]]
name = "support-bot"
from = "openai:gpt-4o"
to = "openai:gpt-4.1"
deadline = 2027-01-15

[migrations.rollout]
failure_limit = 2

[[migrations.rollout.stages]]
kind = "canary"
percent = 10
duration = "1h"

[[migrations.rollout.stages]]
kind = "canary"
percent = 100
duration = "2h"
"""


def test_plan_and_store_from_switchover_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "switchover.toml").write_text(CONFIG, encoding="utf-8")
    out = _run("promote", "--actor", "bob")
    assert "support-bot: promote by user:bob: baseline -> canary 10% (stage 1)" in out
    data = json.loads(_run("status", "--json"))
    assert data["plan_source"].endswith("switchover.toml")
    assert data["deadline"] == "2027-01-15T00:00:00+00:00"
    assert [s["percent"] for s in data["stages"]] == [10, 100]
    assert (tmp_path / "state.db").exists()
    text = _run("status")
    assert "deadline 2027-01-15 00:00 UTC" in text


def test_bad_rollout_table_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = CONFIG.replace("percent = 10\n", 'percent = 10\nduration_typo = "1h"\n')
    (tmp_path / "switchover.toml").write_text(bad, encoding="utf-8")
    code, err = _fail(capsys, "status")
    assert code == 2
    assert "migrations[0].rollout.stages.0.duration_typo" in err
    assert "switchover.toml" in err


def test_unknown_migration_next_to_a_plan_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "switchover.toml").write_text(CONFIG, encoding="utf-8")
    code, err = _fail(capsys, "promote", "-m", "suport-bot")
    assert code == 2
    assert "unknown migration 'suport-bot'" in err
    assert "Known: support-bot." in err
    with open_store(f"sqlite:///{tmp_path}/state.db") as store:
        assert store.get_rollout("suport-bot") is None  # nothing was started by the typo
