"""``switchover sim``: the simulator (a deterministic model emulator, not a real model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from switchover.cli._output import console, print_json
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine, SimProfile, load_profiles

__all__ = ["register"]

sim_app = typer.Typer(
    help="The simulator: a deterministic model emulator for tests and the offline demo.\n\n"
    "It is NOT a real model; every answer is labelled as simulated.",
    no_args_is_help=True,
)

_PROFILES_OPT = typer.Option(
    None,
    "--profiles",
    help="TOML or JSON file: profiles.NAME tables (definitions), a models table (glob -> profile).",
)


def _hazards(p: SimProfile) -> str:
    base = SimProfile()
    parts: list[str] = []
    for field in (
        "markdown_rate",
        "fenced_json_rate",
        "length_factor",
        "tool_arg_rename_rate",
        "tool_arg_reorder_rate",
        "refusal_rate",
        "truncation_rate",
        "quality_drop_rate",
    ):
        value = getattr(p, field)
        if value != getattr(base, field) and (
            field != "tool_arg_rename_rate" or p.tool_arg_renames
        ):
            parts.append(f"{field}={value:g}")
    if p.tool_arg_renames:
        parts.append("renames=" + ",".join(f"{a}->{b}" for a, b in p.tool_arg_renames.items()))
    f = p.faults
    for field in ("rate_limit", "server_error", "unavailable", "timeout", "connection_reset"):
        if getattr(f, field):
            parts.append(f"{field}={getattr(f, field):g}")
    if f.rpm_limit:
        parts.append(f"rpm_limit={f.rpm_limit}/{f.rpm_window_s:g}s")
    return " ".join(parts) or "-"


@sim_app.command("profiles")
def profiles(
    profiles_file: Path | None = _PROFILES_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the profiles as JSON."),
) -> None:
    """List the built-in simulator profiles (and a profile file's model mapping)."""
    mapping = load_profiles(profiles_file) if profiles_file else None
    if as_json:
        data: dict[str, Any] = {
            "simulator": True,
            "builtin": {n: p.model_dump(mode="json") for n, p in BUILTIN_PROFILES.items()},
        }
        if mapping is not None:
            data["models"] = {g: p.model_dump(mode="json") for g, p in mapping.items()}
        print_json(data)
        return
    table = Table(title="Simulator profiles (simulated behaviour, not real models)")
    table.add_column("profile")
    table.add_column("description")
    table.add_column("hazards / faults")
    table.add_column("latency median/p95 ms", justify="right")
    for name, p in BUILTIN_PROFILES.items():
        table.add_row(
            name, p.description, _hazards(p), f"{p.latency.median_ms:g}/{p.latency.p95_ms:g}"
        )
    console.print(table)
    if mapping is not None:
        mt = Table(title=f"Model mapping from {profiles_file} (first match wins)")
        mt.add_column("model glob")
        mt.add_column("profile")
        mt.add_column("hazards / faults")
        for glob, p in mapping.items():
            mt.add_row(glob, p.name, _hazards(p))
        console.print(mt)


@sim_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0 picks a free one)."),
    profiles_file: Path | None = _PROFILES_OPT,
    seed: int = typer.Option(0, "--seed", help="Seed: same seed and requests, same answers."),
    time_scale: float | None = typer.Option(
        None, "--time-scale", min=0.0, help="Multiply simulated latencies (0 = answer at once)."
    ),
    no_rules: bool = typer.Option(
        False, "--no-rules", help="Do not enforce the catalog's parameter rules."
    ),
) -> None:
    """Serve the simulator over HTTP (OpenAI, Anthropic and Gemini wire formats)."""
    from switchover.providers.sim.engine import catalog_rules
    from switchover.providers.sim.server import serve_forever

    mapping = load_profiles(profiles_file) if profiles_file else None
    engine = SimEngine(
        mapping, seed=seed, time_scale=time_scale, rules=None if no_rules else catalog_rules
    )
    models = "catalog models (baseline profile)" if mapping is None else ", ".join(mapping)

    def ready(url: str) -> None:
        console.print(
            f"[bold]switchover simulator[/] (simulated answers, not a real model) on {url}\n"
            f"  OpenAI:    POST /v1/chat/completions, POST /v1/responses  (base_url {url}/v1)\n"
            f"  Anthropic: POST /v1/messages                              (base_url {url})\n"
            f"  Gemini:    POST /v1beta/models/MODEL:generateContent      (base_url {url})\n"
            f"  models:    {models}\n"
            f"  seed {seed}; every response carries the header x-switchover-simulator: true\n"
            "  Ctrl-C stops it.",
            soft_wrap=True,
        )

    serve_forever(engine, host, port, on_ready=ready)


def register(app: typer.Typer) -> None:
    app.add_typer(sim_app, name="sim")
