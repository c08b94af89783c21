"""Gemini API ``generateContent`` / ``streamGenerateContent``: codec both directions and client.

Mapping notes (neutral <-> wire):

* The model is part of the URL, not the body: :func:`encode_request` leaves it out and
  :func:`decode_request` takes it (and the streaming flag) as keyword arguments.
* system/developer messages -> ``systemInstruction.parts`` (one text part each); assistant ->
  role ``model``; neutral ``tool`` messages -> ``functionResponse`` parts in a user turn
  (consecutive ones, and a user message right after them, share one turn).
* A tool result whose text is a JSON object is sent as the ``response`` object itself;
  any other text as ``{"output": text}`` (the key Google documents for function output).
* Function calls without an ``id`` get a stable generated one (``gcall_<n>_<digest>``), never
  sent back on the wire. A call's ``thoughtSignature`` (Gemini 3 must get it back, see
  param rule 26) travels inside the neutral id after ``|ts:`` so a history built from
  responses replays it; :func:`split_call_id` separates the two.
* ``reasoning_effort`` <-> ``thinkingConfig.thinkingLevel``; :class:`Thinking` <->
  ``thinkingBudget`` (enabled: the budget, disabled: 0, adaptive: -1 = dynamic).
* ``response_format`` json_object -> ``responseMimeType: application/json``; json_schema adds
  ``responseJsonSchema`` (``responseSchema`` when the request came that way).
* Unmapped fields (``safetySettings``, ``cachedContent``, unknown ``generationConfig`` keys)
  stay in ``extra``; parts with no neutral form (thoughts, code execution, non-image inline
  data) and unknown part keys are replay data (see ``_replay``). snake_case spellings of
  field names, which the REST API also accepts, are read too.
* usage: ``input_tokens`` = prompt (+ tool-use prompt) tokens, cached = cachedContent tokens,
  ``output_tokens`` = candidates + thoughts, ``reasoning_tokens`` = thoughts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
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
from switchover.errors import (
    AuthError,
    InputError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    RateLimitError,
    redact,
)
from switchover.providers._embeddings import decode_gemini_embeddings, encode_gemini_embeddings
from switchover.providers._http import HTTPProvider, StreamDecoderProtocol, _redacted, recast
from switchover.providers._replay import ReplayLog, apply_replay, merge_extra, replay_of
from switchover.providers._sse import format_sse
from switchover.providers.base import Embeddings, ProviderSettings

__all__ = [
    "API",
    "GENERATED_ID_PREFIX",
    "GeminiProvider",
    "StreamDecoder",
    "StreamEncoder",
    "create_provider",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "error_body",
    "split_call_id",
]

API = "gemini.generate"
GENERATED_ID_PREFIX = "gcall_"
_SIG_SEP = "|ts:"

_FINISH: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
    "MALFORMED_FUNCTION_CALL": "error",
    "UNEXPECTED_TOOL_CALL": "error",
    "TOO_MANY_TOOL_CALLS": "error",
    "MISSING_THOUGHT_SIGNATURE": "error",
}
_FINISH_BACK = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "refusal": "STOP",
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
    "error": "OTHER",
    "other": "OTHER",
}
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_GEN_MAPPED = {
    "temperature",
    "topP",
    "topK",
    "maxOutputTokens",
    "stopSequences",
    "seed",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
}


def _err(field: str, message: str, hint: str | None = None) -> InputError:
    return InputError(message, field=field, hint=hint)


def _camel(d: Any) -> Any:
    """One dict level with snake_case keys spelled camelCase (values untouched)."""
    if not isinstance(d, dict):
        return d
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): v for k, v in d.items()}


def split_call_id(call_id: str) -> tuple[str, str | None]:
    """``(id, thought_signature)`` of a neutral tool-call id made by this codec."""
    base, sep, sig = call_id.partition(_SIG_SEP)
    return base, (sig if sep else None)


def _wire_id(call_id: str | None) -> str | None:
    """The id to put on the wire: none for ids this codec generated."""
    if not call_id:
        return None
    base = split_call_id(call_id)[0]
    return None if base.startswith(GENERATED_ID_PREFIX) else base


def _call_id(fc: dict[str, Any], ordinal: int, signature: Any) -> str:
    base = fc.get("id")
    if not base:
        canon = json.dumps(fc.get("args") or {}, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{fc.get('name')}\x00{canon}".encode()).hexdigest()[:12]
        base = f"{GENERATED_ID_PREFIX}{ordinal}_{digest}"
    return f"{base}{_SIG_SEP}{signature}" if isinstance(signature, str) and signature else str(base)


# --------------------------------------------------------------------------------------
# client side: neutral request -> wire
# --------------------------------------------------------------------------------------


def _media_parts(msg: Message, field: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for j, part in enumerate(msg.content):
        if isinstance(part, TextPart):
            if part.text:
                parts.append({"text": part.text})
        elif part.data is not None:
            if not part.media_type:
                raise _err(
                    f"{field}.content[{j}].media_type", "inline image data needs a media type"
                )
            parts.append({"inlineData": {"mimeType": part.media_type, "data": part.data}})
        elif part.url is not None:
            file_data = {"fileUri": part.url}
            if part.media_type:
                file_data = {"mimeType": part.media_type, **file_data}
            parts.append({"fileData": file_data})
        else:
            raise _err(f"{field}.content[{j}]", "an image part needs url or data")
    return parts


def _tool_response(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    return {"output": text}


def _call_args(call: ToolCall, field: str) -> Any:
    if call.arguments is not None:
        return call.arguments
    try:
        return json.loads(call.arguments_raw) if call.arguments_raw.strip() else {}
    except ValueError as exc:
        raise _err(field, f"arguments of call {call.id!r} are not valid JSON") from exc


def _encode_contents(req: ChatRequest) -> tuple[list[str], list[dict[str, Any]]]:
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    after_tool = False
    for i, msg in enumerate(req.messages):
        field = f"messages[{i}]"
        if msg.role in ("system", "developer"):
            system.append(msg.text)
            continue
        if msg.role == "tool":
            name = msg.name or names.get(msg.tool_call_id or "")
            if not name:
                raise _err(
                    f"{field}.name",
                    "Gemini needs the function name of every tool result",
                    hint="Set the tool message's name, or keep the assistant turn that made the call.",
                )
            fr: dict[str, Any] = {"name": name, "response": _tool_response(msg.text)}
            wire_id = _wire_id(msg.tool_call_id)
            if wire_id:
                fr = {"id": wire_id, **fr}
            if after_tool:
                contents[-1]["parts"].append({"functionResponse": fr})
            else:
                contents.append({"role": "user", "parts": [{"functionResponse": fr}]})
            after_tool = True
            continue
        parts = _media_parts(msg, field)
        if msg.role == "assistant":
            for call in msg.tool_calls:
                names[call.id] = call.name
                fc: dict[str, Any] = {
                    "name": call.name,
                    "args": _call_args(call, f"{field}.tool_calls"),
                }
                wire_id = _wire_id(call.id)
                if wire_id:
                    fc = {"id": wire_id, **fc}
                part: dict[str, Any] = {"functionCall": fc}
                signature = split_call_id(call.id)[1]
                if signature:
                    part["thoughtSignature"] = signature
                parts.append(part)
            contents.append({"role": "model", "parts": parts})
        elif after_tool:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": "user", "parts": parts})
        after_tool = False
    return system, contents


def _encode_generation(req: ChatRequest, flags: dict[str, Any]) -> dict[str, Any]:
    gen: dict[str, Any] = {}
    for attr, key in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("top_k", "topK"),
        ("max_output_tokens", "maxOutputTokens"),
        ("seed", "seed"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
        ("logprobs", "responseLogprobs"),
        ("top_logprobs", "logprobs"),
    ):
        value = getattr(req, attr)
        if value is not None:
            gen[key] = value
    if req.stop:
        gen["stopSequences"] = list(req.stop)
    rf = req.response_format
    if rf is not None:
        if rf.type == "text":
            gen["responseMimeType"] = "text/plain"
        else:
            gen["responseMimeType"] = "application/json"
        if rf.type == "json_schema":
            if rf.json_schema is None:
                raise _err(
                    "response_format.json_schema", "json_schema response format needs a schema"
                )
            gen[flags.get("schema_field", "responseJsonSchema")] = rf.json_schema
    thinking: dict[str, Any] = {}
    if req.thinking is not None:
        th = req.thinking
        if th.mode == "enabled":
            if th.budget_tokens is None:
                raise _err("thinking.budget_tokens", "enabled thinking needs budget_tokens")
            thinking["thinkingBudget"] = th.budget_tokens
        else:
            thinking["thinkingBudget"] = 0 if th.mode == "disabled" else -1
    if req.reasoning_effort is not None:
        thinking["thinkingLevel"] = req.reasoning_effort
    if thinking:
        gen["thinkingConfig"] = thinking
    return gen


def encode_request(req: ChatRequest) -> dict[str, Any]:
    """The JSON body of ``models/{model}:generateContent`` for ``req`` (model goes in the URL)."""
    if req.user is not None:
        raise _err(
            "user", "Gemini has no end-user field", hint="Remove it or use switchover.adapt."
        )
    if req.metadata:
        raise _err("metadata", "Gemini API requests carry no metadata", hint="Remove it.")
    if req.parallel_tool_calls is False:
        raise _err(
            "parallel_tool_calls",
            "Gemini cannot be told to avoid parallel function calls",
            hint="Remove it, or let switchover.adapt record the change.",
        )
    replay = replay_of(req.extra, API)
    flags: dict[str, Any] = replay.get("flags", {})
    system, contents = _encode_contents(req)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": s} for s in system]}
    decls: list[dict[str, Any]] = []
    for i, t in enumerate(req.tools):
        if t.strict:
            raise _err(f"tools[{i}].strict", "Gemini has no strict mode for function declarations")
        decl: dict[str, Any] = {"name": t.name}
        if t.description is not None:
            decl["description"] = t.description
        decl[flags.get("parameters_field", "parameters")] = t.parameters
        decls.append(decl)
    items = replay.get("items", [])
    if decls or any(it.get("at") == "tools" for it in items):
        body["tools"] = [{"functionDeclarations": decls}] if decls else []
    if req.tool_choice is not None:
        tc = req.tool_choice
        fcc: dict[str, Any] = {
            "mode": {"auto": "AUTO", "none": "NONE", "required": "ANY", "tool": "ANY"}[tc.mode]
        }
        if tc.mode == "tool":
            if not tc.name:
                raise _err("tool_choice.name", "tool_choice mode 'tool' needs a tool name")
            fcc["allowedFunctionNames"] = [tc.name]
        body["toolConfig"] = {"functionCallingConfig": fcc}
    gen = _encode_generation(req, flags)
    if gen:
        body["generationConfig"] = gen
    merge_extra(body, req.extra)
    apply_replay(items, lambda at: _resolve(body, at), _part_type)
    return body


def _part_type(part: Any) -> str | None:
    if not isinstance(part, dict):
        return None
    for key in ("text", "functionCall", "functionResponse", "inlineData", "fileData"):
        if key in part:
            return key
    return "tool" if "functionDeclarations" in part else None


def _resolve(body: dict[str, Any], at: str) -> list[Any] | None:
    if at == "tools":
        tools = body.get("tools")
        return tools if isinstance(tools, list) else None
    if at == "system":
        si = body.get("systemInstruction")
        return si.get("parts") if isinstance(si, dict) else None
    if at.startswith("contents."):
        idx = int(at.split(".", 1)[1])
        contents = body.get("contents", [])
        if 0 <= idx < len(contents):
            parts: list[Any] = contents[idx]["parts"]
            return parts
    return None


# --------------------------------------------------------------------------------------
# server side: wire request -> neutral
# --------------------------------------------------------------------------------------

_PART_KEYS = ("text", "thought", "thoughtSignature", "inlineData", "fileData")


def _decode_media(part: dict[str, Any], field: str) -> ImagePart | None:
    if "inlineData" in part:
        blob = _camel(part["inlineData"])
        mime = blob.get("mimeType") if isinstance(blob, dict) else None
        if not isinstance(mime, str) or not isinstance(blob.get("data"), str):
            raise _err(f"{field}.inlineData", "mimeType and data are required")
        return ImagePart(data=blob["data"], media_type=mime) if mime.startswith("image/") else None
    blob = _camel(part["fileData"])
    uri = blob.get("fileUri") if isinstance(blob, dict) else None
    if not isinstance(uri, str):
        raise _err(f"{field}.fileData.fileUri", "Field required")
    mime = blob.get("mimeType")
    if mime is not None and not str(mime).startswith("image/"):
        return None
    return ImagePart(url=uri, media_type=mime)


def _response_text(response: Any) -> str:
    if (
        isinstance(response, dict)
        and set(response) == {"output"}
        and isinstance(response["output"], str)
    ):
        return response["output"]
    return json.dumps(response, separators=(",", ":"), ensure_ascii=False)


class _Decoder:
    """State while decoding one request body."""

    def __init__(self) -> None:
        self.log = ReplayLog(API)
        self.pending: list[tuple[str, str]] = []  # (call id, name) not yet answered

    def content(self, i: int, raw: Any) -> list[Message]:
        field = f"contents[{i}]"
        if not isinstance(raw, dict):
            raise _err(field, "Input should be a valid object")
        role = raw.get("role", "user")
        if role not in ("user", "model", "function"):
            raise _err(f"{field}.role", "Please use a valid role: user, model.")
        parts = raw.get("parts")
        if not isinstance(parts, list):
            raise _err(f"{field}.parts", "Field required")
        at = f"contents.{i}"
        media: list[TextPart | ImagePart] = []
        calls: list[ToolCall] = []
        results: list[Message] = []
        for j, raw_part in enumerate(parts):
            f = f"{field}.parts[{j}]"
            part = _camel(raw_part)
            if not isinstance(part, dict):
                raise _err(f, "Input should be a valid object")
            if "functionCall" in part and role == "model":
                fc = _camel(part["functionCall"])
                if not isinstance(fc, dict) or not isinstance(fc.get("name"), str):
                    raise _err(f"{f}.functionCall.name", "Field required")
                call_id = _call_id(fc, len(calls), part.get("thoughtSignature"))
                calls.append(ToolCall.from_args(call_id, fc["name"], fc.get("args") or {}))
                self.pending.append((call_id, fc["name"]))
                self._keep(at, j, "functionCall", part, ("id", "name", "args"), raw_part)
            elif "functionResponse" in part:
                results.append(self._result(part, f))
                self._keep(at, j, "functionResponse", part, ("id", "name", "response"), raw_part)
            elif "text" in part and not part.get("thought"):
                media.append(TextPart(text=str(part["text"])))
                self.log.keep_unknown(at, j, "text", part, ("text",))
            elif ("inlineData" in part or "fileData" in part) and (
                image := _decode_media(part, f)
            ) is not None:
                media.append(image)
                kind = "inlineData" if "inlineData" in part else "fileData"
                inner = ("mimeType", "data") if kind == "inlineData" else ("mimeType", "fileUri")
                self._keep(at, j, kind, part, inner, raw_part)
            else:
                self.log.insert(at, j, raw_part)
        if role == "model":
            return [Message(role="assistant", content=media, tool_calls=calls)]
        if media or not results:
            results.append(Message(role="user", content=media))
        return results

    def _keep(
        self,
        at: str,
        index: int,
        kind: str,
        part: dict[str, Any],
        inner_known: tuple[str, ...],
        raw_part: dict[str, Any],
    ) -> None:
        """Replay what the neutral form of ``part`` loses: the whole part when its inner
        object has extra keys (``willContinue``, a multimodal response's ``parts``, a
        ``displayName``), else the part's own extra keys (``thoughtSignature``)."""
        inner = _camel(part[kind])
        if isinstance(inner, dict) and set(inner) - set(inner_known):
            self.log.replace(at, index, kind, raw_part)
        else:
            known = (kind, "thoughtSignature") if kind == "functionCall" else (kind,)
            self.log.keep_unknown(at, index, kind, part, known)

    def _result(self, part: dict[str, Any], field: str) -> Message:
        fr = _camel(part["functionResponse"])
        if not isinstance(fr, dict) or not isinstance(fr.get("name"), str):
            raise _err(f"{field}.functionResponse.name", "Field required")
        name = fr["name"]
        call_id = fr.get("id")
        match = next(
            (
                p
                for p in self.pending
                if (call_id and split_call_id(p[0])[0] == call_id) or (not call_id and p[1] == name)
            ),
            None,
        )
        if match is not None:
            self.pending.remove(match)
            call_id = match[0]
        return Message(
            role="tool",
            content=[TextPart(text=_response_text(fr.get("response", {})))],
            tool_call_id=call_id or f"{GENERATED_ID_PREFIX}unmatched_{name}",
            name=name,
        )


