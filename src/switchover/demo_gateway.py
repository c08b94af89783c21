"""The gateway part of ``make demo``: the example's own migration (support-gpt-6-luna)
carried through shadow, canary and completion on the simulator.

The gateway runs the example plan (``switchover.toml`` of the demo's copy): its upstreams
(the in-process simulator with ``sim-profiles.toml``), its migration with the tuned
``system_prompt`` the tune step applied, its rollout stages and gates, and its project store
(so ``switchover status`` sees the result). Only time is scaled: each stage lasts seconds
instead of hours and the gates decide on 20 requests per arm instead of hundreds. The
example's recorded traffic is replayed through the gateway as the application would send it.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from switchover.config import Config, load_config
from switchover.gateway import GatewaySettings, create_gateway_app, serve_in_thread
from switchover.project.status import migration_plan
from switchover.rollout import format_duration

__all__ = ["demo_config", "gateway_step"]

_TOKEN = "demo-admin-token"
_MIN_SAMPLES = 20


def demo_config(cfg: Config, stage_s: float = 2.0) -> Config:
    """``cfg`` as the demo's gateway runs it: the migration's rollout plan with stages of
    ``stage_s`` seconds and gates needing at most ``_MIN_SAMPLES`` requests per arm."""
    out = cfg.model_copy(deep=True)
    out.path = cfg.path
    mig = out.migration(None)
    plan = migration_plan(cfg, cfg.migration(mig.name))
    d = f"{stage_s}s"
    mig.rollout = {
        "stages": [
            {"kind": s.kind, "percent": s.percent, "duration": d, "min_duration": d}
            for s in plan.stages
        ],
        "gates": [
            {
                **g.model_dump(exclude_none=True, exclude={"window"}),
                "min_samples": min(g.min_samples, _MIN_SAMPLES),
                "window": "10m",
            }
            for g in plan.gates
        ],
        "failure_limit": plan.failure_limit,
        "evaluation_interval": "0.5s",
    }
    return out


def _traffic(root: Path, cfg: Config) -> list[dict[str, Any]]:
    """The request bodies of the migration's first dataset (the example's traffic sample)."""
    path = root / cfg.migration(None).eval.datasets[0]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r["request"] for r in rows if isinstance(r.get("request"), dict)]


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


async def _drive(
    console: Console, base: str, name: str, bodies: list[dict[str, Any]], limit_s: float
) -> dict[str, int]:
    admin = {"Authorization": f"Bearer {_TOKEN}"}
    served: dict[str, int] = {}
    seen = 0
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post(f"/admin/migrations/{name}/promote", headers=admin)
        r.raise_for_status()
        n = 0
        while time.monotonic() - t0 < limit_s:
            batch = []
            for _ in range(16):
                body = bodies[n % len(bodies)]
                h = {"x-switchover-user": f"customer-{n % 500}"}
                batch.append(client.post("/v1/chat/completions", json=body, headers=h))
                n += 1
            for r in await asyncio.gather(*batch):
                arm = r.headers.get("x-switchover-arm", "?")
                served[arm] = served.get(arm, 0) + 1
                if r.status_code != 200:
                    served["errors"] = served.get("errors", 0) + 1
            # the state first, then the audit trail: a transition between the two reads is
            # then printed before the loop stops on it
            state = (await client.get("/admin/migrations", headers=admin)).json()
            mine = next(m for m in state["migrations"] if m["migration"] == name)
            events = (await client.get("/admin/audit?limit=100", headers=admin)).json()["events"]
            for e in events[seen:]:
                if e["action"] != "gate_failed":
                    _print_event(console, t0, e)
            seen = len(events)
            if mine["status"] in ("complete", "rolled_back"):
                served["status:" + mine["status"]] = 1
                break
    return served


def gateway_step(
    console: Console,
    *,
    root: Path,
    store_url: str | None = None,
    stage_s: float = 2.0,
    limit_s: float = 60.0,
) -> str:
    """Serve the example's migration through the gateway and replay its traffic until the
    rollout completes (or rolls back, or ``limit_s`` passes); returns the final status."""
    cfg = load_config(root / "switchover.toml")
    mig = cfg.migration(None)
    url = store_url or f"sqlite:///{root}/.switchover/state.db"
    (root / ".switchover").mkdir(exist_ok=True)
    plan = migration_plan(cfg, mig)
    bodies = _traffic(root, cfg)
    settings = GatewaySettings(
        store_url=url,
        admin_token=_TOKEN,
        flush_interval_s=0.1,
        controller_tick_s=0.1,
        poll_interval_s=0.2,
    )
    app = create_gateway_app(demo_config(cfg, stage_s), settings)
    stages = ", ".join(f"{s.label} ({format_duration(s.duration)})" for s in plan.stages)
    gates = ", ".join(g.metric for g in plan.gates)
    prompt = (
        "the plan's tuned system_prompt"
        if mig.system_prompt
        else "the application's own system prompt (the plan sets none)"
    )
    with serve_in_thread(app) as base:
        console.print(
            f"gateway on {base}: {mig.from_} -> {mig.to} (migration {mig.name}, upstreams "
            f"{mig.baseline_upstream} / {mig.candidate_upstream}: the simulator), store {url}"
        )
        console.print(
            f"the plan's stages: {stages}; run here at {stage_s:g} s each, gates ({gates}) "
            f"deciding on {_MIN_SAMPLES} requests per arm"
        )
        console.print(
            f"candidate requests (shadow and canary) get {prompt} and are adapted for "
            f"{mig.to_ref.model}; baseline requests are passed on unchanged"
        )
        console.print(f"replaying {len(bodies)} recorded requests of the example, sticky by user:")
        served = asyncio.run(_drive(console, base, mig.name, bodies, limit_s))
    errors = served.pop("errors", 0)
    final = next((k.split(":", 1)[1] for k in served if k.startswith("status:")), "unfinished")
    served = {k: v for k, v in served.items() if not k.startswith("status:")}
    arms = ", ".join(f"{k}: {v}" for k, v in sorted(served.items()))
    console.print(f"  requests served by arm: {arms}; answers other than 200: {errors}")
    return final


if __name__ == "__main__":  # pragma: no cover - manual run
    import sys

    gateway_step(Console(), root=Path(sys.argv[1]))
