"""OpenAI Chat Completions (``POST /v1/chat/completions``): codec both directions and clients.

Mapping notes (neutral <-> wire):

* roles system / developer / user / assistant / tool map one to one; the legacy ``function``
  role becomes a neutral ``tool`` message with a ``name`` and no ``tool_call_id`` (and back).
* content: a string, or parts ``text`` / ``image_url`` (http(s) or ``data:`` base64 URLs).
  Parts without a neutral form (``input_audio``, ``file``, ``refusal``), unknown keys on
  messages and parts, and non-function tools are kept as replay data (``_replay``) so the
  same API re-emits them in place; the string-or-list spelling of each message is kept too.
* the output limit goes out as ``ChatRequest.max_tokens_field`` says (default
  ``max_completion_tokens``, which reasoning models require).
* a refusal with ``finish_reason: "stop"`` becomes the neutral ``refusal`` finish reason.
* ``reasoning_content`` / ``reasoning`` (vLLM, DeepSeek, OpenRouter) become reasoning text.
* ``thinking`` has no Chat Completions form: encoding refuses it (use ``reasoning_effort``).
* unknown top-level fields (``n``, ``logit_bias``, ``functions``, ``stream_options``, ...)
  stay in ``extra`` and are re-emitted verbatim.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import ValidationError

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    ContentPart,
    FinishReason,
    Message,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
)
from switchover.errors import ConfigError, InputError
from switchover.providers._embeddings import decode_openai_embeddings, encode_openai_embeddings
from switchover.providers._fields import (
    arguments_json,
    as_dict,
    as_list,
    data_url,
    image_from_url,
    input_error,
    json_schema_format,
    list_resolver,
    metadata_of,
    new_id,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    req_str,
    tool_choice_name,
    tool_from,
    unix_now,
)
from switchover.providers._http import HTTPProvider, StreamDecoderProtocol
from switchover.providers._replay import ReplayLog, apply_replay, merge_extra, replay_of
from switchover.providers._sse import format_sse
from switchover.providers.base import Embeddings, ProviderSettings
from switchover.providers.compat import get_preset

__all__ = [
    "API",
    "DEFAULT_BASE_URL",
    "OpenAIChatProvider",
    "OpenAICompatibleProvider",
    "StreamDecoder",
    "StreamEncoder",
    "create_compatible_provider",
    "create_provider",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "error_body",
]

API = "openai.chat"
DEFAULT_BASE_URL = "https://api.openai.com/v1"

_FINISH_IN: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}
_FINISH_OUT = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "refusal": "stop",
    "error": "stop",
    "other": "stop",
}
_MAPPED = {
    "model",
    "messages",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "temperature",
    "top_p",
    "top_k",
    "presence_penalty",
    "frequency_penalty",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
    "user",
    "metadata",
    "stream",
}
_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_MSG_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "function_call"}


# --------------------------------------------------------------------------------------
# request: neutral -> wire
# --------------------------------------------------------------------------------------


def _encode_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    image: dict[str, Any] = {"url": data_url(part)}
    if part.detail is not None:
        image["detail"] = part.detail
    return {"type": "image_url", "image_url": image}


def _encode_content(m: Message, i: int, flags: dict[str, Any]) -> Any:
    only_text = all(isinstance(p, TextPart) for p in m.content)
    if i in flags.get("content_list", ()) or not only_text or len(m.content) > 1:
        return [_encode_part(p) for p in m.content]
    if not m.content and (
        i in flags.get("content_null", ())
        or (m.role == "assistant" and m.tool_calls and i not in flags.get("content_str", ()))
    ):
        return None
    return m.text


def _encode_call(tc: ToolCall) -> dict[str, Any]:
    args = arguments_json(tc)
    return {"id": tc.id, "type": "function", "function": {"name": tc.name, "arguments": args}}


def _encode_message(m: Message, i: int, flags: dict[str, Any]) -> dict[str, Any]:
    if m.role == "tool" and m.tool_call_id is None:
        if m.name is None:
            raise InputError(
                "a tool message needs tool_call_id", field=f"messages[{i}].tool_call_id"
            )
        return {"role": "function", "name": m.name, "content": m.text}
    out: dict[str, Any] = {"role": m.role, "content": _encode_content(m, i, flags)}
    if m.role == "tool":
        out["tool_call_id"] = m.tool_call_id
    elif m.name is not None:
        out["name"] = m.name
    if m.role == "assistant" and m.tool_calls:
        calls = [_encode_call(tc) for tc in m.tool_calls if tc.id]
        legacy = [tc for tc in m.tool_calls if not tc.id]
        if calls:
            out["tool_calls"] = calls
        if legacy:
            out["function_call"] = _encode_call(legacy[0])["function"]
    return out


def _encode_tool(t: Tool) -> dict[str, Any]:
    fn: dict[str, Any] = {"name": t.name}
    if t.description is not None:
        fn["description"] = t.description
    fn["parameters"] = t.parameters
    if t.strict is not None:
        fn["strict"] = t.strict
    return {"type": "function", "function": fn}


def _encode_tool_choice(tc: ToolChoice) -> Any:
    if tc.mode == "tool":
        return {"type": "function", "function": {"name": tool_choice_name(tc)}}
    return tc.mode


def _encode_format(rf: ResponseFormat, flags: dict[str, Any]) -> dict[str, Any]:
    if rf.type != "json_schema":
        return {"type": rf.type}
    js: dict[str, Any] = {"name": rf.name or "response"}
    if "rf_description" in flags:
        js["description"] = flags["rf_description"]
    js["schema"] = rf.json_schema or {}
    if rf.strict is not None:
        js["strict"] = rf.strict
    return {"type": "json_schema", "json_schema": js}


def _type_of(item: Any) -> str | None:
    if isinstance(item, dict):
        t = item.get("type") or item.get("role")
        return str(t) if t is not None else None
    return None


def encode_request(req: ChatRequest) -> dict[str, Any]:
    """The Chat Completions JSON body for ``req``."""
    if req.thinking is not None:
        raise InputError(
            "Chat Completions has no `thinking` parameter",
            field="thinking",
            hint="Use reasoning_effort for OpenAI reasoning models.",
        )
    replay = replay_of(req.extra, API)
    flags: dict[str, Any] = replay["flags"]
    body: dict[str, Any] = {
        "model": req.model,
        "messages": [_encode_message(m, i, flags) for i, m in enumerate(req.messages)],
    }
    if req.tools:
        body["tools"] = [_encode_tool(t) for t in req.tools]
    if req.tool_choice is not None:
        body["tool_choice"] = _encode_tool_choice(req.tool_choice)
    if req.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = req.parallel_tool_calls
    if req.response_format is not None:
        body["response_format"] = _encode_format(req.response_format, flags)
    for key in ("temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.max_output_tokens is not None:
        body[req.max_tokens_field or "max_completion_tokens"] = req.max_output_tokens
    if req.stop:
        body["stop"] = req.stop[0] if flags.get("stop_str") and len(req.stop) == 1 else req.stop
    for key in ("seed", "reasoning_effort", "logprobs", "top_logprobs", "user"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.metadata:
        body["metadata"] = dict(req.metadata)
    if req.stream:
        body["stream"] = True
        if "stream_options" not in req.extra:
            body["stream_options"] = {"include_usage": True}
    apply_replay(replay["items"], list_resolver(body), _type_of)
    return merge_extra(body, req.extra)


# --------------------------------------------------------------------------------------
# request: wire -> neutral (server side)
# --------------------------------------------------------------------------------------


def _decode_parts(content: Any, at: str, field: str, log: ReplayLog) -> list[ContentPart]:
    parts: list[ContentPart] = []
    for j, raw in enumerate(as_list(content, field)):
        f = f"{field}[{j}]"
        p = as_dict(raw, f)
        ptype = p.get("type")
        if ptype == "text":
            parts.append(TextPart(text=req_str(p, "text", f)))
            log.keep_unknown(at, j, "text", p, ("type", "text"))
        elif ptype == "image_url":
            img = p.get("image_url")
            if isinstance(img, str):  # some SDKs send the URL directly
                img = {"url": img}
            img = as_dict(img, f"{f}.image_url")
            parts.append(
                image_from_url(
                    req_str(img, "url", f"{f}.image_url"), img.get("detail"), f"{f}.image_url"
                )
            )
            log.keep_unknown(at, j, "image_url", p, ("type", "image_url"))
        elif isinstance(ptype, str):
            log.insert(at, j, p)  # input_audio, file, refusal...: kept for this API only
        else:
            raise InputError("content part needs a string `type`", field=f"{f}.type")
    return parts


def _decode_call(raw: Any, field: str) -> ToolCall:
    c = as_dict(raw, field)
    fn = as_dict(c.get("function"), f"{field}.function")
    args = fn.get("arguments", "")
    if not isinstance(args, str):  # lenient: some clients send an object
        args = json.dumps(args, separators=(",", ":"))
    return ToolCall.from_raw(
        req_str(c, "id", field), req_str(fn, "name", f"{field}.function"), args
    )


def _decode_message(raw: Any, i: int, log: ReplayLog) -> Message:
    field = f"messages[{i}]"
    m = as_dict(raw, field)
    role = m.get("role")
    if role not in _ROLES:
        raise InputError(
            f"unknown role {role!r}; expected one of {', '.join(_ROLES)}", field=f"{field}.role"
        )
    flags = log.flags
    content = m.get("content")
    at = f"messages.{i}.content"
    if isinstance(content, list):
        parts = _decode_parts(content, at, f"{field}.content", log)
        if len(parts) <= 1 and all(isinstance(p, TextPart) for p in parts):
            flags.setdefault("content_list", []).append(i)  # not implied by the parts
    elif isinstance(content, str):
        parts = [TextPart(text=content)] if content else []
        if not content and role == "assistant":
            flags.setdefault("content_str", []).append(i)
    elif content is None and role in ("assistant", "function"):
        flags.setdefault("content_null", []).append(i)
        parts = []
    else:
        raise InputError("content must be a string or an array of parts", field=f"{field}.content")
    log.keep_unknown("messages", i, str(role), m, _MSG_KEYS)
    name = opt_str(m, "name", field)
    if role == "function":
        if name is None:
            raise InputError("a function message needs `name`", field=f"{field}.name")
        return Message(role="tool", content=parts, name=name)
    if role == "tool":
        return Message(
            role="tool", content=parts, tool_call_id=req_str(m, "tool_call_id", field), name=name
        )
    calls: list[ToolCall] = []
    if role == "assistant":
        for j, c in enumerate(as_list(m.get("tool_calls") or [], f"{field}.tool_calls")):
            if isinstance(c, dict) and c.get("type", "function") != "function":
                log.insert(f"messages.{i}.tool_calls", j, c)
                continue
            calls.append(_decode_call(c, f"{field}.tool_calls[{j}]"))
        if m.get("function_call") is not None:  # legacy: a call without an id
            fn = as_dict(m["function_call"], f"{field}.function_call")
            args = fn.get("arguments", "")
            calls.append(
                ToolCall.from_raw(
                    "",
                    req_str(fn, "name", f"{field}.function_call"),
                    args if isinstance(args, str) else json.dumps(args),
                )
            )
    return Message(role=role, content=parts, tool_calls=calls, name=name)


def _decode_tools(raw: Any, log: ReplayLog) -> list[Tool]:
    tools: list[Tool] = []
    for j, t in enumerate(as_list(raw, "tools")):
        f = f"tools[{j}]"
        td = as_dict(t, f)
        if td.get("type") != "function":
            log.insert("tools", j, td)  # custom / hosted tools: kept for this API only
            continue
        fn = as_dict(td.get("function"), f"{f}.function")
        tools.append(tool_from(fn, f"{f}.function"))
    return tools


def _decode_tool_choice(raw: Any, extra: dict[str, Any]) -> ToolChoice | None:
    if raw is None:
        return None
    if raw in ("auto", "none", "required"):
        return ToolChoice(mode=raw)
    if isinstance(raw, dict) and raw.get("type") == "function":
        fn = as_dict(raw.get("function"), "tool_choice.function")
        return ToolChoice(mode="tool", name=req_str(fn, "name", "tool_choice.function"))
    if isinstance(raw, dict):
        extra["tool_choice"] = raw  # allowed_tools, custom: passed through
        return None
    raise InputError(
        'expected "auto", "none", "required" or {"type": "function", ...}', field="tool_choice"
    )


def _decode_format(raw: Any, flags: dict[str, Any]) -> ResponseFormat | None:
    if raw is None:
        return None
    rf = as_dict(raw, "response_format")
    rtype = rf.get("type")
    if rtype in ("text", "json_object"):
        return ResponseFormat(type=rtype)
    if rtype != "json_schema":
        raise InputError(
            "type must be text, json_object or json_schema", field="response_format.type"
        )
    js = as_dict(rf.get("json_schema"), "response_format.json_schema")
    if "description" in js:
        flags["rf_description"] = js["description"]
    return json_schema_format(js, "response_format.json_schema")


def decode_request(body: dict[str, Any]) -> ChatRequest:
    """A neutral request from a Chat Completions body; :class:`InputError` names bad fields."""
    body = as_dict(body, "body")
    log = ReplayLog(API)
    messages = as_list(body.get("messages"), "messages")
    if not messages:
        raise InputError("at least one message is required", field="messages")
    extra = {k: v for k, v in body.items() if k not in _MAPPED}
    max_field: Any = None
    limit = opt_int(body, "max_completion_tokens")
    if limit is not None:
        max_field = "max_completion_tokens"
        if body.get("max_tokens") is not None:
            extra["max_tokens"] = body["max_tokens"]
    else:
        limit = opt_int(body, "max_tokens")
        max_field = "max_tokens" if limit is not None else None
    stop = body.get("stop")
    if isinstance(stop, str):
        log.flags["stop_str"] = True
        stop = [stop]
    elif stop is not None and not (
        isinstance(stop, list) and all(isinstance(s, str) for s in stop)
    ):
        raise InputError("expected a string or an array of strings", field="stop")
    metadata = metadata_of(body)
    try:
        req = ChatRequest(
            model=req_str(body, "model", ""),
            messages=[_decode_message(m, i, log) for i, m in enumerate(messages)],
            tools=_decode_tools(body["tools"], log) if body.get("tools") is not None else [],
            tool_choice=_decode_tool_choice(body.get("tool_choice"), extra),
            parallel_tool_calls=opt_bool(body, "parallel_tool_calls"),
            response_format=_decode_format(body.get("response_format"), log.flags),
            temperature=opt_float(body, "temperature"),
            top_p=opt_float(body, "top_p"),
            top_k=opt_int(body, "top_k"),
            presence_penalty=opt_float(body, "presence_penalty"),
            frequency_penalty=opt_float(body, "frequency_penalty"),
            max_output_tokens=limit,
            max_tokens_field=max_field,
            stop=stop or [],
            seed=opt_int(body, "seed"),
            reasoning_effort=opt_str(body, "reasoning_effort"),
            logprobs=opt_bool(body, "logprobs"),
            top_logprobs=opt_int(body, "top_logprobs"),
            user=opt_str(body, "user"),
            metadata=metadata,
            stream=bool(opt_bool(body, "stream")),
            extra=extra,
        )
    except ValidationError as exc:
        raise input_error(exc) from exc
    log.store(req.extra)
    return req


# --------------------------------------------------------------------------------------
# response: wire -> neutral (client side)
# --------------------------------------------------------------------------------------


def _finish(reason: Any, refusal: bool, text: bool = False) -> FinishReason:
    """Map ``finish_reason``; a refusal without any answer text is the ``refusal`` reason."""
    if refusal and not text and reason in (None, "stop"):
        return "refusal"
    if reason is None:
        return "stop"
    return _FINISH_IN.get(str(reason), "other")


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    pdet = raw.get("prompt_tokens_details") or {}
    cdet = raw.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        cached_input_tokens=int(pdet.get("cached_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
        reasoning_tokens=int(cdet.get("reasoning_tokens") or 0),
    )


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def decode_response(body: dict[str, Any]) -> ChatResponse:
    """A neutral response from a ``chat.completion`` object (``raw`` keeps the body)."""
    choices = as_list(body.get("choices"), "choices")
    if not choices:
        raise InputError("the response has no choices", field="choices")
    choice = as_dict(choices[0], "choices[0]")
    msg = as_dict(choice.get("message"), "choices[0].message")
    calls = [
        _decode_call(c, f"choices[0].message.tool_calls[{j}]")
        for j, c in enumerate(msg.get("tool_calls") or [])
    ]
    fc = msg.get("function_call")
    if isinstance(fc, dict):
        calls.append(ToolCall.from_raw("", str(fc.get("name", "")), str(fc.get("arguments", ""))))
    refusal = msg.get("refusal") or None
    reasoning = msg.get("reasoning_content") or msg.get("reasoning") or None
    return ChatResponse(
        model=str(body.get("model") or ""),
        text=_text_of(msg.get("content")),
        tool_calls=calls,
        finish_reason=_finish(
            choice.get("finish_reason"), refusal is not None, bool(_text_of(msg.get("content")))
        ),
        refusal=refusal,
        reasoning_text=reasoning if isinstance(reasoning, str) else None,
        usage=_usage(body.get("usage")),
        id=body.get("id"),
        raw=body,
    )


# --------------------------------------------------------------------------------------
# response: neutral -> wire (server side)
# --------------------------------------------------------------------------------------


def _wire_usage(u: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _completion_id(resp_id: str | None) -> str:
    return resp_id if resp_id and resp_id.startswith("chatcmpl-") else new_id("chatcmpl-")


def encode_response(
    resp: ChatResponse, *, model: str, created: int | None = None
) -> dict[str, Any]:
    """A ``chat.completion`` object for ``resp``."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": resp.text if resp.text or not (resp.tool_calls or resp.refusal) else None,
        "refusal": resp.refusal,
        "annotations": [],
    }
    if resp.reasoning_text:
        message["reasoning_content"] = resp.reasoning_text
    if resp.tool_calls:
        message["tool_calls"] = [_encode_call(tc) for tc in resp.tool_calls]
    return {
        "id": _completion_id(resp.id),
        "object": "chat.completion",
        "created": unix_now() if created is None else created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": _FINISH_OUT[resp.finish_reason],
            }
        ],
        "usage": _wire_usage(resp.usage),
        "service_tier": "default",
        "system_fingerprint": None,
    }


