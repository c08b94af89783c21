"""`make demo` end to end: it must keep working as the parts it strings together change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_the_whole_migration_offline(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "switchover.demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for step in ("1. Deadlines", "2. Inventory", "4. Side-by-side evaluation", "8. Status"):
        assert step in out
    assert "HTTP 400 Unsupported parameter: 'max_tokens'" in out
    assert "CONFIRMED" in out  # tune's winner holds on the held-out split
    assert "canary 100% -> complete" in out
    assert "code on the old model: 0 site(s)" in out  # after the rewrite
    assert "evaluation: NO-GO" in out
    project = tmp_path / "switchover-out" / "demo" / "support-assistant"
    assert (project / "switchover-reports" / "support-gpt-6-luna-eval.html").is_file()
    assert "Traceback" not in proc.stderr
