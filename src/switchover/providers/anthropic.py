"""Anthropic Messages API (``POST /v1/messages``): codec both directions and the client.

Mapping notes (neutral <-> wire):

* system and developer messages -> top-level ``system`` (a string for one block, a list of
  text blocks otherwise); a decoded ``system`` list gives one system message per block.
* neutral ``tool`` messages -> ``tool_result`` blocks in a user message; consecutive tool
  messages, and a user message right after them, share one user turn (tool results first).
* ``max_tokens`` is required on the wire: :func:`encode_request` raises :class:`InputError`
  when ``max_output_tokens`` is unset instead of inventing a value (``switchover.adapt`` adds
  defaults). Neutral fields Anthropic has no slot for (penalties, seed, logprobs,
  ``reasoning_effort``, ``json_object``) are refused the same way, never dropped silently.
* ``response_format`` json_schema <-> ``output_config.format`` (structured outputs, GA; the
  deprecated beta spelling ``output_format`` is decoded and re-encoded as it came). The rest
  of ``output_config`` (``effort``) and unknown top-level fields stay in ``extra``.
* blocks without a neutral form (thinking, redacted_thinking, documents, server tools) and
  extra keys such as ``cache_control`` are kept as replay data (see ``_replay``).
* usage: neutral ``input_tokens`` = input + cache read + cache creation (the prompt size, as
  OpenAI counts it); ``cached_input_tokens`` = cache reads.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar

from pydantic import ValidationError

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    FinishReason,
    ImagePart,
    Message,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
)
from switchover.errors import InputError
from switchover.providers._http import HTTPProvider, StreamDecoderProtocol
from switchover.providers._replay import (
    ReplayLog,
    apply_replay,
    merge_extra,
    replay_of,
)
from switchover.providers._sse import format_sse
from switchover.providers.base import ProviderSettings

__all__ = [
    "ANTHROPIC_VERSION",
    "API",
    "AnthropicProvider",
    "StreamDecoder",
    "StreamEncoder",
    "create_provider",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "error_body",
    "platform_body",
]

API = "anthropic.messages"
ANTHROPIC_VERSION = "2023-06-01"

_STOP_TO_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "refusal",
    "pause_turn": "other",
}
_FINISH_TO_STOP = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "refusal": "refusal",
    "content_filter": "refusal",
    "other": "pause_turn",
    "error": "end_turn",
}
_STATUS_TO_TYPE = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
# Top-level wire fields this codec maps; everything else is kept in ``extra``.
_MAPPED = {
    "model",
    "messages",
    "system",
    "max_tokens",
    "tools",
    "tool_choice",
    "thinking",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "metadata",
    "stream",
    "output_format",
}
# Neutral fields with no Messages API slot (reasoning effort travels as extra output_config).
_UNSUPPORTED = (
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "logprobs",
    "top_logprobs",
    "reasoning_effort",
)


def _err(field: str, message: str, hint: str | None = None) -> InputError:
    return InputError(message, field=field, hint=hint)


# --------------------------------------------------------------------------------------
# client side: neutral request -> wire
# --------------------------------------------------------------------------------------


def _image_block(part: ImagePart, field: str) -> dict[str, Any]:
    if part.data is not None:
        if not part.media_type:
            raise _err(field, "a base64 image needs media_type (e.g. image/png)")
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": part.media_type, "data": part.data},
        }
    if part.url is not None:
        return {"type": "image", "source": {"type": "url", "url": part.url}}
    raise _err(field, "an image part needs url or data")


def _content_blocks(msg: Message, field: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for j, part in enumerate(msg.content):
        if isinstance(part, TextPart):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        else:
            if msg.role == "assistant":
                raise _err(f"{field}.content[{j}]", "Anthropic accepts images only from the user")
            blocks.append(_image_block(part, f"{field}.content[{j}]"))
    return blocks


def _compact(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """A lone text block is sent as a plain string, as the API allows."""
    if len(blocks) == 1 and blocks[0]["type"] == "text" and set(blocks[0]) == {"type", "text"}:
        return str(blocks[0]["text"])
    return blocks


def _tool_result(msg: Message, field: str) -> dict[str, Any]:
    if not msg.tool_call_id:
        raise _err(f"{field}.tool_call_id", "a tool message needs the id of the call it answers")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": msg.tool_call_id}
    content = _content_blocks(msg, field)
    if content:
        block["content"] = _compact(content)
    return block


def _encode_messages(req: ChatRequest) -> tuple[list[str], list[dict[str, Any]]]:
    system: list[str] = []
    out: list[dict[str, Any]] = []
    after_tool = False  # the last wire message is a user turn holding tool results
    for i, msg in enumerate(req.messages):
        field = f"messages[{i}]"
        if msg.role in ("system", "developer"):
            system.append(msg.text)
            continue
        if msg.role == "tool":
            block = _tool_result(msg, field)
            if after_tool:
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
            after_tool = True
            continue
        blocks = _content_blocks(msg, field)
        if msg.role == "assistant":
            for call in msg.tool_calls:
                args = call.arguments
                if args is None:
                    try:
                        args = json.loads(call.arguments_raw) if call.arguments_raw else {}
                    except ValueError as exc:
                        raise _err(
                            f"{field}.tool_calls",
                            f"arguments of call {call.id!r} are not valid JSON",
                        ) from exc
                blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": args})
        if after_tool and msg.role == "user":
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": msg.role, "content": _compact(blocks)})
        after_tool = False
    return system, out


def _encode_tool_choice(req: ChatRequest) -> dict[str, Any] | None:
    tc = req.tool_choice
    if tc is None and req.parallel_tool_calls is None:
        return None
    mode = tc.mode if tc is not None else "auto"
    out: dict[str, Any] = {"type": {"required": "any"}.get(mode, mode)}
    if mode == "tool":
        if not (tc and tc.name):
            raise _err("tool_choice.name", "tool_choice mode 'tool' needs a tool name")
        out["name"] = tc.name
    if req.parallel_tool_calls is not None and mode != "none":
        out["disable_parallel_tool_use"] = not req.parallel_tool_calls
    return out


def _encode_thinking(th: Thinking) -> dict[str, Any]:
    if th.mode == "enabled":
        if th.budget_tokens is None:
            raise _err(
                "thinking.budget_tokens",
                "extended thinking ('enabled') needs budget_tokens",
                hint="Set a budget of at least 1024 tokens, or use mode 'adaptive'.",
            )
        return {"type": "enabled", "budget_tokens": th.budget_tokens}
    return {"type": th.mode}


def encode_request(req: ChatRequest) -> dict[str, Any]:
    """The JSON body of ``POST /v1/messages`` for ``req``."""
    if req.max_output_tokens is None:
        raise _err(
            "max_output_tokens",
            "Anthropic requires max_tokens on every request and none was given",
            hint="Set max_output_tokens, or run the request through switchover.adapt, "
            "which adds the target model's default.",
        )
    for name in _UNSUPPORTED:
        if getattr(req, name) is not None:
            raise _err(
                name,
                "the Anthropic Messages API has no equivalent parameter",
                hint="Remove it, or run the request through switchover.adapt to translate it.",
            )
    replay = replay_of(req.extra, API)
    flags: dict[str, Any] = replay.get("flags", {})
    system, messages = _encode_messages(req)
    body: dict[str, Any] = {"model": req.model, "max_tokens": req.max_output_tokens}
    system_items = any(it.get("at") == "system" for it in replay.get("items", []))
    if system:
        if len(system) == 1 and not system_items and not flags.get("system_list"):
            body["system"] = system[0]
        else:
            body["system"] = [{"type": "text", "text": s} for s in system]
    body["messages"] = messages
    tools: list[dict[str, Any]] = []
    for t in req.tools:
        tool: dict[str, Any] = {"name": t.name}
        if t.description is not None:
            tool["description"] = t.description
        tool["input_schema"] = t.parameters
        if t.strict is not None:
            tool["strict"] = t.strict
        tools.append(tool)
    if tools or any(it.get("at") == "tools" for it in replay.get("items", [])):
        body["tools"] = tools
    choice = _encode_tool_choice(req)
    if choice is not None:
        body["tool_choice"] = choice
    if req.thinking is not None:
        body["thinking"] = {**flags.get("thinking_extra", {}), **_encode_thinking(req.thinking)}
    for attr in ("temperature", "top_p", "top_k"):
        value = getattr(req, attr)
        if value is not None:
            body[attr] = value
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    metadata: dict[str, Any] = dict(req.metadata)
    if req.user is not None:
        metadata["user_id"] = req.user
    if metadata:
        body["metadata"] = metadata
    rf = req.response_format
    if rf is not None and rf.type == "json_object":
        raise _err(
            "response_format",
            "Anthropic has no JSON mode without a schema",
            hint="Give a json_schema, or let switchover.adapt translate it into a tool.",
        )
    if rf is not None and rf.type == "json_schema":
        if rf.json_schema is None:
            raise _err("response_format.json_schema", "json_schema response format needs a schema")
        fmt = {"type": "json_schema", "schema": rf.json_schema}
        if flags.get("output_format_field") == "output_format":
            body["output_format"] = fmt
        else:
            body["output_config"] = {"format": fmt}
    if req.stream:
        body["stream"] = True
    merge_extra(body, req.extra)
    apply_replay(replay.get("items", []), lambda at: _resolve(body, at), _block_type)
    return body


def _block_type(block: Any) -> str | None:
    """A wire block's type; custom tools carry none and count as "tool"."""
    if not isinstance(block, dict):
        return None
    kind = block.get("type")
    return "tool" if kind in (None, "custom") else str(kind)