def error_body(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """OpenAI's error object: ``{"error": {"message", "type", "param", "code"}}``."""
    if type is None:
        if status == 429:
            type, code = "requests", code or "rate_limit_exceeded"
        elif status >= 500:
            type = "server_error"
        else:
            type = "invalid_request_error"
        if status == 401 and code is None:
            code = "invalid_api_key"
        if status == 404 and code is None:
            code = "model_not_found"
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


# --------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------


class StreamDecoder:
    """``chat.completion.chunk`` objects -> neutral stream events (choice 0 only)."""

    def __init__(self) -> None:
        self._started = False
        self._refusal = False
        self._text = False
        self._calls: set[int] = set()

    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if not self._started and (data.get("id") or data.get("model")):
            self._started = True
            out.append(StreamEvent(type="start", id=data.get("id"), model=data.get("model")))
        for choice in data.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            out.extend(self._delta(choice.get("delta") or {}))
            reason = choice.get("finish_reason")
            if reason is not None:
                out.append(
                    StreamEvent(
                        type="finish", finish_reason=_finish(reason, self._refusal, self._text)
                    )
                )
        if isinstance(data.get("usage"), dict):
            out.append(StreamEvent(type="usage", usage=_usage(data["usage"])))
        return out

    def _delta(self, delta: dict[str, Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            out.append(StreamEvent(type="reasoning", text=reasoning))
        if isinstance(delta.get("content"), str) and delta["content"]:
            self._text = True
            out.append(StreamEvent(type="text", text=delta["content"]))
        if isinstance(delta.get("refusal"), str) and delta["refusal"]:
            self._refusal = True
            out.append(StreamEvent(type="refusal", text=delta["refusal"]))
        calls = list(delta.get("tool_calls") or [])
        if isinstance(delta.get("function_call"), dict):
            calls.append({"index": 0, "id": "", "function": delta["function_call"]})
        for c in calls:
            idx = int(c.get("index", 0))
            fn = c.get("function") or {}
            args = fn.get("arguments") or None
            if idx not in self._calls:
                self._calls.add(idx)
                out.append(
                    StreamEvent(
                        type="tool_call_start",
                        index=idx,
                        tool_call_id=c.get("id") or "",
                        name=fn.get("name") or "",
                        arguments_delta=args,
                    )
                )
            elif args:
                out.append(StreamEvent(type="tool_call_delta", index=idx, arguments_delta=args))
        return out


class StreamEncoder:
    """Neutral stream events -> ``data: {chunk}`` frames, ending with ``data: [DONE]``.

    With ``include_usage`` (the client's ``stream_options.include_usage``) every chunk carries
    ``"usage": null`` and a final chunk with empty ``choices`` carries the usage.
    """

    def __init__(
        self,
        model: str,
        *,
        include_usage: bool = True,
        id: str | None = None,
        created: int | None = None,
    ) -> None:
        self.model = model
        self.include_usage = include_usage
        self.id = _completion_id(id)
        self.created = unix_now() if created is None else created
        self._role_sent = False
        self._finished = False
        self._closed = False
        self._calls = False
        self._usage = Usage()

    def _chunk(self, choices: list[dict[str, Any]], usage: Any = None) -> bytes:
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": None,
            "choices": choices,
        }
        if self.include_usage:
            chunk["usage"] = usage
        return format_sse(json.dumps(chunk, ensure_ascii=False, separators=(",", ":")))

    def _delta(self, delta: dict[str, Any], finish: str | None = None) -> list[bytes]:
        out = self._role()
        out.append(
            self._chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])
        )
        return out

    def _role(self) -> list[bytes]:
        if self._role_sent:
            return []
        self._role_sent = True
        return self._delta({"role": "assistant", "content": "", "refusal": None})

    def encode(self, ev: StreamEvent) -> list[bytes]:
        t = ev.type
        if t == "start":
            if ev.id and ev.id.startswith("chatcmpl-"):
                self.id = ev.id
            return self._role()
        if t == "text" and ev.text:
            return self._delta({"content": ev.text})
        if t == "refusal" and ev.text:
            return self._delta({"refusal": ev.text})
        if t == "reasoning" and ev.text:
            return self._delta({"reasoning_content": ev.text})
        if t == "tool_call_start":
            self._calls = True
            call = {
                "index": ev.index or 0,
                "id": ev.tool_call_id or new_id("call_"),
                "type": "function",
                "function": {"name": ev.name or "", "arguments": ev.arguments_delta or ""},
            }
            return self._delta({"tool_calls": [call]})
        if t == "tool_call_delta" and ev.arguments_delta:
            call = {"index": ev.index or 0, "function": {"arguments": ev.arguments_delta}}
            return self._delta({"tool_calls": [call]})
        if t == "usage" and ev.usage is not None:
            self._usage = ev.usage
        elif t == "finish" and not self._finished:
            self._finished = True
            return self._delta({}, _FINISH_OUT[ev.finish_reason or "stop"])
        return []

    def error(
        self, message: str, *, type: str = "server_error", code: str | None = None
    ) -> list[bytes]:
        """An error reported mid-stream (``data: {"error": ...}``); the stream then ends."""
        self._closed = True
        body = {"error": {"message": message, "type": type, "param": None, "code": code}}
        return [format_sse(json.dumps(body, ensure_ascii=False)), format_sse("[DONE]")]

    def close(self) -> list[bytes]:
        if self._closed:
            return []
        self._closed = True
        out: list[bytes] = []
        if not self._finished:
            out += self.encode(
                StreamEvent(type="finish", finish_reason="tool_calls" if self._calls else "stop")
            )
        if self.include_usage:
            out.append(self._chunk([], _wire_usage(self._usage)))
        out.append(format_sse("[DONE]"))
        return out


