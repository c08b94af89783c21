"""The dashboard's HTTP API: auth, status, series, audit, reports, controls (over ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from switchover.config import Config, load_config
from switchover.project.dashboard import COOKIE, create_dashboard_app
from switchover.project.dashboard.series import arm_series
from switchover.rollout import RequestRecord
from switchover.store import Store, open_store

TOKEN = "s3cret-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
ACT = {**AUTH, "x-switchover-action": "1"}


@pytest.fixture
def cfg(example_with_plan: Path) -> Config:
    reports = example_with_plan / "switchover-reports"
    reports.mkdir()
    (reports / "support-gpt-6-luna-eval.html").write_text("<html>report</html>")
    return load_config(example_with_plan / "switchover.toml")


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("sqlite://:memory:") as st:
        yield st


@pytest.fixture
async def client(cfg: Config, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_dashboard_app(cfg, store, admin_token=TOKEN, store_url="mem")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ui.test"
    ) as c:
        yield c


async def test_auth(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 401
    assert "Admin token" in page.text
    assert (await client.get("/api/status")).status_code == 401
    bad = await client.get("/api/status", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert (await client.get("/?token=wrong")).status_code == 401
    assert (await client.post("/login", data={"token": "wrong"})).status_code == 401
    login = await client.post("/login", data={"token": TOKEN})
    assert login.status_code == 303
    assert COOKIE in login.headers["set-cookie"]
    assert "httponly" in login.headers["set-cookie"].lower()
    assert "samesite=strict" in login.headers["set-cookie"].lower()
    page = await client.get("/")  # the cookie now authorizes
    assert page.status_code == 200
    assert "switchover · support-assistant" in page.text
    assert "http" not in page.text.split("<script>")[0].split("<title>")[0]  # no CDN
    via_query = await client.get("/?token=" + TOKEN)
    assert via_query.status_code == 303


async def test_status_detail_and_reports(client: httpx.AsyncClient, store: Store) -> None:
    data = (await client.get("/api/status", headers=AUTH)).json()
    (m,) = data["migrations"]
    assert m["name"] == "support-gpt-6-luna"
    assert len(m["call_sites"]) == 4
    assert m["report_links"] == {"html": "reports/support-gpt-6-luna-eval.html"}
    rep = await client.get("/reports/support-gpt-6-luna-eval.html", headers=AUTH)
    assert rep.text == "<html>report</html>"
    assert (await client.get("/reports/..%2Fswitchover.toml", headers=AUTH)).status_code == 404
    assert (await client.get("/reports/x.html")).status_code == 401
    now = datetime.now(UTC)
    store.append_records(
        RequestRecord(
            migration="support-gpt-6-luna",
            arm="candidate" if i % 2 else "baseline",
            at=now - timedelta(seconds=30 + i),
            latency_ms=100.0 + i,
            ok=i % 10 != 1,
        )
        for i in range(40)
    )
    detail = (await client.get("/api/migrations/support-gpt-6-luna", headers=AUTH)).json()
    series = detail["series"]
    assert len(series["t"]) == 60
    assert sum(series["candidate"]["count"]) == 20
    assert sum(series["baseline"]["count"]) == 20
    assert detail["audit"] == []
    assert (await client.get("/api/migrations/nope", headers=AUTH)).status_code == 404
    assert (await client.get("/api/migrations/nope")).status_code == 401


async def test_controls_change_the_rollout(client: httpx.AsyncClient, store: Store) -> None:
    url = "/api/migrations/support-gpt-6-luna"
    body = {"confirm": "support-gpt-6-luna", "reason": "go", "actor": "alice"}
    assert (await client.post(url + "/promote", json=body)).status_code == 401
    assert (await client.post(url + "/promote", json=body, headers=AUTH)).status_code == 403
    no = await client.post(url + "/promote", json={"reason": "x"}, headers=ACT)
    assert no.status_code == 400
    assert "not confirmed" in no.json()["error"]["message"]
    assert (await client.post(url + "/promote", content=b"{", headers=ACT)).status_code == 400
    assert (await client.post(url + "/explode", json=body, headers=ACT)).status_code == 404
    assert (
        await client.post("/api/migrations/x/promote", json=body, headers=ACT)
    ).status_code == 404
    assert store.get_rollout("support-gpt-6-luna") is None
    ok = await client.post(url + "/promote", json=body, headers=ACT)
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"]["status"] == "shadow"
    illegal = await client.post(url + "/resume", json=body, headers=ACT)
    assert illegal.status_code == 409
    assert "hint" in illegal.json()["error"]
    killed = await client.post(url + "/kill", json=body, headers=ACT)
    assert killed.json()["state"]["status"] == "rolled_back"
    state = store.get_rollout("support-gpt-6-luna")
    assert state is not None
    assert state.status == "rolled_back"
    audit = store.list_audit("support-gpt-6-luna")
    assert [(e.action, e.actor, e.reason) for e in audit] == [
        ("promote", "user:alice", "go"),
        ("kill", "user:alice", "go"),
    ]
    assert store.get_plan("support-gpt-6-luna") is not None
    detail = (await client.get(url, headers=AUTH)).json()
    assert [e["action"] for e in detail["audit"]] == ["kill", "promote"]


def test_series_buckets_and_token_required(cfg: Config, store: Store) -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    store.append_records(
        [
            RequestRecord(
                migration="m",
                arm="baseline",
                at=now - timedelta(minutes=2, seconds=1),
                latency_ms=10.0,
                checks_passed=1,
                checks_total=2,
            ),
            RequestRecord(
                migration="m",
                arm="candidate",
                at=now - timedelta(seconds=5),
                latency_ms=20.0,
                ok=False,
                shadow=True,
            ),
        ]
    )
    s = arm_series(store, "m", now, minutes=5, step_s=60)
    assert s["baseline"]["count"] == [0, 0, 1, 0, 0]
    assert s["baseline"]["check_pass_rate"][2] == 0.5
    assert s["candidate"]["error_rate"] == [None, None, None, None, 1.0]
    assert s["candidate"]["shadow"][-1] == 1
    with pytest.raises(ValueError, match="admin token"):
        create_dashboard_app(cfg, store, admin_token="")


async def test_mounted_under_ui(cfg: Config, store: Store) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    dash = create_dashboard_app(cfg, store, admin_token=TOKEN, scan=False)
    outer = Starlette(routes=[Mount("/ui", app=dash)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="http://gw.test"
    ) as c:
        login = await c.get("/ui/?token=" + TOKEN)
        assert login.status_code == 303
        assert "Path=/ui/" in login.headers["set-cookie"]
        page = await c.get("/ui/")
        assert page.status_code == 200
        assert 'api("api/status")' in page.text  # relative: resolves under /ui/
        data = (await c.get("/ui/api/status")).json()
        assert data["scanned"] is False
        assert data["migrations"][0]["call_sites"] == []
