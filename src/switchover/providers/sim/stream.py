"""Turning a simulated response into a realistic stream of neutral events."""

from __future__ import annotations

import re

from switchover.chat import ChatResponse, StreamEvent

__all__ = ["response_events", "text_chunks"]

_CHUNK = re.compile(r"\s*\S+(?:\s+\S+)?")  # about two words, like typical token deltas


def text_chunks(text: str) -> list[str]:
    """Split ``text`` into delta-sized pieces that join back to exactly ``text``."""
    if not text:
        return []
    pieces = _CHUNK.findall(text)
    joined = "".join(pieces)
    if joined != text:  # trailing whitespace
        pieces.append(text[len(joined) :])
    return pieces


def _arg_chunks(raw: str, size: int = 16) -> list[str]:
    return [raw[i : i + size] for i in range(0, len(raw), size)] or [""]


def response_events(resp: ChatResponse) -> list[StreamEvent]:
    """start, usage (input), reasoning/text/refusal deltas, tool calls, usage, finish."""
    events = [
        StreamEvent(type="start", id=resp.id, model=resp.model),
        StreamEvent(type="usage", usage=resp.usage.model_copy(update={"output_tokens": 0})),
    ]
    if resp.reasoning_text:
        events += [StreamEvent(type="reasoning", text=c) for c in text_chunks(resp.reasoning_text)]
    events += [StreamEvent(type="text", text=c) for c in text_chunks(resp.text)]
    if resp.refusal and not resp.text:
        events += [StreamEvent(type="refusal", text=c) for c in text_chunks(resp.refusal)]
    for i, call in enumerate(resp.tool_calls):
        events.append(
            StreamEvent(type="tool_call_start", index=i, tool_call_id=call.id, name=call.name)
        )
        events += [
            StreamEvent(type="tool_call_delta", index=i, arguments_delta=c)
            for c in _arg_chunks(call.arguments_raw)
        ]
    events.append(StreamEvent(type="usage", usage=resp.usage))
    events.append(StreamEvent(type="finish", finish_reason=resp.finish_reason))
    return events