# --------------------------------------------------------------------------------------
# clients
# --------------------------------------------------------------------------------------


class OpenAIChatProvider(HTTPProvider):
    """Async client for ``POST {base_url}/chat/completions`` on api.openai.com.

    Options ``organization`` / ``project`` (or the ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID``
    environment variables) become the ``OpenAI-Organization`` / ``OpenAI-Project`` headers.
    """

    name = "openai"
    api: ClassVar[str] = API
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL
    default_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id",)
    read_org_env: ClassVar[bool] = True
    supports_embeddings = True
    max_embed_batch = 256  # the API takes 2,048 inputs but at most 300k tokens per call

    def url_for(self, request: ChatRequest) -> str:
        return f"{self.base_url}/chat/completions"

    def embeddings_url(self, model: str) -> str:
        return f"{self.base_url}/embeddings"

    def encode_embeddings(self, texts: Sequence[str], model: str) -> dict[str, Any]:
        return encode_openai_embeddings(texts, model)

    def decode_embeddings(self, body: dict[str, Any], n: int) -> Embeddings:
        return decode_openai_embeddings(body, n)

    def auth_headers(self, key: str | None) -> dict[str, str]:
        headers = super().auth_headers(key)
        opts = self.settings.options
        env = os.environ if self.read_org_env else {}
        org = opts.get("organization") or env.get("OPENAI_ORG_ID")
        project = opts.get("project") or env.get("OPENAI_PROJECT_ID")
        if org:
            headers["OpenAI-Organization"] = str(org)
        if project:
            headers["OpenAI-Project"] = str(project)
        return headers

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return encode_request(request.model_copy(update={"stream": False}))

    def complete_body(self, body: dict[str, Any]) -> dict[str, Any]:
        body.pop("stream_options", None)  # only allowed with stream: true
        return super().complete_body(body)

    def stream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        options = body.get("stream_options")
        options = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        return {**body, "stream": True, "stream_options": options}

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        return decode_response(body)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoderProtocol:
        return StreamDecoder()


