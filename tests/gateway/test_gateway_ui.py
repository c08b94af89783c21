"""The dashboard, mounted by the gateway under /ui behind the admin token."""

from __future__ import annotations

import httpx

from switchover.gateway import GatewayApp, create_gateway_app

from ._helpers import ADMIN, make_config, settings


async def test_ui_answers_the_dashboard_with_the_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/ui", headers=ADMIN)
    assert r.status_code == 308
    assert r.headers["location"] == "/ui/"
    r = await client.get("/ui", headers=ADMIN, follow_redirects=True)
    assert r.status_code == 200
    assert str(r.url) == "http://gw/ui/"
    assert "text/html" in r.headers["content-type"]
    assert 'api("api/status")' in r.text  # the dashboard page itself
    status = await client.get("/ui/api/status", headers=ADMIN)
    assert status.status_code == 200
    assert [m["name"] for m in status.json()["migrations"]] == ["support"]


async def test_ui_refuses_without_the_token(client: httpx.AsyncClient) -> None:
    page = await client.get("/ui/")
    assert page.status_code == 401
    assert "api/status" not in page.text  # the sign-in form, not the dashboard
    wrong = await client.get("/ui/", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert (await client.get("/ui/api/status")).status_code == 401
    r = await client.get("/ui?token=wrong")
    assert r.status_code == 308
    assert r.headers["location"] == "/ui/?token=wrong"


async def test_ui_sign_in_sets_a_cookie_scoped_to_the_mount(client: httpx.AsyncClient) -> None:
    r = await client.get("/ui/?token=admin-secret-token")
    assert r.status_code == 303
    assert "Path=/ui/" in r.headers["set-cookie"]
    assert (await client.get("/ui/api/status")).status_code == 200  # the cookie signs in


async def test_ui_needs_an_admin_token(sim_url: str) -> None:
    app: GatewayApp = create_gateway_app(
        make_config(sim_url), settings(admin_token=None, insecure_dev=True)
    )
    assert app.dashboard is None
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.get("/ui/")
            assert r.status_code == 403
            assert "SWITCHOVER_ADMIN_TOKEN" in r.json()["error"]["message"]
