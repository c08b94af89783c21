"""Format checks: JSON validity, schema conformance, code fences, markdown drift, length,
truncation and refusal."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from switchover.chat import ChatResponse
from switchover.evaluate.checks.base import (
    Check,
    passed,
    register,
    schema_validator,
    scored,
    skipped,
    valued,
)
from switchover.evaluate.results import Case, CheckResult

__all__ = [
    "extract_json",
    "is_fenced_json",
    "markdown_features",
    "parse_json_strict",
    "wants_json",
]

_FENCE_RE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?\s*```\s*$", re.DOTALL)
_MISSING = object()


def parse_json_strict(text: str) -> Any:
    """The JSON value the whole text is, or ``_MISSING`` (leading/trailing space allowed)."""
    s = text.strip()
    if not s or s[0] not in '{["-0123456789tfn':
        return _MISSING
    try:
        return json.loads(s)
    except ValueError:
        return _MISSING


def is_fenced_json(text: str) -> bool:
    m = _FENCE_RE.match(text)
    return m is not None and parse_json_strict(m.group(1)) is not _MISSING


def extract_json(text: str) -> tuple[bool, Any]:
    """Lenient: the JSON in ``text`` (bare or inside one code fence). ``(found, value)``."""
    value = parse_json_strict(text)
    if value is _MISSING:
        m = _FENCE_RE.match(text)
        value = parse_json_strict(m.group(1)) if m else _MISSING
    return (value is not _MISSING), (None if value is _MISSING else value)


def wants_json(case: Case, reference: ChatResponse | None) -> str | None:
    """Why JSON is expected for this case (or ``None``): asked for, or the baseline was JSON."""
    rf = case.request.response_format
    if rf is not None and rf.type in ("json_object", "json_schema"):
        return f"response_format {rf.type}"
    if reference is not None and reference.text and not reference.tool_calls:
        value = parse_json_strict(reference.text)
        if isinstance(value, dict | list):
            return "the baseline answered in JSON"
    return None


def _tool_turn(response: ChatResponse) -> bool:
    """A turn that only calls tools: the JSON answer comes in a later turn."""
    return bool(response.tool_calls) and not response.text.strip()


def _json_valid(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    why = wants_json(case, reference)
    if why is None:
        return skipped("JSON not expected")
    if _tool_turn(response):
        return skipped("tool call turn (no answer text)")
    ok = parse_json_strict(response.text) is not _MISSING
    detail = "valid JSON" if ok else f"not valid JSON ({why})"
    if not ok and is_fenced_json(response.text):
        detail = f"JSON wrapped in a code fence ({why})"
    return passed(ok, detail)


def _json_schema(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    rf = case.request.response_format
    if rf is None or rf.type != "json_schema" or not rf.json_schema:
        return skipped("no JSON schema requested")
    if _tool_turn(response):
        return skipped("tool call turn (no answer text)")
    value = parse_json_strict(response.text)
    if value is _MISSING:
        return passed(False, "not valid JSON")
    validator = schema_validator(rf.json_schema.get("schema", rf.json_schema))
    if validator.is_valid(value):
        return passed(True, "conforms to the schema")
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    first = errors[0]
    where = "/".join(str(p) for p in first.path) or "(root)"
    return passed(False, f"{where}: {first.message}", errors=[e.message for e in errors[:10]])


def _json_fence(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    if wants_json(case, reference) is None:
        return skipped("JSON not expected")
    if _tool_turn(response):
        return skipped("tool call turn (no answer text)")
    fenced = is_fenced_json(response.text)
    return passed(not fenced, "JSON wrapped in a code fence" if fenced else "no code fence")


_MD_PATTERNS: dict[str, re.Pattern[str]] = {
    "headings": re.compile(r"^\s{0,3}#{1,6}\s+\S", re.MULTILINE),
    "bullets": re.compile(r"^\s*[-*+]\s+\S", re.MULTILINE),
    "numbered": re.compile(r"^\s*\d+[.)]\s+\S", re.MULTILINE),
    "table_rows": re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE),
    "code_blocks": re.compile(r"^\s*```", re.MULTILINE),
    "emphasis": re.compile(r"(\*\*|__)[^*_\n]+\1"),
}


def markdown_features(text: str) -> dict[str, int]:
    """Counts of markdown structures (code fences counted as blocks)."""
    return dict(_markdown_counts(text))


@lru_cache(maxsize=256)
def _markdown_counts(text: str) -> tuple[tuple[str, int], ...]:
    """The counts, once per text: each case's baseline answer is the reference of both its
    own check and the candidate's."""
    counts = {k: len(p.findall(text)) for k, p in _MD_PATTERNS.items()}
    counts["code_blocks"] //= 2
    return tuple(counts.items())


