"""``switchover gateway``: serve the cut-over gateway (OpenAI/Anthropic compatible)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import typer
from rich.markup import escape

from switchover.cli._output import console
from switchover.config import load_config
from switchover.errors import UsageError

__all__ = ["register"]


def gateway(
    config: Path | None = typer.Option(
        None, "--config", help="switchover.toml (default: found upwards from the cwd)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(
        8080, "--port", min=0, max=65535, help="Port, 0-65535 (0 picks a free one)."
    ),
    store: str | None = typer.Option(
        None, "--store", help="Store URL (default: the project store set in switchover.toml)."
    ),
    admin_token_env: str = typer.Option(
        "SWITCHOVER_ADMIN_TOKEN",
        "--admin-token-env",
        help="Environment variable holding the admin API bearer token.",
    ),
    insecure_dev: bool = typer.Option(
        False, "--insecure-dev", help="Admin API without a token (local development only)."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="uvicorn worker processes sharing the port (each runs its own controller).",
    ),
    record_sample: float = typer.Option(
        1.0, "--record-sample", min=0.0, max=1.0, help="Share of requests recorded in rollouts."
    ),
    record_bodies: bool = typer.Option(
        False, "--record-bodies", help="Keep request bodies in records (keys are redacted)."
    ),
    max_body_mb: float = typer.Option(4.0, "--max-body-mb", help="Request body limit (413)."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn/gateway log level."),
) -> None:
    """Serve the cut-over gateway: shadow, sticky canary, gated ramp, rollback.

    OpenAI- and Anthropic-compatible endpoints carry each migration through shadow, a sticky
    canary and a gated ramp, with automatic rollback. Point your SDK's base URL at it;
    nothing else changes."""
    from switchover.gateway import GatewaySettings, create_gateway_app, run_gateway
    from switchover.gateway.server import run_workers
    from switchover.gateway.upstream import missing_key_warnings, proxy_lines

    cfg = load_config(config)
    token = os.environ.get(admin_token_env) or None
    if token is None and not insecure_dev:
        console.print(
            f"[yellow]admin API disabled:[/] set {admin_token_env} (or pass --insecure-dev)"
        )
    store_url = store or cfg.project.store
    if workers > 1 and store_url.startswith("sqlite://:memory:"):
        raise UsageError(
            "--workers > 1 needs a store the workers can share",
            hint="Use a SQLite file or PostgreSQL (the workers share the rollout through it).",
        )
    settings = GatewaySettings(
        store_url=store_url,
        admin_token=token,
        insecure_dev=insecure_dev,
        record_sample=record_sample,
        record_bodies=record_bodies,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
    )
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    if workers > 1:
        if cfg.path is None:
            raise UsageError("--workers > 1 needs a switchover.toml", hint="Pass --config.")
        run_workers(
            str(cfg.path),
            settings,
            admin_token_env,
            host,
            port,
            workers,
            log_level=log_level,
            announce=_announcer(f"with {workers} workers"),
        )
        return
    app = create_gateway_app(cfg, settings)
    for line in missing_key_warnings(app.upstreams):
        console.print(f"[yellow]warning:[/] {escape(line)}", highlight=False)
    for line in proxy_lines(app.upstreams):
        logging.getLogger("switchover.gateway").info("%s", line)
    names = ", ".join(app.routes.model_names())
    run_gateway(app, host, port, log_level=log_level, announce=_announcer(f"routing: {names}"))


def _announcer(suffix: str) -> Callable[[str], None]:
    """Prints the start-up line once the socket is bound (so port 0 shows the real port)."""

    def announce(url: str) -> None:
        console.print(f"switchover gateway on {url} {suffix}", highlight=False)

    return announce


def register(app: typer.Typer) -> None:
    app.command("gateway")(gateway)
