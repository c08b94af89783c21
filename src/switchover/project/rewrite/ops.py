"""Parameter operations for a call site, parsed from the scanner's parameter problems."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from switchover.scan.findings import ParamProblem

__all__ = ["ParamOp", "literal_text", "ops_from_problems", "short_reason"]

OpKind = Literal["rename", "drop", "set", "add_default"]

_FIX = re.compile(r"^(?P<kind>[a-z_]+)(?: -> (?P<new>[A-Za-z0-9_.]+))?(?: = (?P<value>.+))?$")


@dataclass(frozen=True)
class ParamOp:
    """One change to a call's keyword arguments."""

    kind: OpKind
    param: str
    new_param: str | None = None
    value: Any = None
    reason: str = ""


def short_reason(message: str, limit: int = 110) -> str:
    """The provider's message trimmed to one comment line."""
    text = " ".join(message.split())
    sentences = [x.strip().rstrip(".") for x in text.split(". ") if x.strip()]
    plain = [x for x in sentences if "<" not in x and not x.startswith("Unsupported")]
    first = (plain or sentences or [""])[0]
    return first if len(first) <= limit else first[: limit - 3] + "..."


def ops_from_problems(problems: list[ParamProblem]) -> tuple[list[ParamOp], list[str]]:
    """Operations the rewrite can apply, and notes for the fixes it cannot
    (``translate``, ``replace_value``, problems without a fix)."""
    ops: list[ParamOp] = []
    notes: list[str] = []
    seen: set[tuple[str, str]] = set()
    for p in problems:
        m = _FIX.match(p.fix or "")
        if m is None:
            notes.append(f"{p.param}: no automatic fix ({short_reason(p.message)})")
            continue
        kind = m.group("kind")
        if (kind, p.param) in seen:
            continue
        seen.add((kind, p.param))
        value: Any = None
        if m.group("value") is not None:
            try:
                value = ast.literal_eval(m.group("value"))
            except (ValueError, SyntaxError):
                notes.append(f"{p.param}: fix {p.fix!r} has a value the rewrite cannot write")
                continue
        reason = short_reason(p.message)
        if kind == "rename" and m.group("new"):
            ops.append(ParamOp("rename", p.param, new_param=m.group("new"), reason=reason))
        elif kind == "drop":
            ops.append(ParamOp("drop", p.param, reason=reason))
        elif kind in ("set", "add_default") and value is not None:
            ops.append(ParamOp(kind, p.param, value=value, reason=reason))  # type: ignore[arg-type]
        else:
            notes.append(f"{p.param}: {p.fix} must be applied by hand ({reason})")
    return ops, notes


def literal_text(value: Any, *, language: Literal["python", "ts"]) -> str:
    """Source text of a JSON-like value in Python or TypeScript."""
    if isinstance(value, bool):
        if language == "python":
            return "True" if value else "False"
        return "true" if value else "false"
    if value is None:
        return "None" if language == "python" else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value) if language == "python" else json.dumps(value)
