"""``switchover status``: deadline, code left, evaluation verdict, rollout, next step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.cli.app import app
from switchover.config import Config, load_config
from switchover.evaluate.results import ComparisonResult, EvalReport, MetricSummary, RunMeta
from switchover.project.evalinfo import latest_eval
from switchover.project.render import render_markdown
from switchover.project.status import build_status, migration_plan
from switchover.rollout import RequestRecord
from switchover.store import Store, open_store
from switchover.store.control import apply_action

runner = CliRunner()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _init(example: Path) -> Config:
    result = runner.invoke(
        app,
        ["init", "--path", str(example), "--yes", "--owner", "support", "--today", "2026-11-26"],
    )
    assert result.exit_code == 0, result.output
    return load_config(example / "switchover.toml")


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("sqlite://:memory:") as st:
        yield st


def test_init_then_status_on_a_fresh_copy(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _init(example)
    monkeypatch.chdir(example)
    result = runner.invoke(app, ["status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (m,) = data["migrations"]
    assert m["name"] == "gpt-4o-2024-08-06-to-gpt-6-luna"
    assert m["deadline"] == "2027-01-14"
    assert m["deadline_source"] == "switchover.toml"
    sites = {(s["path"], s["line"]) for s in m["call_sites"]}
    assert ("support_assistant/settings.py", 9) in sites
    assert ("support_assistant/assistant.py", 71) in sites
    assert (".env.example", 4) in sites
    call = next(s for s in m["call_sites"] if s["kind"] == "call")
    assert call["params"] == ["max_tokens", "reasoning_effort", "temperature"]
    assert m["eval"] is None
    assert m["rollout"]["status"] == "baseline"
    assert "switchover eval --migration gpt-4o-2024-08-06-to-gpt-6-luna" in m["next_step"]
    assert m["warnings"] == []
    text = runner.invoke(app, ["status"]).stdout
    assert "4 site(s)" in text
    assert "next:" in text
    md = runner.invoke(app, ["status", "--markdown", "--no-scan"]).stdout
    assert md.startswith("## support-assistant: migration status")
    assert "| rollout | baseline only (not started) |" in md


def _report(run_id: str, verdict: str, diff: float) -> EvalReport:
    metric = MetricSummary(
        name="json_valid",
        kind="pass",
        direction="higher",
        gate=True,
        margin=0.02,
        margin_spec=0.02,
        n_cases=100,
        n_observations=100,
        diff=diff,
        ci_low=diff - 0.05,
        ci_high=diff + 0.05,
        verdict=verdict,
    )
    return EvalReport(
        meta=RunMeta(run_id=run_id),
        verdict=verdict,
        comparisons=[
            ComparisonResult(
                candidate="gpt-6-luna",
                candidate_model="gpt-6-luna",
                verdict=verdict,
                reasons=["json_valid worse"],
                metrics=[metric],
            )
        ],
    )


def test_latest_eval_verdict_and_intervals(example: Path, store: Store) -> None:
    cfg = _init(example)
    name = cfg.migrations[0].name
    reports = example / "switchover-reports"
    assert latest_eval(store, name, reports) is None
    store.run_put("old", {"migration": name, "started": 1.0, "finished": 2.0, "verdict": "GO"})
    store.run_put("other", {"migration": "else", "finished": 9.0, "verdict": "GO"})
    store.run_put(
        "new",
        {
            "migration": name,
            "started": 3.0,
            "finished": 4.0,
            "verdict": "NO-GO",
            "complete": True,
            "candidates": {"c": "gpt-6-luna"},
        },
    )
    # tune's trial runs of prompt variants are newer but are not the migration's evaluation
    store.run_put("tune-0123456789abcdef", {"migration": name, "finished": 5.0, "verdict": "GO"})
    ev = latest_eval(store, name, reports)
    assert ev is not None
    assert ev.run_id == "new"
    assert ev.verdict == "NO-GO"
    assert ev.candidate_model == "gpt-6-luna"
    assert ev.intervals == []
    reports.mkdir()
    (reports / f"{name}-eval.json").write_text(_report("new", "NO-GO", -0.3).model_dump_json())
    (reports / f"{name}-eval.html").write_text("<html></html>")
    ev = latest_eval(store, name, reports)
    assert ev is not None
    assert ev.intervals[0].metric == "json_valid"
    assert ev.intervals[0].diff == pytest.approx(-0.3)
    assert set(ev.reports) == {"json", "html"}
    status = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False)
    m = status.migrations[0]
    assert "candidate regresses" in m.next_step
    md = render_markdown(status)
    assert "| json_valid | -0.300 [-0.350, -0.250] (margin 0.02) | NO-GO |" in md
    # a report file from an older run is flagged, not mixed into the latest verdict
    (reports / f"{name}-eval.json").write_text(_report("old", "GO", 0.0).model_dump_json())
    ev = latest_eval(store, name, reports)
    assert ev is not None
    assert ev.intervals == []
    assert "not the latest run" in (ev.note or "")
    (reports / f"{name}-eval.json").write_text("{broken")
    ev = latest_eval(store, name, reports)
    assert ev is not None
    assert "unreadable report" in (ev.note or "")


def test_verdict_only_in_report_file(example: Path, store: Store) -> None:
    cfg = _init(example)
    name = cfg.migrations[0].name
    reports = example / "switchover-reports"
    reports.mkdir()
    (reports / f"{name}-eval.json").write_text(_report("r1", "GO", 0.01).model_dump_json())
    ev = latest_eval(store, name, reports)
    assert ev is not None
    assert ev.verdict == "GO"
    assert "not in this store" in (ev.note or "")
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert "switchover rollout promote" in m.next_step


def _records(store: Store, name: str, at: datetime, cand_err: bool) -> None:
    batch = []
    for i in range(250):
        for arm in ("baseline", "candidate"):
            batch.append(
                RequestRecord(
                    migration=name,
                    arm=arm,
                    at=at + timedelta(seconds=i),
                    latency_ms=500.0,
                    ok=not (cand_err and arm == "candidate" and i % 5 == 0),
                    shadow=True,
                )
            )
    store.append_records(batch)


def test_rollout_stage_gates_and_next_steps(example: Path, store: Store) -> None:
    cfg = _init(example)
    mig = cfg.migrations[0]
    plan = migration_plan(cfg, mig)
    start = NOW - timedelta(minutes=30)
    apply_action(store, plan, "promote", actor="user:t", now=start)
    _records(store, mig.name, NOW - timedelta(minutes=8), cand_err=False)
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    ro = m.rollout
    assert ro.status == "shadow"
    assert ro.stages[0].state == "current"
    assert {g.gate for g in ro.gates} >= {"error_rate", "p95_latency"}
    assert m.warnings == []
    store.run_put("e", {"migration": mig.name, "finished": 1.0, "verdict": "NO-GO"})
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert any("although the latest evaluation (e) is NO-GO" in w for w in m.warnings)
    err = next(g for g in ro.gates if g.gate == "error_rate")
    assert err.outcome == "pass"
    assert err.samples == (250, 250)
    assert ro.decision == "hold"
    assert m.next_step.startswith("hold at shadow")
    assert ro.time_in_stage_s == pytest.approx(1800)
    # a failing candidate: the gate readings say so
    _records(store, mig.name, NOW - timedelta(minutes=4), cand_err=True)
    ro2 = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0].rollout
    assert next(g for g in ro2.gates if g.gate == "error_rate").outcome == "fail"
    apply_action(store, plan, "pause", actor="user:t", now=NOW)
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert "resume" in m.next_step
    apply_action(store, plan, "kill", actor="user:t", now=NOW)
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert m.rollout.status == "rolled_back"
    assert "reset" in m.next_step


def test_complete_rollout_points_at_rewrite(example: Path, store: Store) -> None:
    cfg = _init(example)
    mig = cfg.migrations[0]
    plan = migration_plan(cfg, mig)
    for _ in range(len(plan.stages) + 1):
        apply_action(store, plan, "promote", actor="user:t", now=NOW)
    status = build_status(cfg, store, store_url="mem", now=NOW)
    m = status.migrations[0]
    assert m.rollout.status == "complete"
    assert all(s.state == "done" for s in m.rollout.stages)
    assert f"switchover rewrite --migration {mig.name} --write" in m.next_step


def test_complete_with_a_tuned_prompt_says_to_move_it_into_the_code(
    example: Path, store: Store
) -> None:
    cfg = _init(example)
    mig = cfg.migrations[0]
    plan = migration_plan(cfg, mig)
    for _ in range(len(plan.stages) + 1):
        apply_action(store, plan, "promote", actor="user:t", now=NOW)
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert m.next_step.startswith("done: no code on")
    assert "system_prompt" not in m.next_step
    mig.system_prompt = "You are ... Return bare JSON with no code fences."
    m = build_status(cfg, store, store_url="mem", now=NOW, do_scan=False).migrations[0]
    assert "the gateway serves the plan's system_prompt" in m.next_step
    assert "put it into the code before removing the gateway route" in m.next_step


def test_deadline_warnings(example: Path, store: Store) -> None:
    cfg = _init(example)
    late = NOW.replace(year=2027, month=1, day=13, hour=20)
    m = build_status(cfg, store, store_url="mem", now=late, do_scan=False).migrations[0]
    assert m.days_left == 1
    assert any("behind schedule" in w for w in m.warnings)
    after = NOW.replace(year=2027, month=2, day=1)
    m = build_status(cfg, store, store_url="mem", now=after).migrations[0]
    assert any("has passed" in w for w in m.warnings)


def test_example_plan_status_and_unknown_migration(example_with_plan: Path, store: Store) -> None:
    cfg = load_config(example_with_plan / "switchover.toml")
    status = build_status(cfg, store, store_url="mem", now=NOW, migration=cfg.migrations[0].name)
    assert status.migrations[0].deadline_source == "switchover.toml"
    assert len(status.migrations[0].call_sites) >= 3
    from switchover.errors import ConfigError

    with pytest.raises(ConfigError):
        build_status(cfg, store, store_url="mem", now=NOW, migration="nope")


def test_no_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "switchover.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["status", "--store", f"sqlite:///{tmp_path}/s.db"])
    assert result.exit_code == 0
    assert "No migrations defined" in result.stdout
    md = runner.invoke(app, ["status", "--markdown", "--store", f"sqlite:///{tmp_path}/s.db"])
    assert "No migrations defined" in md.stdout


def test_render_everything(example: Path, store: Store) -> None:
    from rich.console import Console

    from switchover.project.model import CallSite
    from switchover.project.render import render_rich

    cfg = _init(example)
    mig = cfg.migrations[0]
    plan = migration_plan(cfg, mig)
    reports = example / "switchover-reports"
    reports.mkdir()
    store.run_put("r", {"migration": mig.name, "finished": 5.0, "verdict": "NO-GO"})
    (reports / f"{mig.name}-eval.json").write_text(_report("r", "NO-GO", -0.3).model_dump_json())
    (reports / f"{mig.name}-eval.html").write_text("<html></html>")
    apply_action(store, plan, "promote", actor="user:t", now=NOW - timedelta(minutes=30))
    _records(store, mig.name, NOW - timedelta(minutes=8), cand_err=True)
    status = build_status(cfg, store, store_url="mem", now=NOW)
    m = status.migrations[0]
    m.call_sites += [
        CallSite(path=f"f{i}.py", line=i, kind="literal", context="constant", expression="x")
        for i in range(8)
    ]
    m.warnings.append("a warning | with a pipe")
    console = Console(record=True, width=160)
    render_rich(status, console)
    text = console.export_text()
    assert "json_valid" in text
    assert "-0.300 [-0.350, -0.250]" in text
    assert "error_rate" in text
    assert "fail" in text
    assert "... and 4 more" in text
    assert "in stage 30m" in text
    assert "warning: a warning" in text
    assert "report:" in text
    md = render_markdown(status)
    assert "| error_rate | fail |" in md
    assert "a warning \\| with a pipe" in md
    assert "<details>" in md
