"""The simulator's pairwise judge: a deterministic verdict from visible features.

A request is a judging request when its system (or developer) prompt contains
``[switchover-judge]`` and a message carries ``<answer_a>...</answer_a>`` and
``<answer_b>...</answer_b>``. Optional tags: ``<question>`` (the original prompt; its key
terms are the expected keywords when none are given), ``<expected_keywords>`` (comma
separated) and ``<reference>`` (a reference answer; JSON-ness and plain-vs-markdown are
taken from it). ``<conversation>`` (as switchover.evaluate.judge renders it) stands in for
``<question>``: its last ``user:`` turn is the question. The reply is JSON
``{"winner": "A"|"B"|"tie", "reason": "..."}``.

Penalties per answer: empty 3, refusal 4, invalid JSON where JSON is expected 3, JSON in
code fences 2, markdown where the reference is plain or the conversation asks for plain
text 1, each missing keyword 1, truncated (cut mid-sentence) 1. A difference of at least 1
point decides; less is a tie. The verdict is symmetric: swapping A and B swaps the winner.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from switchover.chat import ChatRequest
from switchover.providers.sim.textgen import extract_facts

__all__ = ["JUDGE_MARKER", "JudgeInput", "is_judge_request", "judge", "parse_judge_input"]

JUDGE_MARKER = "[switchover-judge]"

_REFUSAL = re.compile(
    r"(?i)\b(i can(?:no|')t help|i'm sorry, but i can|i am unable to|i cannot assist|"
    r"i can(?:no|')t assist|i won't be able to)"
)
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n.*\n\s*```\s*$", re.S)
_PLAIN_ASKED = re.compile(r"(?i)plain text|no markdown|without markdown|not use markdown")
_MARKDOWN = re.compile(r"(?m)^(#{1,6} |\s*[-*+] |\|.*\|)|\*\*[^*]+\*\*")


@dataclass
class JudgeInput:
    answer_a: str
    answer_b: str
    question: str = ""
    keywords: tuple[str, ...] = ()
    reference: str | None = None
    plain_text_asked: bool = False


def _tag(text: str, name: str) -> str | None:
    m = re.search(rf"<{name}>(.*?)</{name}>", text, re.S)
    return m.group(1).strip() if m else None


def is_judge_request(req: ChatRequest) -> bool:
    if JUDGE_MARKER not in req.system_text:
        return False
    body = "\n".join(m.text for m in req.messages)
    return "<answer_a>" in body and "<answer_b>" in body


def _last_user_turn(conversation: str) -> str:
    """The last ``user: ...`` turn of a rendered conversation (turns split by blank lines)."""
    turns = re.split(r"\n\n(?=(?:system|developer|user|assistant|tool): )", conversation)
    users = [t.removeprefix("user: ") for t in turns if t.startswith("user: ")]
    return users[-1] if users else conversation


def parse_judge_input(req: ChatRequest) -> JudgeInput:
    body = "\n".join(m.text for m in req.messages if m.role not in ("system", "developer"))
    a = _tag(body, "answer_a") or ""
    b = _tag(body, "answer_b") or ""
    question = _tag(body, "question") or _last_user_turn(_tag(body, "conversation") or "")
    kw_text = _tag(body, "expected_keywords")
    if kw_text:
        keywords = tuple(k.strip().lower() for k in kw_text.split(",") if k.strip())
    else:
        keywords = tuple(extract_facts(question).terms[:3]) if question else ()
    plain = bool(_PLAIN_ASKED.search(_tag(body, "conversation") or question))
    return JudgeInput(a, b, question, keywords, _tag(body, "reference"), plain)


def _looks_json(text: str) -> bool:
    t = text.strip()
    if _FENCE.match(t):
        t = t.strip().strip("`").removeprefix("json").strip()
    return t.startswith(("{", "["))


def _penalties(answer: str, inp: JudgeInput, expect_json: bool) -> list[tuple[str, float]]:
    text = answer.strip()
    if not text or text == "(empty answer)":
        return [("empty answer", 3.0)]
    out: list[tuple[str, float]] = []
    if _REFUSAL.search(text):
        out.append(("refuses", 4.0))
    if expect_json:
        if _FENCE.match(text):
            out.append(("JSON wrapped in a code fence", 2.0))
            text = re.sub(r"^\s*```[a-zA-Z]*\s*\n|\n\s*```\s*$", "", text)
        try:
            json.loads(text)
        except ValueError:
            out.append(("invalid JSON", 3.0))
    elif _MARKDOWN.search(text) and (
        inp.plain_text_asked or (inp.reference is not None and not _MARKDOWN.search(inp.reference))
    ):
        out.append(("markdown where plain text was expected", 1.0))
    low = text.lower()
    missing = [k for k in inp.keywords if k not in low]
    if missing:
        out.append((f"missing {', '.join(missing)}", float(len(missing))))
    if not expect_json and text[-1] not in ".!?)\"'`*" and not _MARKDOWN.search(text[-40:]):
        out.append(("cut off mid-sentence", 1.0))
    return out


def judge(inp: JudgeInput) -> dict[str, str]:
    """The verdict for one pair (see the module docstring for the scoring)."""
    expect_json = (
        _looks_json(inp.reference)
        if inp.reference is not None
        else (_looks_json(inp.answer_a) or _looks_json(inp.answer_b))
    )
    pa = _penalties(inp.answer_a, inp, expect_json)
    pb = _penalties(inp.answer_b, inp, expect_json)
    sa, sb = sum(p for _, p in pa), sum(p for _, p in pb)

    def describe(label: str, pens: list[tuple[str, float]]) -> str:
        return f"{label}: " + ("; ".join(r for r, _ in pens) if pens else "no problems found")

    reason = describe("A", pa) + ". " + describe("B", pb) + "."
    if abs(sa - sb) < 1.0:
        return {"winner": "tie", "reason": "Both answers are of similar quality. " + reason}
    winner = "A" if sa < sb else "B"
    return {"winner": winner, "reason": f"{winner} is better. " + reason}
