"""OpenTelemetry GenAI spans (OTLP JSON export) -> cases.

Reads ``resourceSpans[].scopeSpans[].spans[]`` (one ``ExportTraceServiceRequest`` per file, or
one per line as the OTLP file exporter writes them). A span is a model call when it carries
``gen_ai.request.model``. Messages come from, in order of preference:

* the current semantic conventions: ``gen_ai.system_instructions``, ``gen_ai.input.messages``
  and ``gen_ai.output.messages`` (JSON: ``[{"role", "parts": [{"type": "text", "content"},
  {"type": "tool_call", "id", "name", "arguments"}, {"type": "tool_call_response", "id",
  "response"}]}]``), ``gen_ai.tool.definitions``;
* the earlier span events ``gen_ai.system.message`` / ``gen_ai.user.message`` /
  ``gen_ai.assistant.message`` / ``gen_ai.tool.message`` / ``gen_ai.choice`` (``content``,
  ``tool_calls``, ``id`` attributes, or a JSON ``gen_ai.event.content``);
* the indexed ``gen_ai.prompt.N.role`` / ``.content`` and ``gen_ai.completion.N.content``
  attributes many instrumentations emit.

Parameters: ``gen_ai.request.temperature`` / ``top_p`` / ``top_k`` / ``max_tokens`` /
``stop_sequences`` / ``seed`` / ``frequency_penalty`` / ``presence_penalty``. The recorded
answer (with ``gen_ai.usage.*`` tokens, finish reason and the span's duration as latency)
becomes the case's baseline response.
"""

from __future__ import annotations

import json
import re
from typing import Any

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    FinishReason,
    Message,
    TextPart,
    Tool,
    ToolCall,
    Usage,
)
from switchover.errors import InputError
from switchover.evaluate.datasets.rows import build_case
from switchover.evaluate.results import Case

__all__ = ["any_value", "cases_from_otlp", "is_otlp"]


def is_otlp(doc: Any) -> bool:
    return isinstance(doc, dict) and "resourceSpans" in doc


