"""A minimal HTTP/1.1 keep-alive client for the pass-through path.

httpx is used for everything else; here every microsecond counts, and httpcore's pool
checks every pooled connection on each request. This client keeps a LIFO stack of idle
connections per upstream, writes the request in one call, parses the status line and
headers, and yields the body as it arrives (Content-Length, chunked, or until close).
A request on a reused connection that the upstream had closed is retried once on a fresh
connection (nothing of the answer was received, so it is safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

__all__ = ["H1Pool", "H1Response", "UpstreamTimeout", "UpstreamUnavailable"]

_CRLF2 = b"\r\n\r\n"


class UpstreamUnavailable(Exception):
    """Could not connect, or the connection broke before a complete answer."""


class UpstreamTimeout(Exception):
    """No answer (or no next bytes of it) within the timeout."""


class _Conn:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class H1Response:
    """Status, headers (lower-case names) and the body, read once."""

    def __init__(
        self, pool: H1Pool, conn: _Conn, status: int, headers: list[tuple[bytes, bytes]]
    ) -> None:
        self.pool = pool
        self.status = status
        self.headers = headers
        self._conn: _Conn | None = conn
        self._length: int | None = None
        self._chunked = False
        self._keep = True
        for k, v in headers:
            if k == b"content-length":
                self._length = int(v)
            elif k == b"transfer-encoding" and b"chunked" in v.lower():
                self._chunked = True
            elif k == b"connection" and v.lower() == b"close":
                self._keep = False
        if self._length is None and not self._chunked:
            self._keep = False  # body runs until the upstream closes

    def header(self, name: bytes) -> bytes | None:
        for k, v in self.headers:
            if k == name:
                return v
        return None

    async def _read(self, coro: asyncio.Future[bytes] | asyncio.Task[bytes] | object) -> bytes:
        try:
            async with asyncio.timeout(self.pool.timeout_s):
                return await coro  # type: ignore[misc, no-any-return]
        except TimeoutError:
            self.close()
            raise UpstreamTimeout from None
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as exc:
            self.close()
            raise UpstreamUnavailable(str(exc) or type(exc).__name__) from None

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        r = conn.reader
        if self._length is not None:
            left = self._length
            while left > 0:
                data = await self._read(r.read(min(left, 65536)))
                if not data:
                    self.close()
                    raise UpstreamUnavailable("connection closed mid-body")
                left -= len(data)
                yield data
        elif self._chunked:
            while True:
                line = await self._read(r.readuntil(b"\r\n"))
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while (await self._read(r.readuntil(b"\r\n"))) != b"\r\n":
                        pass  # trailers
                    break
                data = await self._read(r.readexactly(size + 2))
                yield data[:-2]
        else:
            while True:
                data = await self._read(r.read(65536))
                if not data:
                    break
                yield data
        self._release()

    async def read(self) -> bytes:
        if self._length is not None and self._conn is not None:
            data = await self._read(self._conn.reader.readexactly(self._length))
            self._release()
            return data
        return b"".join([c async for c in self.iter_bytes()])

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._keep:
                self.pool.put(conn)
            else:
                conn.close()

    def close(self) -> None:
        """Drop the connection unless the body was read completely (then it is pooled)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class H1Pool:
    """Idle keep-alive connections to one origin (``http://`` or ``https://``)."""

    def __init__(self, base_url: str, *, timeout_s: float, max_idle: int = 256) -> None:
        u = urlsplit(base_url)
        self.tls = u.scheme == "https"
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if self.tls else 80)
        self.prefix = u.path.rstrip("/")
        default = 443 if self.tls else 80
        self.host_header = (
            self.host if self.port == default else f"{self.host}:{self.port}"
        ).encode()
        self.timeout_s = timeout_s
        self.connect_timeout_s = min(10.0, timeout_s)
        self.max_idle = max_idle
        self._idle: list[_Conn] = []
        self._ssl = ssl.create_default_context() if self.tls else None

    def put(self, conn: _Conn) -> None:
        if len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()

    async def _connect(self) -> _Conn:
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self.tls else None,
                    limit=1 << 20,
                )
        except TimeoutError:
            raise UpstreamTimeout from None
        except OSError as exc:
            raise UpstreamUnavailable(exc.strerror or type(exc).__name__) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Conn(reader, writer)

    async def request(
        self, method: bytes, path: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> H1Response:
        """Send one request and read the status line and headers."""
        head = [
            b"%s %s HTTP/1.1\r\nhost: %s\r\n"
            % (method, (self.prefix + path).encode(), self.host_header)
        ]
        for k, v in headers:
            head.append(b"%s: %s\r\n" % (k, v))
        head.append(b"content-length: %d\r\n\r\n" % len(body))
        data = b"".join(head) + body
        for attempt in (0, 1):
            reused = bool(self._idle) and attempt == 0
            conn = self._idle.pop() if reused else await self._connect()
            try:
                conn.writer.write(data)
                async with asyncio.timeout(self.timeout_s):
                    raw = await conn.reader.readuntil(_CRLF2)
            except TimeoutError:
                conn.close()
                raise UpstreamTimeout from None
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
                conn.close()
                if reused:
                    continue  # a stale keep-alive connection: try once on a fresh one
                raise UpstreamUnavailable(str(exc) or type(exc).__name__) from None
            except asyncio.LimitOverrunError:
                conn.close()
                raise UpstreamUnavailable("response headers too large") from None
            except BaseException:
                conn.close()
                raise
            return self._parse(conn, raw)
        raise UpstreamUnavailable("the upstream closed the connection")  # pragma: no cover

    def _parse(self, conn: _Conn, raw: bytes) -> H1Response:
        lines = raw[:-4].split(b"\r\n")
        try:
            status = int(lines[0].split(b" ", 2)[1])
        except (IndexError, ValueError):
            conn.close()
            raise UpstreamUnavailable(f"malformed status line {lines[0][:80]!r}") from None
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            k, sep, v = line.partition(b":")
            if sep:
                headers.append((k.strip().lower(), v.strip()))
        return H1Response(self, conn, status, headers)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for c in idle:
            c.close()
