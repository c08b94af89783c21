"""`make demo` end to end: it must keep working as the parts it strings together change."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from switchover.config import load_config
from switchover.demo_gateway import gateway_step
from switchover.store import open_store
from switchover.tune import load_variants
from switchover.tune.apply import set_system_prompt

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "support-assistant"
NAME = "support-gpt-6-luna"


@pytest.mark.slow
def test_demo_runs_the_whole_migration_offline(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "switchover.demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    steps = (
        "1. Deadlines",
        "2. Inventory",
        "4. Side-by-side evaluation",
        "5. Tune the prompt",
        "6. Evaluate again, with the tuned prompt",
        "7. Cut over through the gateway",
        "8. Rewrite the code",
        "9. Status",
    )
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    first_eval, tune, re_eval, gateway, rewrite, status = (
        out[a:b] for a, b in zip(positions[2:], [*positions[3:], len(out)], strict=True)
    )
    assert "HTTP 400 Unsupported parameter: 'max_tokens'" in out
    # the first evaluation: NO-GO on the planted, prompt-fixable regressions only
    assert "verdict NO-GO (exit code 1)" in first_eval
    for line in first_eval.splitlines():
        if line.startswith(("│ json_fence", "│ tool_calls_match")):
            assert "NO-GO" in line
        if line.startswith(("│ refusal", "│ truncation")):
            assert line.rstrip("│ ").endswith("GO")
            assert "NO-GO" not in line
    # tune's winner holds on the held-out split and goes into the plan
    assert "CONFIRMED" in tune
    assert "applied: the winner becomes the migration's system_prompt" in tune
    assert '+system_prompt = """' in tune
    # evaluated again with it: GO
    assert "candidate system prompt: the plan's system_prompt" in re_eval
    assert "verdict GO (exit code 0)" in re_eval
    # the example's own migration through the gateway, to completion
    assert f"(migration {NAME}" in gateway
    assert "get the plan's tuned system_prompt" in gateway
    assert "baseline -> shadow" in gateway
    assert "shadow -> canary 10%" in gateway
    assert "canary 100% -> complete" in gateway
    assert "answers other than 200: 0" in gateway
    assert "gpt-4.1" not in gateway
    assert "gpt-5-mini" not in gateway
    assert "usage sites left on gpt-4o-2024-08-06: 0" in rewrite
    # the final status: GO verdict, rollout complete, nothing left on the old model
    assert "code on the old model: 0 site(s)" in status
    assert "evaluation: GO" in status
    assert "rollout: complete (100% candidate)" in status
    assert "n/a" not in status
    project = tmp_path / "switchover-out" / "demo" / "support-assistant"
    reports = project / "switchover-reports"
    assert (reports / f"{NAME}-eval.html").is_file()
    assert (reports / f"{NAME}-eval-before-tuning.html").is_file()
    assert json.loads((reports / f"{NAME}-eval.json").read_text())["verdict"] == "GO"
    assert load_config(project / "switchover.toml").migration(NAME).system_prompt
    assert "Traceback" not in proc.stderr


def _copy(tmp_path: Path, *, tuned: bool) -> Path:
    """The example with, when ``tuned``, the prompt tune confirms written into its plan."""
    root = tmp_path / "support-assistant"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".switchover", "switchover-*"))
    if tuned:
        first = (root / "traffic" / "requests.jsonl").read_text().splitlines()[0]
        base = json.loads(first)["request"]["messages"][0]["content"]
        winner = next(
            v
            for v in load_variants(root / "tune-variants.toml")
            if v.name == ("bare-json-exact-args")
        )
        plan = root / "switchover.toml"
        prompt = winner.prompt(base)
        assert prompt is not None
        plan.write_text(set_system_prompt(plan.read_text(), NAME, prompt))
    return root


def _gateway(tmp_path: Path, *, tuned: bool) -> tuple[str, str, list[tuple[str, str]]]:
    """Run the demo's gateway step on a copy: (final status, output, audit trail as the
    project's own store, where `switchover status` reads it, has it)."""
    root = _copy(tmp_path, tuned=tuned)
    buf = io.StringIO()
    final = gateway_step(Console(file=buf, width=200), root=root, stage_s=0.5, limit_s=40)
    with open_store(f"sqlite:///{root}/.switchover/state.db") as store:
        audit = [(e.action, e.to_status) for e in store.list_audit(NAME)]
    return final, buf.getvalue(), audit


def test_gateway_step_carries_the_tuned_migration_to_completion(tmp_path: Path) -> None:
    final, out, audit = _gateway(tmp_path, tuned=True)
    assert final == "complete", out
    assert "baseline -> shadow" in out
    assert "shadow -> canary 10%" in out
    assert "canary 100% -> complete" in out
    assert "check_pass_rate: candidate 100.00% vs baseline 100.00%" in out
    assert "answers other than 200: 0" in out
    assert audit[-1] == ("promote", "complete")


def test_gateway_step_without_the_tuned_prompt_rolls_back(tmp_path: Path) -> None:
    """The prompt is what makes the candidate pass: without it the gateway's checks see the
    fenced JSON and renamed tool arguments, and the check_pass_rate gate rolls back."""
    final, out, audit = _gateway(tmp_path, tuned=False)
    assert final == "rolled_back", out
    assert "the application's own system prompt" in out
    assert "by gate:check_pass_rate" in out
    assert audit[-1] == ("rollback", "rolled_back")
