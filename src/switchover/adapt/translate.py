"""Cross-provider translation in the neutral model: history hygiene, legacy function
calling, roles, parameters a target cannot express, JSON output modes and images."""

from __future__ import annotations

import json
import re
from typing import Any

from switchover.adapt.context import API_DOCS, Ctx
from switchover.chat import ChatRequest, ImagePart, Message, TextPart, Tool, ToolCall, ToolChoice

__all__ = [
    "JSON_TOOL",
    "add_instruction",
    "convert_legacy_functions",
    "foreign_extra",
    "map_roles",
    "strip_model_bound_history",
    "translate_images",
    "translate_response_format",
    "unsupported_params",
]

JSON_TOOL = "json_response"
WIRE_KEY = "_wire"
_SIG = "|ts:"
_DATA_URL = re.compile(r"^data:(?P<mt>[\w.+-]+/[\w.+-]+)(?:;[^;,]*)*;base64,(?P<data>.*)$", re.S)
_OPENAI_CHAT = API_DOCS["openai.chat"]
_GEMINI = API_DOCS["gemini.generate"]
_API_DOCS = API_DOCS
# Pass-through wire fields that never change what the model answers.
_HARMLESS_EXTRA = frozenset(
    {"store", "stream_options", "service_tier", "prompt_cache_key", "safety_identifier", "n"}
)


def add_instruction(req: ChatRequest, text: str) -> None:
    """Append ``text`` to the first system/developer message, or add a system message."""
    for i, m in enumerate(req.messages):
        if m.role in ("system", "developer"):
            joined = f"{m.text}\n\n{text}" if m.text else text
            req.messages[i] = m.model_copy(update={"content": [TextPart(text=joined)]})
            return
    req.messages.insert(0, Message.system(text))


def strip_model_bound_history(req: ChatRequest, ctx: Ctx) -> None:
    """Thinking blocks and thought signatures are readable only by the model that made them."""
    wire = req.extra.get(WIRE_KEY)
    if isinstance(wire, dict):
        items = [it for it in wire.get("items", []) if isinstance(it, dict)]
        bound = [it for it in items if _model_bound(it)]
        if wire.get("api") != ctx.api:
            del req.extra[WIRE_KEY]
            kept: list[dict[str, Any]] = []
        else:
            kept = [it for it in items if not _model_bound(it)]
            req.extra[WIRE_KEY] = {**wire, "items": kept}
        if bound:
            ctx.record(
                "drop",
                "messages[*].thinking",
                f"{len(bound)} thinking block(s)/signature(s)",
                None,
                "thinking blocks and thought signatures are tied to the model that produced them",
                rule_id="anthropic-thinking-blocks-replay"
                if wire.get("api") == "anthropic.messages"
                else "gemini-3-thought-signatures",
            )
        if len(items) - len(bound) > len(kept):
            ctx.warn(
                f"{len(items) - len(bound) - len(kept)} {wire.get('api')} wire detail(s) "
                "(e.g. cache_control) have no equivalent on the target API and were left out"
            )
    stripped = 0
    for i, m in enumerate(req.messages):
        calls = [c.model_copy(update={"id": c.id.split(_SIG, 1)[0]}) for c in m.tool_calls]
        tcid = m.tool_call_id.split(_SIG, 1)[0] if m.tool_call_id else m.tool_call_id
        if calls != m.tool_calls or tcid != m.tool_call_id:
            stripped += sum(_SIG in c.id for c in m.tool_calls)
            req.messages[i] = m.model_copy(update={"tool_calls": calls, "tool_call_id": tcid})
    if stripped:
        ctx.record(
            "drop",
            "messages[*].tool_calls[*].thought_signature",
            f"{stripped} signature(s)",
            None,
            "Gemini thought signatures are bound to the model that produced them",
            rule_id="gemini-3-thought-signatures",
        )


