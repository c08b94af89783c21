"""The pass-through HTTP/1.1 client against scripted raw servers: chunked and
close-delimited bodies, stale keep-alive connections, malformed answers, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from switchover.gateway.h1 import H1Pool, UpstreamTimeout, UpstreamUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(r: asyncio.StreamReader) -> bytes:
    head = await r.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await r.readexactly(length)


async def _server(handler: Handler) -> AsyncIterator[str]:
    writers: list[asyncio.StreamWriter] = []

    async def wrapped(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        writers.append(w)
        try:
            await handler(r, w)
        finally:
            w.close()

    server = await asyncio.start_server(wrapped, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        for w in writers:
            w.close()
        server.close()
        await server.wait_closed()


async def test_chunked_and_keepalive_reuse() -> None:
    seen: list[bytes] = []
    conns = 0

    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal conns
        conns += 1
        try:
            while True:
                seen.append(await _read_request(r))
                w.write(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n"
                    b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: y\r\n\r\n"
                )
                await w.drain()
        except asyncio.IncompleteReadError:
            w.close()

    async for base in _server(handler):
        pool = H1Pool(base, timeout_s=5)
        for _ in range(3):
            resp = await pool.request(b"POST", "/chat/completions", [(b"a", b"b")], b"{}")
            assert resp.status == 200
            assert resp.header(b"x-a") == b"1"
            assert resp.header(b"nope") is None
            assert b"".join([c async for c in resp.iter_bytes()]) == b"hello world"
        await pool.aclose()
    assert conns == 1
    assert seen[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:")


async def test_close_delimited_body_and_stale_connection_retry() -> None:
    calls = 0

    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal calls
        calls += 1
        await _read_request(r)
        if calls == 1:
            w.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await w.drain()
            w.close()  # keep-alive promised, then closed: the next reuse must retry
            return
        w.write(b"HTTP/1.1 201 Created\r\nconnection: close\r\n\r\nuntil close")
        await w.drain()
        w.close()

    async for base in _server(handler):
        pool = H1Pool(base, timeout_s=5)
        first = await pool.request(b"POST", "/x", [], b"{}")
        assert await first.read() == b"ok"
        await asyncio.sleep(0.05)
        second = await pool.request(b"POST", "/x", [], b"{}")
        assert second.status == 201
        assert await second.read() == b"until close"
        await pool.aclose()
    assert calls == 2


async def test_malformed_status_and_timeouts() -> None:
    mode = "garbage"

    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await _read_request(r)
        if mode == "garbage":
            w.write(b"NONSENSE\r\n\r\n")
        elif mode == "slow-body":
            w.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await w.drain()
        await r.read()  # until the client gives up and closes

    async for base in _server(handler):
        pool = H1Pool(base, timeout_s=0.3)
        with pytest.raises(UpstreamUnavailable, match="malformed status line"):
            await pool.request(b"POST", "/x", [], b"{}")
        mode = "hang"
        with pytest.raises(UpstreamTimeout):
            await pool.request(b"POST", "/x", [], b"{}")
        mode = "slow-body"
        resp = await pool.request(b"POST", "/x", [], b"{}")
        with pytest.raises(UpstreamTimeout):
            await resp.read()
        await pool.aclose()


async def test_unreachable() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    pool = H1Pool(f"http://127.0.0.1:{port}", timeout_s=1)
    with pytest.raises(UpstreamUnavailable):
        await pool.request(b"POST", "/x", [], b"{}")
    assert H1Pool("https://api.example.com/v1", timeout_s=1).host_header == b"api.example.com"