def _resolve(body: dict[str, Any], at: str) -> list[Any] | None:
    """The wire list a replay item targets; string contents are expanded to blocks."""
    if at in ("system", "tools"):
        value = body.get(at)
        return value if isinstance(value, list) else None
    if at.startswith("messages."):
        idx = int(at.split(".", 1)[1])
        msgs = body.get("messages", [])
        if 0 <= idx < len(msgs):
            msg = msgs[idx]
            if isinstance(msg["content"], str):
                msg["content"] = [{"type": "text", "text": msg["content"]}]
            content: list[Any] = msg["content"]
            return content
    return None


# --------------------------------------------------------------------------------------
# server side: wire request -> neutral
# --------------------------------------------------------------------------------------


def _req_str(obj: dict[str, Any], key: str, field: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _err(field, "Field required" if value is None else "Input should be a valid string")
    return value


def _decode_image(block: dict[str, Any], field: str) -> ImagePart | None:
    src = block.get("source")
    if not isinstance(src, dict):
        raise _err(f"{field}.source", "Field required")
    kind = src.get("type")
    if kind == "base64":
        return ImagePart(
            data=_req_str(src, "data", f"{field}.source.data"),
            media_type=_req_str(src, "media_type", f"{field}.source.media_type"),
        )
    if kind == "url":
        return ImagePart(url=_req_str(src, "url", f"{field}.source.url"))
    return None  # file ids and future sources: kept as replay data


def _decode_parts(
    blocks: list[Any], field: str, at: str, log: ReplayLog, *, offset: int = 0
) -> list[TextPart | ImagePart]:
    parts: list[TextPart | ImagePart] = []
    for j, block in enumerate(blocks, start=offset):
        f = f"{field}[{j}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _err(f"{f}.type", "Field required")
        kind = block["type"]
        if kind == "text":
            parts.append(TextPart(text=_req_str(block, "text", f"{f}.text")))
            log.keep_unknown(at, j, kind, block, ("type", "text"))
        elif kind == "image" and (image := _decode_image(block, f)) is not None:
            parts.append(image)
            log.keep_unknown(at, j, kind, block, ("type", "source"))
        else:
            log.insert(at, j, block)
    return parts


def _as_blocks(content: Any, field: str) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return content
    raise _err(field, "Input should be a valid string or list of content blocks")


def _decode_user(
    i: int, raw: dict[str, Any], log: ReplayLog, names: dict[str, str]
) -> list[Message]:
    field = f"messages[{i}].content"
    at = f"messages.{i}"
    blocks = _as_blocks(raw.get("content"), field)
    out: list[Message] = []
    rest: list[TextPart | ImagePart] = []
    for j, block in enumerate(blocks):
        f = f"{field}[{j}]"
        if isinstance(block, dict) and block.get("type") == "tool_result":
            call_id = _req_str(block, "tool_use_id", f"{f}.tool_use_id")
            inner = block.get("content")
            nested = ReplayLog(API)
            parts = (
                _decode_parts(_as_blocks(inner, f"{f}.content"), f"{f}.content", at, nested)
                if inner is not None
                else []
            )
            if nested.items:  # documents, search results, cache_control inside the result
                log.replace(at, j, "tool_result", block)
            else:
                log.keep_unknown(at, j, "tool_result", block, ("type", "tool_use_id", "content"))
            out.append(
                Message(role="tool", content=parts, tool_call_id=call_id, name=names.get(call_id))
            )
        else:
            rest.extend(_decode_parts([block], field, at, log, offset=j))
    if rest or not out:
        out.append(Message(role="user", content=rest))
    return out


def _decode_assistant(
    i: int, raw: dict[str, Any], log: ReplayLog, names: dict[str, str]
) -> Message:
    field = f"messages[{i}].content"
    at = f"messages.{i}"
    parts: list[TextPart | ImagePart] = []
    calls: list[ToolCall] = []
    for j, block in enumerate(_as_blocks(raw.get("content"), field)):
        if isinstance(block, dict) and block.get("type") == "tool_use":
            f = f"{field}[{j}]"
            call_id = _req_str(block, "id", f"{f}.id")
            name = _req_str(block, "name", f"{f}.name")
            names[call_id] = name
            calls.append(ToolCall.from_args(call_id, name, block.get("input", {})))
            log.keep_unknown(at, j, "tool_use", block, ("type", "id", "name", "input"))
        else:
            parts.extend(_decode_parts([block], field, at, log, offset=j))
    return Message(role="assistant", content=parts, tool_calls=calls)


def _decode_system(system: Any, log: ReplayLog) -> list[Message]:
    if system is None:
        return []
    if isinstance(system, str):
        return [Message.system(system)] if system else []
    if not isinstance(system, list):
        raise _err("system", "Input should be a valid string or list of text blocks")
    out: list[Message] = []
    for j, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _err(f"system[{j}].type", "system blocks must be text blocks")
        out.append(Message.system(_req_str(block, "text", f"system[{j}].text")))
        log.keep_unknown("system", j, "text", block, ("type", "text"))
    if len(out) == 1:
        log.flags["system_list"] = True
    return out


def _decode_tools(raw: Any, log: ReplayLog) -> list[Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _err("tools", "Input should be a valid list")
    tools: list[Tool] = []
    for j, t in enumerate(raw):
        if not isinstance(t, dict):
            raise _err(f"tools[{j}]", "Input should be a valid object")
        if t.get("type") not in (None, "custom"):
            log.insert("tools", j, t)  # server tools (web search, bash, ...)
            continue
        schema = t.get("input_schema")
        if not isinstance(schema, dict):
            raise _err(f"tools[{j}].input_schema", "Field required")
        tools.append(
            Tool(
                name=_req_str(t, "name", f"tools[{j}].name"),
                description=t.get("description"),
                parameters=schema,
                strict=t.get("strict"),
            )
        )
        known = ("name", "description", "input_schema", "strict")
        log.keep_unknown("tools", j, "tool", t, known)
    return tools


def _decode_tool_choice(raw: Any) -> tuple[ToolChoice | None, bool | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or raw.get("type") not in ("auto", "any", "tool", "none"):
        raise _err("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'")
    kind = raw["type"]
    mode = {"any": "required"}.get(kind, kind)
    name = _req_str(raw, "name", "tool_choice.name") if kind == "tool" else None
    disable = raw.get("disable_parallel_tool_use")
    parallel = None if disable is None else not bool(disable)
    return ToolChoice(mode=mode, name=name), parallel


def _decode_thinking(raw: Any, log: ReplayLog) -> Thinking | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in ("enabled", "adaptive", "disabled"):
        raise _err("thinking.type", "Input should be 'enabled', 'adaptive' or 'disabled'")
    budget = raw.get("budget_tokens")
    if raw["type"] == "enabled" and not isinstance(budget, int):
        raise _err("thinking.enabled.budget_tokens", "Field required")
    rest = {k: v for k, v in raw.items() if k not in ("type", "budget_tokens")}
    if rest:
        log.flags["thinking_extra"] = rest
    return Thinking(mode=raw["type"], budget_tokens=budget if raw["type"] == "enabled" else None)


def _decode_format(
    body: dict[str, Any], extra: dict[str, Any], log: ReplayLog
) -> ResponseFormat | None:
    fmt: Any = None
    if isinstance(body.get("output_format"), dict):
        fmt = body["output_format"]
        log.flags["output_format_field"] = "output_format"
    oc = extra.get("output_config")
    if isinstance(oc, dict) and "format" in oc:
        fmt = oc["format"]
        rest = {k: v for k, v in oc.items() if k != "format"}
        if rest:
            extra["output_config"] = rest
        else:
            del extra["output_config"]
    if fmt is None:
        return None
    if (
        not isinstance(fmt, dict)
        or fmt.get("type") != "json_schema"
        or not isinstance(fmt.get("schema"), dict)
    ):
        raise _err("output_config.format", "expected {type: 'json_schema', schema: {...}}")
    return ResponseFormat(type="json_schema", json_schema=fmt["schema"])


def decode_request(body: dict[str, Any]) -> ChatRequest:
    """Read a Messages API request body; raises :class:`InputError` naming the bad field."""
    if not isinstance(body, dict):
        raise _err("body", "the request body must be a JSON object")
    model = _req_str(body, "model", "model")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        raise _err(
            "max_tokens",
            "Field required" if max_tokens is None else "Input should be a valid integer",
        )
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list):
        raise _err(
            "messages", "Field required" if raw_messages is None else "Input should be a valid list"
        )
    log = ReplayLog(API)
    extra = {k: v for k, v in body.items() if k not in _MAPPED}
    messages = _decode_system(body.get("system"), log)
    names: dict[str, str] = {}
    for i, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            raise _err(f"messages[{i}]", "Input should be a valid object")
        role = raw.get("role")
        if role == "user":
            messages.extend(_decode_user(i, raw, log, names))
        elif role == "assistant":
            messages.append(_decode_assistant(i, raw, log, names))
        else:
            raise _err(f"messages[{i}].role", "Input should be 'user' or 'assistant'")
    tool_choice, parallel = _decode_tool_choice(body.get("tool_choice"))
    stop = body.get("stop_sequences") or []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise _err("stop_sequences", "Input should be a valid list of strings")
    metadata = dict(body.get("metadata") or {})
    user = metadata.pop("user_id", None)
    response_format = _decode_format(body, extra, log)
    thinking = _decode_thinking(body.get("thinking"), log)
    tools = _decode_tools(body.get("tools"), log)
    log.store(extra)
    try:
        return ChatRequest(
            model=model,
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel,
            response_format=response_format,
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            top_k=body.get("top_k"),
            max_output_tokens=max_tokens,
            stop=stop,
            thinking=thinking,
            user=user,
            metadata={str(k): str(v) for k, v in metadata.items()},
            stream=bool(body.get("stream", False)),
            extra=extra,
        )
    except ValidationError as exc:
        raise _validation_error(exc) from exc


def _validation_error(exc: ValidationError) -> InputError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return _err(field, str(first["msg"]))


# --------------------------------------------------------------------------------------
# responses
# --------------------------------------------------------------------------------------


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    inp = int(raw.get("input_tokens") or 0)
    read = int(raw.get("cache_read_input_tokens") or 0)
    write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=inp + read + write,
        cached_input_tokens=read,
        output_tokens=int(raw.get("output_tokens") or 0),
    )


def _finish(stop_reason: Any, has_calls: bool) -> FinishReason:
    if stop_reason is None:
        return "tool_calls" if has_calls else "stop"
    return _STOP_TO_FINISH.get(str(stop_reason), "other")


def decode_response(body: dict[str, Any]) -> ChatResponse:
    """Read a Messages API response (``type: message``); ``raw`` keeps the body."""
    text: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    for block in body.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            text.append(block.get("text", ""))
        elif kind == "thinking":
            thinking.append(block.get("thinking", ""))
        elif kind == "tool_use":
            calls.append(
                ToolCall.from_args(
                    str(block.get("id", "")), str(block.get("name", "")), block.get("input", {})
                )
            )
    finish = _finish(body.get("stop_reason"), bool(calls))
    joined = "".join(text)
    return ChatResponse(
        model=str(body.get("model", "")),
        id=body.get("id"),
        text=joined,
        tool_calls=calls,
        finish_reason=finish,
        refusal=(joined or None) if finish == "refusal" else None,
        reasoning_text="".join(thinking) or None,
        usage=_usage(body.get("usage")),
        raw=body,
    )


def _wire_usage(u: Usage) -> dict[str, int]:
    return {
        "input_tokens": max(0, u.input_tokens - u.cached_input_tokens),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": u.cached_input_tokens,
        "output_tokens": u.output_tokens,
    }


def _message_id(resp_id: str | None) -> str:
    return resp_id or "msg_" + uuid.uuid4().hex[:24]


def encode_response(resp: ChatResponse, *, model: str) -> dict[str, Any]:
    """A Messages API response body for ``resp`` (what ``/v1/messages`` returns)."""
    content: list[dict[str, Any]] = []
    if resp.reasoning_text:
        content.append({"type": "thinking", "thinking": resp.reasoning_text, "signature": ""})
    text = resp.text or (resp.refusal or "")
    if text:
        content.append({"type": "text", "text": text})
    for call in resp.tool_calls:
        args = call.arguments if call.arguments is not None else {}
        content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": args})
    return {
        "id": _message_id(resp.id),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _FINISH_TO_STOP[resp.finish_reason],
        "stop_sequence": None,
        "usage": _wire_usage(resp.usage),
    }


def error_body(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    code: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Anthropic's error shape: ``{"type": "error", "error": {"type", "message"}}``.
    ``param``/``code`` have no slot there; a ``param`` is folded into the message the way
    Anthropic words field errors (``"max_tokens: Field required"``)."""
    etype = (
        type
        or _STATUS_TO_TYPE.get(status)
        or ("api_error" if status >= 500 else "invalid_request_error")
    )
    if param and not message.startswith(f"{param}:"):
        message = f"{param}: {message}"
    out: dict[str, Any] = {"type": "error", "error": {"type": etype, "message": message}}
    if request_id is not None:
        out["request_id"] = request_id
    return out


# --------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------


class StreamDecoder:
    """Turns Messages API SSE events into neutral :class:`StreamEvent` objects.

    Error events are not handled here (the client raises on them before feeding)."""

    def __init__(self) -> None:
        self._tool_index: dict[int, int] = {}  # content block index -> tool call ordinal

    def _usage_event(self, raw: Any) -> list[StreamEvent]:
        if not isinstance(raw, dict):
            return []
        u = _usage(raw)
        if "input_tokens" not in raw and "cache_read_input_tokens" not in raw:
            u = u.model_copy(update={"input_tokens": 0, "cached_input_tokens": 0})
        return [StreamEvent(type="usage", usage=u, raw=raw)]

    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        kind = data.get("type", event_name)
        if kind == "message_start":
            msg = data.get("message") or {}
            out = [StreamEvent(type="start", id=msg.get("id"), model=msg.get("model"), raw=data)]
            return out + self._usage_event(msg.get("usage"))
        if kind == "content_block_start":
            return self._block_start(int(data.get("index", 0)), data.get("content_block") or {})
        if kind == "content_block_delta":
            return self._delta(int(data.get("index", 0)), data.get("delta") or {})
        if kind == "message_delta":
            delta = data.get("delta") or {}
            out = self._usage_event(data.get("usage"))
            if delta.get("stop_reason") is not None:
                finish = _finish(delta["stop_reason"], bool(self._tool_index))
                out.append(StreamEvent(type="finish", finish_reason=finish, raw=data))
            return out
        return []  # ping, content_block_stop, message_stop, unknown future events

    def _block_start(self, index: int, block: dict[str, Any]) -> list[StreamEvent]:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            return [StreamEvent(type="text", text=block["text"])]
        if kind == "thinking" and block.get("thinking"):
            return [StreamEvent(type="reasoning", text=block["thinking"])]
        if kind == "tool_use":
            ordinal = len(self._tool_index)
            self._tool_index[index] = ordinal
            inp = block.get("input")
            args = json.dumps(inp, separators=(",", ":"), ensure_ascii=False) if inp else None
            return [
                StreamEvent(
                    type="tool_call_start",
                    index=ordinal,
                    tool_call_id=block.get("id"),
                    name=block.get("name"),
                    arguments_delta=args,
                )
            ]
        return []

    def _delta(self, index: int, delta: dict[str, Any]) -> list[StreamEvent]:
        kind = delta.get("type")
        if kind == "text_delta":
            return [StreamEvent(type="text", text=delta.get("text", ""))]
        if kind == "thinking_delta":
            return [StreamEvent(type="reasoning", text=delta.get("thinking", ""))]
        if kind == "input_json_delta" and index in self._tool_index:
            return [
                StreamEvent(
                    type="tool_call_delta",
                    index=self._tool_index[index],
                    arguments_delta=delta.get("partial_json", ""),
                )
            ]
        return []  # signature_delta, citations_delta


def _frame(event: str, data: dict[str, Any]) -> bytes:
    return format_sse(json.dumps({"type": event, **data}, ensure_ascii=False), event)


class StreamEncoder:
    """Neutral events -> the Messages API SSE sequence: ``message_start``, ``ping``, per block
    ``content_block_start``/``_delta``/``_stop``, ``message_delta``, ``message_stop``."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._started = False
        self._closed = False
        self._block: int = -1  # index of the open block, -1 when none
        self._open_kind: str | None = None
        self._open_tool: int | None = None
        self._tool_blocks: dict[int, int] = {}
        self._usage = Usage()
        self._finish: FinishReason | None = None

    def _start(self, id_: str | None = None) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        message: dict[str, Any] = {
            "id": _message_id(id_),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": _wire_usage(self._usage) | {"output_tokens": 1},
        }
        return [_frame("message_start", {"message": message}), _frame("ping", {})]

    def _stop_block(self) -> list[bytes]:
        if self._open_kind is None:
            return []
        out = []
        if self._open_kind == "thinking":
            delta = {"type": "signature_delta", "signature": ""}
            out.append(_frame("content_block_delta", {"index": self._block, "delta": delta}))
        out.append(_frame("content_block_stop", {"index": self._block}))
        self._open_kind = None
        self._open_tool = None
        return out

    def _open(self, kind: str, block: dict[str, Any]) -> list[bytes]:
        out = self._stop_block()
        self._block += 1
        self._open_kind = kind
        out.append(_frame("content_block_start", {"index": self._block, "content_block": block}))
        return out

    def _delta(self, index: int, delta: dict[str, Any]) -> bytes:
        return _frame("content_block_delta", {"index": index, "delta": delta})

    def encode(self, ev: StreamEvent) -> list[bytes]:
        if self._closed:
            return []
        out = self._start(ev.id if ev.type == "start" else None)
        t = ev.type
        if t in ("text", "refusal") and ev.text:
            if self._open_kind != "text":
                out += self._open("text", {"type": "text", "text": ""})
            out.append(self._delta(self._block, {"type": "text_delta", "text": ev.text}))
        elif t == "reasoning" and ev.text:
            if self._open_kind != "thinking":
                out += self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
            out.append(self._delta(self._block, {"type": "thinking_delta", "thinking": ev.text}))
        elif t == "tool_call_start":
            ordinal = ev.index if ev.index is not None else len(self._tool_blocks)
            block = {
                "type": "tool_use",
                "id": ev.tool_call_id or f"toolu_{uuid.uuid4().hex[:24]}",
                "name": ev.name or "",
                "input": {},
            }
            out += self._open("tool_use", block)
            self._open_tool = ordinal
            self._tool_blocks[ordinal] = self._block
            if ev.arguments_delta:
                out.append(self._json_delta(self._block, ev.arguments_delta))
        elif t == "tool_call_delta" and ev.arguments_delta:
            target = ev.index if ev.index is not None else self._open_tool
            block_index = self._tool_blocks.get(target) if target is not None else None
            if block_index is not None:
                out.append(self._json_delta(block_index, ev.arguments_delta))
        elif t == "usage" and ev.usage is not None:
            u = ev.usage
            self._usage = Usage(
                input_tokens=u.input_tokens or self._usage.input_tokens,
                cached_input_tokens=u.cached_input_tokens or self._usage.cached_input_tokens,
                output_tokens=u.output_tokens or self._usage.output_tokens,
            )
        elif t == "finish" and ev.finish_reason is not None:
            self._finish = ev.finish_reason
        return out

    def _json_delta(self, index: int, partial: str) -> bytes:
        return self._delta(index, {"type": "input_json_delta", "partial_json": partial})

    def close(self) -> list[bytes]:
        if self._closed:
            return []
        out = self._start() + self._stop_block()
        self._closed = True
        finish = self._finish or ("tool_calls" if self._tool_blocks else "stop")
        delta = {"stop_reason": _FINISH_TO_STOP[finish], "stop_sequence": None}
        out.append(_frame("message_delta", {"delta": delta, "usage": _wire_usage(self._usage)}))
        out.append(_frame("message_stop", {}))
        return out


# --------------------------------------------------------------------------------------
# client
# --------------------------------------------------------------------------------------


def platform_body(body: dict[str, Any], anthropic_version: str) -> dict[str, Any]:
    """A Messages body as Claude on a cloud platform (Bedrock, Vertex AI) takes it: without
    ``model`` (the URL names it), with ``anthropic_version`` in the body (not a header)."""
    body.pop("model", None)
    return {"anthropic_version": anthropic_version, **body}


class AnthropicProvider(HTTPProvider):
    """Async client for ``POST {base_url}/v1/messages``; key from ``ANTHROPIC_API_KEY``."""

    name = "anthropic"
    api: ClassVar[str] = API
    default_base_url: ClassVar[str | None] = "https://api.anthropic.com"
    default_key_env: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    request_id_headers: ClassVar[tuple[str, ...]] = ("request-id", "x-request-id")

    def url_for(self, request: ChatRequest) -> str:
        return f"{self.base_url}/v1/messages"

    def auth_headers(self, key: str | None) -> dict[str, str]:
        headers = {
            "anthropic-version": str(self.settings.options.get("version", ANTHROPIC_VERSION))
        }
        if key:
            headers["x-api-key"] = key
        return headers

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return encode_request(request)

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        return decode_response(body)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoderProtocol:
        return StreamDecoder()


def create_provider(settings: ProviderSettings | None = None, **kwargs: Any) -> AnthropicProvider:
    """Entry point ``anthropic``."""
    return AnthropicProvider(settings, **kwargs)
