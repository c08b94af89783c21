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
    Message,
    ResponseFormat,
    TextPart,
    Tool,
    ToolCall,
    ToolChoice,
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
from switchover.providers._http import StreamDecoderProtocol
from switchover.providers._replay import ReplayLog, apply_replay, merge_extra, replay_of
from switchover.providers._responses_objects import (
    finish_of,
    response_id,
    response_object,
    status_of,
    usage_of,
)
from switchover.providers._responses_stream import StreamDecoder, StreamEncoder
from switchover.providers.base import ProviderSettings
from switchover.providers.openai_chat import OpenAIChatProvider
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
            {"type": "function", "name": tool_choice_name(tc)} if tc.mode == "tool" else tc.mode
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
    apply_replay(replay["items"], list_resolver(body), _kind)
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
        finish_reason=finish_of(body, bool(calls), bool(refusal), bool(joined)),
        refusal="".join(refusal) or None,
        reasoning_text="".join(reasoning) or None,
        usage=usage_of(body.get("usage")),
        id=body.get("id"),
        raw=body,
    )


# --------------------------------------------------------------------------------------
# response: neutral -> wire (server side)
# --------------------------------------------------------------------------------------


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
    status, incomplete = status_of(resp.finish_reason)
    error = {"code": "server_error", "message": "The model failed."} if status == "failed" else None
    return response_object(
        response_id(resp.id),
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
