"""The dashboard's ASGI app (starlette): the status view, live per-arm metrics, the audit
trail, evaluation reports, and rollout controls that act on the store like
``switchover rollout``. Every route but the login needs the admin token (a Bearer header, or
the HttpOnly cookie the login sets)."""

from __future__ import annotations

import asyncio
import hmac
import html
import threading
import time
from datetime import UTC, datetime
from typing import Any, cast, get_args
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from switchover.config import Config
from switchover.errors import SwitchoverError
from switchover.project.dashboard.page import LOGIN_HTML, PAGE_HTML
from switchover.project.dashboard.series import arm_series
from switchover.project.evalinfo import report_paths
from switchover.project.status import build_status, migration_plan, project_root, run_scan
from switchover.scan.findings import ScanReport
from switchover.store import Store
from switchover.store.control import ManualAction, apply_action

__all__ = ["COOKIE", "create_dashboard_app"]

COOKIE = "switchover_ui"
ACTION_HEADER = "x-switchover-action"  # custom header: a cross-site form cannot send it
_ACTIONS: frozenset[str] = frozenset(get_args(ManualAction))
_SCAN_TTL_S = 60.0


class _Dashboard:
    def __init__(
        self,
        config: Config,
        store: Store,
        admin_token: str,
        store_url: str,
        scan: bool,
    ) -> None:
        self.config = config
        self.store = store
        self.token = admin_token
        self.store_url = store_url
        self.scan = scan
        self.reports_dir = project_root(config) / config.project.reports_dir
        self._scan: tuple[float, ScanReport] | None = None
        self._lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------------
    def authorized(self, request: Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            given = value.strip()
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def _cookie(self, response: Response, request: Request) -> Response:
        path = (request.scope.get("root_path") or "") + "/"
        response.set_cookie(
            COOKIE, self.token, httponly=True, samesite="strict", path=path, max_age=12 * 3600
        )
        return response

    # -- data -------------------------------------------------------------------------------
    def scan_report(self) -> ScanReport | None:
        if not self.scan:
            return None
        with self._lock:
            now = time.monotonic()
            if self._scan is None or now - self._scan[0] > _SCAN_TTL_S:
                self._scan = (now, run_scan(self.config, datetime.now(UTC).date()))
            return self._scan[1]

    def status(self) -> dict[str, Any]:
        result = build_status(
            self.config,
            self.store,
            store_url=self.store_url,
            do_scan=False,
            scan_report=self.scan_report(),
        )
        data = result.model_dump(mode="json")
        for m in data["migrations"]:
            paths = report_paths(self.reports_dir, m["name"])
            m["report_links"] = {fmt: f"reports/{p.name}" for fmt, p in paths.items()}
        return data

    def detail(self, name: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        audit = self.store.list_audit(name, limit=50)
        return {
            "migration": name,
            "series": arm_series(self.store, name, now),
            "audit": [
                {**e.model_dump(mode="json", exclude={"metrics"}), "summary": e.summary}
                for e in reversed(audit)
            ],
        }

    def act(self, name: str, action: str, actor: str, reason: str) -> dict[str, Any]:
        mig = self.config.migration(name)
        plan = migration_plan(self.config, mig)
        self.store.put_plan(plan)  # replicas follow the same plan, as with the CLI
        t = apply_action(self.store, plan, cast(ManualAction, action), actor=actor, reason=reason)
        return {
            "state": t.state.model_dump(mode="json", exclude={"history", "baseline_reference"}),
            "summary": t.event.summary,
            "description": t.state.describe(),
        }


def _error(status: int, message: str, hint: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if hint:
        body["hint"] = hint
    return JSONResponse({"error": body}, status_code=status)


def create_dashboard_app(
    config: Config,
    store: Store,
    *,
    admin_token: str,
    store_url: str | None = None,
    scan: bool = True,
) -> Starlette:
    """The dashboard as an ASGI app; mount it anywhere (the gateway uses ``/ui``). The caller
    owns ``store`` and closes it."""
    if not admin_token:
        raise ValueError("the dashboard needs an admin token")
    dash = _Dashboard(config, store, admin_token, store_url or config.project.store, scan)

    async def index(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            if hmac.compare_digest(token.encode(), dash.token.encode()):
                return dash._cookie(RedirectResponse("./", status_code=303), request)
            return HTMLResponse(LOGIN_HTML.replace("{{error}}", "Wrong token."), status_code=401)
        if not dash.authorized(request):
            return HTMLResponse(LOGIN_HTML.replace("{{error}}", ""), status_code=401)
        return HTMLResponse(PAGE_HTML.replace("{{project}}", html.escape(config.project.name)))

    async def login(request: Request) -> Response:
        # urlencoded by the login form (parsed here: no python-multipart dependency)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0]
        if token and hmac.compare_digest(token.encode(), dash.token.encode()):
            return dash._cookie(RedirectResponse("./", status_code=303), request)
        return HTMLResponse(LOGIN_HTML.replace("{{error}}", "Wrong token."), status_code=401)

    async def api_status(request: Request) -> Response:
        if not dash.authorized(request):
            return _error(401, "admin token required", "Send Authorization: Bearer <token>.")
        try:
            data = await asyncio.to_thread(dash.status)
        except SwitchoverError as exc:
            return _error(500, exc.message, exc.hint)
        return JSONResponse(data)

    async def api_detail(request: Request) -> Response:
        if not dash.authorized(request):
            return _error(401, "admin token required")
        name = request.path_params["name"]
        if name not in {m.name for m in config.migrations}:
            return _error(404, f"no migration named {name!r}")
        return JSONResponse(await asyncio.to_thread(dash.detail, name))

    async def api_action(request: Request) -> Response:
        if not dash.authorized(request):
            return _error(401, "admin token required")
        if request.headers.get(ACTION_HEADER) != "1":
            return _error(403, f"missing {ACTION_HEADER} header")
        name, action = request.path_params["name"], request.path_params["action"]
        if action not in _ACTIONS:
            return _error(
                404, f"unknown action {action!r}", "One of: " + ", ".join(sorted(_ACTIONS))
            )
        if name not in {m.name for m in config.migrations}:
            return _error(404, f"no migration named {name!r}")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body must be JSON: {confirm, reason, actor}")
        if not isinstance(body, dict) or body.get("confirm") != name:
            return _error(400, "not confirmed", "Send confirm = the migration's name.")
        actor = "user:" + (str(body.get("actor") or "dashboard"))[:64]
        reason = str(body.get("reason") or "")[:500]
        try:
            result = await asyncio.to_thread(dash.act, name, action, actor, reason)
        except SwitchoverError as exc:
            return _error(409 if exc.exit_code == 2 else 500, exc.message, exc.hint)
        return JSONResponse(result)

    async def report(request: Request) -> Response:
        if not dash.authorized(request):
            return _error(401, "admin token required")
        file = request.path_params["file"]
        for m in config.migrations:
            for p in report_paths(dash.reports_dir, m.name).values():
                if p.name == file:
                    return FileResponse(p)
        return _error(404, f"no report named {file!r}")

    routes = [
        Route("/", index),
        Route("/login", login, methods=["POST"]),
        Route("/api/status", api_status),
        Route("/api/migrations/{name}", api_detail),
        Route("/api/migrations/{name}/{action}", api_action, methods=["POST"]),
        Route("/reports/{file}", report),
    ]
    return Starlette(routes=routes)
