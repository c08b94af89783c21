"""``make demo`` step: evaluate the example application's traffic, old model vs new.

Runs offline: both models are switchover's simulator (in-process, no HTTP), with the
regressions the example's ``sim-profiles.toml`` plants in the new one. Writes the HTML
report and says where it is.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from switchover import _aio
from switchover.config import load_config
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation, write_reports

__all__ = ["EXAMPLE_DIR", "eval_step"]

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
_COLOURS = {"GO": "green", "NO-GO": "red", "INCONCLUSIVE": "yellow"}


def eval_step(
    console: Console,
    *,
    example_dir: Path = EXAMPLE_DIR,
    out_dir: Path | None = None,
    store_url: str = "sqlite://:memory:",
    stem: str | None = None,
) -> Path | None:
    """Run the example's evaluation against the simulator and write its reports (named
    ``stem``, default ``<migration>-eval`` as ``switchover eval`` names them); returns the
    HTML report's path (None when the example is not there, e.g. in an installed package)."""
    plan_file = example_dir / "switchover.toml"
    if not plan_file.is_file():
        console.print(f"[yellow]skipped:[/] no example plan at {plan_file}")
        return None
    cfg = load_config(plan_file)
    started = time.perf_counter()
    plan = plan_evaluation(cfg, EvalOptions(store_url=store_url, n_resamples=2000))
    console.print(
        f"{len(plan.cases)} requests from {', '.join(plan.dataset.sources)} "
        f"({len(plan.dataset.duplicates)} duplicates merged); baseline "
        f"{plan.arms[0].model}, candidate {plan.arms[1].model}; judge {plan.judge_model}"
    )
    prompt = plan.migration.system_prompt
    if prompt is not None:
        last = prompt.strip().splitlines()[-1]
        console.print(
            f"candidate system prompt: the plan's system_prompt ({len(prompt)} characters, "
            f'ending "{last}")'
        )
    report = _aio.run(execute(plan))
    comp = report.comparisons[0]
    table = Table(title=f"{comp.candidate_model}: {comp.verdict}", title_justify="left")
    for col in ("check", "baseline", "candidate", "difference (95% CI)", "verdict"):
        table.add_column(col)
    for m in comp.metrics:
        if not m.gate or not m.n_cases or m.diff is None:
            continue
        table.add_row(
            m.name,
            f"{m.baseline_mean:.3g}",
            f"{m.candidate_mean:.3g}",
            f"{m.diff:+.3f} ({m.ci_low:+.3f} to {m.ci_high:+.3f})",
            f"[{_COLOURS[m.verdict]}]{m.verdict}[/]",
        )
    console.print(table)
    changes = ", ".join(f"{k} ({v})" for k, v in comp.adapted_changes.items())
    console.print(f"adapted for {comp.candidate_model}: {changes or 'nothing'}")
    out = out_dir or Path.cwd() / "switchover-out" / "demo"
    html, _ = write_reports(report, out, ["html", "json"], stem or f"{plan.migration.name}-eval")
    colour = _COLOURS[report.verdict]
    console.print(
        f"verdict [bold {colour}]{report.verdict}[/] (exit code {report.exit_code}) in "
        f"{time.perf_counter() - started:.1f} s: {report.meta.n_calls} simulated calls, "
        f"${report.meta.cost_usd:.4f} at catalog prices"
    )
    console.print(f"HTML report: [bold]{html}[/] (open it in a browser)")
    return html
