"""Instruction following: how a simulated model's hazards respond to its system prompt.

A real model that drifts into markdown usually stops when told plainly not to use it; a model
that fences its JSON stops when told to return bare JSON. The simulator reproduces that, so
that prompt tuning (``switchover tune``) has something real to find. The rules are fixed and
deterministic; each one is an *explicit* instruction in a system or developer message (a
weak hint such as "Answer in plain text." alone is not enough, just as drifting models ignore
it in practice):

========================  ==========================================  ======================
instruction               recognised phrasings (case-insensitive)     effect
========================  ==========================================  ======================
``no_markdown``           "never/do not/don't/must not use markdown", markdown hazard off
                          "no markdown"
``bare_json``             "bare JSON", "raw JSON", "no code fences",  fenced-JSON hazard off
                          "do not wrap ... in code fences/blocks"
``exact_tool_args``       "exact(ly the) argument/parameter names",   tool-argument renames
                          "argument names exactly"                    and reordering off
``concise``               "be concise", "keep (your) answers/replies  ``length_factor``
                          short"                                      capped at 1.0
========================  ==========================================  ======================

Refusals, truncation and quality drops do not respond to instructions.

Sentences carrying a recognised instruction are left out of the answer key
(:func:`answer_basis`), so a prompt variant that only *adds* instructions gets the same
underlying answer and the same hazard draws as the original prompt: the difference between
the two is exactly the hazards the instructions switch off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from switchover.chat import ChatRequest, TextPart
from switchover.providers.sim.generate import Hazards
from switchover.providers.sim.profiles import SimProfile

__all__ = ["INSTRUCTIONS", "Instructions", "answer_basis", "follow", "read_instructions"]

_NEG = r"(?:never|do\s+not|don't|must\s+not|should\s+not)"

#: instruction name -> pattern recognising it (documented in the module docstring)
INSTRUCTIONS: dict[str, re.Pattern[str]] = {
    "no_markdown": re.compile(
        rf"(?i)\b{_NEG}\s+(?:use|add|include|write|format\s+with)\s+(?:any\s+)?markdown\b"
        r"|\bno\s+markdown\b"
    ),
    "bare_json": re.compile(
        r"(?i)\b(?:bare|raw)\s+JSON\b|\bno\s+(?:code\s+)?fences?\b"
        rf"|\b{_NEG}\s+(?:wrap|put|enclose|fence)\b[^.\n]{{0,60}}"
        r"(?:code\s+fences?|code\s+blocks?|```|backticks?)"
    ),
    "exact_tool_args": re.compile(
        r"(?i)\bexact(?:ly)?\s+(?:the\s+)?(?:tool\s+)?(?:argument|parameter)\s+names\b"
        r"|\b(?:argument|parameter)\s+names\s+exactly\b"
    ),
    "concise": re.compile(
        r"(?i)\bbe\s+concise\b|\bkeep\s+(?:your\s+)?(?:answers|replies|responses)\s+short\b"
    ),
}

_SENTENCE = re.compile(r"[^.!?]+[.!?]*|[.!?]+")


@dataclass(frozen=True)
class Instructions:
    """Which recognised instructions a system prompt gives."""

    no_markdown: bool = False
    bare_json: bool = False
    exact_tool_args: bool = False
    concise: bool = False

    @property
    def any(self) -> bool:
        return self.no_markdown or self.bare_json or self.exact_tool_args or self.concise

    def names(self) -> list[str]:
        return [n for n in INSTRUCTIONS if getattr(self, n)]


def read_instructions(system_text: str) -> Instructions:
    """The instructions ``system_text`` gives (see the module docstring for phrasings)."""
    if not system_text:
        return Instructions()
    return Instructions(**{n: bool(p.search(system_text)) for n, p in INSTRUCTIONS.items()})


def _is_instruction(sentence: str) -> bool:
    return any(p.search(sentence) for p in INSTRUCTIONS.values())


def _strip_line(line: str) -> str:
    sentences = _SENTENCE.findall(line)
    kept = [s for s in sentences if not _is_instruction(s)]
    out = "".join(kept)
    if sentences and kept and kept[0] is not sentences[0]:
        out = out.lstrip()
    return out


def strip_instructions(text: str) -> str:
    """``text`` without the sentences that carry a recognised instruction: a line left empty
    goes with its line break (and one blank line around it), so ``strip_instructions(p + "\n"
    + instruction) == p`` wherever the instruction was put."""
    lines = text.split("\n")
    out: list[str] = []
    skip_blank = False
    for line in lines:
        if skip_blank and not line.strip():
            skip_blank = False
            continue
        skip_blank = False
        if not _is_instruction(line):
            out.append(line)
            continue
        kept = _strip_line(line)
        if kept.strip():
            out.append(kept)
        else:  # the whole line goes; so does a blank line it leaves doubled
            skip_blank = not out or not out[-1].strip()
    result = "\n".join(out)
    return result if text[-1:].isspace() else result.rstrip()


def answer_basis(req: ChatRequest) -> ChatRequest:
    """The request an answer is keyed on: system and developer messages without their
    instruction sentences. Returns ``req`` itself when no instruction is present."""
    if not read_instructions(req.system_text).any:
        return req
    messages = []
    for m in req.messages:
        if m.role in ("system", "developer") and _is_instruction(m.text):
            parts = [
                TextPart(text=strip_instructions(p.text)) if isinstance(p, TextPart) else p
                for p in m.content
            ]
            m = m.model_copy(update={"content": parts})
        messages.append(m)
    return req.model_copy(update={"messages": messages})


def follow(req: ChatRequest, profile: SimProfile, hazards: Hazards) -> tuple[SimProfile, Hazards]:
    """The profile and hazards after the request's system-prompt instructions are obeyed."""
    ins = read_instructions(req.system_text)
    if not ins.any:
        return profile, hazards
    if ins.no_markdown:
        hazards = replace(hazards, markdown=False)
    if ins.bare_json:
        hazards = replace(hazards, fence=False)
    if ins.exact_tool_args:
        hazards = replace(hazards, rename=False, reorder=False)
    if ins.concise and profile.length_factor > 1.0:
        profile = profile.model_copy(update={"length_factor": 1.0})
    return profile, hazards


