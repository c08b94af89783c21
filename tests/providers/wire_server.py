"""A tiny real HTTP/1.1 server on 127.0.0.1 (port 0) for wire-format tests.

Every request is recorded exactly as received (method, path, query, headers, body). Replies
are scripted: queue :class:`Reply` objects (served in order), or give a ``handler`` function
called for each request once the queue is empty. A reply can be a JSON body, raw bytes, an
SSE stream written frame by frame (chunked transfer encoding), or a misbehaving connection:
``action="close"`` (close without answering) or ``action="reset"`` (TCP RST).

    with WireServer() as srv:
        srv.queue(Reply(json={"ok": True}, headers={"x-request-id": "req_1"}))
        ... point a client at srv.base_url ...
        assert srv.requests[0].json == {...}

Shared by every provider test module (OpenAI, Anthropic, Gemini).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

__all__ = ["Recorded", "Reply", "SleepRecorder", "WireServer", "sse_frames"]


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sse: list[bytes] | None = None  # complete SSE frames (or any byte chunks), one chunk each
    delay_s: float = 0.0  # before the status line
    chunk_delay_s: float = 0.0  # between SSE frames
    action: Literal["respond", "close", "reset"] = "respond"


@dataclass
class Recorded:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    raw_path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sse_frames(*frames: bytes) -> list[bytes]:
    return list(frames)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        rec = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            raw_path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(rec)
            owner.in_flight += 1
            owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
            reply = owner.replies.popleft() if owner.replies else None
        try:
            if reply is None:
                reply = (
                    owner.handler(rec)
                    if owner.handler
                    else Reply(status=500, json={"error": {"message": "no scripted reply"}})
                )
            self._send(reply)
        finally:
            with owner.lock:
                owner.in_flight -= 1

    do_POST = _handle
    do_GET = _handle
    do_DELETE = _handle

    def _send(self, reply: Reply) -> None:
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.action == "close":
            self.close_connection = True
            return
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.sse is not None:
            if not any(k.lower() == "content-type" for k in reply.headers):
                self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            for frame in reply.sse:
                if reply.chunk_delay_s:
                    time.sleep(reply.chunk_delay_s)
                self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        if reply.body is not None:
            payload = reply.body
            ctype = "application/octet-stream"
        else:
            payload = json.dumps(reply.json).encode() if reply.json is not None else b""
            ctype = "application/json"
        headers = {"Content-Type": ctype, **reply.headers}
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: WireServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a stream the test or the client abandoned) is expected
        here: only other errors are printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class WireServer:
    """Scripted loopback server; use as a context manager."""

    def __init__(self, handler: Callable[[Recorded], Reply] | None = None) -> None:
        self.handler = handler
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, *replies: Reply) -> WireServer:
        with self.lock:
            self.replies.extend(replies)
        return self

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    def __enter__(self) -> WireServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class SleepRecorder:
    """An injected ``sleep`` that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
