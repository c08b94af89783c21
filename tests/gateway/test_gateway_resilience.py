"""Failure handling: store outages, upstream timeouts and outages, client disconnects,
a SIGKILLed gateway resuming its stage, and two replicas on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import psycopg
import pytest

from pgsupport import postgres_dsn
from switchover.errors import StoreError
from switchover.gateway import create_gateway_app, serve_in_thread
from switchover.gateway.metrics import GatewayMetrics
from switchover.gateway.records import Job, RecordPipeline
from switchover.store import Store, open_store

from ._helpers import (
    ADMIN,
    CHAT,
    SIM_KEY_ENV,
    config_toml,
    fast_rollout,
    make_config,
    settings,
    wait_until,
)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class FlakyStore:
    """A real store that can be switched off: every call raises StoreError while down."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr) or name in ("close", "subscribe"):
            return attr

        def call(*a: Any, **kw: Any) -> Any:
            if self.down:
                raise StoreError("connection refused (test outage)")
            return attr(*a, **kw)

        return call


async def test_store_outage_keeps_serving_and_catches_up(sim_url: str) -> None:
    flaky = FlakyStore(open_store("sqlite://:memory:"))
    store = cast(Store, flaky)
    plan = fast_rollout(stages=[{"kind": "canary", "percent": 50, "duration": "1h"}])
    app = create_gateway_app(make_config(sim_url, rollout=plan), settings(), store=store)
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            await c.post("/admin/migrations/support/promote", headers=ADMIN)
            flaky.down = True
            arms = []
            for i in range(30):
                r = await c.post(
                    "/v1/chat/completions", json=CHAT, headers={"x-switchover-user": f"u{i}"}
                )
                assert r.status_code == 200
                arms.append(r.headers["x-switchover-arm"])
            assert set(arms) == {"baseline", "candidate"}  # still the canary split
            r = await c.post("/admin/migrations/support/pause", headers=ADMIN)
            assert r.status_code == 503
            assert app.pipeline is not None
            await asyncio.to_thread(wait_until, lambda: not app.pipeline.store_ok)  # type: ignore[union-attr]
            assert app.pipeline.pending
            ready = (await c.get("/readyz")).json()
            metrics = (await c.get("/metrics")).text
            assert "switchover_gateway_store_up 0.0" in metrics
            assert ready["ready"] is True
            flaky.down = False
            await asyncio.to_thread(wait_until, lambda: not app.pipeline.pending)  # type: ignore[union-attr]
            served = [r for r in flaky.inner.query_records("support", EPOCH) if not r.shadow]
            assert len(served) >= 30
        flaky.inner.close()


def test_record_buffer_is_bounded_and_counts_drops() -> None:
    inner = open_store("sqlite://:memory:")
    flaky = FlakyStore(inner)
    flaky.down = True
    metrics = GatewayMetrics()
    pipe = RecordPipeline(cast(Store, flaky), metrics, capacity=5, flush_interval_s=0.01)
    try:
        for i in range(12):
            pipe.submit(
                Job(
                    migration="support",
                    arm="baseline",
                    api="openai.chat",
                    at=time.time(),
                    latency_ms=1.0,
                    status=200,
                    ok=True,
                    model="gpt-4.1",
                    request_id=str(i),
                    record=True,
                )
            )
        wait_until(lambda: pipe.queue.empty() and len(pipe.pending) == 5)
        assert pipe.dropped == 7
        assert b"switchover_gateway_records_dropped_total 7.0" in metrics.render()
        flaky.down = False
        wait_until(lambda: not pipe.pending)
        assert len(inner.query_records("support", EPOCH)) == 5
    finally:
        pipe.close()
        inner.close()


