"""Apply the parameter rules' fixes to a neutral request until the target accepts it.

Each round writes the rule-relevant wire view (``probe_body``), asks ``check_request`` what
the target rejects, and applies each violation's fix in the neutral model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from switchover.adapt.context import Ctx
from switchover.adapt.model import AdaptationError
from switchover.adapt.probe import probe_body
from switchover.adapt.reasoning import EFFORT_BUDGET, budget_to_effort
from switchover.adapt.translate import add_instruction
from switchover.catalog.rules import RuleViolation
from switchover.chat import ChatRequest, Thinking, ToolChoice

__all__ = ["DEFAULT_MAX_TOKENS", "THINKING_MAX_TOKENS", "apply_rule_fixes"]

#: Anthropic max_tokens added when a request has none (rule 10's documented default).
DEFAULT_MAX_TOKENS = 4096
#: Used instead when the target thinks (thinking tokens count inside max_tokens, rule 16).
THINKING_MAX_TOKENS = 16000
_ROUNDS = 24
_DROPPABLE = (
    "temperature",
    "top_p",
    "top_k",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
    "seed",
)

Fixer = Callable[[ChatRequest, Ctx, RuleViolation], bool]


def apply_rule_fixes(req: ChatRequest, ctx: Ctx) -> None:
    """Fix what the target's rules reject, one violation at a time (a fix can change what
    the next rule sees); unfixable violations become warnings."""
    seen: set[tuple[str, str, str]] = set()
    for _ in range(_ROUNDS):
        pending = [
            v
            for v in ctx.violations(probe_body(req, ctx.api))
            if (v.rule.id, v.param, repr(v.value)) not in seen
        ]
        if not pending:
            break
        v = pending[0]
        seen.add((v.rule.id, v.param, repr(v.value)))
        _FIXERS.get(v.rule.id, _generic)(req, ctx, v)
    left = ctx.violations(probe_body(req, ctx.api))
    if left and ctx.policy == "strict":
        raise AdaptationError(
            f"{ctx.target} would still reject the request: "
            + "; ".join(f"{v.param}: {v.message} [{v.rule.id}]" for v in left),
            hint="No automatic fix is known for this: change the request by hand.",
        )
    for v in left:
        ctx.warn(f"{v.param}: still rejected by rule {v.rule.number} ({v.rule.id}): {v.message}")


def _drop(req: ChatRequest, ctx: Ctx, v: RuleViolation, param: str) -> bool:
    if param in _DROPPABLE:
        before = getattr(req, param)
        setattr(req, param, None)
    elif param == "stop":
        before, req.stop = list(req.stop), []
    elif param == "reasoning_effort":
        before, req.reasoning_effort = req.reasoning_effort, None
    elif param in req.extra:
        before = req.extra.pop(param)
    else:
        return False
    ctx.record("drop", param, before, None, v.message, rule_id=v.rule.id, lossy=before is not False)
    return True


def _generic(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    fix = v.fix
    if fix is None:
        return False
    param = fix.param.split(".")[-1] if fix.param.startswith("reasoning") else fix.param
    if fix.kind == "drop":
        return _drop(req, ctx, v, param)
    if fix.kind == "replace_value" and param == "reasoning_effort":
        old = req.reasoning_effort
        mapping: dict[str, Any] = fix.value if isinstance(fix.value, dict) else {}
        if old not in mapping:
            return _drop(req, ctx, v, param)
        req.reasoning_effort = str(mapping[old])
        ctx.record(
            "translated",
            "reasoning_effort",
            old,
            req.reasoning_effort,
            f"nearest accepted value: {v.message}",
            rule_id=v.rule.id,
        )
        return True
    if fix.kind == "set" and param == "reasoning_effort":
        old, req.reasoning_effort = req.reasoning_effort, str(fix.value)
        ctx.record(
            "translated",
            "reasoning_effort",
            old,
            req.reasoning_effort,
            f"{v.message} (the alternative is --api openai.responses, which keeps the effort)",
            rule_id=v.rule.id,
            lossy=True,
        )
        return True
    return False


def _max_tokens_field(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    req.max_tokens_field = "max_completion_tokens"
    ctx.record(
        "rename",
        "max_tokens",
        "max_tokens",
        "max_completion_tokens",
        "reasoning models take max_completion_tokens",
        rule_id=v.rule.id,
    )
    ctx.warn(
        f"max_completion_tokens ({req.max_output_tokens}) now also covers reasoning tokens: "
        "raise it above the old max_tokens"
    )
    return True


def _max_tokens_default(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    thinks = (req.thinking is not None and req.thinking.mode != "disabled") or (
        req.thinking is None and ctx.in_range("claude_thinking_default_on")
    )
    value = THINKING_MAX_TOKENS if thinks else DEFAULT_MAX_TOKENS
    if req.thinking is not None and req.thinking.budget_tokens is not None:
        value = max(value, req.thinking.budget_tokens + DEFAULT_MAX_TOKENS)
    if ctx.max_output_tokens is not None:
        value = min(value, ctx.max_output_tokens)
    req.max_output_tokens = value
    ctx.record(
        "default_added",
        "max_tokens",
        None,
        value,
        "Anthropic requires max_tokens"
        + ("; thinking tokens count inside it" if thinks else "")
        + " (the source request had no limit)",
        rule_id=v.rule.id,
    )
    return True


def _to_adaptive(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    th = req.thinking
    assert th is not None
    effort = budget_to_effort(th.budget_tokens)
    before = th.model_dump(exclude_none=True)
    req.thinking = Thinking(mode="adaptive")
    oc = req.extra.get("output_config")
    if not (isinstance(oc, dict) and "effort" in oc):
        req.extra["output_config"] = {**(oc if isinstance(oc, dict) else {}), "effort": effort}
    ctx.record(
        "translated",
        "thinking",
        before,
        {"type": "adaptive", "output_config.effort": req.extra["output_config"]["effort"]},
        "manual thinking budgets are gone on Claude 4.7+; effort is not a token budget",
        rule_id=v.rule.id,
    )
    return True


def _to_enabled(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    oc = req.extra.get("output_config")
    effort = oc.pop("effort", None) if isinstance(oc, dict) else None
    if isinstance(oc, dict) and not oc:
        del req.extra["output_config"]
    budget = EFFORT_BUDGET.get(str(effort), EFFORT_BUDGET["medium"])
    req.thinking = Thinking(mode="enabled", budget_tokens=budget)
    ctx.record(
        "translated",
        "thinking",
        {"type": "adaptive", "effort": effort},
        req.thinking.model_dump(exclude_none=True),
        "this model only has manual extended thinking with a token budget",
        rule_id=v.rule.id,
    )
    return True


def _drop_thinking(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    before = req.thinking.model_dump(exclude_none=True) if req.thinking else None
    req.thinking = None
    ctx.record(
        "drop",
        "thinking",
        before,
        None,
        "thinking cannot be disabled on this model: it will think (and spend tokens)",
        rule_id=v.rule.id,
        lossy=True,
    )
    ctx.warn(f"{ctx.target} always thinks: expect thinking tokens inside max_tokens")
    return True


def _budget(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    th = req.thinking
    if th is None or th.budget_tokens is None:
        return False
    if th.budget_tokens < 1024:
        req.thinking = Thinking(mode="enabled", budget_tokens=1024)
        ctx.record("clamp", "thinking.budget_tokens", th.budget_tokens, 1024,
                   "budget_tokens must be at least 1024", rule_id=v.rule.id)  # fmt: skip
        return True
    old = req.max_output_tokens
    req.max_output_tokens = th.budget_tokens + (old or DEFAULT_MAX_TOKENS)
    ctx.record(
        "clamp",
        "max_tokens",
        old,
        req.max_output_tokens,
        "max_tokens must exceed thinking.budget_tokens (thinking counts inside max_tokens)",
        rule_id=v.rule.id,
    )
    return True


def _prefill(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    last = req.messages[-1]
    if last.tool_calls:
        return False
    req.messages.pop()
    text = last.text
    if text.strip():
        add_instruction(
            req, f"Begin your reply with exactly the following text, then continue it:\n{text}"
        )
    ctx.record(
        "translated",
        f"messages[{len(req.messages)}]",
        {"role": "assistant", "text": text},
        "system instruction" if text.strip() else None,
        "assistant prefill is refused on Claude 4.6+: the prefix is now asked for in the "
        "system prompt and the reply no longer includes it",
        rule_id=v.rule.id,
        lossy=True,
    )
    return True


def _forced_tool(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    tc = req.tool_choice
    before = tc.model_dump(exclude_none=True) if tc else None
    req.tool_choice = ToolChoice(mode="auto")
    if tc is not None and tc.mode == "tool" and tc.name:
        add_instruction(req, f"Answer by calling the tool {tc.name!r}.")
    elif tc is not None:
        add_instruction(req, "Answer by calling one of the tools.")
    ctx.record("translated", "tool_choice", before, {"mode": "auto"},
               "forced tool use is rejected here; the instruction is in the system prompt",
               rule_id=v.rule.id, lossy=True)  # fmt: skip
    return True


def _tool_version(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    def bad(tool: Any) -> bool:
        return isinstance(tool, dict) and tool.get("type") == "computer_20251124"

    removed: list[Any] = []
    tools = req.extra.get("tools")
    if isinstance(tools, list):
        removed += [t for t in tools if bad(t)]
        req.extra["tools"] = [t for t in tools if not bad(t)]
    wire = req.extra.get("_wire")
    if isinstance(wire, dict):
        items = wire.get("items", [])
        removed += [it["insert"] for it in items if bad(it.get("insert"))]
        req.extra["_wire"] = {**wire, "items": [it for it in items if not bad(it.get("insert"))]}
    if not removed:
        return False
    ctx.record("unsupported", "tools", removed, None, v.message, rule_id=v.rule.id, lossy=True)
    return True


def _bedrock_profile(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    old = req.model
    req.model = f"global.{old}"
    ctx.target = req.model
    ctx.record("rename", "model", old, req.model,
               "newer Claude models on Bedrock are invoked through an inference profile",
               rule_id=v.rule.id)  # fmt: skip
    ctx.warn("regional inference profiles (us./eu./jp./apac.) cost 10% more than global.")
    return True


def _gemini_both(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    before = req.thinking.model_dump(exclude_none=True) if req.thinking else None
    req.thinking = None
    ctx.record("drop", "thinking_budget", before, None,
               "Gemini 3 takes thinking_level; sending both is refused", rule_id=v.rule.id)  # fmt: skip
    return True


def _gemini_range(req: ChatRequest, ctx: Ctx, v: RuleViolation) -> bool:
    if v.fix is None or not isinstance(v.fix.value, int):
        return False
    old = v.value
    value = v.fix.value
    req.thinking = (
        Thinking(mode="adaptive") if value == -1 else Thinking(mode="enabled", budget_tokens=value)
    )
    ctx.record("clamp", "thinking_budget", old, value, v.message, rule_id=v.rule.id,
               lossy=old == 0)  # fmt: skip
    return True


_FIXERS: dict[str, Fixer] = {
    "openai-max-tokens-reasoning": _max_tokens_field,
    "anthropic-max-tokens-required": _max_tokens_default,
    "anthropic-manual-thinking-removed": _to_adaptive,
    "anthropic-adaptive-thinking-unsupported": _to_enabled,
    "anthropic-thinking-always-on": _drop_thinking,
    "anthropic-budget-tokens": _budget,
    "anthropic-prefill-removed": _prefill,
    "anthropic-forced-tool-use": _forced_tool,
    "anthropic-5-5-tool-versions": _tool_version,
    "bedrock-inference-profile": _bedrock_profile,
    "gemini-3-thinking-level": _gemini_both,
    "gemini-2-5-thinking-budget": _gemini_range,
}
