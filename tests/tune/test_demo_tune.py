from __future__ import annotations

import io
import time

from rich.console import Console

from switchover.demo_tune import tune_step


def test_tune_step_runs_offline_and_confirms() -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=160, force_terminal=False)
    started = time.process_time()
    run = tune_step(console, sample=120)
    cpu = time.process_time() - started
    out = buf.getvalue()
    assert run.result.confirmed
    assert "CONFIRMED" in out
    assert "+Return bare JSON with no code fences." in out
    assert "Held-out split" in out
    assert cpu < 30  # CPU seconds (the machine may be shared; wall time is not checked)