class Hanging:
    """A TCP server that accepts and never answers; counts closed connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = 0
        self.conns: list[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                conn.settimeout(0.05)
                self.conns.append(conn)
            except OSError:
                pass
            for c in list(self.conns):
                try:
                    if c.recv(65536) == b"":
                        self.closed += 1
                        self.conns.remove(c)
                        c.close()
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop = True
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    h = Hanging()
    try:
        yield h
    finally:
        h.stop()


def _with_base(sim_url: str, base: str, timeout_s: float) -> Any:
    cfg = make_config(sim_url)
    cfg.upstreams["sim"] = cfg.upstreams["sim"].model_copy(
        update={"base_url": base, "timeout_s": timeout_s}
    )
    return cfg


async def test_upstream_timeout_is_504_and_outage_502(sim_url: str, hanging: Hanging) -> None:
    cfg = _with_base(sim_url, f"http://127.0.0.1:{hanging.port}/v1", 0.3)
    app = create_gateway_app(cfg, settings())
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.post("/v1/chat/completions", json=CHAT)
            assert r.status_code == 504
            assert r.json()["error"]["type"] == "server_error"
            r = await c.post("/v1/messages", json={**CHAT, "max_tokens": 10})
            assert r.status_code == 504
            assert r.json()["type"] == "error"
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    app2 = create_gateway_app(_with_base(sim_url, f"http://127.0.0.1:{port}/v1", 2), settings())
    async with app2.running():
        transport = httpx.ASGITransport(app=app2)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.post("/v1/chat/completions", json=CHAT)
            assert r.status_code == 502
            assert "unreachable" in r.json()["error"]["message"]


def test_client_disconnect_cancels_the_upstream_call(sim_url: str, hanging: Hanging) -> None:
    cfg = _with_base(sim_url, f"http://127.0.0.1:{hanging.port}/v1", 30)
    app = create_gateway_app(cfg, settings())
    with serve_in_thread(app) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(url + "/v1/chat/completions", json=CHAT, timeout=0.5)
        wait_until(lambda: hanging.closed >= 1, 5)
        wait_until(lambda: app.inflight == 0, 5)
        text = app.metrics.render().decode()
        assert 'kind="client_disconnect"' in text


# -- a gateway process killed mid-ramp ------------------------------------------------------
def _start(cfg: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, SIM_KEY_ENV: "sk-test-sim-0123456789abcdef"}
    cmd = [sys.executable, "-m", "switchover", "gateway", "--config", str(cfg)]
    cmd += ["--port", str(port), "--insecure-dev", "--log-level", "warning"]
    proc = subprocess.Popen(
        cmd, env=env, cwd=cfg.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.communicate()[1].decode()
            raise AssertionError(f"gateway did not start: {err[-2000:]}")
        time.sleep(0.1)


def _arms(base: str) -> dict[str, str]:
    out = {}
    for i in range(20):
        r = httpx.post(
            base + "/v1/chat/completions", json=CHAT, headers={"x-switchover-user": f"u{i}"}
        )
        assert r.status_code == 200
        out[f"u{i}"] = r.headers["x-switchover-arm"]
    return out


@pytest.mark.slow
def test_sigkill_mid_ramp_resumes_the_same_stage(sim_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "switchover.toml"
    cfg.write_text(config_toml(sim_url, tmp_path / "state.db"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = f"http://127.0.0.1:{port}"
    proc = _start(cfg, port)
    try:
        for _ in range(2):
            assert httpx.post(base + "/admin/migrations/support/promote").status_code == 200
        before = httpx.get(base + "/admin/migrations").json()["migrations"][0]
        assert (before["status"], before["stage"], before["percent"]) == ("canary", 1, 30.0)
        arms_before = _arms(base)
        assert set(arms_before.values()) == {"baseline", "candidate"}
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    proc = _start(cfg, port)
    try:
        after = httpx.get(base + "/admin/migrations").json()["migrations"][0]
        for key in ("status", "stage", "percent", "version", "entered_at"):
            assert after[key] == before[key]
        assert _arms(base) == arms_before  # sticky: every user on the same arm
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGTERM)


# -- two replicas on PostgreSQL ---------------------------------------------------------------
@pytest.fixture
def pg_url() -> Iterator[str]:
    try:
        psycopg.connect(postgres_dsn(), connect_timeout=3).close()
    except psycopg.Error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {postgres_dsn()} is unreachable and CI=true")
        pytest.skip(f"PostgreSQL at {postgres_dsn()} is unreachable")
    schema = f"gw_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in postgres_dsn() else "?"
    try:
        yield f"{postgres_dsn()}{sep}schema={schema}"
    finally:
        with psycopg.connect(postgres_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
async def test_two_replicas_agree_within_a_second(sim_url: str, pg_url: str) -> None:
    plan = fast_rollout(stages=[{"kind": "canary", "percent": 40, "duration": "1h"}])
    cfg = make_config(sim_url, rollout=plan)
    a = create_gateway_app(cfg, settings(store_url=pg_url, poll_interval_s=5.0))
    b = create_gateway_app(cfg, settings(store_url=pg_url, poll_interval_s=5.0))
    async with a.running(), b.running():
        ta, tb = httpx.ASGITransport(app=a), httpx.ASGITransport(app=b)
        async with (
            httpx.AsyncClient(transport=ta, base_url="http://a") as ca,
            httpx.AsyncClient(transport=tb, base_url="http://b") as cb,
        ):
            for action, status in (("promote", "canary"), ("kill", "rolled_back")):
                t0 = time.monotonic()
                r = await ca.post(f"/admin/migrations/support/{action}", headers=ADMIN)
                assert r.status_code == 200
                while (st := b.view.states.get("support")) is None or st.status != status:
                    assert time.monotonic() - t0 < 1.0, f"replica b still {st}"
                    await asyncio.sleep(0.01)
                # both replicas now route the same user to the same arm
                h = {"x-switchover-user": "same-user"}
                ra = await ca.post("/v1/chat/completions", json=CHAT, headers=h)
                rb = await cb.post("/v1/chat/completions", json=CHAT, headers=h)
                assert ra.headers["x-switchover-arm"] == rb.headers["x-switchover-arm"]
