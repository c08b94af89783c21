"""PostgreSQL going away and coming back: clear errors meanwhile, then recovery and no
missed change notification. The server is reached through a loopback TCP proxy the test
can cut."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from switchover.errors import StoreError
from switchover.rollout import default_plan
from switchover.store import open_store
from switchover.store.control import apply_action

pytestmark = pytest.mark.postgres


class Proxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server; ``cut()`` drops every connection
    and refuses new ones until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.up = True
        self.stopped = False
        self.live: list[socket.socket] = []
        self.pipes: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.live += [client, server]
                for a, b in ((client, server), (server, client)):
                    t = threading.Thread(target=self._pipe, args=(a, b), daemon=True)
                    self.pipes.append(t)
                    t.start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        """Copy src -> dst; each socket is the source of exactly one pipe, which closes it."""
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                src.shutdown(socket.SHUT_RDWR)
            src.close()

    def cut(self) -> None:
        self.up = False
        with self.lock:
            live, self.live = self.live, []
        for s in live:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.stopped = True
        self.thread.join(2)
        self.cut()
        for t in self.pipes:
            t.join(2)
        self.listener.close()


@pytest.fixture
def proxy(pg_url: str) -> Iterator[tuple[Proxy, str]]:
    parts = urlsplit(pg_url)
    p = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{p.port}")
    try:
        yield p, urlunsplit(parts._replace(netloc=netloc))
    finally:
        p.close()


def test_outage_then_recovery_without_missed_changes(proxy: tuple[Proxy, str], pg_url: str) -> None:
    p, url = proxy
    plan = default_plan("bot")
    seen: list[str] = []
    got = threading.Event()
    with open_store(url) as store, open_store(pg_url) as direct:
        store.subscribe(lambda m: (seen.append(m), got.set()))
        p.cut()
        with pytest.raises(StoreError, match="PostgreSQL store"):
            store.cache_get("k")
        # a change made while this replica is cut off ...
        apply_action(direct, plan, "promote", actor="user:ops")
        time.sleep(0.5)
        assert seen == []
        p.restore()
        # ... is picked up once it reconnects (the listener compares versions)
        assert got.wait(10)
        assert seen == ["bot"]
        deadline = time.time() + 10
        while True:
            try:
                state = store.get_rollout("bot")
                break
            except StoreError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        assert state is not None
        assert state.status == "shadow"
