"""A run killed mid-way (SIGKILL: no cleanup at all) resumes where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from switchover.config import load_config
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation
from switchover.store import open_store

SLOW = """\
[profiles.slow]
base = "baseline"
[profiles.slow.latency]
median_ms = 300
p95_ms = 400
time_scale = 1
[models]
"*" = "slow"
"""


def _start_and_kill(plan_path: Path, db: str, run_id: str) -> None:
    """Start ``switchover eval`` in a subprocess and SIGKILL it once 5 cases are stored."""
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "switchover",
            "eval",
            "-c",
            str(plan_path),
            "--store",
            db,
            "--judge",
            "none",
            "-f",
            "json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        done = 0
        with open_store(db) as store:
            while time.monotonic() < deadline and done < 5:
                time.sleep(0.1)
                done = len(store.results(run_id))
                assert proc.poll() is None, "the run finished before it could be killed"
        assert done >= 5
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


async def test_killed_run_resumes(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    plan_path = make_plan(tmp_path, n=40)
    (tmp_path / "profiles.toml").write_text(SLOW)
    text = plan_path.read_text().replace(
        'provider = "sim"', 'provider = "sim"\nmax_concurrency = 2'
    )
    plan_path.write_text(text)
    db = f"sqlite:///{tmp_path / 'run.db'}"
    probe = plan_evaluation(load_config(plan_path), EvalOptions(store_url=db, judge=""))
    run_id = probe.run_id
    await probe.aclose()

    _start_and_kill(plan_path, db, run_id)

    with open_store(db) as store:
        stored = len(store.results(run_id))
    assert 5 <= stored < 40
    fast = plan_path.read_text().replace("time_scale = 1", "time_scale = 0")
    (tmp_path / "profiles.toml").write_text(SLOW.replace("time_scale = 1", "time_scale = 0"))
    plan_path.write_text(fast)
    plan = plan_evaluation(
        load_config(plan_path), EvalOptions(store_url=db, judge="", n_resamples=200)
    )
    assert plan.run_id == run_id
    report = await execute(plan)
    stats = plan.stats
    assert stats is not None
    assert stats.resumed == stored
    assert stats.completed == 40 - stored
    # every call of the remaining cases is made once: live, or from the cache when the
    # killed run had already made it
    assert stats.calls + stats.cached == 2 * (40 - stored)
    assert report.meta.n_cases == 40
    assert sorted(c.case_id for c in report.cases) == [f"c{i:03d}" for i in range(40)]
