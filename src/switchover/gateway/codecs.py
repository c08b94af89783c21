"""The wire codecs the gateway speaks to callers, by client API id."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from switchover.chat import ChatResponse, StreamAccumulator, Usage
from switchover.providers import anthropic, openai_chat, openai_responses
from switchover.providers._sse import DONE, parse_sse_text

__all__ = ["CODECS", "decode_raw_response", "error_bytes", "raw_usage"]

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


def _usage_of(u: Any) -> Usage | None:
    if not isinstance(u, dict):
        return None
    inp = u.get("prompt_tokens", u.get("input_tokens"))
    out = u.get("completion_tokens", u.get("output_tokens"))
    if not isinstance(inp, int) and not isinstance(out, int):
        return None
    details = u.get("prompt_tokens_details") or u.get("input_tokens_details") or {}
    cached = details.get("cached_tokens", 0) if isinstance(details, dict) else 0
    cached += int(u.get("cache_read_input_tokens") or 0)
    inp = int(inp or 0) + int(u.get("cache_read_input_tokens") or 0)
    inp += int(u.get("cache_creation_input_tokens") or 0)
    return Usage(input_tokens=inp, output_tokens=int(out or 0), cached_input_tokens=int(cached))


def raw_usage(raw: bytes | list[bytes], stream: bool) -> Usage | None:
    """Token usage from a passed-through answer without decoding all of it: the ``usage``
    object of a JSON body, or the last SSE event carrying one (OpenAI's final chunk,
    Responses' ``response.completed``, Anthropic's ``message_delta`` + ``message_start``)."""
    try:
        if not stream:
            data = json.loads(raw if isinstance(raw, bytes) else b"".join(raw))
            if not isinstance(data, dict):
                return None
            return _usage_of(data.get("usage") or (data.get("response") or {}).get("usage"))
        text = raw if isinstance(raw, bytes) else b"".join(raw)
        found: Usage | None = None
        start_input = 0
        for line in text.split(b"\n"):
            if not line.startswith(b"data:") or b'"usage"' not in line:
                continue
            ev = json.loads(line[5:])
            if not isinstance(ev, dict):
                continue
            u = ev.get("usage") or (ev.get("response") or ev.get("message") or {}).get("usage")
            got = _usage_of(u)
            if got is None:
                continue
            if ev.get("type") == "message_start":
                start_input = got.input_tokens
            found = got
        if found is not None and found.input_tokens == 0 and start_input:
            found = found.model_copy(update={"input_tokens": start_input})
        return found
    except (ValueError, TypeError, AttributeError):
        return None
