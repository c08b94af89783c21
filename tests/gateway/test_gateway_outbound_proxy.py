"""The gateway's pass-through client honours HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY,
like httpx: a real asyncio forward proxy on loopback (absolute-form requests and CONNECT
tunnels, optional Basic auth) between the gateway and its upstream."""

from __future__ import annotations

import asyncio
import base64
import shutil
import ssl
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from switchover.gateway import GatewayApp, create_gateway_app
from switchover.gateway._proxyenv import ProxyURL, bypasses, proxy_for
from switchover.gateway.h1 import H1Pool, ProxyRefused, UpstreamUnavailable, open_tunnel
from switchover.gateway.upstream import proxy_lines

from ._helpers import CHAT, make_config, settings

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
SECRET = "pr0xy-s3cret-pass"


@pytest.fixture(autouse=True)
def _clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


class ForwardProxy:
    """A tiny HTTP forward proxy: absolute-form requests (one upstream connection per client
    connection, kept alive) and CONNECT tunnels. With ``credentials`` it answers 407 to
    anything without ``Proxy-Authorization: Basic`` of them."""

    def __init__(self, credentials: str | None = None) -> None:
        self.expected = b"Basic " + base64.b64encode(credentials.encode()) if credentials else None
        self.requests: list[bytes] = []  # absolute-form request lines
        self.connects: list[bytes] = []  # CONNECT authorities
        self.auth_seen: list[bytes | None] = []
        self.client_conns = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.client_conns += 1
        up_w: asyncio.StreamWriter | None = None
        try:
            up_r: asyncio.StreamReader | None = None
            while True:
                head, body = await _read_message(r)
                lines = head.split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                headers = [ln for ln in lines[1:] if ln]
                auth = next(
                    (
                        ln.split(b":", 1)[1].strip()
                        for ln in headers
                        if ln.lower().startswith(b"proxy-authorization:")
                    ),
                    None,
                )
                self.auth_seen.append(auth)
                if self.expected is not None and auth != self.expected:
                    w.write(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b'proxy-authenticate: Basic realm="test"\r\ncontent-length: 4\r\n\r\ndeny'
                    )
                    await w.drain()
                    return
                if method == b"CONNECT":
                    self.connects.append(target)
                    host, _, port = target.rpartition(b":")
                    up_r, up_w = await asyncio.open_connection(host.decode(), int(port))
                    w.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await w.drain()
                    await asyncio.gather(_pipe(r, up_w), _pipe(up_r, w))
                    return
                self.requests.append(lines[0])
                u = urlsplit(target.decode())
                if up_w is None:
                    up_r, up_w = await asyncio.open_connection(u.hostname, u.port or 80)
                assert up_r is not None
                kept = [h for h in headers if not h.lower().startswith(b"proxy-")]
                origin = (u.path or "/") + (f"?{u.query}" if u.query else "")
                up_w.write(
                    b"%s %s HTTP/1.1\r\n" % (method, origin.encode())
                    + b"".join(h + b"\r\n" for h in kept)
                    + b"\r\n"
                    + body
                )
                await up_w.drain()
                resp_head, resp_body = await _read_message(up_r)
                w.write(resp_head + resp_body)
                await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if up_w is not None:
                up_w.close()
            w.close()
            self._tasks.discard(task)


