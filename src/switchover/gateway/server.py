"""Running the gateway with uvicorn: blocking (the CLI) or in a thread (tests, demo)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from switchover.errors import UsageError
from switchover.gateway.app import GatewayApp

__all__ = ["bind", "run_gateway", "serve_in_thread"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one); UsageError when it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this: without it Nagle holds the body write behind the
        # header write until the client's delayed ACK (~40 ms per response).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="Pick another --port (0 picks a free one).",
        ) from None
    return sock


def _config(app: GatewayApp, log_level: str, drain_s: float) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=max(1, int(drain_s)),
        timeout_keep_alive=30,
    )


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if sock.family == socket.AF_INET6 else host
    return f"http://{shown}:{port}"


def run_gateway(
    app: GatewayApp, host: str = "127.0.0.1", port: int = 8080, *, log_level: str = "info"
) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests are drained on shutdown."""
    sock = bind(host, port)
    try:
        server = uvicorn.Server(_config(app, log_level, app.settings.drain_timeout_s))
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
        yield _url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=app.settings.drain_timeout_s + 10)
        sock.close()
