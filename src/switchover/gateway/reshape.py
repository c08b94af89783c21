"""Undo the adapter's translations the caller must not see in the answer.

When the candidate has no JSON mode, ``switchover.adapt`` asks for the JSON through a forced
tool (``json_response``). The caller asked for JSON text, so the tool call is turned back
into the message text, whole or streamed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from switchover.adapt.translate import JSON_TOOL
from switchover.chat import ChatRequest, ChatResponse, StreamEvent

__all__ = ["unwrap_json_response", "unwrap_json_stream", "uses_json_tool"]


def uses_json_tool(original: ChatRequest, adapted: ChatRequest) -> bool:
    """True when the adapter added the JSON tool (the caller did not define one)."""
    return (
        adapted.tool_choice is not None
        and adapted.tool_choice.name == JSON_TOOL
        and not any(t.name == JSON_TOOL for t in original.tools)
    )


def unwrap_json_response(resp: ChatResponse) -> ChatResponse:
    calls = [c for c in resp.tool_calls if c.name == JSON_TOOL]
    if not calls:
        return resp
    rest = [c for c in resp.tool_calls if c.name != JSON_TOOL]
    text = (resp.text or "") + calls[0].arguments_raw
    finish = resp.finish_reason
    if finish == "tool_calls" and not rest:
        finish = "stop"
    return resp.model_copy(update={"text": text, "tool_calls": rest, "finish_reason": finish})


async def unwrap_json_stream(events: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
    json_index: int | None = None
    others = False
    async for ev in events:
        if ev.type == "tool_call_start" and ev.name == JSON_TOOL:
            json_index = ev.index
            if ev.arguments_delta:
                yield StreamEvent(type="text", text=ev.arguments_delta)
            continue
        if ev.type == "tool_call_start":
            others = True
        if ev.type == "tool_call_delta" and json_index is not None and ev.index == json_index:
            if ev.arguments_delta:
                yield StreamEvent(type="text", text=ev.arguments_delta)
            continue
        if ev.type == "finish" and ev.finish_reason == "tool_calls" and not others:
            yield StreamEvent(type="finish", finish_reason="stop")
            continue
        yield ev
