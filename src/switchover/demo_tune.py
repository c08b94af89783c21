"""``make demo`` step: tune the example application's prompt for its new model (offline).

The example's candidate (simulated ``gpt-6-luna``) fences its JSON and renames a tool
argument. ``tune_step`` tries the variants in ``examples/support-assistant/tune-variants.toml``
on a development split, picks the best by the plan's metrics and confirms it on held-out
cases. Everything runs in-process on the simulator with an in-memory store.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from switchover.config import load_config
from switchover.tune import TuneOptions, TuneRun, load_variants, run_tune
from switchover.tune.render import print_result

__all__ = ["EXAMPLE", "tune_step"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"


def tune_step(console: Console, *, sample: int = 160, example: Path = EXAMPLE) -> TuneRun:
    """Run ``switchover tune`` on the example (``sample`` cases, no judge) and print it."""
    cfg = load_config(example / "switchover.toml")
    variants = load_variants(example / "tune-variants.toml")
    console.print(
        f"switchover tune --migration {cfg.migration(None).name} --variants tune-variants.toml "
        f"--sample {sample}   [dim](in examples/support-assistant)[/]"
    )
    run = run_tune(
        cfg,
        TuneOptions(
            variants=variants,
            sample=sample,
            judge="",
            store_url="sqlite://:memory:",
            n_resamples=2000,
        ),
    )
    print_result(console, run)
    return run
