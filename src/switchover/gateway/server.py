"""Running the gateway with uvicorn: blocking (the CLI) or in a thread (tests, demo)."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import importlib.util
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn

from switchover.errors import UsageError
from switchover.gateway.app import GatewayApp, create_gateway_app
from switchover.gateway.settings import GatewaySettings
from switchover.gateway.upstream import missing_key_warnings, proxy_lines

__all__ = [
    "app_from_env",
    "bind",
    "bound_url",
    "run_gateway",
    "run_workers",
    "serve_in_thread",
]

_log = logging.getLogger("switchover.gateway")

SPEC_ENV = "SWITCHOVER_GATEWAY_SPEC"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one); UsageError when it cannot bind or
    listen (port out of range, in use, or not allowed)."""
    if not 0 <= port <= 65535:
        raise UsageError(
            f"--port {port} is out of range",
            hint="Use a port from 0 to 65535 (0 picks a free one).",
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this: without it Nagle holds the body write behind the
        # header write until the client's delayed ACK (~40 ms per response).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        # Listen here, not only in uvicorn, so a taken port fails now with a usage error.
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint=_bind_hint(exc),
        ) from None
    return sock


def _bind_hint(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            "Another process is listening on that port (another gateway?): stop it, or pick "
            "another --port (0 picks a free one)."
        )
    if exc.errno == errno.EACCES:
        return "Ports below 1024 need privileges: pick --port 1024 or above."
    return "Check --host and pick another --port (0 picks a free one)."


def event_loop_and_parser() -> tuple[str, str]:
    """uvloop and httptools (C event loop and HTTP parser) when installed, else asyncio's
    loop and the pure-Python h11: the C pair roughly halves the gateway's per-request CPU
    (see docs/benchmarks.md)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


def freeze_heap() -> None:
    """Move everything alive after start-up (modules, the app) out of the cyclic garbage
    collector's reach: a full collection then scans only objects created since, instead
    of ~100,000 long-lived ones (~30-100 ms each time, a stall for every request in
    flight)."""
    gc.collect()
    gc.freeze()


def _config(app: GatewayApp, log_level: str, drain_s: float) -> uvicorn.Config:
    loop, http = event_loop_and_parser()
    return uvicorn.Config(
        app,
        loop=loop,
        http=http,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, int(drain_s)),
        timeout_keep_alive=30,
    )


def bound_url(sock: socket.socket) -> str:
    """The base URL of a bound socket (the real port when 0 was asked for)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if sock.family == socket.AF_INET6 else host
    return f"http://{shown}:{port}"


def run_gateway(
    app: GatewayApp,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests are drained on shutdown.
    ``announce`` gets the bound base URL (the real port when ``port`` is 0)."""
    sock = bind(host, port)
    try:
        if announce is not None:
            announce(bound_url(sock))
        server = uvicorn.Server(_config(app, log_level, app.settings.drain_timeout_s))
        app.use_recorder_process()
        freeze_heap()
        server.run(sockets=[sock])
    finally:
        sock.close()


@contextlib.contextmanager
def serve_in_thread(
    app: GatewayApp, host: str = "127.0.0.1", port: int = 0, *, startup_timeout_s: float = 15.0
) -> Iterator[str]:
    """Serve ``app`` in a background thread and yield its base URL; stops (draining
    in-flight requests) on exit."""
    sock = bind(host, port)
    server = uvicorn.Server(_config(app, "warning", app.settings.drain_timeout_s))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="switchover-gateway", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise UsageError("the gateway did not start", hint="See the log above.")
            time.sleep(0.005)
        yield bound_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=app.settings.drain_timeout_s + 10)
        sock.close()


def run_workers(
    config_path: str,
    settings: GatewaySettings,
    token_env: str,
    host: str,
    port: int,
    workers: int,
    *,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve with ``workers`` uvicorn processes sharing one listening socket. Each worker
    builds its own app from ``config_path`` (the admin token is read from ``token_env`` in
    the worker, never passed around) and runs its own controller; compare-and-set in the
    store keeps their transitions consistent."""
    spec = dataclasses.asdict(settings)
    spec.pop("admin_token", None)
    spec["pass_checks"] = list(settings.pass_checks)
    os.environ[SPEC_ENV] = json.dumps(
        {"config": config_path, "settings": spec, "token_env": token_env}
    )
    sock = bind(host, port)
    loop, http = event_loop_and_parser()
    try:
        if announce is not None:
            announce(bound_url(sock))
        uvicorn.run(
            "switchover.gateway.server:app_from_env",
            factory=True,
            fd=sock.fileno(),
            workers=workers,
            loop=loop,
            http=http,
            log_level=log_level,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=max(1, int(settings.drain_timeout_s)),
        )
    finally:
        sock.close()


def app_from_env() -> GatewayApp:
    """The app of one worker process started by :func:`run_workers`."""
    from switchover.config import load_config

    spec = json.loads(os.environ[SPEC_ENV])
    raw = dict(spec["settings"])
    raw["pass_checks"] = tuple(raw.get("pass_checks", ()))
    settings = GatewaySettings(**raw)
    settings.admin_token = os.environ.get(spec["token_env"]) or None
    app = create_gateway_app(load_config(spec["config"]), settings)
    for line in missing_key_warnings(app.upstreams):
        _log.warning("warning: %s", line)
    for line in proxy_lines(app.upstreams):
        _log.info("%s", line)
    app.use_recorder_process()
    freeze_heap()
    return app
