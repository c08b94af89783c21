"""The wire codecs the gateway speaks to callers, by client API id."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from switchover.chat import ChatResponse, StreamAccumulator
from switchover.providers import anthropic, openai_chat, openai_responses
from switchover.providers._sse import DONE, parse_sse_text

__all__ = ["CODECS", "decode_raw_response", "error_bytes"]

CODECS: dict[str, ModuleType] = {
    "openai.chat": openai_chat,
    "openai.responses": openai_responses,
    "openai.embeddings": openai_chat,
    "openai.models": openai_chat,
    "anthropic.messages": anthropic,
}


def error_bytes(api: str, status: int, message: str, **kw: Any) -> bytes:
    """The API's own error body, serialised."""
    body = CODECS[api].error_body(status, message, **kw)
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def decode_raw_response(api: str, raw: bytes | list[bytes], stream: bool) -> ChatResponse | None:
    """Decode a response body (or the SSE chunks of a streamed one) passed through
    unchanged; None when it cannot be decoded (embeddings, truncated streams)."""
    codec = CODECS.get(api)
    if codec is None or api in ("openai.embeddings", "openai.models"):
        return None
    try:
        if not stream:
            data = json.loads(raw if isinstance(raw, bytes) else b"".join(raw))
            resp: ChatResponse = codec.decode_response(data)
            return resp
        decoder = codec.StreamDecoder()
        acc = StreamAccumulator()
        for event, payload in parse_sse_text(raw):
            if payload == DONE or not payload:
                continue
            for ev in decoder.feed(event, json.loads(payload)):
                acc.add(ev)
        return acc.response() if acc.events else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    except Exception:  # a codec error on a malformed upstream body must not kill recording
        return None
