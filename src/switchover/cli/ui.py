"""``switchover ui``: the web dashboard (status, live metrics, audit trail, controls)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer

from switchover.cli._output import console
from switchover.config import load_config
from switchover.project.dashboard import create_dashboard_app, run_dashboard
from switchover.store import open_store

__all__ = ["register"]


def ui(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8788, "--port", min=0, max=65535, help="Port (0: any free port)."),
    config: Path | None = typer.Option(None, "--config", "-c", help="Path to switchover.toml."),
    store: str | None = typer.Option(
        None, "--store", help="Store URL (default: store in \\[project])."
    ),
    admin_token_env: str = typer.Option(
        "SWITCHOVER_ADMIN_TOKEN", "--admin-token-env", help="Variable holding the admin token."
    ),
    no_scan: bool = typer.Option(False, "--no-scan", help="Do not scan the code for sites."),
) -> None:
    """Serve the web dashboard: status, live metrics, audit trail and rollout controls.

    Without a token in the environment a one-off token is made and the sign-in link printed
    (the controls change rollouts, so the page always needs one)."""
    cfg = load_config(config)
    url = store or cfg.project.store
    token = os.environ.get(admin_token_env) or secrets.token_urlsafe(24)
    with open_store(url) as st:
        app = create_dashboard_app(cfg, st, admin_token=token, store_url=url, scan=not no_scan)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host

        def announce(bound: int) -> None:
            if os.environ.get(admin_token_env):
                console.print(
                    f"dashboard on http://{shown}:{bound}/ (token from ${admin_token_env})"
                )
            else:
                console.print(f"dashboard on http://{shown}:{bound}/?token={token}", soft_wrap=True)

        run_dashboard(app, host, port, on_listen=announce)


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)
