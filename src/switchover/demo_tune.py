"""``make demo`` step: tune the example application's prompt for its new model (offline) and
apply the winner to the plan.

The example's candidate (simulated ``gpt-6-luna``) fences its JSON and renames a tool
argument. ``tune_step`` tries the variants in ``tune-variants.toml`` on a development split,
picks the best by the plan's metrics and confirms it on held-out cases (in-process on the
simulator, with an in-memory store); with ``apply`` it then writes the confirmed winner into
the plan as the migration's ``system_prompt``, as ``switchover tune --apply`` does, and shows
the plan's diff.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

from switchover.config import load_config
from switchover.errors import SwitchoverError
from switchover.tune import TuneOptions, TuneRun, load_variants, run_tune
from switchover.tune.apply import apply_winner
from switchover.tune.render import print_result

__all__ = ["EXAMPLE", "tune_step"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"


def tune_step(
    console: Console, *, sample: int = 160, example: Path = EXAMPLE, apply: bool = False
) -> TuneRun:
    """Run ``switchover tune`` on ``example`` (``sample`` cases, no judge) and print it; with
    ``apply``, write the confirmed winner into ``example``'s switchover.toml."""
    plan = example / "switchover.toml"
    cfg = load_config(plan)
    variants = load_variants(example / "tune-variants.toml")
    console.print(
        f"switchover tune --migration {cfg.migration(None).name} --variants tune-variants.toml "
        f"--sample {sample}{' --apply' if apply else ''}   [dim](in {example.name})[/]"
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
    if apply:
        if not run.result.confirmed:
            raise SwitchoverError(
                f"the demo expected a confirmed winner: {run.result.summary}",
                hint="The example's sim-profiles.toml or tune-variants.toml changed; see "
                "docs/tune.md.",
            )
        edit = apply_winner(run.result, plan)
        console.print(f"\napplied: the winner becomes the migration's system_prompt in {plan.name}")
        console.print(Syntax(edit.diff(), "diff", theme="ansi_dark", background_color="default"))
    return run