def _decode_tools(raw: Any, log: ReplayLog) -> list[Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _err("tools", "Input should be a valid list")
    tools: list[Tool] = []
    for j, t in enumerate(raw):
        tool = _camel(t)
        if not isinstance(tool, dict) or "functionDeclarations" not in tool:
            log.insert("tools", j, t)  # googleSearch, codeExecution, urlContext, ...
            continue
        for k, d in enumerate(tool["functionDeclarations"] or []):
            decl = _camel(d)
            f = f"tools[{j}].functionDeclarations[{k}]"
            if not isinstance(decl, dict) or not isinstance(decl.get("name"), str):
                raise _err(f"{f}.name", "Field required")
            params = decl.get("parameters")
            if "parametersJsonSchema" in decl:
                params = decl["parametersJsonSchema"]
                log.flags["parameters_field"] = "parametersJsonSchema"
            tool_kw: dict[str, Any] = {"name": decl["name"], "description": decl.get("description")}
            if isinstance(params, dict):
                tool_kw["parameters"] = params
            tools.append(Tool(**tool_kw))
        rest = {k: v for k, v in tool.items() if k != "functionDeclarations"}
        if rest:
            log.insert("tools", j, rest)
    return tools


def _decode_tool_config(raw: Any, extra: dict[str, Any]) -> ToolChoice | None:
    cfg = _camel(raw)
    if not isinstance(cfg, dict):
        return None
    fcc = _camel(cfg.get("functionCallingConfig"))
    if not isinstance(fcc, dict):
        extra["toolConfig"] = raw
        return None
    mode = fcc.get("mode", "AUTO")
    names = fcc.get("allowedFunctionNames") or []
    rest = {k: v for k, v in cfg.items() if k != "functionCallingConfig"}
    choice: ToolChoice | None
    if mode == "AUTO" and not names:
        choice = ToolChoice(mode="auto")
    elif mode == "NONE":
        choice = ToolChoice(mode="none")
    elif mode == "ANY" and len(names) == 1:
        choice = ToolChoice(mode="tool", name=names[0])
    elif mode == "ANY":
        choice = ToolChoice(mode="required")
        if names:
            rest["functionCallingConfig"] = {"allowedFunctionNames": names}
    else:  # VALIDATED, or AUTO restricted to some functions: no neutral form
        extra["toolConfig"] = raw
        return None
    if rest:
        extra["toolConfig"] = rest
    return choice


def _decode_generation(raw: Any, log: ReplayLog, extra: dict[str, Any]) -> dict[str, Any]:
    gen = {} if raw is None else _camel(raw)
    if not isinstance(gen, dict):
        raise _err("generationConfig", "Input should be a valid object")
    out: dict[str, Any] = {
        "temperature": gen.get("temperature"),
        "top_p": gen.get("topP"),
        "top_k": gen.get("topK"),
        "max_output_tokens": gen.get("maxOutputTokens"),
        "seed": gen.get("seed"),
        "presence_penalty": gen.get("presencePenalty"),
        "frequency_penalty": gen.get("frequencyPenalty"),
        "logprobs": gen.get("responseLogprobs"),
        "top_logprobs": gen.get("logprobs"),
        "stop": gen.get("stopSequences") or [],
    }
    rest = {k: v for k, v in gen.items() if k not in _GEN_MAPPED}
    mime = rest.get("responseMimeType")
    schema_key = next((k for k in ("responseJsonSchema", "responseSchema") if k in rest), None)
    if mime == "application/json":
        rest.pop("responseMimeType")
        if schema_key is not None:
            schema = rest.pop(schema_key)
            if schema_key == "responseSchema":
                log.flags["schema_field"] = "responseSchema"
            out["response_format"] = ResponseFormat(type="json_schema", json_schema=schema)
        else:
            out["response_format"] = ResponseFormat(type="json_object")
    elif mime == "text/plain" and schema_key is None:
        rest.pop("responseMimeType")
        out["response_format"] = ResponseFormat(type="text")
    thinking = _camel(rest.pop("thinkingConfig", None))
    if isinstance(thinking, dict):
        budget = thinking.pop("thinkingBudget", None)
        if isinstance(budget, int):
            mode = "disabled" if budget == 0 else "adaptive" if budget < 0 else "enabled"
            out["thinking"] = Thinking(mode=mode, budget_tokens=budget if budget > 0 else None)
        level = thinking.pop("thinkingLevel", None)
        if level is not None:
            out["reasoning_effort"] = str(level).lower()
        if thinking:
            rest["thinkingConfig"] = thinking
    if rest:
        extra["generationConfig"] = rest
    return out


def decode_request(body: dict[str, Any], *, model: str = "", stream: bool = False) -> ChatRequest:
    """Read a ``generateContent`` body (``model`` and ``stream`` come from the URL)."""
    body = _camel(body)
    if not isinstance(body, dict):
        raise _err("body", "the request body must be a JSON object")
    contents = body.get("contents")
    if not isinstance(contents, list):
        raise _err("contents", "Field required" if contents is None else "Input should be a list")
    dec = _Decoder()
    messages: list[Message] = []
    system = _camel(body.get("systemInstruction"))
    if system is not None:
        parts = system.get("parts") if isinstance(system, dict) else None
        if not isinstance(parts, list):
            raise _err("systemInstruction.parts", "Field required")
        for j, p in enumerate(parts):
            if not isinstance(p, dict) or not isinstance(p.get("text"), str):
                raise _err(f"systemInstruction.parts[{j}].text", "system parts must be text")
            messages.append(Message.system(p["text"]))
            dec.log.keep_unknown("system", j, "text", p, ("text",))
    for i, raw in enumerate(contents):
        messages.extend(dec.content(i, raw))
    known = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"}
    extra: dict[str, Any] = {k: v for k, v in body.items() if k not in known}
    tools = _decode_tools(body.get("tools"), dec.log)
    tool_choice = _decode_tool_config(body.get("toolConfig"), extra)
    gen = _decode_generation(body.get("generationConfig"), dec.log, extra)
    dec.log.store(extra)
    try:
        return ChatRequest(
            model=model.removeprefix("models/"),
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            stream=stream,
            extra=extra,
            **gen,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _err(".".join(str(p) for p in first["loc"]) or "body", str(first["msg"])) from exc


# --------------------------------------------------------------------------------------
# responses
# --------------------------------------------------------------------------------------


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    thoughts = int(raw.get("thoughtsTokenCount") or 0)
    return Usage(
        input_tokens=int(raw.get("promptTokenCount") or 0)
        + int(raw.get("toolUsePromptTokenCount") or 0),
        cached_input_tokens=int(raw.get("cachedContentTokenCount") or 0),
        output_tokens=int(raw.get("candidatesTokenCount") or 0) + thoughts,
        reasoning_tokens=thoughts,
    )


def _finish(reason: Any, has_calls: bool) -> FinishReason:
    if reason == "STOP" and has_calls:
        return "tool_calls"
    return _FINISH.get(str(reason), "other")


class _Parts:
    """Accumulates candidate parts (whole response or stream chunks) into neutral pieces."""

    def __init__(self) -> None:
        self.calls = 0

    def events(self, parts: list[Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for part in parts:
            if not isinstance(part, dict):
                continue
            if "functionCall" in part:
                fc = part["functionCall"]
                call_id = _call_id(fc, self.calls, part.get("thoughtSignature"))
                args = json.dumps(fc.get("args") or {}, separators=(",", ":"), ensure_ascii=False)
                out.append(
                    StreamEvent(
                        type="tool_call_start",
                        index=self.calls,
                        tool_call_id=call_id,
                        name=fc.get("name", ""),
                        arguments_delta=args,
                    )
                )
                self.calls += 1
            elif isinstance(part.get("text"), str) and part["text"]:
                kind = "reasoning" if part.get("thought") else "text"
                out.append(StreamEvent(type=kind, text=part["text"]))
        return out


def _candidate(body: dict[str, Any]) -> dict[str, Any]:
    candidates = body.get("candidates") or []
    first = candidates[0] if candidates else {}
    return first if isinstance(first, dict) else {}


def decode_response(body: dict[str, Any]) -> ChatResponse:
    """Read a ``GenerateContentResponse``; ``raw`` keeps the body."""
    cand = _candidate(body)
    events = _Parts().events(((cand.get("content") or {}).get("parts")) or [])
    text = "".join(e.text or "" for e in events if e.type == "text")
    reasoning = "".join(e.text or "" for e in events if e.type == "reasoning")
    calls = [
        ToolCall.from_raw(e.tool_call_id or "", e.name or "", e.arguments_delta or "")
        for e in events
        if e.type == "tool_call_start"
    ]
    if not cand and (body.get("promptFeedback") or {}).get("blockReason"):
        finish: FinishReason = "content_filter"
    else:
        finish = _finish(cand.get("finishReason", "STOP"), bool(calls))
    return ChatResponse(
        model=str(body.get("modelVersion", "")),
        id=body.get("responseId"),
        text=text,
        reasoning_text=reasoning or None,
        tool_calls=calls,
        finish_reason=finish,
        usage=_usage(body.get("usageMetadata")),
        raw=body,
    )


def _wire_usage(u: Usage) -> dict[str, int]:
    out = {
        "promptTokenCount": u.input_tokens,
        "candidatesTokenCount": max(0, u.output_tokens - u.reasoning_tokens),
        "totalTokenCount": u.input_tokens + u.output_tokens,
    }
    if u.cached_input_tokens:
        out["cachedContentTokenCount"] = u.cached_input_tokens
    if u.reasoning_tokens:
        out["thoughtsTokenCount"] = u.reasoning_tokens
    return out


def _call_part(call_id: str, name: str, args: Any) -> dict[str, Any]:
    fc: dict[str, Any] = {"name": name, "args": args if args is not None else {}}
    wire_id = _wire_id(call_id)
    if wire_id:
        fc = {"id": wire_id, **fc}
    part: dict[str, Any] = {"functionCall": fc}
    signature = split_call_id(call_id)[1]
    if signature:
        part["thoughtSignature"] = signature
    return part


def encode_response(resp: ChatResponse, *, model: str) -> dict[str, Any]:
    """A ``GenerateContentResponse`` body for ``resp``."""
    parts: list[dict[str, Any]] = []
    if resp.reasoning_text:
        parts.append({"text": resp.reasoning_text, "thought": True})
    text = resp.text or (resp.refusal or "")
    if text:
        parts.append({"text": text})
    for call in resp.tool_calls:
        parts.append(_call_part(call.id, call.name, call.arguments))
    return {
        "candidates": [
            {
                "content": {"parts": parts, "role": "model"},
                "finishReason": _FINISH_BACK[resp.finish_reason],
                "index": 0,
            }
        ],
        "usageMetadata": _wire_usage(resp.usage),
        "modelVersion": model,
        "responseId": resp.id or uuid.uuid4().hex[:22],
    }


def error_body(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """Google's error shape ``{"error": {code, message, status, details}}``. ``code`` becomes
    an ``ErrorInfo`` reason (e.g. ``API_KEY_INVALID``), ``param`` a ``BadRequest`` field
    violation."""
    status_name = type or _STATUS_NAMES.get(status) or ("INTERNAL" if status >= 500 else "UNKNOWN")
    err: dict[str, Any] = {"code": status, "message": message, "status": status_name}
    details: list[dict[str, Any]] = []
    if code:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": code,
                "domain": "googleapis.com",
            }
        )
    if param:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": param, "description": message}],
            }
        )
    if details:
        err["details"] = details
    return {"error": err}


# --------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------


class StreamDecoder:
    """Each SSE ``data`` of ``streamGenerateContent?alt=sse`` is one response chunk."""

    def __init__(self) -> None:
        self._started = False
        self._parts = _Parts()

    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if not self._started:
            self._started = True
            out.append(
                StreamEvent(type="start", id=data.get("responseId"), model=data.get("modelVersion"))
            )
        cand = _candidate(data)
        out += self._parts.events(((cand.get("content") or {}).get("parts")) or [])
        if "usageMetadata" in data:
            out.append(StreamEvent(type="usage", usage=_usage(data["usageMetadata"])))
        if cand.get("finishReason"):
            finish = _finish(cand["finishReason"], self._parts.calls > 0)
            out.append(StreamEvent(type="finish", finish_reason=finish))
        elif not cand and (data.get("promptFeedback") or {}).get("blockReason"):
            out.append(StreamEvent(type="finish", finish_reason="content_filter"))
        return out


class StreamEncoder:
    """Neutral events -> ``data: {GenerateContentResponse chunk}`` frames. Text goes out as it
    comes; a function call is sent whole once its arguments are complete; the last chunk
    carries ``finishReason`` and ``usageMetadata``."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._id = uuid.uuid4().hex[:22]
        self._calls: dict[int, dict[str, Any]] = {}
        self._usage: Usage | None = None
        self._finish: FinishReason | None = None
        self._closed = False

    def _chunk(self, parts: list[dict[str, Any]], **extra: Any) -> bytes:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        cand.update(extra.pop("candidate", {}))
        body = {"candidates": [cand], **extra, "modelVersion": self.model, "responseId": self._id}
        return format_sse(json.dumps(body, ensure_ascii=False))

    def _flush_calls(self) -> list[dict[str, Any]]:
        parts = []
        for _, call in sorted(self._calls.items()):
            raw = "".join(call["args"])
            try:
                args = json.loads(raw) if raw.strip() else {}
            except ValueError:
                args = {}
            parts.append(_call_part(call["id"], call["name"], args))
        self._calls.clear()
        return parts

    def encode(self, ev: StreamEvent) -> list[bytes]:
        if self._closed:
            return []
        t = ev.type
        if t == "start" and ev.id:
            self._id = ev.id
        elif t in ("text", "refusal", "reasoning") and ev.text:
            parts = self._flush_calls()
            part: dict[str, Any] = {"text": ev.text}
            if t == "reasoning":
                part["thought"] = True
            return [self._chunk([*parts, part])]
        elif t == "tool_call_start":
            idx = ev.index if ev.index is not None else len(self._calls)
            self._calls[idx] = {
                "id": ev.tool_call_id or "",
                "name": ev.name or "",
                "args": [ev.arguments_delta or ""],
            }
        elif t == "tool_call_delta" and ev.arguments_delta:
            idx = ev.index if ev.index is not None else max(self._calls, default=0)
            self._calls.setdefault(idx, {"id": "", "name": "", "args": []})["args"].append(
                ev.arguments_delta
            )
        elif t == "usage" and ev.usage is not None:
            self._usage = ev.usage
        elif t == "finish":
            self._finish = ev.finish_reason
        return []

    def close(self) -> list[bytes]:
        if self._closed:
            return []
        self._closed = True
        had_calls = bool(self._calls)
        parts = self._flush_calls()
        finish = self._finish or ("tool_calls" if had_calls else "stop")
        extra: dict[str, Any] = {"candidate": {"finishReason": _FINISH_BACK[finish]}}
        extra["usageMetadata"] = _wire_usage(self._usage or Usage())
        return [self._chunk(parts, **extra)]


# --------------------------------------------------------------------------------------
# client
# --------------------------------------------------------------------------------------

_GRPC_ERRORS: dict[str, type[ProviderError]] = {
    "RESOURCE_EXHAUSTED": RateLimitError,
    "INVALID_ARGUMENT": ProviderBadRequestError,
    "FAILED_PRECONDITION": ProviderBadRequestError,
    "UNAUTHENTICATED": AuthError,
    "PERMISSION_DENIED": AuthError,
}


def _details(body: Any) -> list[dict[str, Any]]:
    err = body.get("error") if isinstance(body, dict) else None
    details = err.get("details") if isinstance(err, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def _retry_delay(body: Any) -> float | None:
    for d in _details(body):
        delay = d.get("retryDelay")
        if str(d.get("@type", "")).endswith("RetryInfo") and isinstance(delay, str):
            try:
                return float(delay.rstrip("s"))
            except ValueError:
                return None
    return None


def google_stream_error(provider: str, data: dict[str, Any]) -> ProviderError:
    """The error a Google-shaped stream event ``{"error": {"code", "message", "status"}}``
    carries (Gemini API, Vertex AI); message and body redacted."""
    err = data["error"]
    message = redact(str(err.get("message", "stream error")))
    cls = _GRPC_ERRORS.get(str(err.get("status")), ProviderServerError)
    code = err.get("code")
    return cls(
        f"{provider} stream error: {message}",
        provider=provider,
        status=code if isinstance(code, int) else None,
        provider_message=message,
        body=_redacted(data),
    )


class GeminiProvider(HTTPProvider):
    """Async client for the Gemini API; key from ``GEMINI_API_KEY`` (or ``GOOGLE_API_KEY``)
    sent as ``x-goog-api-key``. ``settings.options["api_version"]`` picks v1beta (default)
    or v1."""

    name = "gemini"
    api: ClassVar[str] = API
    default_base_url: ClassVar[str | None] = "https://generativelanguage.googleapis.com"
    default_key_env: ClassVar[str | None] = "GEMINI_API_KEY"
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id",)

    def __init__(self, settings: ProviderSettings | None = None, **kwargs: Any) -> None:
        settings = settings or ProviderSettings()
        if (
            settings.api_key is None
            and settings.api_key_env is None
            and not os.environ.get("GEMINI_API_KEY")
            and os.environ.get("GOOGLE_API_KEY")
        ):
            settings = dataclasses.replace(settings, api_key_env="GOOGLE_API_KEY")
        super().__init__(settings, **kwargs)

    def _model_url(self, request: ChatRequest, method: str) -> str:
        version = self.settings.options.get("api_version", "v1beta")
        model = request.model.removeprefix("models/")
        return f"{self.base_url}/{version}/models/{model}:{method}"

    def url_for(self, request: ChatRequest) -> str:
        return self._model_url(request, "generateContent")

    supports_embeddings = True
    max_embed_batch = 100  # batchEmbedContents takes at most 100 requests

    def embeddings_url(self, model: str) -> str:
        version = self.settings.options.get("api_version", "v1beta")
        return (
            f"{self.base_url}/{version}/models/{model.removeprefix('models/')}:batchEmbedContents"
        )

    def encode_embeddings(self, texts: Sequence[str], model: str) -> dict[str, Any]:
        return encode_gemini_embeddings(texts, model)

    def decode_embeddings(self, body: dict[str, Any], n: int) -> Embeddings:
        return decode_gemini_embeddings(body, n)

    def stream_url_for(self, request: ChatRequest) -> str:
        return self._model_url(request, "streamGenerateContent") + "?alt=sse"

    def auth_headers(self, key: str | None) -> dict[str, str]:
        return {"x-goog-api-key": key} if key else {}

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        return encode_request(request)

    def stream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return body

    def decode(self, body: dict[str, Any]) -> ChatResponse:
        return decode_response(body)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoderProtocol:
        return StreamDecoder()

    def _error_for(self, resp: httpx.Response, raw: bytes) -> ProviderError:
        err = super()._error_for(resp, raw)
        reasons = {str(d.get("reason")) for d in _details(err.body)}
        if "API_KEY_INVALID" in reasons and not isinstance(err, AuthError):
            return recast(err, AuthError, hint="Check GEMINI_API_KEY (or GOOGLE_API_KEY).")
        if isinstance(err, RateLimitError) and err.retry_after is None:
            err.retry_after = _retry_delay(err.body)
        return err

    def stream_error(self, event_name: str | None, data: dict[str, Any]) -> ProviderError | None:
        if not isinstance(data.get("error"), dict):
            return None
        return google_stream_error(self.name, data)


def create_provider(settings: ProviderSettings | None = None, **kwargs: Any) -> GeminiProvider:
    """Entry point ``gemini``."""
    return GeminiProvider(settings, **kwargs)
