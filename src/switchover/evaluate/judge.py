"""Pairwise LLM judge, run in both orders to cancel position bias.

Prompt format (the simulator recognises it, and so can any model):

* the system message starts with ``[switchover-judge]`` and carries the rubric and the
  required answer shape ``{"winner": "A" | "B" | "tie", "reason": "..."}``;
* the user message holds the conversation in ``<conversation>...</conversation>`` and the two
  answers in ``<answer_a>...</answer_a>`` and ``<answer_b>...</answer_b>``.

Each comparison is asked twice: baseline as A (order "AB"), then candidate as A ("BA"). The
candidate's share per call is 1 (win), 0.5 (tie) or 0 (loss); the verdict's score is the mean
over the orders, so a win in one order and a loss in the other is a tie (inconsistent).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from switchover.chat import ChatRequest, ChatResponse, Message
from switchover.errors import ProviderError, SwitchoverError, redact
from switchover.evaluate.results import Case, JudgeCall, JudgeVerdict
from switchover.modelref import guess_provider, parse_model_ref
from switchover.providers.base import Provider

__all__ = [
    "DEFAULT_RUBRIC",
    "JUDGE_MARKER",
    "Criterion",
    "Judge",
    "Rubric",
    "build_judge_request",
    "combine",
    "judge_family_warnings",
    "model_family",
    "parse_judge_answer",
]

JUDGE_MARKER = "[switchover-judge]"

Winner = Literal["A", "B", "tie"]


class Criterion(BaseModel):
    name: str
    description: str


class Rubric(BaseModel):
    """What the judge weighs. ``instructions`` is appended verbatim (house style, etc.)."""

    criteria: list[Criterion] = Field(default_factory=list)
    instructions: str = ""


DEFAULT_RUBRIC = Rubric(
    criteria=[
        Criterion(name="helpfulness", description="does it do what the user asked, fully?"),
        Criterion(name="correctness", description="is it factually and logically right?"),
        Criterion(
            name="tone", description="is the tone and register the one the prompt calls for?"
        ),
        Criterion(
            name="format faithfulness",
            description="does it follow the requested format (JSON, markdown or plain text, "
            "length, tool use)?",
        ),
    ]
)


def _system_prompt(rubric: Rubric) -> str:
    crit = "\n".join(f"- {c.name}: {c.description}" for c in rubric.criteria)
    parts = [
        f"{JUDGE_MARKER} You are an impartial judge comparing two answers to the same "
        "conversation. Judge only the answers' quality on these criteria:",
        crit,
        "Ignore the order the answers are shown in and their length as such. "
        "If they are equally good, say tie.",
    ]
    if rubric.instructions:
        parts.append(rubric.instructions)
    parts.append('Reply with JSON only: {"winner": "A" | "B" | "tie", "reason": "<one sentence>"}')
    return "\n\n".join(parts)


def _escape(text: str) -> str:
    return re.sub(
        r"</?(answer_[ab]|conversation)>", lambda m: m.group(0).replace("<", "&lt;"), text
    )


def _render_answer(resp: ChatResponse) -> str:
    lines = [resp.text] if resp.text else []
    for call in resp.tool_calls:
        args = json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)
        lines.append(f"[tool call] {call.name}({args})")
    if resp.refusal:
        lines.append(f"[refusal] {resp.refusal}")
    return _escape("\n".join(lines) or "(empty answer)")


def _render_conversation(req: ChatRequest) -> str:
    out: list[str] = []
    for m in req.messages:
        text = m.text
        for call in m.tool_calls:
            text += f"\n[tool call] {call.name}({call.arguments_raw})"
        out.append(f"{m.role}: {text}")
    return _escape("\n\n".join(out))


def build_judge_request(
    case: Case,
    answer_a: ChatResponse,
    answer_b: ChatResponse,
    *,
    model: str,
    rubric: Rubric = DEFAULT_RUBRIC,
    temperature: float | None = 0.0,
    max_output_tokens: int | None = 512,
) -> ChatRequest:
    user = (
        f"<conversation>\n{_render_conversation(case.request)}\n</conversation>\n\n"
        f"<answer_a>\n{_render_answer(answer_a)}\n</answer_a>\n\n"
        f"<answer_b>\n{_render_answer(answer_b)}\n</answer_b>"
    )
    return ChatRequest(
        model=model,
        messages=[Message.system(_system_prompt(rubric)), Message.user(user)],
        temperature=temperature,
        max_output_tokens=max_output_tokens,
        metadata={"switchover": "judge", "case": case.id[:64]},
    )


_WINNER_WORDS: dict[str, Winner] = {
    "a": "A",
    "answer_a": "A",
    "answer a": "A",
    "b": "B",
    "answer_b": "B",
    "answer b": "B",
    "tie": "tie",
    "draw": "tie",
    "equal": "tie",
    "both": "tie",
    "neither": "tie",
    "none": "tie",
}


def _winner_from(value: Any) -> Winner | None:
    if not isinstance(value, str):
        return None
    return _WINNER_WORDS.get(value.strip().strip("\"'.").lower())


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every top-level ``{...}`` that parses as a JSON object, in order."""
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    i = text.find("{")
    while i != -1:
        try:
            obj, end = decoder.raw_decode(text, i)
        except ValueError:
            i = text.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        i = text.find("{", end)
    return found


