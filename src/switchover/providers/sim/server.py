"""Running the simulator app with uvicorn: in a background thread (tests, demo) or blocking
(``switchover sim serve``)."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn

from switchover.errors import ProviderError
from switchover.providers.sim.app import create_sim_app
from switchover.providers.sim.engine import SimEngine
from switchover.providers.sim.faults import SimConnectionReset

__all__ = ["quiet_injected_resets", "run_sim_server", "serve_forever"]


class _DropInjectedResets(logging.Filter):
    """Injected connection resets are intentional: keep their tracebacks out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimConnectionReset)


_FILTER = _DropInjectedResets()


def quiet_injected_resets() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        bad_host = isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL
        raise ProviderError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            provider="sim",
            hint="Check --host (an address of this machine, e.g. 127.0.0.1)."
            if bad_host
            else "Pick another --port (0 picks a free one).",
        ) from None
    return sock


def _config(engine: SimEngine, log_level: str, api_key: str | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        create_sim_app(engine, api_key=api_key),
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )


@contextlib.contextmanager
def run_sim_server(
    engine: SimEngine,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api_key: str | None = None,
    startup_timeout_s: float = 10.0,
) -> Iterator[str]:
    """Serve ``engine`` on ``host:port`` (0 = a free port) in a background thread and
    yield the base URL (``http://127.0.0.1:PORT``); stops the server on exit. With
    ``api_key`` the server answers 401 to requests without it."""
    quiet_injected_resets()
    sock = _bind(host, port)
    server = uvicorn.Server(_config(engine, "warning", api_key))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="switchover-sim", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise ProviderError("the simulator server did not start", provider="sim")
            time.sleep(0.005)
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if sock.family == socket.AF_INET6 else bound[0]
        yield f"http://{shown}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(
    engine: SimEngine, host: str, port: int, *, on_ready: Callable[[str], None] | None = None
) -> None:
    """Blocking server for the CLI. Ctrl-C stops it with ``KeyboardInterrupt`` (the CLI's
    exit 130, like every long-running command). ``on_ready`` gets the bound base URL (useful
    with port 0) before serving starts."""
    quiet_injected_resets()
    sock = _bind(host, port)
    try:
        bound = sock.getsockname()
        shown = f"[{bound[0]}]" if sock.family == socket.AF_INET6 else bound[0]
        if on_ready is not None:
            on_ready(f"http://{shown}:{bound[1]}")
        server = uvicorn.Server(_config(engine, "warning"))
        server.run(sockets=[sock])
        if server.should_exit:
            # Stopped by a signal that uvicorn did not re-raise (it re-raises SIGINT as
            # KeyboardInterrupt since 0.29, but not when it ran outside the main thread, and
            # a signal handler installed by an embedding program may swallow it).
            raise KeyboardInterrupt
    finally:
        sock.close()
