"""Helpers shared by the Anthropic and Gemini codec tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from switchover.chat import ChatResponse, StreamEvent
from switchover.providers._sse import parse_sse_text


class _Decoder(Protocol):
    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]: ...


def core(resp: ChatResponse) -> dict[str, Any]:
    """What must agree between streamed and plain answers. ``arguments_raw`` is left out:
    a stream carries the model's exact JSON text, a plain response only the parsed input."""
    out = resp.model_dump(exclude={"raw", "latency_s", "ttft_s", "provider", "provider_request_id"})
    for call in out["tool_calls"]:
        call.pop("arguments_raw")
    return out


def decode_frames(decoder: _Decoder, frames: list[bytes]) -> list[StreamEvent]:
    """Parse complete SSE frames and feed every event to ``decoder``."""
    events: list[StreamEvent] = []
    for name, data in parse_sse_text(b"".join(frames)):
        events += decoder.feed(name, json.loads(data))
    return events


async def collect(
    stream: Callable[[], AsyncIterator[StreamEvent]], seen: list[StreamEvent]
) -> None:
    """Consume a provider stream into ``seen`` (the events survive an exception)."""
    async for ev in stream():
        seen.append(ev)
