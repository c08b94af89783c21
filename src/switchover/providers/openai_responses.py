"""OpenAI Responses API (``POST /v1/responses``): codec both directions and the client.

Mapping notes (neutral <-> wire):

* ``instructions`` <-> a leading neutral system message. Other system / developer / user /
  assistant messages are ``input`` message items (``input_text`` / ``input_image`` parts;
  assistant history uses ``output_text``). A plain-string ``input`` is one user message.
* ``function_call`` items join the assistant message before them as tool calls (``call_id``
  is the neutral tool-call id); ``function_call_output`` items are neutral tool messages.
* items and tools without a neutral form (``reasoning`` items, ``item_reference``,
  ``input_file``, hosted tools) are kept as replay data for this API.
* ``text.format`` <-> response_format; ``reasoning.effort`` <-> reasoning_effort; the rest
  of ``text`` / ``reasoning`` and fields such as ``store``, ``previous_response_id``,
  ``include`` and ``truncation`` stay in ``extra``.
* The Responses API has no ``stop``, ``seed``, penalties, ``top_k``, ``logprobs`` flag or
  ``thinking``: encoding refuses them (:class:`InputError`) instead of dropping them.
* status ``incomplete`` with reason ``max_output_tokens`` -> ``length``; ``content_filter``
  -> ``content_filter``; ``failed`` -> ``error``; function calls -> ``tool_calls``.
"""

from __future__ import annotations

import json
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
from switchover.errors import (
    InputError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    RateLimitError,
    redact,
)
from switchover.providers._fields import (
    arguments_json,
    as_dict,
    as_list,
    data_url,
    image_from_url,
    input_error,
    json_schema_format,
    metadata_of,
    new_id,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    req_str,
    tool_from,
    unix_now,
)
from switchover.providers._http import StreamDecoderProtocol
from switchover.providers._replay import ReplayLog, apply_replay, merge_extra, replay_of
from switchover.providers._sse import format_sse
from switchover.providers.base import ProviderSettings
from switchover.providers.openai_chat import OpenAIChatProvider, _resolver
from switchover.providers.openai_chat import error_body as _chat_error_body

__all__ = [
    "API",
    "OpenAIResponsesProvider",
    "StreamDecoder",
    "StreamEncoder",
    "create_provider",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "error_body",
]

API = "openai.responses"

_MAPPED = {
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "top_logprobs",
    "max_output_tokens",
    "user",
    "metadata",
    "stream",
}
_REFUSED = (
    ("stop", "the Responses API has no stop sequences"),
    ("seed", "the Responses API has no seed"),
    ("presence_penalty", "the Responses API has no presence_penalty"),
    ("frequency_penalty", "the Responses API has no frequency_penalty"),
    ("top_k", "the Responses API has no top_k"),
    ("logprobs", "use top_logprobs with include=['message.output_text.logprobs']"),
    ("thinking", "use reasoning_effort (reasoning.effort)"),
)


def _kind(item: Any) -> str | None:
    """How replay data recognises an input item: its role, else its type."""
    if isinstance(item, dict):
        k = item.get("role") or item.get("type")
        return str(k) if k is not None else None
    return None


# --------------------------------------------------------------------------------------
# request: neutral -> wire
# --------------------------------------------------------------------------------------


def _encode_part(part: ContentPart, role: str) -> dict[str, Any]:
    if isinstance(part, TextPart):
        kind = "output_text" if role == "assistant" else "input_text"
        return {"type": kind, "text": part.text}
    out: dict[str, Any] = {"type": "input_image", "image_url": data_url(part)}
    out["detail"] = part.detail or "auto"
    return out


def _encode_call(tc: ToolCall) -> dict[str, Any]:
    args = arguments_json(tc)
    return {"type": "function_call", "call_id": tc.id, "name": tc.name, "arguments": args}