def any_value(v: Any) -> Any:
    """An OTLP JSON ``AnyValue`` as a Python value."""
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [any_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in v:
        return attrs((v["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attrs(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in items or []:
        if isinstance(kv, dict) and "key" in kv:
            out[str(kv["key"])] = any_value(kv.get("value"))
    return out


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_ROLES = {"system", "developer", "user", "assistant", "tool"}


def _messages_from_parts(items: Any, field: str) -> list[Message]:
    if not isinstance(items, list):
        raise ValueError(f"{field}: expected a JSON array of messages")
    out: list[Message] = []
    for m in items:
        if not isinstance(m, dict):
            continue
        role = str(m.get("role", "user"))
        role = role if role in _ROLES else "user"
        texts: list[str] = []
        calls: list[ToolCall] = []
        for p in m.get("parts") or []:
            if not isinstance(p, dict):
                continue
            kind = p.get("type")
            if kind == "text":
                texts.append(_text(p.get("content")))
            elif kind == "tool_call":
                args = _json(p.get("arguments"))
                calls.append(
                    ToolCall.from_args(
                        str(p.get("id") or f"call_{len(calls)}"), str(p.get("name", "")), args or {}
                    )
                )
            elif kind == "tool_call_response":
                out.append(Message.tool(str(p.get("id") or ""), _text(p.get("response"))))
        if texts or calls:
            out.append(
                Message(
                    role=role,
                    content=[TextPart(text="".join(texts))] if texts else [],
                    tool_calls=calls,
                )
            )
    return out


def _system(value: Any) -> list[Message]:
    value = _json(value)
    if isinstance(value, str):
        return [Message.system(value)]
    if isinstance(value, list):
        text = "".join(_text(p.get("content")) for p in value if isinstance(p, dict))
        return [Message.system(text)] if text else []
    return []


def _event_messages(events: list[dict[str, Any]]) -> tuple[list[Message], list[dict[str, Any]]]:
    msgs: list[Message] = []
    choices: list[dict[str, Any]] = []
    for ev in events:
        name = str(ev.get("name", ""))
        a = attrs(ev.get("attributes"))
        if "gen_ai.event.content" in a:
            content = _json(a["gen_ai.event.content"])
            if isinstance(content, dict):
                a = {**a, **content}
        if name == "gen_ai.choice":
            choices.append(a)
            continue
        m = re.fullmatch(r"gen_ai\.(system|user|assistant|tool)\.message", name)
        if not m:
            continue
        role = m.group(1)
        text = _text(_json(a.get("content")))
        if role == "tool":
            msgs.append(Message.tool(str(a.get("id") or ""), text))
            continue
        calls = []
        for i, tc in enumerate(_json(a.get("tool_calls")) or []):
            fn = tc.get("function", tc) if isinstance(tc, dict) else {}
            calls.append(
                ToolCall.from_args(
                    str(tc.get("id") or f"call_{i}"),
                    str(fn.get("name", "")),
                    _json(fn.get("arguments")) or {},
                )
            )
        msgs.append(Message.of(role, text, tool_calls=calls))  # type: ignore[arg-type]
    return msgs, choices


def _indexed(a: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    pat = re.compile(re.escape(prefix) + r"\.(\d+)\.(\w+)$")
    for k, v in a.items():
        m = pat.match(k)
        if m:
            found.setdefault(int(m.group(1)), {})[m.group(2)] = v
    return [found[i] for i in sorted(found)]


_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_call": "tool_calls",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "error": "error",
}


def _span_case(span: dict[str, Any], res: dict[str, Any], *, path: str, line: int) -> Case | None:
    a = attrs(span.get("attributes"))
    model = a.get("gen_ai.request.model")
    if not isinstance(model, str):
        return None
    span_id = str(span.get("spanId") or f"span-{line}")
    try:
        messages = (
            _system(a["gen_ai.system_instructions"]) if "gen_ai.system_instructions" in a else []
        )
        output: list[Message] = []
        if "gen_ai.input.messages" in a:
            messages += _messages_from_parts(
                _json(a["gen_ai.input.messages"]), "gen_ai.input.messages"
            )
            if "gen_ai.output.messages" in a:
                output = _messages_from_parts(
                    _json(a["gen_ai.output.messages"]), "gen_ai.output.messages"
                )
        else:
            ev_msgs, choices = _event_messages(list(span.get("events") or []))
            messages += ev_msgs
            for c in choices:
                msg = _json(c.get("message")) if "message" in c else c
                text = _text(_json(msg.get("content"))) if isinstance(msg, dict) else ""
                output.append(Message.assistant(text))
            if not messages:
                for p in _indexed(a, "gen_ai.prompt"):
                    role = str(p.get("role", "user"))
                    messages.append(
                        Message.of(
                            role if role in _ROLES else "user",  # type: ignore[arg-type]
                            _text(p.get("content")),
                        )
                    )
                for p in _indexed(a, "gen_ai.completion"):
                    output.append(Message.assistant(_text(p.get("content"))))
        tools = []
        for t in _json(a.get("gen_ai.tool.definitions")) or []:
            if isinstance(t, dict):
                fn = t.get("function", t)
                tools.append(
                    Tool(
                        name=str(fn.get("name", "")),
                        description=fn.get("description"),
                        parameters=fn.get("parameters") or {"type": "object", "properties": {}},
                    )
                )
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(
            f"span {span_id}: {exc}", path=path, line=line, field="attributes"
        ) from None
    if not messages:
        raise InputError(
            f"span {span_id} ({model}) records no prompt messages",
            path=path,
            line=line,
            field="gen_ai.input.messages",
            hint="Enable content capture in the instrumentation "
            "(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true).",
        )
    stop = a.get("gen_ai.request.stop_sequences")
    request = ChatRequest(
        model=model,
        messages=messages,
        tools=tools,
        temperature=a.get("gen_ai.request.temperature"),
        top_p=a.get("gen_ai.request.top_p"),
        top_k=a.get("gen_ai.request.top_k"),
        max_output_tokens=a.get("gen_ai.request.max_tokens"),
        stop=[str(s) for s in stop] if isinstance(stop, list) else [],
        seed=a.get("gen_ai.request.seed"),
        frequency_penalty=a.get("gen_ai.request.frequency_penalty"),
        presence_penalty=a.get("gen_ai.request.presence_penalty"),
    )
    baseline = None
    if output:
        reasons = a.get("gen_ai.response.finish_reasons") or []
        finish = _FINISH.get(str(reasons[0]) if reasons else "", "stop")
        calls = [c for m in output for c in m.tool_calls]
        if calls and not reasons:
            finish = "tool_calls"
        start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
        latency = (int(end) - int(start)) / 1e9 if start and end else None
        baseline = ChatResponse(
            model=str(a.get("gen_ai.response.model") or model),
            text="".join(m.text for m in output),
            tool_calls=calls,
            finish_reason=finish,
            usage=Usage(
                input_tokens=int(a.get("gen_ai.usage.input_tokens") or 0),
                output_tokens=int(a.get("gen_ai.usage.output_tokens") or 0),
            ),
            id=a.get("gen_ai.response.id"),
            latency_s=latency,
        )
    service = res.get("service.name")
    tags = [f"operation:{a['gen_ai.operation.name']}"] if "gen_ai.operation.name" in a else []
    return build_case(
        case_id=span_id,
        request=request,
        path=path,
        line=line,
        api="otel",
        call_site=str(a.get("code.function") or service or span.get("name") or "") or None,
        tags=tags,
        baseline=baseline,
        metadata={"trace_id": span.get("traceId"), "span_name": span.get("name")},
    )


def cases_from_otlp(docs: list[tuple[int, dict[str, Any]]], *, path: str) -> tuple[list[Case], int]:
    """Cases from OTLP JSON documents; returns (cases, spans that are not model calls)."""
    cases: list[Case] = []
    other = 0
    for line, doc in docs:
        for rs in doc.get("resourceSpans") or []:
            res = attrs((rs.get("resource") or {}).get("attributes"))
            for ss in rs.get("scopeSpans") or []:
                for span in ss.get("spans") or []:
                    case = _span_case(span, res, path=path, line=line)
                    if case is None:
                        other += 1
                    else:
                        cases.append(case)
    return cases, other
