"""Serving the dashboard with uvicorn: blocking (``switchover ui``) or in a thread (tests, demo)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn
from starlette.types import ASGIApp

from switchover.errors import UsageError
from switchover.gateway.server import bind

__all__ = ["run_dashboard", "serve_dashboard"]


def _config(app: ASGIApp, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=False)


def run_dashboard(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    log_level: str = "warning",
    on_listen: Callable[[int], None] | None = None,
) -> None:
    """Serve until interrupted; ``on_listen`` gets the bound port (the real one for port 0)."""
    sock = bind(host, port)
    try:
        if on_listen is not None:
            on_listen(int(sock.getsockname()[1]))
        uvicorn.Server(_config(app, log_level)).run(sockets=[sock])
    finally:
        sock.close()


@contextlib.contextmanager
def serve_dashboard(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields the base URL (ending in ``/``)."""
    sock = bind(host, port)
    server = uvicorn.Server(_config(app, "warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="switchover-ui", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise UsageError("the dashboard did not start")
            time.sleep(0.005)
        h, p = sock.getsockname()[:2]
        yield f"http://{h}:{p}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