def _encode_input(req: ChatRequest, flags: dict[str, Any]) -> tuple[str | None, Any]:
    msgs = list(req.messages)
    instructions: str | None = None
    if (
        flags.get("instructions", True)
        and msgs
        and msgs[0].role == "system"
        and all(isinstance(p, TextPart) for p in msgs[0].content)
    ):
        instructions = msgs[0].text
        msgs = msgs[1:]
        offset = 1
    else:
        offset = 0
    if flags.get("input_str", True) and _is_single_user_text(msgs):
        return instructions, msgs[0].text
    items: list[dict[str, Any]] = []
    for n, m in enumerate(msgs, start=offset):
        if m.role == "tool":
            if m.tool_call_id is None:
                raise InputError(
                    "a tool message needs tool_call_id", field=f"messages[{n}].tool_call_id"
                )
            items.append(
                {"type": "function_call_output", "call_id": m.tool_call_id, "output": m.text}
            )
            continue
        if m.content or not m.tool_calls:
            if n in flags.get("content_str", ()) or (
                n not in flags.get("content_list", ())
                and len(m.content) == 1
                and isinstance(m.content[0], TextPart)
                and m.role != "assistant"
            ):
                content: Any = m.text
            else:
                content = [_encode_part(p, m.role) for p in m.content]
            items.append({"role": m.role, "content": content})
        items.extend(_encode_call(tc) for tc in m.tool_calls)
    return instructions, items


def _encode_tool(t: Tool, omit_strict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "function", "name": t.name}
    if t.description is not None:
        out["description"] = t.description
    out["parameters"] = t.parameters
    if not (omit_strict and t.strict is None):
        # Responses defaults `strict` to true; an unset neutral value means the
        # Chat Completions default (false), so it is sent explicitly.
        out["strict"] = t.strict if t.strict is not None else False
    return out


def _encode_format(rf: ResponseFormat) -> dict[str, Any]:
    if rf.type != "json_schema":
        return {"type": rf.type}
    out: dict[str, Any] = {
        "type": "json_schema",
        "name": rf.name or "response",
        "schema": rf.json_schema or {},
    }
    if rf.strict is not None:
        out["strict"] = rf.strict
    return out


