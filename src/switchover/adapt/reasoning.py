"""Reasoning effort and thinking, carried between OpenAI effort, Anthropic thinking/effort
and Gemini thinking level/budget.

The effort <-> budget table is switchover's own heuristic (providers publish none); the
per-model accepted values and ranges come from the parameter rules, applied afterwards.
"""

from __future__ import annotations

from typing import Any

from switchover.adapt.context import Ctx
from switchover.chat import ChatRequest, Thinking

__all__ = ["EFFORT_BUDGET", "budget_to_effort", "translate_reasoning"]

#: Thinking budget used for an effort level when only budgets can be expressed.
EFFORT_BUDGET = {
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 16384,
    "xhigh": 24576,
    "max": 32768,
}
_OPENAI_URL = "https://developers.openai.com/api/docs/guides/reasoning"
_ANTHROPIC_URL = "https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking"
_GEMINI_URL = "https://ai.google.dev/gemini-api/docs/thinking"


def budget_to_effort(budget: int | None) -> str:
    """The effort level closest to a thinking budget (dynamic / unknown -> medium)."""
    if budget is None or budget < 0:
        return "medium"
    for level in ("low", "medium", "high"):
        if budget <= EFFORT_BUDGET[level]:
            return level
    return "xhigh"


def _pop_anthropic_effort(req: ChatRequest) -> str | None:
    oc = req.extra.get("output_config")
    if not isinstance(oc, dict) or "effort" not in oc:
        return None
    rest = {k: v for k, v in oc.items() if k != "effort"}
    if rest:
        req.extra["output_config"] = rest
    else:
        del req.extra["output_config"]
    effort = oc["effort"]
    return str(effort) if effort is not None else None


def _set_anthropic_effort(req: ChatRequest, effort: str) -> None:
    oc = req.extra.get("output_config")
    req.extra["output_config"] = {**(oc if isinstance(oc, dict) else {}), "effort": effort}


def _show(req: ChatRequest, effort: str | None) -> dict[str, Any]:
    """A compact before/after value for the change table."""
    out: dict[str, Any] = {}
    if req.thinking is not None:
        out["thinking"] = req.thinking.model_dump(exclude_none=True)
    if effort is not None:
        out["effort"] = effort
    return out


def translate_reasoning(req: ChatRequest, ctx: Ctx) -> None:
    """Re-express the request's reasoning controls in the target provider's terms."""
    foreign = ctx.provider != "anthropic" or ctx.source_api != ctx.api
    anthropic_effort = _pop_anthropic_effort(req) if foreign else None
    if ctx.provider == "openai":
        _to_openai(req, ctx, anthropic_effort)
    elif ctx.provider == "anthropic":
        if req.reasoning_effort is None and anthropic_effort is not None:
            req.reasoning_effort = anthropic_effort
        _to_anthropic(req, ctx)
    else:
        _to_gemini(req, ctx, anthropic_effort)


def _to_openai(req: ChatRequest, ctx: Ctx, anthropic_effort: str | None) -> None:
    reasoning = ctx.in_range("openai_reasoning") and not ctx.in_range("openai_chat_variants")
    before = _show(req, req.reasoning_effort or anthropic_effort)
    th = req.thinking
    if th is None and anthropic_effort is None:
        if (
            req.reasoning_effort is not None
            and not reasoning
            and not ctx.in_range("openai_chat_variants")
        ):
            ctx.record(
                "unsupported",
                "reasoning_effort",
                req.reasoning_effort,
                None,
                f"{ctx.target} is not a reasoning model",
                lossy=True,
                source_url=_OPENAI_URL,
            )
            req.reasoning_effort = None
        return
    if not reasoning:
        wanted = (th is not None and th.mode != "disabled") or anthropic_effort is not None
        req.thinking = None
        req.reasoning_effort = None
        ctx.record(
            "unsupported" if wanted else "drop",
            "thinking",
            before,
            None,
            f"{ctx.target} does not reason; thinking controls have no equivalent",
            lossy=wanted,
            source_url=_OPENAI_URL,
        )
        return
    effort = req.reasoning_effort or anthropic_effort
    lossy = False
    if th is not None and effort is None:
        if th.mode == "enabled":
            effort = budget_to_effort(th.budget_tokens)
        elif th.mode == "adaptive":
            effort = None  # the model decides: OpenAI's default effort
        elif ctx.in_range("openai_effort_none"):
            effort = "none"
        else:
            effort, lossy = "low", True
    req.thinking = None
    req.reasoning_effort = effort
    ctx.record(
        "translated",
        "reasoning_effort",
        before,
        effort if effort is not None else "(model default)",
        "OpenAI controls reasoning with reasoning effort, not a thinking budget"
        + ("; thinking cannot be switched off here, lowest effort used" if lossy else ""),
        lossy=lossy,
        source_url=_OPENAI_URL,
    )


