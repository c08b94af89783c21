"""A minimal HTTP/1.1 keep-alive client for the pass-through path.

httpx is used for everything else; here every microsecond counts, and httpcore's pool
checks every pooled connection on each request. This client keeps a LIFO stack of idle
connections per upstream, writes the request in one call, parses the status line and
headers, and yields the body as it arrives (Content-Length, chunked, or until close).
A request on a reused connection that the upstream had closed is retried once on a fresh
connection (nothing of the answer was received, so it is safe).

Like httpx, the pool honours ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``
(:mod:`switchover.gateway._proxyenv`), decided once when the pool is made: through an HTTP
proxy an ``http://`` upstream gets absolute-form requests, an ``https://`` upstream a
``CONNECT`` tunnel with TLS inside; either way connections are pooled as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from switchover.errors import redact
from switchover.gateway._proxyenv import ProxyURL, proxy_for

__all__ = [
    "H1Pool",
    "H1Response",
    "ProxyRefused",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "open_tunnel",
]

_CRLF2 = b"\r\n\r\n"


class UpstreamUnavailable(Exception):
    """Could not connect, or the connection broke before a complete answer."""


class UpstreamTimeout(Exception):
    """No answer (or no next bytes of it) within the timeout (the message, when there is one,
    says what was waited for)."""


class ProxyRefused(UpstreamUnavailable):
    """The proxy answered ``CONNECT`` (or, for an ``http://`` upstream, the request) with a
    non-2xx status, e.g. 407 when it wants credentials."""


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
        #: The proxy from the environment, read once here (None: direct connections).
        self.proxy: ProxyURL | None = proxy_for(base_url)
        # Through a proxy, an http:// upstream gets absolute-form request targets and the
        # proxy's credentials on every request; https:// tunnels carry them on CONNECT.
        self._absolute = self.proxy is not None and not self.tls
        target = self.prefix
        lines = b"host: %s\r\n" % self.host_header
        if self._absolute and self.proxy is not None:
            target = f"http://{self.host_header.decode()}{self.prefix}"
            if self.proxy.auth is not None:
                lines += b"proxy-authorization: %s\r\n" % self.proxy.auth
        self._target = target
        self._head_lines = lines

    def __repr__(self) -> str:
        via = f" via proxy {self.proxy.display}" if self.proxy is not None else ""
        scheme = "https" if self.tls else "http"
        return f"H1Pool({scheme}://{self.host}:{self.port}{via})"

    def put(self, conn: _Conn) -> None:
        if len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()

    async def _connect(self) -> _Conn:
        if self.proxy is not None:
            return await self._connect_via(self.proxy)
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
        _nodelay(writer)
        return _Conn(reader, writer)

    async def _connect_via(self, proxy: ProxyURL) -> _Conn:
        """A connection through ``proxy``: plain to the proxy for an ``http://`` upstream,
        a ``CONNECT`` tunnel with TLS inside for an ``https://`` one."""
        if not proxy.supported:
            raise UpstreamUnavailable(
                f"proxy {proxy.display}: {proxy.scheme}:// proxies are not supported by the "
                "gateway (use an http:// proxy URL)"
            )
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                if not self.tls:
                    reader, writer = await _open_proxy(proxy, limit=1 << 20)
                else:
                    reader, writer = await open_tunnel(proxy, self.host, self.port, limit=1 << 20)
                _nodelay(writer)
                if self.tls:
                    ctx = self._ssl or ssl.create_default_context()
                    await writer.start_tls(ctx, server_hostname=self.host)
                return _Conn(reader, writer)
        except UpstreamUnavailable:
            raise  # nothing left open; the message names the proxy already
        except BaseException as exc:
            if writer is not None:
                writer.close()
            if isinstance(exc, TimeoutError):  # a silent proxy, or TLS through the tunnel
                raise UpstreamTimeout(
                    f"no connection through proxy {proxy.display} "
                    f"within {self.connect_timeout_s:g} s"
                ) from None
            if isinstance(exc, OSError):  # ssl.SSLError included: TLS inside the tunnel
                what = exc.strerror or str(exc) or type(exc).__name__
                raise UpstreamUnavailable(f"through proxy {proxy.display}: {what}") from None
            raise

    async def request(
        self, method: bytes, path: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> H1Response:
        """Send one request and read the status line and headers."""
        head = [
            b"%s %s HTTP/1.1\r\n%s" % (method, (self._target + path).encode(), self._head_lines)
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
            resp = self._parse(conn, raw)
            if self._absolute and resp.status == 407 and self.proxy is not None:
                resp.close()  # from the proxy itself: upstream APIs never ask for it
                raise ProxyRefused(
                    f"proxy {self.proxy.display} refused the request: "
                    "407 Proxy Authentication Required"
                )
            return resp
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


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def _open_proxy(
    proxy: ProxyURL, *, limit: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.open_connection(proxy.host, proxy.port, limit=limit)
    except OSError as exc:
        raise UpstreamUnavailable(
            f"cannot connect to proxy {proxy.display}: {exc.strerror or type(exc).__name__}"
        ) from None


async def open_tunnel(
    proxy: ProxyURL, host: str, port: int, *, limit: int = 1 << 16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP tunnel to ``host:port`` through ``proxy`` (``CONNECT``, with the proxy's
    credentials when it has some). ProxyRefused when the proxy answers other than 2xx; the
    caller starts TLS over the returned streams (or, in tests, talks plain HTTP)."""
    reader, writer = await _open_proxy(proxy, limit=limit)
    authority = (f"[{host}]" if ":" in host else host).encode() + b":%d" % port
    auth = b"proxy-authorization: %s\r\n" % proxy.auth if proxy.auth is not None else b""
    try:
        writer.write(b"CONNECT %s HTTP/1.1\r\nhost: %s\r\n%s\r\n" % (authority, authority, auth))
        raw = await reader.readuntil(_CRLF2)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
        writer.close()
        raise UpstreamUnavailable(
            f"proxy {proxy.display} closed the connection on CONNECT {authority.decode()}"
        ) from None
    except BaseException:
        writer.close()
        raise
    line = raw.split(b"\r\n", 1)[0]
    parts = line.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    if not 200 <= status < 300:
        writer.close()
        reason = redact(parts[2].decode("latin-1")[:80]) if len(parts) > 2 else ""
        raise ProxyRefused(
            f"proxy {proxy.display} refused CONNECT {authority.decode()}: "
            f"{status or 'malformed answer'} {reason}".rstrip()
        )
    return reader, writer