async def _read_message(r: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP/1.1 message: the head and its body (content-length or chunked, raw)."""
    head = await r.readuntil(b"\r\n\r\n")
    low = head.lower()
    if b"transfer-encoding: chunked" in low:
        body = b""
        while True:
            line = await r.readuntil(b"\r\n")
            size = int(line.split(b";")[0], 16)
            body += line + await r.readexactly(size + 2)
            if size == 0:
                return head, body
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await r.readexactly(length)


async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        w.close()


async def _post(app: GatewayApp, n: int = 1) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        return [await c.post("/v1/chat/completions", json=CHAT) for _ in range(n)]


# -- the environment, read like httpx ----------------------------------------------------


def test_proxy_for_reads_the_scheme_then_all_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://tls-proxy:3128")
    monkeypatch.setenv("ALL_PROXY", "any-proxy:8080")  # no scheme: http://
    p = proxy_for("https://api.openai.com/v1")
    assert p is not None
    assert (p.scheme, p.host, p.port) == ("http", "tls-proxy", 3128)
    p = proxy_for("http://10.1.2.3:8000/v1")
    assert p is not None
    assert p.display == "any-proxy:8080"
    monkeypatch.setenv("http_proxy", "http://lower:1")  # lower case wins, as in urllib/httpx
    monkeypatch.setenv("HTTP_PROXY", "http://upper:2")
    p = proxy_for("http://example.com")
    assert p is not None
    assert p.display == "lower:1"
    monkeypatch.setenv("NO_PROXY", "*")
    assert proxy_for("https://api.openai.com") is None


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypass"),
    [
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        ("example.com", "notexample.com", 443, False),
        (".example.com", "api.example.com", 443, True),
        (".example.com", "example.com", 443, False),  # as httpx: subdomains only
        ("*.example.com", "a.b.example.com", 80, True),
        ("other.org, *", "api.openai.com", 443, True),
        ("EXAMPLE.com:8443", "example.com", 8443, True),
        ("example.com:8443", "example.com", 443, False),
        ("127.0.0.1", "127.0.0.1", 9999, True),
        ("127.0.0.1:9999", "127.0.0.1", 9998, False),
        ("10.0.0.0/8", "10.20.30.40", 80, True),
        ("10.0.0.0/8", "11.0.0.1", 80, False),
        ("::1", "::1", 80, True),
        ("[::1]:80", "::1", 80, True),
        ("localhost", "localhost", 80, True),
        ("localhost", "127.0.0.1", 80, False),
        ("https://example.com", "example.com", 443, True),
        ("http://example.com", "example.com", 443, False),  # the entry is for http only
        ("", "example.com", 443, False),
    ],
)
def test_no_proxy(no_proxy: str, host: str, port: int, bypass: bool) -> None:
    assert bypasses("https", host, port, no_proxy) is bypass


def test_credentials_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://alice:{SECRET}@proxy.corp:3128")
    pool = H1Pool("https://api.openai.com/v1", timeout_s=5)
    assert pool.proxy is not None
    token = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert pool.proxy.auth == f"Basic {token}".encode()
    for text in (repr(pool), repr(pool.proxy), pool.proxy.display):
        assert SECRET not in text
        assert token not in text
        assert "alice" not in text
    assert "proxy.corp:3128" in repr(pool)
    assert ProxyURL.parse("proxy:1").scheme == "http"


# -- through the gateway -------------------------------------------------------------------


async def test_http_upstream_goes_through_the_proxy(
    sim_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy(credentials=f"alice:{SECRET}") as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://alice:{SECRET}@127.0.0.1:{proxy.port}")
        app = create_gateway_app(make_config(sim_url), settings())
        lines = proxy_lines(app.upstreams)
        assert f"upstream 'sim' ({urlsplit(sim_url).netloc}) goes through proxy " in lines[0]
        assert all(SECRET not in ln and "alice" not in ln for ln in lines)
        async with app.running():
            responses = await _post(app, 3)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].json()["choices"][0]["message"]["content"]
    # absolute-form, with the credentials, on one pooled connection
    assert proxy.requests == [b"POST %s/v1/chat/completions HTTP/1.1" % sim_url.encode()] * 3
    assert set(proxy.auth_seen) == {b"Basic " + base64.b64encode(f"alice:{SECRET}".encode())}
    assert proxy.client_conns == 1


async def test_no_proxy_bypasses_it(sim_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    port = urlsplit(sim_url).port
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", f"127.0.0.1:{port + 1 if port else 1}")  # another port
        app = create_gateway_app(make_config(sim_url), settings())
        async with app.running():
            assert [r.status_code for r in await _post(app)] == [200]
        assert len(proxy.requests) == 1
        monkeypatch.setenv("no_proxy", f"example.com, 127.0.0.1:{port}")
        app = create_gateway_app(make_config(sim_url), settings())
        assert proxy_lines(app.upstreams) == []
        async with app.running():
            assert [r.status_code for r in await _post(app)] == [200]
        assert len(proxy.requests) == 1  # unchanged: the second gateway went direct


async def test_proxy_407_is_a_clear_502(sim_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with ForwardProxy(credentials=f"alice:{SECRET}") as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://alice:wrong-{SECRET}@127.0.0.1:{proxy.port}")
        app = create_gateway_app(make_config(sim_url), settings())
        async with app.running():
            (r,) = await _post(app)
    assert r.status_code == 502
    msg = r.json()["error"]["message"]
    assert f"proxy 127.0.0.1:{proxy.port}" in msg
    assert "407" in msg
    assert SECRET not in r.text
    assert "alice" not in r.text
    assert proxy.auth_seen
    assert proxy.auth_seen[0] is not None


async def test_https_upstream_connect_refused_is_a_clear_502(
    sim_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_config(sim_url)
    cfg.upstreams["sim"] = cfg.upstreams["sim"].model_copy(
        update={"base_url": "https://127.0.0.1:9/v1"}  # never reached: the proxy refuses
    )
    async with ForwardProxy(credentials=f"alice:{SECRET}") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)  # no credentials
        app = create_gateway_app(cfg, settings())
        async with app.running():
            (r,) = await _post(app)
    assert r.status_code == 502
    msg = r.json()["error"]["message"]
    assert msg == (
        f"upstream unreachable: proxy 127.0.0.1:{proxy.port} refused CONNECT 127.0.0.1:9: "
        "407 Proxy Authentication Required"
    )
    assert proxy.connects == []


# -- CONNECT tunnels ------------------------------------------------------------------------


async def _plain_upstream() -> tuple[asyncio.Server, int]:
    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, _ = await _read_message(r)
                path = head.split(b" ")[1]
                w.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(path), path))
                await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_open_tunnel_carries_plain_tcp() -> None:
    server, port = await _plain_upstream()
    async with ForwardProxy(credentials=f"alice:{SECRET}") as proxy:
        good = ProxyURL.parse(f"http://alice:{SECRET}@127.0.0.1:{proxy.port}")
        r, w = await open_tunnel(good, "127.0.0.1", port)
        for path in (b"/one", b"/two"):
            w.write(b"GET %s HTTP/1.1\r\nhost: x\r\n\r\n" % path)
            head, body = await _read_message(r)
            assert head.startswith(b"HTTP/1.1 200")
            assert body == path
        w.close()
        assert proxy.connects == [b"127.0.0.1:%d" % port]
        bad = ProxyURL.parse(f"127.0.0.1:{proxy.port}")
        with pytest.raises(ProxyRefused, match=r"refused CONNECT 127\.0\.0\.1:\d+: 407"):
            await open_tunnel(bad, "127.0.0.1", port)
    with pytest.raises(UpstreamUnavailable, match=r"cannot connect to proxy 127\.0\.0\.1:"):
        await open_tunnel(good, "127.0.0.1", port)  # the proxy is gone
    server.close()
    await server.wait_closed()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_https_upstream_through_connect_with_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the pool's default context trusts it
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handled = 0

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal handled
        try:
            while True:
                head, body = await _read_message(r)
                handled += 1
                assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
                w.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                await w.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    async with ForwardProxy(credentials=f"alice:{SECRET}") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://alice:{SECRET}@127.0.0.1:{proxy.port}")
        pool = H1Pool(f"https://127.0.0.1:{port}/v1", timeout_s=5)
        for i in range(3):
            resp = await pool.request(b"POST", "/chat/completions", [], b'{"n":%d}' % i)
            assert resp.status == 200
            assert await resp.read() == b'{"n":%d}' % i
        await pool.aclose()
    assert proxy.connects == [b"127.0.0.1:%d" % port]  # one tunnel, pooled
    assert proxy.requests == []
    assert handled == 3
    server.close()
    await server.wait_closed()


async def test_a_silent_proxy_is_a_504_naming_it(
    sim_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy that accepts the connection but never answers CONNECT: the 504 says the
    proxy was waited for, not only "upstream timed out"."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        held.append(w)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cfg = make_config(sim_url)
    cfg.upstreams["sim"] = cfg.upstreams["sim"].model_copy(
        update={"base_url": "https://127.0.0.1:9/v1", "timeout_s": 0.3}
    )
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    try:
        app = create_gateway_app(cfg, settings())
        async with app.running():
            (r,) = await _post(app)
    finally:
        for w in held:
            w.close()
        server.close()
        await server.wait_closed()
    assert r.status_code == 504
    assert r.json()["error"]["message"] == (
        f"upstream timed out: no connection through proxy 127.0.0.1:{port} within 0.3 s"
    )