class OpenAICompatibleProvider(OpenAIChatProvider):
    """A Chat Completions server at any ``base_url`` (vLLM, Ollama, OpenRouter, ...).

    It never falls back to ``OPENAI_API_KEY``: the key comes from ``api_key`` or
    ``api_key_env`` (or the preset's variable), so an OpenAI key is not sent elsewhere.
    """

    name = "openai-compatible"
    default_base_url: ClassVar[str | None] = None
    default_key_env: ClassVar[str | None] = None
    key_required: ClassVar[bool] = False
    read_org_env: ClassVar[bool] = False


def create_provider(settings: ProviderSettings | None = None, **kwargs: Any) -> OpenAIChatProvider:
    """Entry point ``openai``: api.openai.com, key from ``OPENAI_API_KEY``."""
    return OpenAIChatProvider(settings, **kwargs)


def create_compatible_provider(
    settings: ProviderSettings | None = None, *, preset: str | None = None, **kwargs: Any
) -> OpenAICompatibleProvider:
    """Entry point ``openai-compatible``: any Chat Completions server by ``base_url``, or a
    preset (``options={"preset": "ollama"}``: vllm, ollama, openrouter, groq, together)."""
    settings = settings or ProviderSettings()
    preset_name = preset or settings.options.get("preset")
    if preset_name:
        p = get_preset(str(preset_name))
        settings = dataclasses.replace(
            settings,
            base_url=settings.base_url or p.base_url,
            api_key_env=settings.api_key_env or p.key_env,
        )
        kwargs.setdefault("name", p.name)
        kwargs.setdefault("key_required", p.key_required)
    elif not settings.base_url:
        raise ConfigError(
            "an OpenAI-compatible provider needs base_url",
            field="base_url",
            hint='Set base_url (e.g. "http://localhost:8000/v1") or options.preset.',
        )
    return OpenAICompatibleProvider(settings, **kwargs)
