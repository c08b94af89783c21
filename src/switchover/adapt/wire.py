"""Reading and writing wire bodies through the provider codecs (imported lazily)."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import ValidationError

from switchover.chat import ChatRequest
from switchover.errors import InputError

__all__ = ["CODEC_MODULES", "decode_wire", "detect_api", "encode_wire", "has_codec"]

CODEC_MODULES = {
    "openai.chat": "switchover.providers.openai_chat",
    "openai.responses": "switchover.providers.openai_responses",
    "anthropic.messages": "switchover.providers.anthropic",
    "gemini.generate": "switchover.providers.gemini",
}
_ANTHROPIC_KEYS = ("system", "stop_sequences", "top_k", "thinking", "anthropic_version")
_ANTHROPIC_BLOCKS = ("tool_use", "tool_result", "thinking", "redacted_thinking", "document")


def _codec(api: str) -> Any:
    try:
        return importlib.import_module(CODEC_MODULES[api])
    except ImportError:
        return None


def has_codec(api: str) -> bool:
    module = _codec(api)
    return module is not None and hasattr(module, "encode_request")


def encode_wire(req: ChatRequest, api: str) -> dict[str, Any] | None:
    """The wire body for ``api``, or None while that codec is not available."""
    module = _codec(api)
    if module is None or not hasattr(module, "encode_request"):
        return None
    body: dict[str, Any] = module.encode_request(req)
    return body


def _is_anthropic(body: dict[str, Any]) -> bool:
    if any(k in body for k in _ANTHROPIC_KEYS):
        return True
    if any(isinstance(t, dict) and "input_schema" in t for t in body.get("tools") or []):
        return True
    for msg in body.get("messages") or []:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") in _ANTHROPIC_BLOCKS for b in content
        ):
            return True
    return False


def detect_api(body: dict[str, Any]) -> str:
    """Which wire format a request body is written in ("neutral" for switchover's own)."""
    try:
        ChatRequest.model_validate(body)
        return "neutral"
    except ValidationError:
        pass
    if "contents" in body:
        return "gemini.generate"
    if "input" in body or "instructions" in body:
        return "openai.responses"
    if _is_anthropic(body):
        return "anthropic.messages"
    return "openai.chat"


def decode_wire(
    body: dict[str, Any], api: str, *, path: str | None = None, model: str | None = None
) -> ChatRequest:
    """A neutral request from a wire body (``api="neutral"``: validated as is)."""
    if api == "neutral":
        try:
            return ChatRequest.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(err["msg"], path=path, field=field) from exc
    module = _codec(api)
    if module is None or not hasattr(module, "decode_request"):
        raise InputError(
            f"cannot read {api} request bodies yet (codec not available)",
            path=path,
            hint="Give the request in switchover's neutral JSON format instead.",
        )
    try:
        if api == "gemini.generate":
            wire = {k: v for k, v in body.items() if k != "model"}
            name = model or str(body.get("model") or "")
            req: ChatRequest = module.decode_request(wire, model=name)
        else:
            req = module.decode_request(body)
    except InputError as exc:
        raise InputError(exc.message, path=path, hint=exc.hint) from exc
    return req