def _markdown_drift(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    if reference is None:
        return skipped("no baseline response")
    if wants_json(case, reference) is not None:
        return skipped("JSON answer")
    a, b = markdown_features(reference.text), markdown_features(response.text)
    present = [k for k in a if a[k] or b[k]]
    if not present:
        return scored(1.0, "plain text in both", baseline=a, response=b)
    sims = {k: min(a[k], b[k]) / max(a[k], b[k]) for k in present}
    score = sum(sims.values()) / len(sims)
    drift = [f"{k} {a[k]}->{b[k]}" for k in present if a[k] != b[k]]
    detail = "same structure" if not drift else "structure changed: " + ", ".join(drift)
    return scored(score, detail, baseline=a, response=b)


def _length_ratio(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    if reference is None or response.tool_calls or reference.tool_calls:
        return skipped("no text baseline")
    base = len(reference.text.strip())
    if base == 0:
        return skipped("empty baseline text")
    ratio = len(response.text.strip()) / base
    return valued(ratio, f"{ratio:.2f}x the baseline's length", chars=len(response.text))


def _truncation(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    cut = response.finish_reason == "length"
    return passed(not cut, "truncated (finish_reason length)" if cut else "complete")


_REFUSAL_RE = re.compile(
    r"^\W*(?:i(?:'|’)m sorry,? but |sorry,? but |unfortunately,? )?"
    r"(?:i (?:can(?:'|’)?t|cannot|won(?:'|’)t|am unable to|(?:'|’)m unable to|am not able to|"
    r"(?:'|’)m not able to) (?:help|assist|comply|provide|do that|answer|fulfil|fulfill|share|"
    r"create|generate|engage)|as an ai\b[^.]{0,60}\b(?:can(?:'|’)?t|cannot|unable))",
    re.IGNORECASE,
)


def is_refusal(response: ChatResponse) -> str | None:
    """Why ``response`` looks like a refusal, or ``None``."""
    if response.refusal:
        return "the model returned a refusal"
    if response.finish_reason in ("refusal", "content_filter"):
        return f"finish_reason {response.finish_reason}"
    if not response.tool_calls and _REFUSAL_RE.search(response.text[:300]):
        return "refusal wording"
    return None


def _refusal(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    why = is_refusal(response)
    return passed(why is None, why or "answered")


JSON_VALID = register(
    Check(
        "json_valid",
        "pass",
        _json_valid,
        "valid JSON when asked or when the baseline was JSON",
        margin=0.02,
    )
)
JSON_SCHEMA = register(
    Check("json_schema", "pass", _json_schema, "conforms to the requested JSON Schema", margin=0.02)
)
JSON_FENCE = register(
    Check(
        "json_fence", "pass", _json_fence, "JSON not wrapped in a markdown code fence", margin=0.02
    )
)
MARKDOWN_DRIFT = register(
    Check(
        "markdown_drift",
        "score",
        _markdown_drift,
        "markdown structure similar to the baseline's (1 = same)",
        margin=0.05,
    )
)
LENGTH_RATIO = register(
    Check(
        "length_ratio",
        "value",
        _length_ratio,
        "answer length relative to the baseline's",
        direction="lower",
        margin=0.25,
        gate=False,
    )
)
TRUNCATION = register(
    Check("truncation", "pass", _truncation, "not cut off (finish_reason length)", margin=0.02)
)
REFUSAL = register(Check("refusal", "pass", _refusal, "answers rather than refuses", margin=0.02))