def _model_bound(item: dict[str, Any]) -> bool:
    block = item.get("insert")
    if isinstance(block, dict) and (
        block.get("type") in ("thinking", "redacted_thinking") or block.get("thought") is True
    ):
        return True
    fields = item.get("fields")
    return isinstance(fields, dict) and bool(
        {"thoughtSignature", "thought_signature", "signature"} & set(fields)
    )


def _link_legacy_history(req: ChatRequest, ctx: Ctx) -> None:
    """Legacy ``function_call`` turns have no call ids: give them ids and link the results."""
    pending: dict[str, str] = {}
    linked = 0
    for i, m in enumerate(req.messages):
        if m.role == "assistant" and any(not c.id for c in m.tool_calls):
            calls: list[ToolCall] = []
            for c in m.tool_calls:
                if not c.id:
                    c = c.model_copy(update={"id": f"call_legacy_{i}_{len(calls)}"})
                    pending[c.name] = c.id
                calls.append(c)
            req.messages[i] = m.model_copy(update={"tool_calls": calls})
        elif m.role == "tool" and m.tool_call_id is None and m.name in pending:
            req.messages[i] = m.model_copy(update={"tool_call_id": pending.pop(m.name)})
            linked += 1
    if linked:
        ctx.record(
            "translated",
            "messages[*].function_call",
            f"{linked} legacy function call(s)",
            "tool calls with ids",
            "legacy function-call turns carry no ids; tool calls and results need them",
            source_url=_OPENAI_CHAT,
        )


def convert_legacy_functions(req: ChatRequest, ctx: Ctx) -> None:
    """OpenAI's deprecated ``functions`` / ``function_call`` -> ``tools`` / ``tool_choice``."""
    _link_legacy_history(req, ctx)
    functions = req.extra.pop("functions", None)
    call = req.extra.pop("function_call", None)
    if isinstance(functions, list) and functions:
        tools = [
            Tool(
                name=str(f.get("name", "")),
                description=f.get("description"),
                parameters=f.get("parameters") or {"type": "object", "properties": {}},
            )
            for f in functions
            if isinstance(f, dict)
        ]
        req.tools = [*req.tools, *tools]
        ctx.record(
            "translated",
            "functions",
            [t.name for t in tools],
            "tools",
            "functions/function_call are deprecated in favour of tools/tool_choice",
            source_url=_OPENAI_CHAT,
        )
    if call is not None:
        if isinstance(call, dict) and call.get("name"):
            choice = ToolChoice(mode="tool", name=str(call["name"]))
        else:
            choice = ToolChoice(mode="none" if call == "none" else "auto")
        req.tool_choice = choice
        ctx.record(
            "translated",
            "function_call",
            call,
            choice.model_dump(exclude_none=True),
            "function_call became tool_choice",
            source_url=_OPENAI_CHAT,
        )


def map_roles(req: ChatRequest, ctx: Ctx) -> None:
    """system <-> developer as the target expects; note system messages that must move."""
    reasoning = (
        ctx.provider == "openai"
        and ctx.in_range("openai_reasoning")
        and not ctx.in_range("openai_chat_variants")
    )
    if ctx.provider == "openai":
        frm, to = ("system", "developer") if reasoning else ("developer", "system")
        why = (
            "OpenAI reasoning models take instructions in the developer role"
            if reasoning
            else "chat models take instructions in the system role"
        )
        url = "https://developers.openai.com/api/docs/guides/reasoning"
    else:
        frm, to = "developer", "system"
        why = f"{ctx.provider} has a system slot and no developer role"
        url = _API_DOCS[ctx.api]
    for i, m in enumerate(req.messages):
        if m.role == frm:
            req.messages[i] = m.model_copy(update={"role": to})
            ctx.record("role_mapped", f"messages[{i}].role", frm, to, why, source_url=url)
    if ctx.provider != "openai":
        seen_other = False
        for i, m in enumerate(req.messages):
            if m.role in ("system", "developer") and seen_other:
                ctx.warn(
                    f"messages[{i}]: a system message inside the conversation moves to the "
                    f"top-level system prompt on {ctx.api}"
                )
            seen_other = seen_other or m.role not in ("system", "developer")


