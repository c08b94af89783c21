"""``make demo``: the offline walk-through, step by step.

Everything runs on this machine: model facts come from the shipped catalog and every "model"
is switchover's simulator (a deterministic emulator, labelled as such), reached over real
HTTP on 127.0.0.1. No API key, no network.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from switchover._version import __version__
from switchover.catalog import get_catalog
from switchover.chat import ChatRequest, Message
from switchover.errors import ProviderBadRequestError, SwitchoverError

__all__ = ["main"]


def _step(console: Console, n: int, title: str, why: str) -> None:
    console.print()
    console.print(Rule(f"[bold]{n}. {title}[/]", align="left"))
    console.print(f"[dim]{why}[/]")


def deadlines_step(console: Console, today: date) -> None:
    """The models retiring within a year on the major platforms, with replacements."""
    cat = get_catalog()
    rows = []
    for e in cat.entries:
        if e.platform not in ("openai", "anthropic", "gemini-api", "azure"):
            continue
        days = e.days_left(today)
        if e.status_on(today) != "deprecated" or days is None or not 0 <= days <= 365:
            continue
        if not any(c in e.capabilities for c in ("chat", "tools")):
            continue
        rows.append((days, e))
    rows.sort(key=lambda r: (r[0], r[1].platform, r[1].id))
    table = Table(title=f"Chat models retiring within a year (as of {today})", title_justify="left")
    for col in ("model", "platform", "shutdown", "days left", "replacement"):
        table.add_column(col, no_wrap=True, justify="right" if col == "days left" else "left")
    for days, e in rows[:15]:
        table.add_row(
            e.id,
            e.platform,
            str(e.shutdown_date),
            str(days),
            e.replacement or "-",
        )
    console.print(table)
    if len(rows) > 15:
        console.print(
            f"[dim]... and {len(rows) - 15} more: "
            "switchover models list --status deprecated --within 365d[/]"
        )


async def _simulated_requests(console: Console) -> None:
    from switchover.adapt import adapt
    from switchover.providers.base import ProviderSettings
    from switchover.providers.openai_chat import OpenAIChatProvider
    from switchover.providers.sim import SimEngine, run_sim_server

    request = ChatRequest(
        model="gpt-4o-2024-08-06",
        messages=[
            Message.system("You are a concise support assistant for Acme Shop."),
            Message.user("My order A1234 has not arrived. What should I do?"),
        ],
        max_output_tokens=300,
        max_tokens_field="max_tokens",
        temperature=0.2,
    )
    with run_sim_server(SimEngine(seed=7)) as base_url:
        console.print(f"simulator listening on {base_url} (OpenAI and Anthropic wire formats)")
        settings = ProviderSettings(
            base_url=base_url + "/v1", api_key="sim-demo-key", max_retries=0
        )
        async with OpenAIChatProvider(settings) as provider:
            started = time.perf_counter()
            resp = await provider.complete(request)
            ms = (time.perf_counter() - started) * 1000
            console.print(
                f"[bold]{resp.model}[/] answered in {ms:.0f} ms, {resp.usage.output_tokens} tokens out:"
            )
            console.print(f"  [green]{resp.text[:300]}[/]")

            target = request.model_copy(update={"model": "gpt-6-luna"})
            console.print(
                "\nThe same request sent unchanged to the replacement, [bold]gpt-6-luna[/]:"
            )
            try:
                await provider.complete(target)
                console.print("  [yellow]accepted (unexpected)[/]")
            except ProviderBadRequestError as exc:
                console.print(f"  [red]HTTP {exc.status}[/] {exc.provider_message or exc.message}")

            adapted = adapt(request, "openai:gpt-6-luna")
            console.print("Adapted by switchover first:")
            for ch in adapted.changes:
                console.print(f"  - {ch.kind} [bold]{ch.param}[/]: {ch.reason}")
            resp2 = await provider.complete(adapted.request)
            console.print(f"  [green]accepted[/]: {resp2.text[:160]}")


def simulator_step(console: Console) -> None:
    asyncio.run(_simulated_requests(console))


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"


def fresh_copy(dest: Path) -> Path:
    """A clean copy of the example application for the demo to migrate (kept afterwards so
    the reports, the store and the rewritten code can be looked at)."""
    if not EXAMPLE.is_dir():
        raise SwitchoverError(
            f"the example application is missing: {EXAMPLE}",
            hint="Run `make demo` from a checkout of the switchover repository.",
        )
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns(".switchover", "switchover-reports", "__pycache__", ".env")
    shutil.copytree(EXAMPLE, dest, ignore=ignore)
    return dest


def scan_step(console: Console, today: date, root: Path) -> None:
    """Inventory of the example application: every place the old model is used."""
    from switchover.scan import ScanOptions, scan
    from switchover.scan.report import render_rich

    console.print(f"switchover scan {root} --target openai:gpt-6-luna")
    report = scan(root, ScanOptions(today=today, target="openai:gpt-6-luna"))
    render_rich(report, console)


def main() -> None:
    from switchover.cli._output import console
    from switchover.demo_eval import eval_step
    from switchover.demo_gateway import gateway_step
    from switchover.demo_project import rewrite_step, status_step
    from switchover.demo_tune import tune_step

    started = time.perf_counter()
    today = date.today()
    project = fresh_copy(Path.cwd() / "switchover-out" / "demo" / "support-assistant")
    store_url = f"sqlite:///{project}/.switchover/state.db"
    reports = project / "switchover-reports"
    console.print(
        Rule(f"switchover {__version__}: offline migration demo (simulator, no API keys)")
    )
    console.print(
        "[dim]Every model below is switchover's simulator: a deterministic emulator that speaks the "
        "providers' wire formats and plants real migration hazards. Nothing leaves this machine.[/]"
    )
    steps: list[tuple[str, str, Callable[[], object]]] = [
        (
            "Deadlines",
            "Which models are being retired, when, and what replaces them (shipped catalog, with sources).",
            lambda: deadlines_step(console, today),
        ),
        (
            "Inventory",
            "Every place the example support assistant uses a model, with what breaks on the replacement.",
            lambda: scan_step(console, today, project),
        ),
        (
            "One request, unadapted and adapted",
            "A real HTTP round trip in the OpenAI wire format; the simulator enforces each model's parameter rules.",
            lambda: simulator_step(console),
        ),
        (
            "Side-by-side evaluation",
            "Replay the example's recorded traffic on the old and the new model; paired statistics decide.",
            lambda: eval_step(
                console,
                example_dir=project,
                out_dir=reports,
                store_url=store_url,
                stem="support-gpt-6-luna-eval-before-tuning",
            ),
        ),
        (
            "Tune the prompt for the new model",
            "The regressions are ones an instruction can fix: try prompt variants on a development "
            "split, confirm the winner on held-out cases, and write it into the plan.",
            lambda: tune_step(console, example=project, apply=True),
        ),
        (
            "Evaluate again, with the tuned prompt",
            "The same traffic and statistics; the candidate now gets the plan's system_prompt.",
            lambda: eval_step(console, example_dir=project, out_dir=reports, store_url=store_url),
        ),
        (
            "Cut over through the gateway",
            "The example's migration behind the gateway: shadow traffic, then a sticky canary "
            "promoted by the plan's gates to 100%, each transition audited in the project store.",
            lambda: gateway_step(console, root=project, store_url=store_url),
        ),
        (
            "Rewrite the code",
            "Everyone is on the new model: apply the migration to the example's code (model IDs and "
            "parameters) as a diff, then re-scan and re-test.",
            lambda: rewrite_step(console, root=project),
        ),
        (
            "Status",
            "Where the migration stands: deadline, call sites left, verdict, rollout stage, next step.",
            lambda: status_step(console, root=project, store_url=store_url),
        ),
    ]
    for n, (title, why, run) in enumerate(steps, start=1):
        _step(console, n, title, why)
        run()
    console.print()
    console.print(Rule(f"demo complete in {time.perf_counter() - started:.0f} s"))
    console.print(f"The migrated copy of the example, its store and reports: {project}")


if __name__ == "__main__":
    import sys

    from switchover.cli._output import print_error

    try:
        main()
    except SwitchoverError as exc:
        print_error(exc)
        sys.exit(exc.exit_code)
