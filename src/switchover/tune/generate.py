"""Variants written by a model from the cases where the candidate regressed.

The rewriting prompt is part of the tune result (shown to the user) so what the generator was
asked is never hidden. Format (the simulator recognises it, and so can any model): the system
message starts with ``[switchover-rewrite]``; the user message holds
``<original_prompt>``, ``<regressions>`` (``- metric: N of M cases`` lines, most frequent
first), ``<examples>`` and ``<count>N</count>``; the answer is JSON
``{"variants": [{"name", "system_prompt", "rationale"}]}`` (a code fence is tolerated).
"""

from __future__ import annotations

import json
import re
from typing import Any

from switchover.chat import ChatRequest, Message, ResponseFormat
from switchover.errors import ProviderError, SwitchoverError
from switchover.evaluate.results import CaseResult, EvalReport
from switchover.providers.base import Provider
from switchover.tune.compare import regression_counts
from switchover.tune.variants import ORIGINAL, Variant

__all__ = ["REWRITE_MARKER", "generate_variants", "parse_rewrites", "rewriting_request"]

REWRITE_MARKER = "[switchover-rewrite]"  # same string as providers.sim.instructions

_SYSTEM = (
    f"{REWRITE_MARKER} You improve the system prompt of an application that is moving to a "
    "new model. You are shown the current prompt, the checks on which the new model's "
    "answers got worse than the old model's, and examples. Write alternative system prompts "
    "that keep the application's intent and fix those regressions with clear, explicit "
    "instructions. Do not add facts. Answer with JSON only: "
    '{"variants": [{"name": "short-name", "system_prompt": "...", "rationale": "..."}]}'
)


def _clip(text: str, n: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _example(r: CaseResult) -> str:
    base = r.baseline[0].response if r.baseline and r.baseline[0].response else None
    cand = next((o for o in r.candidate_outputs if o.response is not None), None)
    details = []
    for o in r.candidate_outputs[:1]:
        for name in r.regressions:
            check = o.checks.get(name)
            if check is not None and check.detail:
                details.append(f"{name}: {_clip(check.detail, 160)}")
    return (
        f"<case id={r.case_id!r} regressed={','.join(r.regressions)!r}>\n"
        f"request: {_clip(r.prompt_preview)}\n"
        f"old model: {_clip(_answer(base))}\n"
        f"new model: {_clip(_answer(cand.response if cand else None))}\n"
        + "".join(f"check {d}\n" for d in details)
        + "</case>"
    )


def _answer(resp: Any) -> str:
    if resp is None:
        return "(no answer)"
    calls = " ".join(f"{c.name}({c.arguments_raw})" for c in resp.tool_calls)
    return (resp.text or resp.refusal or "") + (f" [tool calls: {calls}]" if calls else "")


def rewriting_request(
    model: str,
    original: str,
    report: EvalReport,
    *,
    count: int,
    label: str = ORIGINAL,
    max_examples: int = 6,
) -> ChatRequest:
    """The request asking ``model`` for ``count`` rewritten prompts, built from the cases
    where candidate ``label`` regressed in ``report``."""
    counts = regression_counts(report, label)
    total = sum(1 for r in report.cases if r.candidate == label)
    regressed = [r for r in report.cases if r.candidate == label and r.regressions]
    # examples: round-robin over the regressed metrics so each one is shown
    picked: list[CaseResult] = []
    for name in counts:
        for r in regressed:
            if name in r.regressions and r not in picked:
                picked.append(r)
                break
    for r in regressed:
        if len(picked) >= max_examples:
            break
        if r not in picked:
            picked.append(r)
    lines = "\n".join(f"- {n}: {k} of {total} cases" for n, k in counts.items()) or "(none)"
    user = (
        f"<original_prompt>\n{original}\n</original_prompt>\n"
        f"<regressions>\n{lines}\n</regressions>\n"
        "<examples>\n" + "\n".join(_example(r) for r in picked[:max_examples]) + "\n</examples>\n"
        f"Write <count>{count}</count> variants."
    )
    return ChatRequest(
        model=model,
        messages=[Message.system(_SYSTEM), Message.user(user)],
        response_format=ResponseFormat(type="json_object"),
    )


def parse_rewrites(text: str, *, count: int) -> list[Variant]:
    """Variants from the generator's answer; a clear error when it is not the asked JSON."""
    body = re.sub(r"^\s*```[a-zA-Z]*\s*\n|\n\s*```\s*$", "", text.strip())
    try:
        data = json.loads(body)
        items = data["variants"]
        if not isinstance(items, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise SwitchoverError(
            "the generator's answer is not the JSON asked for",
            hint='It must be {"variants": [{"name": ..., "system_prompt": ...}]}; got: '
            + text[:200],
        ) from None
    out: list[Variant] = []
    for i, item in enumerate(items[:count]):
        if not isinstance(item, dict) or not isinstance(item.get("system_prompt"), str):
            continue
        raw = re.sub(r"[^A-Za-z0-9_.:\-]+", "-", str(item.get("name") or "")).strip("-")
        name = f"gen-{i + 1}" + (f"-{raw[:40]}" if raw else "")
        out.append(
            Variant(
                name=name,
                system_prompt=item["system_prompt"],
                description=str(item.get("rationale") or ""),
                source="generated",
            )
        )
    if not out:
        raise SwitchoverError(
            "the generator returned no usable variants",
            hint="Each variant needs a system_prompt string.",
        )
    return out


async def generate_variants(
    provider: Provider, request: ChatRequest, *, count: int
) -> list[Variant]:
    """Ask the generator and parse its variants."""
    try:
        resp = await provider.complete(request)
    except ProviderError as exc:
        raise SwitchoverError(
            f"the generator {request.model} failed: {exc.message}",
            hint="Check --generator and its upstream, or write variants in a --variants file.",
        ) from None
    return parse_rewrites(resp.text, count=count)
