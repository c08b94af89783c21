"""Response objects of the OpenAI Responses API: usage, status and the ``response`` envelope,
shared by the codec (``openai_responses``) and its stream encoder / decoder."""

from __future__ import annotations

from typing import Any

from switchover.chat import FinishReason, Usage
from switchover.providers._fields import new_id

__all__ = [
    "finish_of",
    "response_id",
    "response_object",
    "status_of",
    "usage_of",
    "wire_usage",
]


def usage_of(raw: Any) -> Usage:
    """Neutral usage from a Responses ``usage`` object (missing fields count as 0)."""
    if not isinstance(raw, dict):
        return Usage()
    idet = raw.get("input_tokens_details") or {}
    odet = raw.get("output_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0),
        cached_input_tokens=int(idet.get("cached_tokens") or 0),
        output_tokens=int(raw.get("output_tokens") or 0),
        reasoning_tokens=int(odet.get("reasoning_tokens") or 0),
    )


def finish_of(body: dict[str, Any], has_calls: bool, refusal: bool, text: bool) -> FinishReason:
    """The neutral finish reason of a ``response`` object's status and output."""
    status = body.get("status")
    if status == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    if status == "failed":
        return "error"
    if has_calls:
        return "tool_calls"
    if refusal and not text:
        return "refusal"
    return "stop"


def wire_usage(u: Usage) -> dict[str, Any]:
    """A Responses ``usage`` object."""
    return {
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens,
    }


def status_of(finish: FinishReason) -> tuple[str, dict[str, Any] | None]:
    """``status`` and ``incomplete_details`` for a neutral finish reason."""
    if finish == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    if finish == "error":
        return "failed", None
    return "completed", None


def response_object(
    rid: str,
    model: str,
    created: int,
    status: str,
    output: list[dict[str, Any]],
    usage: Usage | None,
    incomplete: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": wire_usage(usage) if usage is not None else None,
        "user": None,
        "metadata": {},
    }


def response_id(rid: str | None) -> str:
    return rid if rid and rid.startswith("resp_") else new_id("resp_")
