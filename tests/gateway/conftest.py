"""Fixtures for the gateway: a simulator upstream on loopback and gateways in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from switchover.gateway import GatewayApp, create_gateway_app
from switchover.providers.sim import SimEngine, run_sim_server

from ._helpers import SIM_KEY_ENV, make_config, settings, sim_profiles


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    engine = SimEngine(sim_profiles(), seed=7, time_scale=0.0)
    with run_sim_server(engine) as url:
        yield url


@pytest.fixture(autouse=True)
def _sim_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SIM_KEY_ENV, "sk-test-sim-0123456789abcdef")


@pytest.fixture
async def gateway(sim_url: str) -> AsyncIterator[GatewayApp]:
    app = create_gateway_app(make_config(sim_url), settings())
    async with app.running():
        yield app


@pytest.fixture
async def client(gateway: GatewayApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        yield c