_UNSUPPORTED: dict[str, tuple[str, ...]] = {
    "anthropic.messages": (
        "presence_penalty",
        "frequency_penalty",
        "seed",
        "logprobs",
        "top_logprobs",
    ),
    "openai.chat": ("top_k",),
    "openai.responses": ("top_k", "presence_penalty", "frequency_penalty", "seed", "logprobs"),
    "gemini.generate": (),
}


def unsupported_params(req: ChatRequest, ctx: Ctx) -> None:
    """Drop (with a record) neutral parameters the target API has no field for."""
    url = _API_DOCS[ctx.api]
    for attr in _UNSUPPORTED[ctx.api]:
        value = getattr(req, attr)
        if value is None or value is False:
            continue
        setattr(req, attr, None)
        ctx.record(
            "unsupported",
            attr,
            value,
            None,
            f"{ctx.api} has no {attr} parameter",
            lossy=True,
            source_url=url,
        )
    if ctx.api == "openai.responses" and req.stop:
        ctx.record(
            "unsupported", "stop", list(req.stop), [], "the Responses API has no stop", lossy=True
        )
        req.stop = []
    if ctx.api != "openai.chat" and req.max_tokens_field is not None:
        req.max_tokens_field = None  # a Chat Completions spelling; other APIs have one name
    if ctx.api == "openai.chat" and len(req.stop) > 4:
        ctx.record(
            "clamp",
            "stop",
            list(req.stop),
            req.stop[:4],
            "Chat Completions accepts up to 4 stop sequences",
            lossy=True,
            source_url=url,
        )
        req.stop = req.stop[:4]
    if ctx.api == "gemini.generate":
        _gemini_unsupported(req, ctx)


def _gemini_unsupported(req: ChatRequest, ctx: Ctx) -> None:
    if req.user is not None:
        ctx.record("drop", "user", req.user, None, "Gemini has no end-user field")
        req.user = None
    if req.metadata:
        ctx.record(
            "drop", "metadata", dict(req.metadata), None, "Gemini requests carry no metadata"
        )
        req.metadata = {}
    if req.parallel_tool_calls is False:
        ctx.record(
            "unsupported",
            "parallel_tool_calls",
            False,
            None,
            "Gemini cannot be told to avoid parallel function calls",
            lossy=True,
            source_url=_GEMINI,
        )
        req.parallel_tool_calls = None
    for i, tool in enumerate(req.tools):
        if tool.strict:
            req.tools[i] = tool.model_copy(update={"strict": None})
            ctx.record(
                "unsupported",
                f"tools[{i}].strict",
                True,
                None,
                "Gemini function declarations have no strict mode",
                lossy=True,
                source_url=_GEMINI,
            )


def _forced_tool_ok(req: ChatRequest, ctx: Ctx) -> bool:
    manual = req.thinking is not None and req.thinking.mode == "enabled"
    return not manual and not ctx.in_range("claude_no_forced_tools")


