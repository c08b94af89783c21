"""The gateway part of ``make demo``: a migration carried through shadow, canary and
completion on the simulator, with stage durations scaled to seconds."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from switchover.config import Config
from switchover.gateway import GatewaySettings, create_gateway_app, serve_in_thread
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine, run_sim_server

__all__ = ["demo_config", "gateway_step"]

_TOKEN = "demo-admin-token"
_KEY_ENV = "SWITCHOVER_DEMO_SIM_KEY"


def demo_config(sim_url: str, stage_s: float = 2.0) -> Config:
    """gpt-4.1 -> gpt-5-mini behind the alias ``support-bot``; stages of ``stage_s``."""
    d = f"{stage_s}s"
    gates = [
        {"metric": "error_rate", "max_delta": 0.05, "min_samples": 20, "window": "1m"},
        {"metric": "check_pass_rate", "max_delta": 0.1, "min_samples": 20, "window": "1m"},
    ]
    return Config.model_validate(
        {
            "upstreams": {
                "sim": {
                    "provider": "openai-compatible",
                    "base_url": sim_url + "/v1",
                    "api_key_env": _KEY_ENV,
                    "max_retries": 0,
                }
            },
            "migrations": [
                {
                    "name": "support",
                    "from": "openai:gpt-4.1",
                    "to": "openai:gpt-5-mini",
                    "aliases": ["support-bot"],
                    "baseline_upstream": "sim",
                    "candidate_upstream": "sim",
                    "rollout": {
                        "stages": [
                            {"kind": "shadow", "percent": 100, "duration": d, "min_duration": d},
                            {"kind": "canary", "percent": 10, "duration": d, "min_duration": d},
                            {"kind": "canary", "percent": 50, "duration": d, "min_duration": d},
                            {"kind": "canary", "percent": 100, "duration": d, "min_duration": d},
                        ],
                        "gates": gates,
                        "evaluation_interval": "0.5s",
                    },
                }
            ],
        }
    )


def _print_event(console: Console, t0: float, e: dict[str, Any]) -> None:
    to = e["to_status"]
    pct = f" {e['to_percent']:g}%" if to == "canary" else ""
    frm = e["from_status"] + (f" {e['from_percent']:g}%" if e["from_status"] == "canary" else "")
    console.print(
        f"  [cyan]{time.monotonic() - t0:5.1f}s[/] {e['action']:<8} {frm} -> [bold]{to}{pct}[/]"
        f"  [dim]by {e['actor']}[/]"
    )
    if e["actor"].startswith("gate:"):
        for g in e["metrics"].get("gates", []):
            console.print(f"           [dim]{g['reason']}[/]")


async def _drive(console: Console, base: str, limit_s: float) -> dict[str, int]:
    admin = {"Authorization": f"Bearer {_TOKEN}"}
    served: dict[str, int] = {}
    seen = 0
    t0 = time.monotonic()
    body = {"model": "support-bot", "messages": [{"role": "user", "content": "Reset my password"}]}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.post("/admin/migrations/support/promote", headers=admin)
        n = 0
        while time.monotonic() - t0 < limit_s:
            batch = []
            for _ in range(16):
                n += 1
                h = {"x-switchover-user": f"customer-{n % 500}"}
                batch.append(client.post("/v1/chat/completions", json=body, headers=h))
            for r in await asyncio.gather(*batch):
                arm = r.headers.get("x-switchover-arm", "?")
                served[arm] = served.get(arm, 0) + 1
                if r.status_code != 200:
                    served["errors"] = served.get("errors", 0) + 1
            events = (await client.get("/admin/audit?limit=100", headers=admin)).json()["events"]
            for e in events[seen:]:
                if e["action"] != "gate_failed":
                    _print_event(console, t0, e)
            seen = len(events)
            state = (await client.get("/admin/migrations", headers=admin)).json()
            if state["migrations"][0]["status"] in ("complete", "rolled_back"):
                break
    return served


def gateway_step(console: Console, *, stage_s: float = 2.0, limit_s: float = 60.0) -> None:
    """Start the gateway on the simulator and walk a migration to 100%, printing each
    transition and which arm served the traffic."""
    engine = SimEngine(
        {"gpt-4.1": BUILTIN_PROFILES["baseline"], "gpt-5-mini": BUILTIN_PROFILES["baseline"]},
        seed=1,
        time_scale=0.01,
    )
    previous = os.environ.get(_KEY_ENV)
    os.environ[_KEY_ENV] = "sk-sim-demo"
    try:
        with tempfile.TemporaryDirectory() as tmp, run_sim_server(engine) as sim_url:
            settings = GatewaySettings(
                store_url=f"sqlite:///{Path(tmp) / 'state.db'}",
                admin_token=_TOKEN,
                flush_interval_s=0.1,
                controller_tick_s=0.1,
            )
            app = create_gateway_app(demo_config(sim_url, stage_s), settings)
            with serve_in_thread(app) as base:
                console.print(
                    f"gateway on {base} (simulated models): alias [bold]support-bot[/] = "
                    "gpt-4.1 -> gpt-5-mini; stages shadow 100%, canary 10%, 50%, 100% "
                    f"({stage_s:g}s each instead of hours)"
                )
                served = asyncio.run(_drive(console, base, limit_s))
        errors = served.pop("errors", 0)
        arms = ", ".join(f"{k}: {v}" for k, v in sorted(served.items()))
        console.print(f"  requests served by arm: {arms}; answers other than 200: {errors}")
    finally:
        if previous is None:
            os.environ.pop(_KEY_ENV, None)
        else:
            os.environ[_KEY_ENV] = previous


if __name__ == "__main__":  # pragma: no cover - manual run
    gateway_step(Console())
