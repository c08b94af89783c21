"""Small pure-ASGI helpers (no framework on the hot path)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Receive, Send

__all__ = ["BodyTooLarge", "json_bytes", "read_body", "send_bytes", "send_json"]

JSON_CT = (b"content-type", b"application/json")


class BodyTooLarge(Exception):
    """The request body exceeds the configured limit."""


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def read_body(receive: Receive, limit: int, declared: int | None) -> bytes:
    """The whole request body; raises BodyTooLarge past ``limit`` bytes (checked against
    Content-Length first, then while reading)."""
    if declared is not None and declared > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            raise ConnectionResetError("client disconnected while sending the body")
        chunk = msg.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
        if not msg.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    content_type: bytes = b"application/json",
) -> None:
    hdrs = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if headers:
        hdrs.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, data: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send_bytes(send, status, json_bytes(data), headers)
