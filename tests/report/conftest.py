from __future__ import annotations

import pytest

from switchover.evaluate.results import EvalReport
from switchover.evaluate.synthetic import synthetic_report

HAZARDS = {"fence": 0.3, "rename": 0.2, "markdown": 0.2, "latency": 1.3, "cost": 0.6}


@pytest.fixture(scope="session")
def nogo_report() -> EvalReport:
    return synthetic_report(150, seed=7, hazards=HAZARDS, n_resamples=1000)


@pytest.fixture(scope="session")
def go_report() -> EvalReport:
    return synthetic_report(200, seed=4, hazards={"judge_win": 0.65}, n_resamples=2000)