# -- the simulated prompt rewriter ------------------------------------------------------------
#: marks a request asking for rewritten system prompts (``switchover tune --generate``)
REWRITE_MARKER = "[switchover-rewrite]"

#: regressed metric -> the instruction sentence the simulated rewriter adds for it
FIXES: dict[str, str] = {
    "markdown_drift": "Never use markdown: no headings, bullet lists or bold text.",
    "json_fence": "Return bare JSON with no code fences.",
    "json_valid": "Return bare JSON with no code fences.",
    "json_schema": "Return bare JSON with no code fences.",
    "tool_calls_valid": "Call tools with exactly the argument names in their schemas.",
    "tool_calls_match": "Call tools with exactly the argument names in their schemas.",
    "length_ratio": "Be concise.",
    "output_tokens": "Be concise.",
}
_TAG = r"<{0}>\n?(.*?)\n?</{0}>"


def is_rewrite_request(req: ChatRequest) -> bool:
    return REWRITE_MARKER in req.system_text and "<original_prompt>" in _user_text(req)


def _user_text(req: ChatRequest) -> str:
    return "\n".join(m.text for m in req.messages if m.role == "user")


def rewrite(req: ChatRequest) -> str:
    """The simulated rewriter's answer (JSON): variants of ``<original_prompt>`` adding the
    :data:`FIXES` sentences for the metrics listed in ``<regressions>`` (``- name: ...``
    lines, most frequent first): all fixes together first, then each fix alone, up to
    ``<count>`` variants."""
    import json

    body = _user_text(req)
    original_m = re.search(_TAG.format("original_prompt"), body, re.S)
    original = original_m.group(1) if original_m else ""
    regressions_m = re.search(_TAG.format("regressions"), body, re.S)
    names = re.findall(
        r"(?m)^\s*-\s*([a-z_]+)\s*:", regressions_m.group(1) if regressions_m else ""
    )
    count_m = re.search(r"<count>(\d+)</count>", body)
    count = max(1, int(count_m.group(1))) if count_m else 3
    fixes = list(dict.fromkeys(FIXES[n] for n in names if n in FIXES))
    combos: list[list[str]] = [fixes] if len(fixes) > 1 else []
    combos += [[f] for f in fixes]
    variants = []
    for i, combo in enumerate(combos[:count]):
        prompt = (original.rstrip() + "\n" if original.strip() else "") + " ".join(combo)
        variants.append(
            {
                "name": f"rewrite-{i + 1}",
                "system_prompt": prompt,
                "rationale": "Adds: " + " ".join(combo),
            }
        )
    return json.dumps({"variants": variants}, ensure_ascii=False)
