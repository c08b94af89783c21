"""The web dashboard: ``create_dashboard_app(config, store, *, admin_token)`` (mount it in
the gateway under ``/ui``) and ``serve_dashboard`` / ``run_dashboard``."""

from __future__ import annotations

from switchover.project.dashboard.app import COOKIE, create_dashboard_app
from switchover.project.dashboard.server import run_dashboard, serve_dashboard

__all__ = ["COOKIE", "create_dashboard_app", "run_dashboard", "serve_dashboard"]
