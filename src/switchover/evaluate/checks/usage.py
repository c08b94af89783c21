"""Value metrics per case: cost, tokens, latency and time to first token."""

from __future__ import annotations

import importlib
from typing import Any

from switchover.chat import ChatResponse, Usage
from switchover.evaluate.checks.base import Check, register, skipped, valued
from switchover.evaluate.results import Case, CheckResult

__all__ = ["response_cost"]


def response_cost(model: str, usage: Usage) -> float | None:
    """USD cost from the catalog (``get_catalog().cost``), or ``None`` when unknown."""
    try:
        catalog_mod: Any = importlib.import_module("switchover.catalog")
        catalog = catalog_mod.get_catalog()
        cost = catalog.cost(model, usage)
    except (ImportError, AttributeError):
        return None
    return None if cost is None else float(cost)


def _cost(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    cost = response_cost(response.model, response.usage)
    if cost is None:
        return skipped(f"no price known for {response.model}")
    return valued(cost, f"${cost:.6f}")


def _latency(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    if response.latency_s is None:
        return skipped("latency not measured")
    return valued(response.latency_s, f"{response.latency_s * 1000:.0f} ms")


def _ttft(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    if response.ttft_s is None:
        return skipped("not streamed")
    return valued(response.ttft_s, f"{response.ttft_s * 1000:.0f} ms to first token")


def _output_tokens(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    u = response.usage
    if u.output_tokens == 0 and u.input_tokens == 0:
        return skipped("no usage reported")
    return valued(float(u.output_tokens), f"{u.output_tokens} output tokens")


def _input_tokens(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    u = response.usage
    if u.input_tokens == 0:
        return skipped("no usage reported")
    return valued(float(u.input_tokens), f"{u.input_tokens} input tokens")


COST = register(
    Check(
        "cost_usd",
        "value",
        _cost,
        "cost per call in USD (catalog prices)",
        direction="lower",
        margin=0.10,
        relative=True,
        gate=False,
    )
)
LATENCY = register(
    Check(
        "latency_s",
        "value",
        _latency,
        "end-to-end latency in seconds",
        direction="lower",
        margin=0.25,
        relative=True,
        gate=False,
    )
)
TTFT = register(
    Check(
        "ttft_s",
        "value",
        _ttft,
        "time to first token in seconds (streaming)",
        direction="lower",
        margin=0.25,
        relative=True,
        gate=False,
    )
)
OUTPUT_TOKENS = register(
    Check(
        "output_tokens",
        "value",
        _output_tokens,
        "output tokens per call",
        direction="lower",
        margin=0.25,
        relative=True,
        gate=False,
    )
)
INPUT_TOKENS = register(
    Check(
        "input_tokens",
        "value",
        _input_tokens,
        "input tokens per call (prompt after adaptation)",
        direction="lower",
        margin=0.10,
        relative=True,
        gate=False,
    )
)
