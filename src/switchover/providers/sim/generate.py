"""Pure answer generation: (request, profile, random streams) -> ChatResponse content.

Order of decisions: judge request -> refusal hazard -> answer after tool results ->
tool call -> JSON (response_format, or a prompt asking for JSON) -> support-style text.
Hazard draws are made in a fixed order for every request, so each hazard hits at its rate
whatever path the answer takes (a hazard that does not apply to the path is a no-op).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from switchover.chat import ChatRequest, ChatResponse, FinishReason, Message, ToolCall, Usage
from switchover.providers.sim import judge as sim_judge
from switchover.providers.sim._rng import short_hash
from switchover.providers.sim.jsongen import choose_tools, generate_value
from switchover.providers.sim.profiles import SimProfile
from switchover.providers.sim.textgen import (
    REFUSAL_TEXT,
    PromptFacts,
    estimate_tokens,
    extract_facts,
    fence_json,
    markdownify,
    support_reply,
    tool_result_reply,
)

__all__ = ["Hazards", "draw_hazards", "generate", "input_tokens", "is_reasoning_model"]

_EFFORT_FACTOR = {
    "none": 0.0,
    "minimal": 0.3,
    "low": 0.8,
    "medium": 2.0,
    "high": 4.0,
    "xhigh": 6.0,
    "max": 8.0,
}
_REASONING_ID = re.compile(r"^(o\d|gpt-5|gpt-6|gemini-(2\.5|3))", re.I)
_JSON_KEYS = re.compile(
    r"[\"`']([a-z_][a-zA-Z0-9_]{1,39})[\"`']"
    r"(?:\s*:\s*(string|number|integer|boolean|bool|array|object|int|float)(\s*\|\s*null)?)?"
)
_TYPE_WORDS = {"bool": "boolean", "int": "integer", "float": "number"}


@dataclass(frozen=True)
class Hazards:
    refuse: bool
    markdown: bool
    fence: bool
    truncate: bool
    degrade: bool
    rename: bool
    reorder: bool
    cut_fraction: float


def draw_hazards(profile: SimProfile, rng: random.Random) -> Hazards:
    """Eight independent draws (seven hazards and the truncation point), always in order."""
    u = [rng.random() for _ in range(8)]
    return Hazards(
        refuse=u[0] < profile.refusal_rate,
        markdown=u[1] < profile.markdown_rate,
        fence=u[2] < profile.fenced_json_rate,
        truncate=u[3] < profile.truncation_rate,
        degrade=u[4] < profile.quality_drop_rate,
        rename=bool(profile.tool_arg_renames) and u[5] < profile.tool_arg_rename_rate,
        reorder=u[6] < profile.tool_arg_reorder_rate,
        cut_fraction=0.35 + 0.35 * u[7],
    )


def is_reasoning_model(profile: SimProfile, req: ChatRequest) -> bool:
    if profile.reasoning is not None:
        return profile.reasoning
    if req.thinking is not None:
        return req.thinking.mode != "disabled"
    return bool(_REASONING_ID.match(req.model)) and "chat" not in req.model.lower()


def input_tokens(req: ChatRequest) -> int:
    """Estimated prompt tokens: text/4 per message + 4 per message + tools + schema + 3."""
    total = 3
    for m in req.messages:
        total += 4 + estimate_tokens(m.text)
        total += sum(85 for p in m.content if p.type == "image")
        for call in m.tool_calls:
            total += estimate_tokens(call.name + call.arguments_raw)
    if req.tools:
        total += estimate_tokens(json.dumps([t.model_dump(mode="json") for t in req.tools]))
    if req.response_format is not None and req.response_format.json_schema:
        total += estimate_tokens(json.dumps(req.response_format.json_schema))
    return total


def _last_user_text(req: ChatRequest) -> str:
    for m in reversed(req.messages):
        if m.role == "user" and m.text:
            return m.text
    return "\n".join(m.text for m in req.messages)


def _wants_json(req: ChatRequest) -> tuple[bool, dict[str, Any] | None]:
    rf = req.response_format
    if rf is not None and rf.type == "json_schema" and rf.json_schema:
        return True, rf.json_schema
    asked = rf is not None and rf.type == "json_object"
    if not asked:
        asked = bool(re.search(r"\bJSON\b", req.system_text + "\n" + _last_user_text(req)))
    if not asked:
        return False, None
    props: dict[str, Any] = {}
    for key, typ, null in _JSON_KEYS.findall(req.system_text):
        if key.lower() == "json" or key in props:
            continue
        t = _TYPE_WORDS.get(typ, typ or "string")
        if t == "array":
            props[key] = {"type": "array", "items": {"type": "string"}}
        elif t == "object":
            props[key] = {"type": "object"}
        else:
            props[key] = {"type": [t, "null"] if null else t}
    if props:
        return True, {"type": "object", "properties": props, "required": list(props)}
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["answer", "keywords", "confidence"],
    }
    return True, schema


def _shape(ident: str) -> str:
    return re.sub(r"\d", "9", re.sub(r"[A-Za-z]", "A", ident))


def _tool_calls(
    req: ChatRequest, facts: PromptFacts, rng: random.Random, hz: Hazards, profile: SimProfile
) -> list[ToolCall]:
    choice = req.tool_choice
    if choice is not None and choice.mode == "none":
        return []
    if choice is not None and choice.mode == "tool" and choice.name:
        tool = next((t for t in req.tools if t.name == choice.name), None)
    else:
        forced = choice is not None and choice.mode == "required"
        tool = choose_tools(req.tools, facts, forced=forced)
    if tool is None:
        return []
    base = generate_value(tool.parameters, facts, rng)
    args_list: list[Any] = [base]
    if isinstance(base, dict) and req.parallel_tool_calls is not False and len(facts.ids) > 1:
        # several ids of the same shape as the one used (A1234, A5678): one call each
        key = next((k for k, v in base.items() if v in facts.ids), None)
        if key is not None:
            shape = _shape(str(base[key]))
            same = [i for i in facts.ids if _shape(i) == shape]
            if len(same) > 1:
                args_list = [{**base, key: ident} for ident in same[:4]]
    calls = []
    prefix = "toolu_sim" if req.model.lower().startswith("claude") else "call_sim"
    for i, args in enumerate(args_list):
        if isinstance(args, dict):
            if hz.rename:
                args = {profile.tool_arg_renames.get(k, k): v for k, v in args.items()}
            if hz.reorder:
                args = dict(reversed(list(args.items())))
        call_id = prefix + short_hash(tool.name, i, rng.random(), length=20)
        calls.append(ToolCall.from_args(call_id, tool.name, args))
    return calls


def _content(
    req: ChatRequest, profile: SimProfile, rng: random.Random, hz: Hazards
) -> tuple[str, list[ToolCall], bool]:
    """(text, tool calls, is_json) before truncation and limits."""
    facts = extract_facts(_last_user_text(req))
    if sim_judge.is_judge_request(req):
        verdict: dict[str, Any] = dict(sim_judge.judge(sim_judge.parse_judge_input(req)))
        rf = req.response_format
        if rf is not None and rf.json_schema and rf.json_schema.get("properties"):
            value = generate_value(rf.json_schema, facts, rng, summary=verdict["reason"])
            if isinstance(value, dict):
                props = rf.json_schema["properties"]
                value.update({k: v for k, v in verdict.items() if k in props})
                verdict = value
        return json.dumps(verdict), [], True
    summary: str | None = None
    trailing = _trailing_tool_results(req)
    if trailing:
        call_names = {c.id: c.name for m in req.messages for c in m.tool_calls}
        summary = " ".join(
            tool_result_reply(m.name or call_names.get(m.tool_call_id or "", ""), m.text, facts)
            for m in trailing
        )
        facts = extract_facts(_last_user_text(req) + "\n" + "\n".join(m.text for m in trailing))
    elif req.tools:
        calls = _tool_calls(req, facts, rng, hz, profile)
        if calls:
            return "", calls, False
    if summary is None:
        reply = support_reply(facts, rng, length_factor=profile.length_factor, degraded=hz.degrade)
    else:
        reply = summary
    if hz.markdown:
        reply = markdownify(reply, facts)
    wants_json, schema = _wants_json(req)
    if wants_json and schema is not None:
        value = generate_value(schema, facts, rng, summary=reply)
        text = json.dumps(value, ensure_ascii=False)
        return (fence_json(text) if hz.fence else text), [], True
    return reply, [], False


def _trailing_tool_results(req: ChatRequest) -> list[Message]:
    """The tool messages at the end of the conversation (answers to the last tool calls)."""
    out: list[Message] = []
    for m in reversed(req.messages):
        if m.role != "tool":
            break
        out.append(m)
    return out[::-1]


def _cut(text: str, max_chars: int) -> str:
    return text[: max(0, max_chars)]


def generate(
    req: ChatRequest, profile: SimProfile, rng: random.Random, hz: Hazards, *, api: str
) -> ChatResponse:
    """The simulated answer (usage computed; id, latency and cache left to the engine)."""
    finish: FinishReason = "stop"
    refusal: str | None = None
    calls: list[ToolCall]
    if hz.refuse and not sim_judge.is_judge_request(req):
        text, calls = REFUSAL_TEXT, []
        finish = "refusal" if api == "anthropic.messages" else "content_filter"
        refusal = REFUSAL_TEXT
        if api.startswith("openai."):
            text = ""
    else:
        text, calls, _ = _content(req, profile, rng, hz)
        if calls:
            finish = "tool_calls"
    for stop in req.stop:
        if stop and stop in text:
            text = text[: text.index(stop)]
    if hz.truncate and text and not calls:
        text = _cut(text, int(len(text) * hz.cut_fraction))
        finish = "length"
    visible = estimate_tokens(text or refusal or "") + sum(
        estimate_tokens(c.name + c.arguments_raw) for c in calls
    )
    reasoning = 0
    if is_reasoning_model(profile, req):
        effort = (req.reasoning_effort or "medium").lower()
        factor = _EFFORT_FACTOR.get(effort, 2.0)
        if req.thinking is not None and req.thinking.mode == "enabled":
            factor = max(factor, 2.0)
        if factor > 0:
            reasoning = int(64 + visible * factor * rng.uniform(0.7, 1.3))
            if req.thinking is not None and req.thinking.budget_tokens:
                reasoning = min(reasoning, req.thinking.budget_tokens)
    limit = req.max_output_tokens
    if limit is not None and visible + reasoning > limit:
        reasoning = min(reasoning, limit)
        room = limit - reasoning
        text = _cut(text, room * 4)
        if calls:
            calls = []
        visible = estimate_tokens(text)
        finish = "length"
    return ChatResponse(
        model=req.model,
        text=text,
        tool_calls=calls,
        finish_reason=finish,
        refusal=refusal,
        usage=Usage(
            input_tokens=input_tokens(req),
            output_tokens=visible + reasoning,
            reasoning_tokens=reasoning,
        ),
        provider="sim",
    )