def _to_anthropic(req: ChatRequest, ctx: Ctx) -> None:
    effort = req.reasoning_effort
    if effort is None:
        if req.thinking is not None and not ctx.in_range("claude_thinking"):
            wanted = req.thinking.mode != "disabled"
            ctx.record(
                "unsupported" if wanted else "drop",
                "thinking",
                req.thinking.model_dump(exclude_none=True),
                None,
                f"{ctx.target} has no extended thinking",
                lossy=wanted,
                source_url=_ANTHROPIC_URL,
            )
            req.thinking = None
        return
    before = _show(req, effort)
    req.reasoning_effort = None
    lossy = False
    if effort == "none":
        if ctx.in_range("claude_always_thinking"):
            lossy = True
        elif ctx.in_range("claude_thinking_default_on"):
            req.thinking = Thinking(mode="disabled")
        else:
            req.thinking = None  # thinking is off unless asked for
    elif ctx.in_range("claude_4_6_plus"):
        if req.thinking is None or req.thinking.mode != "disabled":
            req.thinking = Thinking(mode="adaptive")
        _set_anthropic_effort(req, "low" if effort == "minimal" else effort)
    elif ctx.in_range("claude_thinking"):
        req.thinking = Thinking(mode="enabled", budget_tokens=EFFORT_BUDGET.get(effort, 8192))
    else:
        ctx.record(
            "unsupported",
            "reasoning_effort",
            effort,
            None,
            f"{ctx.target} has no extended thinking",
            lossy=True,
            source_url=_ANTHROPIC_URL,
        )
        return
    ctx.record(
        "translated",
        "reasoning_effort",
        before,
        _show(req, (req.extra.get("output_config") or {}).get("effort")),
        "Anthropic expresses reasoning as thinking (adaptive + output_config.effort on 4.6+, "
        "a token budget before)" + ("; thinking is always on for this model" if lossy else ""),
        lossy=lossy,
        source_url=_ANTHROPIC_URL,
    )


def _to_gemini(req: ChatRequest, ctx: Ctx, anthropic_effort: str | None) -> None:
    effort = req.reasoning_effort or anthropic_effort
    th = req.thinking
    if effort is None and th is None:
        return
    before = _show(req, effort)
    lossy = False
    if ctx.in_range("gemini_3"):
        if effort is None and th is not None:
            if th.mode == "adaptive":
                effort = None
            elif th.mode == "disabled":
                effort, lossy = "minimal", True
            else:
                effort = budget_to_effort(th.budget_tokens)
        if effort is not None:
            mapped = {"none": "minimal", "xhigh": "high", "max": "high"}.get(effort, effort)
            lossy = lossy or effort == "none"
            effort = mapped
        req.thinking = None
        req.reasoning_effort = effort
    elif ctx.in_range("gemini_2_5"):
        if effort is not None:
            req.thinking = (
                Thinking(mode="disabled")
                if effort == "none"
                else Thinking(mode="enabled", budget_tokens=EFFORT_BUDGET.get(effort, 8192))
            )
        req.reasoning_effort = None
    else:
        req.thinking = None
        req.reasoning_effort = None
        ctx.record(
            "unsupported",
            "thinking",
            before,
            None,
            f"{ctx.target} has no thinking controls",
            lossy=True,
            source_url=_GEMINI_URL,
        )
        return
    after = _show(req, req.reasoning_effort)
    if after == before:
        return
    ctx.record(
        "translated",
        "thinking",
        before,
        after,
        "Gemini 3 takes thinking_level, Gemini 2.5 an integer thinking_budget"
        + ("; thinking cannot be switched off, minimal level used" if lossy else ""),
        lossy=lossy,
        source_url=_GEMINI_URL,
    )