_FALLBACK_RE = re.compile(
    r"""["']?winner["']?\s*[:=]\s*["']?(answer[ _]?[ab]|[ab]|tie|draw)\b""", re.IGNORECASE
)


def parse_judge_answer(text: str) -> tuple[Winner | None, str]:
    """The judge's ``(winner, reason)``; winner ``None`` when the answer cannot be read.

    Accepts bare JSON, JSON in code fences or surrounded by prose, any key case, winner
    spelled "A"/"answer_a"/"Answer A"/"tie"/"draw", and a loose ``winner: A`` line."""
    for obj in _json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        w = _winner_from(lowered.get("winner", lowered.get("verdict", lowered.get("better"))))
        if w is not None:
            reason = lowered.get("reason", lowered.get("explanation", ""))
            return w, str(reason)
    m = _FALLBACK_RE.search(text)
    if m:
        return _winner_from(m.group(1)), text.strip()[:500]
    return None, ""


_SHARE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def _outcome(
    order: Literal["AB", "BA"], winner: Winner | None
) -> Literal["win", "loss", "tie"] | None:
    if winner is None:
        return None
    if winner == "tie":
        return "tie"
    candidate_letter = "B" if order == "AB" else "A"
    return "win" if winner == candidate_letter else "loss"


def combine(calls: Sequence[JudgeCall], judge_model: str = "") -> JudgeVerdict:
    """Combine the per-order calls into one verdict (see module docstring)."""
    outcomes = [c.candidate_outcome for c in calls if c.candidate_outcome is not None]
    if not outcomes:
        return JudgeVerdict(calls=list(calls), judge_model=judge_model, consistent=False)
    score = sum(_SHARE[o] for o in outcomes) / len(outcomes)
    outcome: Literal["win", "loss", "tie"] = (
        "win" if score > 0.5 else "loss" if score < 0.5 else "tie"
    )
    consistent = len(outcomes) == len(calls) and not ({"win", "loss"} <= set(outcomes))
    return JudgeVerdict(
        outcome=outcome,
        score=score,
        consistent=consistent,
        calls=list(calls),
        judge_model=judge_model,
    )


class Judge:
    """A pairwise judge over any :class:`Provider`."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        rubric: Rubric | None = None,
        *,
        temperature: float | None = 0.0,
        max_output_tokens: int | None = 512,
    ) -> None:
        self.provider = provider
        self.model = model
        self.rubric = rubric or DEFAULT_RUBRIC
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens

    async def _ask(
        self, case: Case, order: Literal["AB", "BA"], a: ChatResponse, b: ChatResponse
    ) -> JudgeCall:
        req = build_judge_request(
            case,
            a,
            b,
            model=self.model,
            rubric=self.rubric,
            temperature=self.temperature,
            max_output_tokens=self.max_output_tokens,
        )
        try:
            resp = await self.provider.complete(req)
        except ProviderError as exc:
            return JudgeCall(order=order, error=redact(f"{type(exc).__name__}: {exc.message}"))
        winner, reason = parse_judge_answer(resp.text)
        return JudgeCall(
            order=order,
            winner=winner,
            candidate_outcome=_outcome(order, winner),
            reason=reason,
            raw=resp.text[:2000],
            error=None if winner is not None else "could not read the judge's answer",
        )

    async def judge(
        self, case: Case, baseline: ChatResponse, candidate: ChatResponse
    ) -> JudgeVerdict:
        """Ask in both orders (concurrently) and combine."""
        ab, ba = await asyncio.gather(
            self._ask(case, "AB", baseline, candidate),
            self._ask(case, "BA", candidate, baseline),
        )
        return combine([ab, ba], self.model)


def model_family(model: str) -> str:
    """The vendor family of a model reference ("openai", "anthropic", "google", ...)."""
    try:
        ref = parse_model_ref(model)
    except SwitchoverError:
        return ""
    return ref.provider or guess_provider(ref.model) or ""


def judge_family_warnings(judge_model: str, candidates: Mapping[str, str]) -> list[str]:
    """Warnings for candidates judged by a model of their own family (self-preference bias)."""
    fam = model_family(judge_model)
    if not fam:
        return []
    return [
        f"the judge {judge_model} is from the same family ({fam}) as candidate {label} "
        f"({model}); LLM judges tend to prefer their own family's answers - consider a judge "
        "from another provider"
        for label, model in candidates.items()
        if model_family(model) == fam
    ]