def translate_response_format(req: ChatRequest, ctx: Ctx) -> None:
    """Anthropic has no JSON mode: structured outputs, a forced tool, or an instruction."""
    rf = req.response_format
    if ctx.provider != "anthropic" or rf is None or rf.type == "text":
        if ctx.provider == "anthropic" and rf is not None:
            req.response_format = None  # plain text is the default
        return
    before = rf.model_dump(exclude_none=True)
    if rf.type == "json_schema" and ctx.in_range("claude_structured_outputs"):
        ctx.record(
            "translated",
            "response_format",
            before,
            {"output_config": {"format": {"type": "json_schema", "schema": rf.json_schema}}},
            "Anthropic structured outputs carry the JSON schema",
            source_url="https://platform.claude.com/docs/en/build-with-claude/structured-outputs",
        )
        return
    schema = rf.json_schema if rf.type == "json_schema" else None
    req.response_format = None
    if _forced_tool_ok(req, ctx):
        params = schema or {"type": "object"}
        req.tools = [
            *req.tools,
            Tool(name=JSON_TOOL, description="Return the answer as this JSON.", parameters=params),
        ]
        req.tool_choice = ToolChoice(mode="tool", name=JSON_TOOL)
        ctx.record(
            "translated",
            "response_format",
            before,
            {"tool": JSON_TOOL, "tool_choice": "tool"},
            f"Anthropic has no JSON mode here: a forced tool {JSON_TOOL!r} carries the schema; "
            "the JSON arrives as that tool call's input, not as text",
            lossy=True,
            source_url="https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview",
        )
        return
    shape = f" matching this JSON schema: {json.dumps(schema, sort_keys=True)}" if schema else ""
    add_instruction(req, f"Respond with a single JSON object{shape}, and nothing else.")
    ctx.record(
        "translated",
        "response_format",
        before,
        "system instruction",
        "forced tool use is not available with this model/thinking setting: JSON is only "
        "requested in the system prompt, not enforced",
        rule_id="anthropic-forced-tool-use",
        lossy=True,
    )


def translate_images(req: ChatRequest, ctx: Ctx) -> None:
    """data: URLs become inline data; web URLs Gemini may not fetch are flagged."""
    if ctx.provider == "openai":
        return
    for i, m in enumerate(req.messages):
        parts = list(m.content)
        changed = False
        for j, part in enumerate(parts):
            if not isinstance(part, ImagePart) or part.url is None or part.data is not None:
                continue
            match = _DATA_URL.match(part.url)
            where = f"messages[{i}].content[{j}]"
            if match:
                parts[j] = ImagePart(data=match["data"], media_type=match["mt"], detail=part.detail)
                changed = True
                ctx.record(
                    "translated",
                    where,
                    "data: URL",
                    "inline base64",
                    f"{ctx.api} takes inline image data as base64 with a media type",
                )
            elif ctx.provider == "google" and not part.url.startswith("gs://"):
                ctx.record(
                    "unsupported",
                    where,
                    part.url,
                    part.url,
                    "Gemini reads fileData from the Files API or Cloud Storage; a web URL may "
                    "be refused (kept as given: download it and send inline data instead)",
                    lossy=True,
                    source_url=_GEMINI,
                )
            if part.detail is not None and ctx.provider in ("anthropic", "google"):
                parts[j] = parts[j].model_copy(update={"detail": None})
                changed = True
        if changed:
            req.messages[i] = m.model_copy(update={"content": parts})


def foreign_extra(req: ChatRequest, ctx: Ctx) -> None:
    """Wire fields kept from another API mean nothing (or something else) on the target."""
    if ctx.source_api == ctx.api:
        return
    public = [k for k in req.extra if not k.startswith("_")]
    if ctx.source_api is None:
        if public:
            ctx.warn(
                f"unknown source API: wire fields {', '.join(sorted(public))} are passed to "
                f"{ctx.api} unchanged (pass source_api / --from to have them checked)"
            )
        return
    for key in sorted(k for k in req.extra if not k.startswith("_")):
        value = req.extra.pop(key)
        if key == "n" and value == 1:
            continue
        if key in ("output_config", "reasoning") and isinstance(value, dict) and "effort" in value:
            # the effort is carried over by the reasoning translation that runs next
            req.extra["output_config"] = {"effort": value["effort"]}
            value = {k: v for k, v in value.items() if k != "effort"}
            if not value:
                continue
        harmless = key in _HARMLESS_EXTRA and key != "n"
        ctx.record(
            "drop" if harmless else "unsupported",
            key,
            value,
            None,
            f"a field of {ctx.source_api or 'the source API'} with no {ctx.api} equivalent",
            lossy=not harmless,
            source_url=_API_DOCS[ctx.api],
        )
