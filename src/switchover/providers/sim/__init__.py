"""The switchover simulator: a deterministic model emulator (never a real model).

Use it in-process (:class:`SimEngine`, :class:`SimProvider`) or over HTTP
(:func:`create_sim_app`, :func:`run_sim_server`, ``switchover sim serve``). Every response
is labelled: ids start with ``sim`` and HTTP responses carry ``x-switchover-simulator: true``.
See docs/simulator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from switchover.providers.sim.engine import SimEngine
from switchover.providers.sim.judge import JUDGE_MARKER
from switchover.providers.sim.profiles import (
    BUILTIN_PROFILES,
    FaultProfile,
    LatencyProfile,
    SimProfile,
    load_profiles,
    parse_profiles,
)

if TYPE_CHECKING:
    from switchover.providers.base import Provider, ProviderSettings

__all__ = [
    "BUILTIN_PROFILES",
    "JUDGE_MARKER",
    "SIM_HEADER",
    "FaultProfile",
    "LatencyProfile",
    "SimEngine",
    "SimProfile",
    "create_provider",
    "create_sim_app",
    "load_profiles",
    "parse_profiles",
    "run_sim_server",
]

SIM_HEADER = "x-switchover-simulator"


def create_sim_app(engine: SimEngine, *, api_key: str | None = None) -> Any:
    """The ASGI app serving the OpenAI, Anthropic and Gemini wire formats (see ``app.py``)."""
    from switchover.providers.sim.app import create_sim_app as _create

    return _create(engine, api_key=api_key)


def run_sim_server(
    engine: SimEngine, host: str = "127.0.0.1", port: int = 0, *, api_key: str | None = None
) -> Any:
    """Context manager: uvicorn in a background thread; yields the base URL."""
    from switchover.providers.sim.server import run_sim_server as _run

    return _run(engine, host, port, api_key=api_key)


def create_provider(
    settings: ProviderSettings, *, engine: SimEngine | None = None, api: str = "openai.chat"
) -> Provider:
    """Entry point ``sim``: an in-process simulated provider speaking ``api``."""
    from switchover.providers.sim.provider import SimProvider

    return SimProvider(settings, engine=engine, api=api)
