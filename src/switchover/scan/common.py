"""Helpers shared by the extractors: suppression comments, test paths, context hints."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from switchover.scan.facts import Expr
    from switchover.scan.sdk import CallKind

__all__ = [
    "MODEL_KEYS",
    "PRICE_HINT",
    "call_fields",
    "is_test_path",
    "suppression",
]

_SUPPRESS = re.compile(r"switchover:\s*ignore(?:\[([^\]]*)\])?")
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|spec|specs|fixtures?|testdata|__fixtures__|mocks?)/"
    r"|(?:^|/)test_[^/]*$|_test\.(?:py|go)$|\.(?:test|spec)\.[jt]sx?$|Tests?\.(?:java|cs)$"
)
PRICE_HINT = re.compile(r"pric|cost|rate|tariff|billing|per_?m?tok|usd|dollar", re.IGNORECASE)
# Keys that hold a model (all spellings compared lower-cased without "_" / "-").
MODEL_KEYS = frozenset(
    {
        "model",
        "modelid",
        "modelname",
        "llm",
        "engine",
        "deployment",
        "deploymentname",
        "azuredeployment",
        "chatmodel",
        "defaultmodel",
        "embeddingmodel",
        "modelversion",
        "fallbackmodel",
    }
)


def is_test_path(rel: str) -> bool:
    return _TEST_PATH.search(rel) is not None


def suppression(lines: list[str], line: int, end_line: int | None = None) -> str | None:
    """The reason of a ``switchover: ignore[reason]`` on the line above or on lines
    ``line``..``end_line`` (1-based) of a finding."""
    for idx in (line - 2, *range(line - 1, max(end_line or line, line))):
        if 0 <= idx < len(lines):
            m = _SUPPRESS.search(lines[idx])
            if m:
                return m.group(1) or "ignored"
    return None


def call_fields(
    kind: CallKind, expr: Expr, params: dict[str, Any], is_test: bool
) -> dict[str, Any]:
    """RawSite fields for a recognised SDK call."""
    return {
        "kind": "call",
        "context": "test_fixture" if is_test else "call_argument",
        "expr": expr,
        "sdk": kind.sdk,
        "api": kind.api,
        "provider": kind.provider,
        "platform": kind.platform,
        "params": params,
        "deployment": kind.deployment,
    }