def encode_request(req: ChatRequest) -> dict[str, Any]:
    """The Responses API JSON body for ``req``."""
    for field, hint in _REFUSED:
        value = getattr(req, field)
        if value not in (None, [], False):
            raise InputError(
                f"the Responses API has no `{field}` parameter", field=field, hint=hint
            )
    replay = replay_of(req.extra, API)
    flags: dict[str, Any] = replay["flags"]
    instructions, input_ = _encode_input(req, flags)
    body: dict[str, Any] = {"model": req.model}
    if instructions is not None:
        body["instructions"] = instructions
    if input_ or not flags.get("no_input"):
        body["input"] = input_
    if req.tools:
        omit = bool(flags.get("strict_omitted"))
        body["tools"] = [_encode_tool(t, omit) for t in req.tools]
    if req.tool_choice is not None:
        tc = req.tool_choice
        body["tool_choice"] = (
            {"type": "function", "name": tc.name or ""} if tc.mode == "tool" else tc.mode
        )
    if req.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = req.parallel_tool_calls
    if req.response_format is not None:
        body["text"] = {"format": _encode_format(req.response_format)}
    if req.reasoning_effort is not None:
        body["reasoning"] = {"effort": req.reasoning_effort}
    for key in ("temperature", "top_p", "top_logprobs", "max_output_tokens", "user"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.metadata:
        body["metadata"] = dict(req.metadata)
    if req.stream:
        body["stream"] = True
    apply_replay(replay["items"], _resolver(body), _kind)
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
        if ptype in ("input_text", "output_text", "text"):
            parts.append(TextPart(text=req_str(p, "text", f)))
            log.keep_unknown(at, j, str(ptype), p, ("type", "text"))
        elif ptype == "input_image" and isinstance(p.get("image_url"), str):
            parts.append(image_from_url(p["image_url"], p.get("detail"), f))
            log.keep_unknown(at, j, "input_image", p, ("type", "image_url", "detail"))
        elif isinstance(ptype, str):
            log.insert(at, j, p)  # input_file, file_id images, refusal...: this API only
        else:
            raise InputError("content part needs a string `type`", field=f"{f}.type")
    return parts


def _decode_message_item(item: dict[str, Any], j: int, n: int, log: ReplayLog) -> Message:
    f = f"input[{j}]"
    role = item.get("role")
    if role not in ("system", "developer", "user", "assistant"):
        raise InputError(
            f"unknown role {role!r}; expected system, developer, user or assistant",
            field=f"{f}.role",
        )
    content = item.get("content")
    if isinstance(content, str):
        parts: list[ContentPart] = [TextPart(text=content)] if content else []
        if role == "assistant" or not content:
            log.flags.setdefault("content_str", []).append(n)
    else:
        parts = _decode_parts(content, f"input.{j}.content", f"{f}.content", log)
        if len(parts) == 1 and isinstance(parts[0], TextPart) and role != "assistant":
            log.flags.setdefault("content_list", []).append(n)
    log.keep_unknown("input", j, str(role), item, ("role", "content"))
    return Message(role=role, content=parts)


def _decode_input(body: dict[str, Any], log: ReplayLog) -> list[Message]:
    messages: list[Message] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        messages.append(Message.system(instructions))
    elif instructions is not None:
        raise InputError("expected a string", field="instructions")
    raw = body.get("input")
    if isinstance(raw, str):
        messages.append(Message.user(raw))
        return messages
    if raw is None:
        log.flags["no_input"] = True  # instructions only (or previous_response_id)
    items = as_list(raw, "input") if raw is not None else []
    open_assistant = False  # the last item decoded was an assistant message / call
    for j, it in enumerate(items):
        f = f"input[{j}]"
        item = as_dict(it, f)
        itype = item.get("type", "message" if "role" in item else None)
        if itype == "message":
            messages.append(_decode_message_item(item, j, len(messages), log))
            open_assistant = messages[-1].role == "assistant"
        elif itype == "function_call":
            args = item.get("arguments", "")
            call = ToolCall.from_raw(
                req_str(item, "call_id", f),
                req_str(item, "name", f),
                args if isinstance(args, str) else json.dumps(args),
            )
            known = {"type", "call_id", "name", "arguments"}
            log.keep_unknown("input", j, "function_call", item, known)
            if open_assistant:
                messages[-1].tool_calls.append(call)
            else:
                messages.append(Message(role="assistant", tool_calls=[call]))
            open_assistant = True
        elif itype == "function_call_output":
            out = item.get("output")
            text = out if isinstance(out, str) else json.dumps(out, ensure_ascii=False)
            known = {"type", "call_id", "output"}
            log.keep_unknown("input", j, "function_call_output", item, known)
            messages.append(Message.tool(req_str(item, "call_id", f), text))
            open_assistant = False
        elif isinstance(itype, str):
            log.insert("input", j, item)  # reasoning, item_reference, hosted tool calls
            open_assistant = False
        else:
            raise InputError("input item needs a `type` or a `role`", field=f"{f}.type")
    if instructions is None and messages and messages[0].role == "system":
        log.flags["instructions"] = False  # a system message item, not `instructions`
    rest = messages[1:] if instructions is not None else messages
    if _is_single_user_text(rest):
        log.flags["input_str"] = False  # a one-message list, not a plain string
    return messages


def _is_single_user_text(msgs: list[Message]) -> bool:
    return (
        len(msgs) == 1
        and msgs[0].role == "user"
        and len(msgs[0].content) == 1
        and isinstance(msgs[0].content[0], TextPart)
        and not msgs[0].tool_calls
    )


def _decode_tools(raw: Any, log: ReplayLog) -> list[Tool]:
    tools: list[Tool] = []
    for j, t in enumerate(as_list(raw, "tools")):
        f = f"tools[{j}]"
        td = as_dict(t, f)
        if td.get("type") != "function":
            log.insert("tools", j, td)  # web_search, file_search, mcp, custom...
            continue
        known = {"type", "name", "description", "parameters", "strict"}
        log.keep_unknown("tools", j, "function", td, known)
        if "strict" not in td:
            log.flags["strict_omitted"] = True
        tools.append(tool_from(td, f))
    return tools


def _decode_tool_choice(raw: Any, extra: dict[str, Any]) -> ToolChoice | None:
    if raw is None:
        return None
    if raw in ("auto", "none", "required"):
        return ToolChoice(mode=raw)
    if isinstance(raw, dict) and raw.get("type") == "function":
        return ToolChoice(mode="tool", name=req_str(raw, "name", "tool_choice"))
    if isinstance(raw, dict):
        extra["tool_choice"] = raw  # hosted tools, allowed_tools, mcp: passed through
        return None
    raise InputError('expected "auto", "none", "required" or an object', field="tool_choice")


def _decode_text(body: dict[str, Any], extra: dict[str, Any]) -> ResponseFormat | None:
    text = body.get("text")
    if text is None:
        return None
    text = dict(as_dict(text, "text"))
    fmt = text.pop("format", None)
    if text:
        extra["text"] = text  # verbosity ...
    if fmt is None:
        return None
    fmt = as_dict(fmt, "text.format")
    ftype = fmt.get("type")
    if ftype in ("text", "json_object"):
        return ResponseFormat(type=ftype)
    if ftype != "json_schema":
        raise InputError("type must be text, json_object or json_schema", field="text.format.type")
    if "description" in fmt:
        extra.setdefault("text", {})["format"] = {"description": fmt["description"]}
    return json_schema_format(fmt, "text.format")


def _decode_reasoning(body: dict[str, Any], extra: dict[str, Any]) -> str | None:
    raw = body.get("reasoning")
    if raw is None:
        return None
    rest = dict(as_dict(raw, "reasoning"))
    effort = opt_str(rest, "effort", "reasoning")
    rest.pop("effort", None)
    if rest:
        extra["reasoning"] = rest  # summary, ...
    return effort


def decode_request(body: dict[str, Any]) -> ChatRequest:
    """A neutral request from a Responses API body; :class:`InputError` names bad fields."""
    body = as_dict(body, "body")
    log = ReplayLog(API)
    extra = {k: v for k, v in body.items() if k not in _MAPPED | {"text", "reasoning"}}
    metadata = metadata_of(body)
    try:
        req = ChatRequest(
            model=req_str(body, "model", ""),
            messages=_decode_input(body, log),
            tools=_decode_tools(body["tools"], log) if body.get("tools") is not None else [],
            tool_choice=_decode_tool_choice(body.get("tool_choice"), extra),
            parallel_tool_calls=opt_bool(body, "parallel_tool_calls"),
            response_format=_decode_text(body, extra),
            reasoning_effort=_decode_reasoning(body, extra),
            temperature=opt_float(body, "temperature"),
            top_p=opt_float(body, "top_p"),
            top_logprobs=opt_int(body, "top_logprobs"),
            max_output_tokens=opt_int(body, "max_output_tokens"),
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


def _usage(raw: Any) -> Usage:
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


def _finish(body: dict[str, Any], has_calls: bool, refusal: bool, text: bool) -> FinishReason:
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


def decode_response(body: dict[str, Any]) -> ChatResponse:
    """A neutral response from a ``response`` object (``raw`` keeps the body)."""
    output = as_list(body.get("output"), "output")
    text: list[str] = []
    refusal: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    for k, it in enumerate(output):
        item = as_dict(it, f"output[{k}]")
        itype = item.get("type")
        if itype == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    text.append(str(part.get("text", "")))
                elif part.get("type") == "refusal":
                    refusal.append(str(part.get("refusal", "")))
        elif itype == "function_call":
            f = f"output[{k}]"
            calls.append(
                ToolCall.from_raw(
                    req_str(item, "call_id", f),
                    req_str(item, "name", f),
                    str(item.get("arguments", "")),
                )
            )
        elif itype == "reasoning":
            for s in (item.get("summary") or []) + (item.get("content") or []):
                if isinstance(s, dict) and isinstance(s.get("text"), str):
                    reasoning.append(s["text"])
    joined = "".join(text)
    return ChatResponse(
        model=str(body.get("model") or ""),
        text=joined,
        tool_calls=calls,
        finish_reason=_finish(body, bool(calls), bool(refusal), bool(joined)),
        refusal="".join(refusal) or None,
        reasoning_text="".join(reasoning) or None,
        usage=_usage(body.get("usage")),
        id=body.get("id"),
        raw=body,
    )


# --------------------------------------------------------------------------------------
# response: neutral -> wire (server side)
# --------------------------------------------------------------------------------------


def _wire_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens,
    }


def _status(finish: FinishReason) -> tuple[str, dict[str, Any] | None]:
    if finish == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    if finish == "error":
        return "failed", None
    return "completed", None


def _response_object(
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
        "usage": _wire_usage(usage) if usage is not None else None,
        "user": None,
        "metadata": {},
    }


def _response_id(rid: str | None) -> str:
    return rid if rid and rid.startswith("resp_") else new_id("resp_")


def _output_items(resp: ChatResponse) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if resp.reasoning_text:
        out.append(
            {
                "id": new_id("rs_"),
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": resp.reasoning_text}],
            }
        )
    content: list[dict[str, Any]] = []
    if resp.text:
        content.append(
            {"type": "output_text", "text": resp.text, "annotations": [], "logprobs": []}
        )
    if resp.refusal:
        content.append({"type": "refusal", "refusal": resp.refusal})
    if content or not resp.tool_calls:
        out.append(
            {
                "id": new_id("msg_"),
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": content,
            }
        )
    for tc in resp.tool_calls:
        out.append({"id": new_id("fc_"), **_encode_call(tc), "status": "completed"})
    return out


def encode_response(
    resp: ChatResponse, *, model: str, created: int | None = None
) -> dict[str, Any]:
    """A ``response`` object for ``resp``."""
    status, incomplete = _status(resp.finish_reason)
    error = {"code": "server_error", "message": "The model failed."} if status == "failed" else None
    return _response_object(
        _response_id(resp.id),
        model,
        unix_now() if created is None else created,
        status,
        _output_items(resp),
        resp.usage,
        incomplete,
        error,
    )


def error_body(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """HTTP errors of the Responses API use the same shape as Chat Completions."""
    return _chat_error_body(status, message, type=type, param=param, code=code)


# --------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------


class StreamDecoder:
    """Responses semantic events -> neutral stream events."""

    def __init__(self) -> None:
        self._calls: dict[str, int] = {}  # item id -> neutral tool-call index
        self._args: dict[str, bool] = {}  # item id -> any arguments seen
        self._refusal = False
        self._text = False

    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        etype = data.get("type") or event_name
        if etype == "response.created":
            r = data.get("response") or {}
            return [StreamEvent(type="start", id=r.get("id"), model=r.get("model"))]
        if etype == "response.output_text.delta" and data.get("delta"):
            self._text = True
            return [StreamEvent(type="text", text=str(data["delta"]))]
        if etype == "response.refusal.delta" and data.get("delta"):
            self._refusal = True
            return [StreamEvent(type="refusal", text=str(data["delta"]))]
        if etype in (
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
        ) and data.get("delta"):
            return [StreamEvent(type="reasoning", text=str(data["delta"]))]
        if etype == "response.output_item.added":
            return self._item_added(data.get("item") or {})
        if etype == "response.function_call_arguments.delta":
            return self._args_delta(str(data.get("item_id", "")), str(data.get("delta") or ""))
        if etype == "response.function_call_arguments.done":
            return self._args_done(str(data.get("item_id", "")), str(data.get("arguments") or ""))
        if etype == "response.output_item.done":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                return self._args_done(str(item.get("id", "")), str(item.get("arguments") or ""))
            return []
        if etype in ("response.completed", "response.incomplete", "response.failed"):
            r = data.get("response") or {}
            finish = _finish(r, bool(self._calls), self._refusal, self._text)
            out = []
            if r.get("usage") is not None:
                out.append(StreamEvent(type="usage", usage=_usage(r["usage"])))
            out.append(StreamEvent(type="finish", finish_reason=finish))
            return out
        return []

    def _item_added(self, item: dict[str, Any]) -> list[StreamEvent]:
        if item.get("type") != "function_call":
            return []
        item_id = str(item.get("id") or item.get("call_id") or len(self._calls))
        idx = self._calls.setdefault(item_id, len(self._calls))
        args = str(item.get("arguments") or "")
        self._args[item_id] = bool(args)
        return [
            StreamEvent(
                type="tool_call_start",
                index=idx,
                tool_call_id=str(item.get("call_id") or ""),
                name=str(item.get("name") or ""),
                arguments_delta=args or None,
            )
        ]

    def _args_delta(self, item_id: str, delta: str) -> list[StreamEvent]:
        if item_id not in self._calls or not delta:
            return []
        self._args[item_id] = True
        return [
            StreamEvent(type="tool_call_delta", index=self._calls[item_id], arguments_delta=delta)
        ]

    def _args_done(self, item_id: str, arguments: str) -> list[StreamEvent]:
        # Servers that send only the final arguments (no deltas) still give the full call.
        if item_id in self._calls and not self._args.get(item_id) and arguments:
            return self._args_delta(item_id, arguments)
        return []


class StreamEncoder:
    """Neutral stream events -> the documented Responses event sequence (``event:`` +
    ``data:`` frames with ``sequence_number``), ending with ``response.completed`` (or
    ``response.incomplete`` / ``response.failed``)."""

    def __init__(self, model: str, *, id: str | None = None, created: int | None = None) -> None:
        self.model = model
        self.id = _response_id(id)
        self.created = unix_now() if created is None else created
        self._seq = 0
        self._started = False
        self._done = False
        self._output: list[dict[str, Any]] = []
        self._msg: dict[str, Any] | None = None  # open message item
        self._part: dict[str, Any] | None = None  # open content part of that message
        self._reasoning: dict[str, Any] | None = None
        self._calls: dict[int, dict[str, Any]] = {}  # neutral index -> open function_call
        self._usage: Usage | None = None

    # -- framing ---------------------------------------------------------------------
    def _ev(self, etype: str, **fields: Any) -> bytes:
        data = {"type": etype, "sequence_number": self._seq, **fields}
        self._seq += 1
        return format_sse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), etype)

    def _snapshot(self, status: str, **kw: Any) -> dict[str, Any]:
        usage = self._usage if status != "in_progress" else None
        return _response_object(
            self.id, self.model, self.created, status, list(self._output), usage, **kw
        )

    def _start(self) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        snap = self._snapshot("in_progress")
        return [
            self._ev("response.created", response=snap),
            self._ev("response.in_progress", response=snap),
        ]

    def _add_item(self, item: dict[str, Any]) -> bytes:
        self._output.append(item)
        return self._ev(
            "response.output_item.added", output_index=len(self._output) - 1, item=dict(item)
        )

    def _index(self, item: dict[str, Any]) -> int:
        return next(i for i, it in enumerate(self._output) if it is item)

    # -- closing open items ---------------------------------------------------------
    def _close_part(self) -> list[bytes]:
        msg, part = self._msg, self._part
        if msg is None or part is None:
            return []
        self._part = None
        where = {"item_id": msg["id"], "output_index": self._index(msg)}
        ci = len(msg["content"]) - 1
        if part["type"] == "output_text":
            done = self._ev(
                "response.output_text.done",
                **where,
                content_index=ci,
                text=part["text"],
                logprobs=[],
            )
        else:
            done = self._ev(
                "response.refusal.done", **where, content_index=ci, refusal=part["refusal"]
            )
        return [
            done,
            self._ev("response.content_part.done", **where, content_index=ci, part=dict(part)),
        ]

    def _close_message(self) -> list[bytes]:
        out = self._close_part()
        if self._msg is not None:
            msg, self._msg = self._msg, None
            msg["status"] = "completed"
            out.append(
                self._ev("response.output_item.done", output_index=self._index(msg), item=msg)
            )
        return out

    def _close_reasoning(self) -> list[bytes]:
        r, self._reasoning = self._reasoning, None
        if r is None:
            return []
        where = {"item_id": r["id"], "output_index": self._index(r), "summary_index": 0}
        text = r["summary"][0]["text"]
        return [
            self._ev("response.reasoning_summary_text.done", **where, text=text),
            self._ev("response.reasoning_summary_part.done", **where, part=dict(r["summary"][0])),
            self._ev("response.output_item.done", output_index=self._index(r), item=r),
        ]

    def _close_calls(self) -> list[bytes]:
        out: list[bytes] = []
        for call in self._calls.values():
            oi = self._index(call)
            out.append(
                self._ev(
                    "response.function_call_arguments.done",
                    item_id=call["id"],
                    output_index=oi,
                    name=call["name"],
                    arguments=call["arguments"],
                )
            )
            call["status"] = "completed"
            out.append(self._ev("response.output_item.done", output_index=oi, item=call))
        self._calls = {}
        return out

    def _close_all(self) -> list[bytes]:
        return self._close_reasoning() + self._close_message() + self._close_calls()

    # -- content ---------------------------------------------------------------------
    def _content(self, kind: str, delta: str) -> list[bytes]:
        out = self._close_reasoning() + self._close_calls()
        if self._part is not None and self._part["type"] != kind:
            out += self._close_part()
        if self._msg is None:
            self._msg = {
                "id": new_id("msg_"),
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            }
            out.append(self._add_item(self._msg))
        msg = self._msg
        where = {"item_id": msg["id"], "output_index": self._index(msg)}
        if self._part is None:
            if kind == "output_text":
                self._part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            else:
                self._part = {"type": "refusal", "refusal": ""}
            msg["content"].append(self._part)
            out.append(
                self._ev(
                    "response.content_part.added",
                    **where,
                    content_index=len(msg["content"]) - 1,
                    part=dict(self._part),
                )
            )
        ci = len(msg["content"]) - 1
        if kind == "output_text":
            self._part["text"] += delta
            out.append(
                self._ev(
                    "response.output_text.delta",
                    **where,
                    content_index=ci,
                    delta=delta,
                    logprobs=[],
                )
            )
        else:
            self._part["refusal"] += delta
            out.append(self._ev("response.refusal.delta", **where, content_index=ci, delta=delta))
        return out

    def _reason(self, delta: str) -> list[bytes]:
        out: list[bytes] = []
        if self._reasoning is None:
            out += self._close_message() + self._close_calls()
            self._reasoning = {"id": new_id("rs_"), "type": "reasoning", "summary": []}
            out.append(self._add_item(self._reasoning))
            self._reasoning["summary"].append({"type": "summary_text", "text": ""})
            out.append(
                self._ev(
                    "response.reasoning_summary_part.added",
                    item_id=self._reasoning["id"],
                    output_index=self._index(self._reasoning),
                    summary_index=0,
                    part={"type": "summary_text", "text": ""},
                )
            )
        r = self._reasoning
        r["summary"][0]["text"] += delta
        out.append(
            self._ev(
                "response.reasoning_summary_text.delta",
                item_id=r["id"],
                output_index=self._index(r),
                summary_index=0,
                delta=delta,
            )
        )
        return out

    def _call_start(self, ev: StreamEvent) -> list[bytes]:
        out = self._close_reasoning() + self._close_message()
        idx = ev.index if ev.index is not None else len(self._calls)
        call = {
            "id": new_id("fc_"),
            "type": "function_call",
            "status": "in_progress",
            "call_id": ev.tool_call_id or new_id("call_"),
            "name": ev.name or "",
            "arguments": "",
        }
        self._calls[idx] = call
        out.append(self._add_item(call))
        if ev.arguments_delta:
            out += self._call_delta(idx, ev.arguments_delta)
        return out

    def _call_delta(self, idx: int, delta: str) -> list[bytes]:
        call = self._calls.get(idx)
        if call is None:
            return []
        call["arguments"] += delta
        return [
            self._ev(
                "response.function_call_arguments.delta",
                item_id=call["id"],
                output_index=self._index(call),
                delta=delta,
            )
        ]

    # -- public ----------------------------------------------------------------------
    def encode(self, ev: StreamEvent) -> list[bytes]:
        if self._done:
            return []
        if ev.type == "start" and ev.id and ev.id.startswith("resp_") and not self._started:
            self.id = ev.id
        out = self._start()
        t = ev.type
        if t == "text" and ev.text:
            out += self._content("output_text", ev.text)
        elif t == "refusal" and ev.text:
            out += self._content("refusal", ev.text)
        elif t == "reasoning" and ev.text:
            out += self._reason(ev.text)
        elif t == "tool_call_start":
            out += self._call_start(ev)
        elif t == "tool_call_delta" and ev.arguments_delta:
            out += self._call_delta(ev.index or 0, ev.arguments_delta)
        elif t == "usage" and ev.usage is not None:
            self._usage = ev.usage
        elif t == "finish":
            out += self._finish(ev.finish_reason or "stop")
        return out

    def _finish(self, reason: FinishReason) -> list[bytes]:
        out = self._close_all()
        self._done = True
        status, incomplete = _status(reason)
        error = (
            {"code": "server_error", "message": "The model failed."} if status == "failed" else None
        )
        name = {"completed": "response.completed", "incomplete": "response.incomplete"}.get(
            status, "response.failed"
        )
        snap = self._snapshot(status, incomplete=incomplete, error=error)
        return [*out, self._ev(name, response=snap)]

    def error(
        self, message: str, *, code: str | None = None, param: str | None = None
    ) -> list[bytes]:
        """An ``error`` event; the stream then ends."""
        self._done = True
        return [*self._start(), self._ev("error", code=code, message=message, param=param)]

    def close(self) -> list[bytes]:
        if self._done:
            return []
        out = self._start()
        has_calls = any(it["type"] == "function_call" for it in self._output) or bool(self._calls)
        return out + self._finish("tool_calls" if has_calls else "stop")


