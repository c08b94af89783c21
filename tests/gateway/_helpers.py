"""Helpers for the gateway tests: simulator profiles and configs pointing at it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from switchover.config import Config
from switchover.gateway import GatewaySettings
from switchover.providers.sim import BUILTIN_PROFILES, SimProfile
from switchover.providers.sim.profiles import FaultProfile

SIM_KEY_ENV = "SWITCHOVER_TEST_SIM_KEY"
BROKEN = SimProfile(
    name="broken-candidate",
    description="planted regression: half the answers are 500s",
    faults=FaultProfile(server_error=0.5),
)


def sim_profiles() -> dict[str, SimProfile]:
    return {
        "gpt-4.1": BUILTIN_PROFILES["baseline"],
        "gpt-5-mini": BUILTIN_PROFILES["baseline"],
        "gpt-4.1-mini": BROKEN,
        "claude-sonnet-4-6": BUILTIN_PROFILES["baseline"],
        "gpt-4o": BUILTIN_PROFILES["fenced-json"],
    }


def make_config(
    sim_url: str,
    *,
    to: str = "openai:gpt-5-mini",
    candidate_upstream: str = "sim",
    rollout: dict[str, Any] | None = None,
    **mig: Any,
) -> Config:
    data: dict[str, Any] = {
        "upstreams": {
            "sim": {
                "provider": "openai-compatible",
                "base_url": sim_url + "/v1",
                "api_key_env": SIM_KEY_ENV,
                "timeout_s": 10,
                "max_retries": 0,
            },
            "sim-anthropic": {
                "provider": "anthropic",
                "base_url": sim_url,
                "api_key_env": SIM_KEY_ENV,
                "timeout_s": 10,
                "max_retries": 0,
            },
        },
        "migrations": [
            {
                "name": "support",
                "from": "openai:gpt-4.1",
                "to": to,
                "aliases": ["support-bot"],
                "baseline_upstream": "sim",
                "candidate_upstream": candidate_upstream,
                "rollout": rollout or {},
                **mig,
            }
        ],
    }
    return Config.model_validate(data)


def config_toml(sim_url: str, db: Path) -> str:
    """A switchover.toml for the simulator: migration support, shadow then two canaries."""
    return f"""
[project]
store = "sqlite:///{db}"

[upstreams.sim]
provider = "openai-compatible"
base_url = "{sim_url}/v1"
api_key_env = "{SIM_KEY_ENV}"

[[migrations]]
name = "support"
from = "openai:gpt-4.1"
to = "openai:gpt-5-mini"
aliases = ["support-bot"]
baseline_upstream = "sim"
candidate_upstream = "sim"

[migrations.rollout]
stages = [
  {{ kind = "shadow", percent = 100, duration = "1h" }},
  {{ kind = "canary", percent = 30, duration = "1h" }},
  {{ kind = "canary", percent = 100, duration = "1h" }},
]
"""


def wait_until(cond: Callable[[], bool], limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def fast_rollout(**kw: Any) -> dict[str, Any]:
    """A time-scaled plan: seconds instead of hours, small samples."""
    gates = [
        {"metric": "error_rate", "max_delta": 0.05, "min_samples": 10, "window": "30s"},
        {"metric": "check_pass_rate", "max_delta": 0.2, "min_samples": 10, "window": "30s"},
    ]
    plan: dict[str, Any] = {
        "stages": [
            {"kind": "shadow", "percent": 100, "duration": "1s", "min_duration": "1s"},
            {"kind": "canary", "percent": 25, "duration": "1s", "min_duration": "1s"},
            {"kind": "canary", "percent": 100, "duration": "1s", "min_duration": "1s"},
        ],
        "gates": gates,
        "failure_limit": 2,
        "evaluation_interval": "0.3s",
    }
    plan.update(kw)
    return plan


def settings(**kw: Any) -> GatewaySettings:
    base: dict[str, Any] = {
        "store_url": "sqlite://:memory:",
        "admin_token": "admin-secret-token",
        "flush_interval_s": 0.05,
        "poll_interval_s": 0.2,
        "controller_tick_s": 0.05,
    }
    base.update(kw)
    return GatewaySettings(**base)


ADMIN = {"Authorization": "Bearer admin-secret-token"}
CHAT = {"model": "support-bot", "messages": [{"role": "user", "content": "Where is my order?"}]}
