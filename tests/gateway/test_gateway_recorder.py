"""The recorder process (``switchover gateway`` runs shadow calls, checks and record writes
there): records, shadow comparisons and metrics arrive as with the in-process pipeline,
and work it cannot take is dropped and counted, never failing a served answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from switchover.config import load_config
from switchover.gateway import create_gateway_app, serve_in_thread
from switchover.gateway.metrics import GatewayMetrics
from switchover.gateway.proxy import Call
from switchover.gateway.recorder import RecorderLink
from switchover.gateway.records import Job
from switchover.gateway.routing import build_routes
from switchover.gateway.settings import GatewaySettings
from switchover.gateway.shadow import ShadowTask

from ._helpers import CHAT, config_toml, make_config, settings, wait_until

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ANSWER = (
    b'{"id":"c1","object":"chat.completion","model":"gpt-4.1","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":12,"completion_tokens":6,"total_tokens":18}}'
)


def _config_file(tmp_path: Path, sim_url: str) -> Path:
    path = tmp_path / "switchover.toml"
    path.write_text(config_toml(sim_url, tmp_path / "state.db"))
    return path


@pytest.mark.slow
def test_recorder_process_records_shadow_comparisons_and_metrics(
    sim_url: str, tmp_path: Path
) -> None:
    cfg = load_config(_config_file(tmp_path, sim_url))
    app = create_gateway_app(cfg, settings(store_url=f"sqlite:///{tmp_path}/state.db"))
    assert app.use_recorder_process()
    with serve_in_thread(app) as base:
        admin = {"Authorization": "Bearer admin-secret-token"}
        r = httpx.post(base + "/admin/migrations/support/promote", headers=admin)
        assert r.json()["migration"]["status"] == "shadow"
        for _ in range(6):
            r = httpx.post(base + "/v1/chat/completions", json=CHAT, timeout=10)
            assert r.status_code == 200
            assert r.headers["x-switchover-arm"] == "baseline"

        def recorded() -> bool:
            records = app.store.query_records("support", EPOCH)
            return sum(1 for x in records if x.shadow) >= 6 and len(records) >= 12

        wait_until(recorded, 60)
        wait_until(
            lambda: 'arm="candidate",migration="support",status="2xx"} 6.0' in _metrics(base)
        )
        assert app.pipeline is None  # nothing recorded in the serving process
        assert app.shadow is None
        records = app.store.query_records("support", EPOCH)
    shadowed = [x for x in records if x.shadow]
    served = [x for x in records if not x.shadow]
    assert {x.arm for x in shadowed} == {"candidate"}
    assert {x.arm for x in served} == {"baseline"}
    assert all(x.checks_total > 0 for x in shadowed)  # compared with the baseline's answer
    assert all(x.input_tokens for x in records)
    assert all(x.cost for x in served)  # catalog price of gpt-4.1
    assert {x.request_id for x in shadowed} == {x.request_id for x in served}
    assert app.recorder is not None
    assert app.recorder.proc is not None
    assert app.recorder.proc.returncode == 0  # left after draining, on end of file


def _metrics(base: str) -> str:
    return httpx.get(base + "/metrics").text


def test_recorder_is_only_used_for_a_config_file_and_a_shared_store(
    sim_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not create_gateway_app(make_config(sim_url), settings()).use_recorder_process()
    cfg = load_config(_config_file(tmp_path, sim_url))
    assert not create_gateway_app(cfg, settings()).use_recorder_process()  # :memory:
    file_store = settings(store_url=f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("SWITCHOVER_GATEWAY_RECORDER", "thread")
    assert not create_gateway_app(cfg, file_store).use_recorder_process()
    monkeypatch.delenv("SWITCHOVER_GATEWAY_RECORDER")
    assert create_gateway_app(cfg, file_store).use_recorder_process()


def test_work_the_recorder_cannot_take_is_dropped_and_counted() -> None:
    metrics = GatewayMetrics()
    link = RecorderLink(metrics, "switchover.toml", GatewaySettings())  # never started
    job = Job(
        migration="support",
        arm="baseline",
        api="openai.chat",
        at=time.time(),
        latency_ms=1.0,
        status=200,
        ok=True,
        model="gpt-4.1",
        request_id="r1",
        record=True,
        raw=ANSWER,
    )
    link.submit(job)
    route = build_routes(make_config("http://127.0.0.1:1")).routes["support"]
    call = Call("openai.chat", route, {}, b"{}", {}, "r1", stream=False, record=True)
    assert not link.offer(ShadowTask(call, ANSWER, False))
    text = metrics.render().decode()
    assert "switchover_gateway_records_dropped_total 1.0" in text
    assert 'switchover_gateway_shadow_dropped_total{migration="support"} 1.0' in text
    # tokens are accounted in the serving process, recorder or not
    assert (
        'switchover_gateway_tokens_total{arm="baseline",direction="input",migration="support"}'
        " 12.0" in text
    )
