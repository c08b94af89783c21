"""The check protocol and the registry of checks by name."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema

from switchover.chat import ChatResponse
from switchover.errors import UsageError
from switchover.evaluate.results import Case, CheckResult, Direction, MetricKind, MetricSpec

__all__ = [
    "REGISTRY",
    "Check",
    "CheckFn",
    "get_check",
    "passed",
    "register",
    "resolve_checks",
    "schema_validator",
    "scored",
    "skipped",
    "valued",
]

CheckFn = Callable[[Case, ChatResponse | None, ChatResponse], CheckResult]


@dataclass(frozen=True)
class Check:
    """A named, pure check: ``(case, reference, response) -> CheckResult``.

    ``reference`` is the baseline's response for this case (the recorded one, else the
    baseline's first repeat), ``response`` is the output being checked: checks run on the
    baseline's outputs too, so every metric is a paired comparison. The metric defaults
    (direction, margin, gate) become the :class:`MetricSpec` unless the user overrides them."""

    name: str
    kind: MetricKind
    fn: CheckFn
    description: str = ""
    direction: Direction = "higher"
    margin: float = 0.0
    relative: bool = False
    gate: bool = True
    bounds: tuple[float, float] | None = None

    def __call__(
        self, case: Case, reference: ChatResponse | None, response: ChatResponse
    ) -> CheckResult:
        _built.last = None
        result = self.fn(case, reference, response)
        if result.name != self.name or result.kind != self.kind:
            if _built.made(result):  # by a builder during this call: nobody else has it
                fields = result.__dict__
                fields["name"], fields["kind"] = self.name, self.kind
            else:  # a result the function may share (a constant, a memo): never mutated
                result = result.model_copy(update={"name": self.name, "kind": self.kind})
        _built.last = None
        return result

    def spec(self) -> MetricSpec:
        bounds = self.bounds
        if bounds is None and self.kind in ("pass", "score"):
            bounds = (0.0, 1.0)
        return MetricSpec(
            name=self.name,
            kind=self.kind,
            direction=self.direction,
            margin=self.margin,
            relative=self.relative,
            gate=self.gate,
            bounds=bounds,
            description=self.description,
        )


class _Built:
    """The result the last builder call made (``Check.__call__`` stamps that one in place,
    saving a copy per check and output; any other result is copied before stamping)."""

    last: CheckResult | None = None

    def made(self, result: CheckResult) -> bool:
        return result is self.last


_built = _Built()


# Result builders for check functions; ``Check.__call__`` stamps the check's name and kind.
def passed(ok: bool, detail: str = "", **data: Any) -> CheckResult:
    _built.last = r = CheckResult(name="", kind="pass", passed=ok, detail=detail, data=data)
    return r


def scored(score: float, detail: str = "", **data: Any) -> CheckResult:
    _built.last = r = CheckResult(name="", kind="score", score=score, detail=detail, data=data)
    return r


def valued(value: float | None, detail: str = "", **data: Any) -> CheckResult:
    if value is None:
        return skipped(detail or "no value")
    _built.last = r = CheckResult(name="", kind="value", value=value, detail=detail, data=data)
    return r


def skipped(detail: str = "") -> CheckResult:
    _built.last = r = CheckResult(name="", kind="pass", applicable=False, detail=detail)
    return r


@lru_cache(maxsize=512)
def _compiled(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    return jsonschema.validators.validator_for(schema)(schema)


def schema_validator(schema: dict[str, Any]) -> Any:
    """A ``jsonschema`` validator for ``schema``, compiled once per distinct schema (every
    case of a dataset usually offers the same tools and asks for the same format)."""
    try:
        key = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON-serialisable: validate without the cache
        return jsonschema.validators.validator_for(schema)(schema)
    return _compiled(key)


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Add ``check`` to the registry (a later registration with the same name replaces it)."""
    REGISTRY[check.name] = check
    return check


def get_check(name: str) -> Check:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UsageError(
            f"unknown check {name!r}",
            hint="Known checks: " + ", ".join(sorted(REGISTRY)),
        ) from None


def resolve_checks(names: Iterable[str]) -> list[Check]:
    """Checks by name, in order, without duplicates."""
    seen: dict[str, Check] = {}
    for n in names:
        seen.setdefault(n, get_check(n))
    return list(seen.values())
