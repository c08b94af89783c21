"""Recorded responses in any supported shape -> neutral :class:`ChatResponse`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from switchover.chat import ChatResponse
from switchover.errors import InputError

__all__ = ["decode_recorded_response", "detect_response_api"]

_MODULES = {
    "openai.chat": "switchover.providers.openai_chat",
    "openai.responses": "switchover.providers.openai_responses",
    "anthropic.messages": "switchover.providers.anthropic",
    "gemini.generate": "switchover.providers.gemini",
}


def detect_response_api(body: dict[str, Any]) -> str:
    """Which wire format a response body is written in ("neutral" for our own)."""
    if "choices" in body:
        return "openai.chat"
    if "candidates" in body:
        return "gemini.generate"
    if body.get("object") == "response" or isinstance(body.get("output"), list):
        return "openai.responses"
    if body.get("type") == "message" and isinstance(body.get("content"), list):
        return "anthropic.messages"
    return "neutral"


def decode_recorded_response(
    body: Any,
    *,
    path: str,
    line: int,
    field: str,
    model: str = "",
    latency_s: float | None = None,
) -> ChatResponse:
    """A neutral response from a recorded one. ``body`` may be a plain string (the answer
    text), our neutral JSON, or an OpenAI / Anthropic / Gemini / Responses response body."""
    if isinstance(body, str):
        return ChatResponse(model=model, text=body, latency_s=latency_s)
    if not isinstance(body, dict):
        raise InputError(
            "a recorded response must be a JSON object or a string",
            path=path,
            line=line,
            field=field,
        )
    api = detect_response_api(body)
    try:
        if api == "neutral":
            data = dict(body)
            data.setdefault("model", model)
            resp = ChatResponse.model_validate(data)
        else:
            import importlib

            resp = importlib.import_module(_MODULES[api]).decode_response(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(err["msg"], path=path, line=line, field=f"{field}.{where}") from None
    except InputError as exc:
        raise InputError(exc.message, path=path, line=line, field=field, hint=exc.hint) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"cannot read this {api} response ({exc})", path=path, line=line, field=field
        ) from None
    update: dict[str, Any] = {}
    if not resp.model and model:
        update["model"] = model
    if latency_s is not None and resp.latency_s is None:
        update["latency_s"] = latency_s
    return resp.model_copy(update=update) if update else resp
