"""Plausible, prompt-derived text for the simulator (no model, only templates).

Answers restate the prompt's key terms and give numbered steps, so checks that look for
expected keywords, formatting or length see realistic differences between profiles.
Token counts use a documented estimate: one token per 4 characters (rounded up).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "REFUSAL_TEXT",
    "STOPWORDS",
    "PromptFacts",
    "estimate_tokens",
    "extract_facts",
    "fence_json",
    "markdownify",
    "support_reply",
    "tool_result_reply",
]

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further get got had hasn't have
    haven't having he her here hers herself him himself his how i i'd i'm i've if in into is
    isn't it it's its itself just let's me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own please same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was wasn't we were what when where which while who whom why will with
    won't would you your yours yourself yourselves hello hi thanks thank help need want still
    since tried trying keep keeps using use used able ever never yet one two three know like
    make sure tell let way something anything really already twice week weeks today
    yesterday tomorrow again ago hey dear okay ok lot lots thing things days day has had does
    did done gets getting goes going gone went come comes came makes made take takes took give
    gives gave see sees saw seen say says said told ask asks asked think thinks thought wants
    wanted needs needed tries look looks looked seem seems seemed happen happens happened kept
    put puts may might must shall every few nothing everything someone anyone ways time times
    month months year years always often sometimes maybe fine good great well knew known
    unable got anymore instead last first next another""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{2,}")
_ID = re.compile(r"\b(?:[A-Z]{1,4}[-_]?\d{3,}[A-Z0-9]*|#?\d{5,})\b")
_KEYED_ID = re.compile(
    r"(?i)\b(?:order|case|ticket|invoice|account|booking|reference|ref)\s*(?:number|no\.?|id)?"
    r"\s*[:#]?\s*#?(\d{3,})\b"
)
_GENERIC_ID_WORDS = frozenset({"id", "ids", "number", "no", "num", "ref", "reference", "code"})
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_QUOTED = re.compile(r"[\"“']([^\"”'\n]{2,60})[\"”']")
_PROPER = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?: [A-Z][a-z]+)?")


def estimate_tokens(text: str) -> int:
    """Simulator tokenizer: ceil(characters / 4); empty text is 0 tokens."""
    return math.ceil(len(text) / 4) if text else 0


@dataclass
class PromptFacts:
    """What the simulator "understood" from a prompt."""

    text: str
    terms: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    id_context: dict[str, set[str]] = field(default_factory=dict)  # id -> words just before it

    def ids_for(self, words: AbstractSet[str], *, only_near: bool = False) -> list[str]:
        """Ids preceded by one of ``words`` first, then (unless ``only_near``) the others,
        in order of appearance."""
        distinctive = set(words) - _GENERIC_ID_WORDS
        if distinctive:
            near = [i for i in self.ids if self.id_context.get(i, set()) & distinctive]
        else:
            near = list(self.ids)
        return near if only_near else near + [i for i in self.ids if i not in near]


def _dedup(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for it in items:
        if it.lower() not in seen:
            seen.add(it.lower())
            out.append(it)
    return out


def extract_facts(text: str, *, max_terms: int = 6) -> PromptFacts:
    """Key terms (frequent non-stopwords, first appearance breaking ties), ids, emails,
    numbers, dates, quoted strings and proper names found in ``text``."""
    emails = _dedup(_EMAIL.findall(text))
    scrubbed = _EMAIL.sub(" ", text)
    found = [(m.start(), m.group(0).lstrip("#")) for m in _ID.finditer(scrubbed)]
    found += [(m.start(1), m.group(1)) for m in _KEYED_ID.finditer(scrubbed)]
    ids = _dedup([ident for _, ident in sorted(found)])
    context: dict[str, set[str]] = {}
    for pos, ident in sorted(found):
        before = re.findall(r"[a-z]+", scrubbed[max(0, pos - 30) : pos].lower())[-2:]
        context.setdefault(ident, set()).update(before)
    words = [w.lower().strip("'-") for w in _WORD.findall(scrubbed)]
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, w in enumerate(words):
        if w in STOPWORDS or len(w) < 3:
            continue
        counts[w] = counts.get(w, 0) + 1
        first.setdefault(w, i)
    ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
    return PromptFacts(
        text=text,
        terms=ranked[:max_terms],
        ids=ids,
        emails=emails,
        numbers=[n for n in _dedup(_NUMBER.findall(_DATE.sub(" ", scrubbed))) if n not in ids],
        dates=_dedup(_DATE.findall(text)),
        quoted=_dedup(_QUOTED.findall(text)),
        names=_dedup(_PROPER.findall(text)),
        id_context=context,
    )


_STEPS = [
    "Open your account settings and go to the {t} section.",
    "Check that the {t} details in your account are correct and up to date.",
    "Select the {t} option and confirm the change when asked.",
    "Wait a few minutes, then refresh the page to see the updated {t} status.",
    "If you received an email about the {t}, follow the link in it before it expires.",
    "Sign out, sign back in, and try the {t} step again.",
    "Write down any {t} error message exactly as shown so our team can trace it.",
    "Compare the {t} date on your receipt with the one in your account history.",
]
_ELABORATIONS = [
    "This usually settles {t} problems within a few minutes.",
    "Most customers who report a {t} issue find the cause at this point.",
    "Doing this first avoids having to repeat the {t} steps later.",
    "Keep the page open while this happens so the {t} change is saved.",
]


def _join_terms(terms: list[str]) -> str:
    if not terms:
        return "your request"
    if len(terms) == 1:
        return terms[0]
    return ", ".join(terms[:-1]) + " and " + terms[-1]


def _term_for(template: str, terms: list[str], i: int) -> str:
    """The i-th term (cyclically), skipping terms the template already uses ("an email
    about the email")."""
    words = set(re.findall(r"[a-z]+", template.lower()))
    for k in range(len(terms)):
        t = terms[(i + k) % len(terms)]
        if t not in words:
            return t
    return terms[i % len(terms)]


def support_reply(
    facts: PromptFacts, rng: random.Random, *, length_factor: float = 1.0, degraded: bool = False
) -> str:
    """A support-assistant style answer restating the key terms with numbered steps.

    ``degraded`` leaves out the key terms and one step: a worse answer an LLM judge (and
    keyword checks) notice."""
    terms = facts.terms or ["request"]
    n_steps = max(1, min(len(_STEPS), round(3 * length_factor)))
    order = rng.sample(range(len(_STEPS)), k=n_steps)
    use_terms = ["this"] * len(terms) if degraded else terms
    if degraded and n_steps > 1:
        order = order[1:]
    lines: list[str] = []
    if length_factor >= 0.6:
        topic = "your question" if degraded else _join_terms(terms[:3])
        lines.append(f"Thanks for reaching out about {topic}. Here is what to do:")
    for i, idx in enumerate(order):
        t = _term_for(_STEPS[idx], use_terms, i)
        step = _STEPS[idx].format(t=t)
        if length_factor > 1.5:
            extra = math.floor(length_factor) - 1
            for k in range(extra):
                step += " " + _ELABORATIONS[(idx + k) % len(_ELABORATIONS)].format(t=t)
        lines.append(f"{i + 1}. {step}")
    if length_factor >= 0.6:
        ref = facts.ids[0] if facts.ids else "your account email"
        subject = "it" if degraded else f"the {terms[0]} issue"
        lines.append(f"If {subject} continues, reply with {ref} and we will look into it.")
    if length_factor > 1.5:
        lines.append(
            "For reference, these steps apply to web and mobile alike, and none of them "
            "changes your other settings or saved data."
        )
    return "\n".join(lines)


def _scalar_items(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_scalar_items(v, f"{prefix}{k} "))
    elif isinstance(value, list):
        for v in value[:3]:
            out.extend(_scalar_items(v, prefix))
    else:
        out.append((prefix.strip().replace("_", " "), value))
    return out


def tool_result_reply(tool_name: str, result_text: str, facts: PromptFacts) -> str:
    """The final answer after a tool result: restates what the tool returned."""
    label = tool_name.replace("_", " ") if tool_name else "the lookup"
    try:
        parsed: Any = json.loads(result_text)
    except ValueError:
        parsed = None
    if parsed is None:
        snippet = result_text.strip().replace("\n", " ")[:160] or "no details"
        summary = f"it returned: {snippet}"
    else:
        if isinstance(parsed, dict) and any(
            parsed.get(k) is False for k in ("found", "success", "ok")
        ):
            subject = f" for {facts.ids[0]}" if facts.ids else ""
            return (
                f"I checked {label}{subject}, but found no matching record. "
                "Please check the details and try again, or contact support."
            )
        items = [(k, v) for k, v in _scalar_items(parsed) if k][:5]
        if any(k.lower() in ("error", "error message") for k, _ in items):
            err = next(v for k, v in items if k.lower().startswith("error"))
            return (
                f"I tried {label}, but it failed ({err}). "
                "Please check the details and try again, or contact support."
            )
        summary = "; ".join(f"{k} is {v}" for k, v in items) or "it returned no details"
    subject = f" for {facts.ids[0]}" if facts.ids else ""
    return f"I checked {label}{subject}: {summary}. Let me know if you need anything else."


def markdownify(text: str, facts: PromptFacts) -> str:
    """Markdown drift: a heading, bullets instead of numbered lines, bold key terms."""
    title = " ".join(t.capitalize() for t in facts.terms[:3]) or "Answer"
    out = [f"## {title}", ""]
    for line in text.splitlines():
        m = re.match(r"^\d+\. (.*)$", line)
        out.append(f"- {m.group(1)}" if m else line)
    md = "\n".join(out)
    for term in facts.terms[:2]:
        md = re.sub(rf"\b({re.escape(term)})\b", r"**\1**", md, count=1)
    return md


def fence_json(text: str) -> str:
    return f"```json\n{text}\n```"