# --------------------------------------------------------------------------------------
# client
# --------------------------------------------------------------------------------------


class OpenAIResponsesProvider(OpenAIChatProvider):
    """Async client for ``POST {base_url}/responses``; key from ``OPENAI_API_KEY``."""

    name = "openai-responses"
    api: ClassVar[str] = API

    def url_for(self, request: ChatRequest) -> str:
        return f"{self.base_url}/responses"

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return encode_request(request.model_copy(update={"stream": False}))

    def stream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "stream": True}

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        return decode_response(body)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoderProtocol:
        return StreamDecoder()

    def stream_error(self, event_name: str | None, data: dict[str, Any]) -> ProviderError | None:
        etype = data.get("type") or event_name
        if etype == "error":
            message = redact(str(data.get("message") or "stream error"))
            code = data.get("code")
            kw: dict[str, Any] = {"provider": self.name, "provider_message": message, "body": data}
            text = f"{self.name} stream error: {message}"
            if code in ("rate_limit_exceeded", "rate_limit_error"):
                return RateLimitError(text, **kw)
            if code in ("server_error", "internal_error", None) and not data.get("param"):
                return ProviderServerError(text, **kw)
            return ProviderBadRequestError(text, param=data.get("param"), code=code, **kw)
        if etype == "response.failed":
            err = (data.get("response") or {}).get("error") or {}
            message = redact(str(err.get("message") or "the response failed"))
            return ProviderServerError(
                f"{self.name} response failed: {message}",
                provider=self.name,
                provider_message=message,
                body=data,
            )
        return None


def create_provider(
    settings: ProviderSettings | None = None, **kwargs: Any
) -> OpenAIResponsesProvider:
    """Entry point ``openai-responses``."""
    return OpenAIResponsesProvider(settings, **kwargs)
