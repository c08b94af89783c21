"""A rule-checking view of a neutral request on a given API.

``probe_body`` writes the fields the parameter rules look at (sampling, limits, reasoning,
thinking, tool choice, roles) the way each API spells them. It is not a codec: message
content is reduced to roles. It lets the adapter ask ``check_request`` what the target would
reject without depending on the codec modules.
"""

from __future__ import annotations

from typing import Any

from switchover.chat import ChatRequest

__all__ = ["probe_body", "replayed_tools"]


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != []:
        body[key] = value


def _public_extra(req: ChatRequest) -> dict[str, Any]:
    return {k: v for k, v in req.extra.items() if not k.startswith("_")}


def _openai_common(req: ChatRequest, body: dict[str, Any]) -> None:
    for key in ("temperature", "top_p", "top_logprobs", "seed"):
        _put(body, key, getattr(req, key))
    if req.tools:
        body["tools"] = [{"type": "function", "function": {"name": t.name}} for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = req.tool_choice.mode


def _anthropic_roles(req: ChatRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in req.messages:
        if m.role in ("system", "developer"):
            continue
        role = "user" if m.role == "tool" else m.role
        out.append({"role": role})
    return out


def replayed_tools(req: ChatRequest, api: str) -> list[dict[str, Any]]:
    """Server/non-function tools the codec keeps as replay data for the same API."""
    wire = req.extra.get("_wire")
    if not isinstance(wire, dict) or wire.get("api") != api:
        return []
    return [
        it["insert"]
        for it in wire.get("items", [])
        if isinstance(it, dict) and it.get("at") == "tools" and isinstance(it.get("insert"), dict)
    ]


def probe_body(req: ChatRequest, api: str) -> dict[str, Any]:
    """The rule-relevant part of ``req``'s wire body on ``api``."""
    extra = _public_extra(req)
    body: dict[str, Any] = {**extra, "model": req.model}
    if api == "openai.chat":
        body["messages"] = [{"role": m.role} for m in req.messages]
        _openai_common(req, body)
        for key in ("presence_penalty", "frequency_penalty", "logprobs", "reasoning_effort"):
            _put(body, key, getattr(req, key))
        _put(body, "stop", list(req.stop))
        if req.max_output_tokens is not None:
            body[req.max_tokens_field or "max_completion_tokens"] = req.max_output_tokens
    elif api == "openai.responses":
        body["input"] = [{"role": m.role} for m in req.messages]
        _openai_common(req, body)
        _put(body, "stop", list(req.stop))
        _put(body, "max_output_tokens", req.max_output_tokens)
        if req.reasoning_effort is not None:
            body["reasoning"] = {**extra.get("reasoning", {}), "effort": req.reasoning_effort}
    elif api == "anthropic.messages":
        body["messages"] = _anthropic_roles(req)
        for key in ("temperature", "top_p", "top_k"):
            _put(body, key, getattr(req, key))
        _put(body, "max_tokens", req.max_output_tokens)
        _put(body, "stop_sequences", list(req.stop))
        if req.thinking is not None:
            body["thinking"] = {"type": req.thinking.mode}
            _put(body["thinking"], "budget_tokens", req.thinking.budget_tokens)
        tools = [{"name": t.name, "input_schema": t.parameters} for t in req.tools]
        tools += [t for t in extra.get("tools", []) if isinstance(t, dict)]
        body["tools"] = tools + replayed_tools(req, api)
        if req.tool_choice is not None:
            mode = {"required": "any"}.get(req.tool_choice.mode, req.tool_choice.mode)
            body["tool_choice"] = {"type": mode}
    elif api == "gemini.generate":
        body.pop("model")
        body["contents"] = [
            {"role": "model" if m.role == "assistant" else "user"}
            for m in req.messages
            if m.role not in ("system", "developer")
        ]
        gen: dict[str, Any] = dict(extra.get("generationConfig", {}))
        thinking: dict[str, Any] = dict(gen.get("thinkingConfig", {}))
        if req.thinking is not None:
            budget = {"disabled": 0, "adaptive": -1}.get(req.thinking.mode)
            thinking["thinkingBudget"] = req.thinking.budget_tokens if budget is None else budget
        _put(thinking, "thinkingLevel", req.reasoning_effort)
        if thinking:
            gen["thinkingConfig"] = thinking
        if gen:
            body["generationConfig"] = gen
    else:
        raise ValueError(f"unknown API {api!r}")
    return body
